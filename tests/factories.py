"""Small factories: each test builds only the rows it needs."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from offices.models import HandlingUnit
from offices.roles import SUPERVISORS_GROUP
from proposals.models import (
    Assignment,
    OutcomeClass,
    Proposal,
    Proposer,
    Rating,
    ReplyLetter,
    SatisfactionForm,
    Session,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pass-word-123")


class SupervisorFactory(UserFactory):
    @factory.post_generation
    def supervisors_group(user, create, extracted, **kwargs):
        user.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))


class HandlingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandlingUnit

    name = factory.Sequence(lambda n: f"承办单位{n}")
    doc_prefix = factory.Sequence(lambda n: f"单位{n}字")


def unit_staff(unit: HandlingUnit, **kwargs):
    user = UserFactory(**kwargs)
    unit.staff.add(user)
    return user


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        django_get_or_create = ["committee", "term", "meeting"]

    committee = "市政协"
    term = 14
    meeting = 5
    year = 2025


class ProposerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposer

    name = factory.Sequence(lambda n: f"李{n}")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"关于第{n}件事的建议")
    proposer = factory.SubFactory(ProposerFactory)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    proposal = factory.SubFactory(ProposalFactory)
    unit = factory.SubFactory(HandlingUnitFactory)
    assigned_on = datetime.date(2025, 2, 1)
    due_on = datetime.date(2025, 5, 1)


class ReplyLetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyLetter

    assignment = factory.SubFactory(AssignmentFactory)
    unit = factory.SelfAttribute("assignment.unit")
    doc_number = factory.Sequence(lambda n: f"单位字〔2025〕{n + 1}号")
    outcome_class = factory.LazyFunction(lambda: OutcomeClass.objects.get(code="A1"))
    title = "关于提案答复的函"
    addressee = "尊敬的委员"
    signing_unit = factory.SelfAttribute("assignment.unit.name")
    signed_on = datetime.date(2025, 4, 29)
    contact_name = "联系人"
    contact_phone = "13800000000"


class SatisfactionFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SatisfactionForm

    reply = factory.SubFactory(ReplyLetterFactory)
    rater = factory.SelfAttribute("reply.assignment.proposal.proposer")
    attitude_rating = Rating.SATISFIED
    result_rating = Rating.SATISFIED
