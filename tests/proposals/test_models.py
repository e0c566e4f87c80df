"""The database itself holds the rules: each constraint violated once."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from proposals.models import (
    Assignment,
    OutcomeClass,
    OutcomeScheme,
    Proposal,
    Proposer,
    ReplyLetter,
    SatisfactionForm,
    Session,
)
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def assert_rejected(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_session_prints_as_the_committee_does():
    assert str(SessionFactory(term=14, meeting=5)) == "市政协十四届五次会议"


def test_session_is_unique_per_committee_term_meeting():
    SessionFactory(term=14, meeting=5)
    assert_rejected(
        lambda: Session.objects.create(committee="市政协", term=14, meeting=5, year=2025)
    )


def test_session_term_must_be_positive():
    assert_rejected(lambda: Session.objects.create(term=0, meeting=1, year=2025))


def test_proposal_number_010_and_10_are_one_number():
    proposal = ProposalFactory(number=10)
    assert proposal.printed_number == "010"
    assert_rejected(
        lambda: ProposalFactory(
            session=proposal.session, number=int("010"), proposer=proposal.proposer
        )
    )


def test_same_number_in_another_session_is_fine():
    proposal = ProposalFactory(number=10)
    other = ProposalFactory(number=10, session=SessionFactory(meeting=4))
    assert other.pk != proposal.pk


def test_proposal_status_only_from_choices():
    proposal = ProposalFactory()
    assert_rejected(lambda: Proposal.objects.filter(pk=proposal.pk).update(status="lost"))


def test_merged_proposal_names_its_target():
    proposal = ProposalFactory()
    assert_rejected(lambda: Proposal.objects.filter(pk=proposal.pk).update(status="merged"))


def test_not_registered_proposal_has_a_reason():
    proposal = ProposalFactory()
    assert_rejected(lambda: Proposal.objects.filter(pk=proposal.pk).update(status="not_registered"))
    Proposal.objects.filter(pk=proposal.pk).update(
        status="not_registered", not_registered_reason="属于社情民意"
    )


def test_proposer_kind_only_from_choices():
    assert_rejected(lambda: Proposer.objects.create(name="某人", kind="robot"))


def test_assignment_due_not_before_assigned():
    assert_rejected(
        lambda: AssignmentFactory(
            assigned_on=datetime.date(2025, 3, 1), due_on=datetime.date(2025, 2, 1)
        )
    )


def test_assignment_one_per_unit_and_proposal():
    assignment = AssignmentFactory()
    assert_rejected(lambda: AssignmentFactory(proposal=assignment.proposal, unit=assignment.unit))


def test_assignment_role_only_from_choices():
    assignment = AssignmentFactory()
    assert_rejected(lambda: Assignment.objects.filter(pk=assignment.pk).update(role="boss"))


def test_outcome_class_code_unique_within_scheme():
    scheme = OutcomeScheme.objects.get(is_default=True)
    assert_rejected(
        lambda: OutcomeClass.objects.create(scheme=scheme, code="A1", group="A", definition="x")
    )


def test_only_one_default_scheme():
    assert_rejected(lambda: OutcomeScheme.objects.create(name="甲乙丙", is_default=True))


def test_document_number_unique_per_unit():
    reply = ReplyLetterFactory(doc_number="景国试管办案字〔2025〕1号")
    second = AssignmentFactory(unit=reply.unit)
    assert_rejected(lambda: ReplyLetterFactory(assignment=second, doc_number=reply.doc_number))
    # Another unit may print the same characters.
    ReplyLetterFactory(doc_number=reply.doc_number, assignment=AssignmentFactory())


def test_reply_round_unique_and_positive():
    reply = ReplyLetterFactory()
    assert_rejected(lambda: ReplyLetterFactory(assignment=reply.assignment, round=1))
    assert_rejected(lambda: ReplyLetter.objects.filter(pk=reply.pk).update(round=0))


def test_one_form_per_rater_per_reply():
    form = SatisfactionFormFactory()
    assert_rejected(lambda: SatisfactionFormFactory(reply=form.reply, rater=form.rater))


@pytest.mark.parametrize("field", ["attitude_rating", "result_rating", "channel"])
def test_form_ratings_and_channel_only_from_choices(field):
    form = SatisfactionFormFactory()
    assert_rejected(lambda: SatisfactionForm.objects.filter(pk=form.pk).update(**{field: "great"}))


def test_default_scheme_is_jingdezhen_a1_to_c2():
    scheme = OutcomeScheme.objects.get(is_default=True)
    codes = list(scheme.classes.values_list("code", "group"))
    assert codes == [
        ("A1", "A"),
        ("A2", "A"),
        ("A3", "A"),
        ("B1", "B"),
        ("B2", "B"),
        ("C1", "C"),
        ("C2", "C"),
    ]
    assert scheme.classes.get(code="A3").definition == "已有规定"


def test_form_title_mismatch_is_flagged():
    form = SatisfactionFormFactory(
        reply=ReplyLetterFactory(proposal_title="关于甲的建议"),
        proposal_title_on_form="关于乙的建议",
    )
    assert form.has_title_mismatch
    form.proposal_title_on_form = "关于甲的建议"
    assert not form.has_title_mismatch


def test_unit_is_unique_by_name():
    HandlingUnitFactory(name="市教育局")
    assert_rejected(lambda: HandlingUnitFactory(name="市教育局"))
