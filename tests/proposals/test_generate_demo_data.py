"""generate_demo_data: a realistic data set, the same for a seed, never mixed with real data."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from offices.models import HandlingUnit
from proposals import demo_data
from proposals.letters.doc_numbers import split_doc_number
from proposals.models import (
    Assignment,
    AssignmentRole,
    FormChannel,
    FormInvitation,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Proposer,
    Rating,
    ReplyLetter,
    SatisfactionForm,
    Session,
)
from tests.factories import ReplyLetterFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)
ANSWERING = [AssignmentRole.LEAD, AssignmentRole.SEPARATE]  # the units that answer the proposer


@pytest.fixture
def counts():
    return demo_data.generate(300, seed=7, today=TODAY)


def generate(*options) -> str:
    out = StringIO()
    call_command("generate_demo_data", *options, stdout=out)
    return out.getvalue()


def test_sessions_over_the_years_all_marked_generated(counts):
    sessions = Session.objects.order_by("year")
    assert counts["sessions"] == sessions.count() == 3
    assert [(s.committee, s.term, s.meeting, s.year) for s in sessions] == [
        ("市政协", 10, 1, 2024),
        ("市政协", 10, 2, 2025),
        ("市政协", 10, 3, 2026),
    ]
    assert all(session.generated for session in sessions)
    assert Proposal.objects.count() == counts["proposals"] == 300
    assert counts["units"] == HandlingUnit.objects.count() >= 60


def test_a_national_set_has_yearly_sessions_of_at_most_5000():
    assert demo_data.session_sizes(100_000) == [5000] * 20
    assert demo_data.committee_for(100_000).name == "全国政协"
    assert sum(demo_data.session_sizes(12_345)) == 12_345


def test_proposals_have_chinese_titles_and_one_to_three_assignments_lead_first(counts):
    titles = Proposal.objects.values_list("title", flat=True)
    assert all(12 <= len(title) <= 40 and title.startswith("关于") for title in titles)
    assert len(set(titles)) > 250
    registered = Proposal.objects.exclude(
        status__in=[ProposalStatus.NOT_REGISTERED, ProposalStatus.MERGED]
    )
    per_proposal = Counter(Assignment.objects.values_list("proposal", flat=True))
    assert set(per_proposal) == set(registered.values_list("pk", flat=True))
    assert set(per_proposal.values()) == {1, 2, 3}
    for proposal in registered.prefetch_related("assignments"):
        assignments = sorted(proposal.assignments.all(), key=lambda a: a.pk)
        assert assignments[0].role == AssignmentRole.LEAD
        assert all(a.role != AssignmentRole.LEAD for a in assignments[1:])
        assert all(a.due_on == a.assigned_on + relativedelta(months=3) for a in assignments)
        assert all(a.assigned_on.year == proposal.session.year for a in assignments)
    assert Proposal.objects.filter(is_key=True).exists()
    assert Proposal.co_signers.through.objects.exists()
    assert Proposal.objects.filter(status=ProposalStatus.MERGED, merged_into__isnull=False).exists()


def test_replies_in_every_outcome_class_read_like_letters(counts):
    codes = OutcomeClass.objects.filter(scheme__is_default=True).values_list("code", flat=True)
    answers = ReplyLetter.objects.filter(assignment__role__in=ANSWERING)
    assert set(answers.values_list("outcome_class__code", flat=True)) == set(codes)
    groups = Counter(answers.values_list("outcome_class__group", flat=True))
    assert groups["A"] > groups["B"] > groups["C"] > 0
    doc_numbers = set()
    for reply in answers.select_related("unit"):
        number = split_doc_number(reply.doc_number)
        assert number.prefix == reply.unit.doc_prefix
        assert (number.year, number.sequence) == (reply.doc_year, reply.doc_sequence)
        assert number.year == reply.signed_on.year
        doc_numbers.add((reply.unit_id, reply.doc_number))
        assert 800 <= len(reply.body) <= 3100
        assert "\n\n" in reply.body and reply.proposal_title in reply.body
        assert reply.title.startswith("关于市政协十届") and "号提案" in reply.title
        assert reply.signed_on <= TODAY and reply.contact_phone and reply.copied_to
    assert len(doc_numbers) == answers.count()
    late = answers.filter(round=1, signed_on__gt=F("assignment__due_on")).count()
    assert 0.02 < late / answers.filter(round=1).count() < 0.2
    assert 0.7 < answers.filter(is_published=True).count() / answers.count() < 1


def test_about_nine_in_ten_replies_come_back_with_the_first_proposers_form(counts):
    answers = ReplyLetter.objects.filter(assignment__role__in=ANSWERING)
    forms = SatisfactionForm.objects.all()
    assert 0.8 < forms.count() / answers.count() < 0.97
    assert not forms.exclude(rater=F("reply__assignment__proposal__proposer")).exists()
    assert not forms.filter(reply__assignment__role=AssignmentRole.CO_HANDLING).exists()
    results = Counter(forms.values_list("result_rating", flat=True))
    assert results[Rating.SATISFIED] > results[Rating.BASICALLY_SATISFIED] > 0
    assert 0 < results[Rating.DISSATISFIED] < 0.08 * forms.count()
    online = forms.filter(channel=FormChannel.ONLINE)
    assert online.exists() and forms.filter(channel=FormChannel.PAPER).exists()
    assert not online.filter(invitation__isnull=True).exists()
    assert not online.exclude(invitation__reply=F("reply")).exists()
    assert FormInvitation.objects.count() == answers.count()


def test_dissatisfied_replies_are_handled_again(counts):
    reopened = Assignment.objects.filter(rehandling_round=2)
    assert reopened.exists()
    assert ReplyLetter.objects.filter(round=2).exists()
    for assignment in reopened.select_related("proposal"):
        form = SatisfactionForm.objects.get(reply__assignment=assignment, reply__round=1)
        assert Rating.DISSATISFIED in (form.attitude_rating, form.result_rating)
        assert assignment.rehandling_due_on == form.signed_on + relativedelta(months=1)
        second = assignment.replies.filter(round=2).first()
        if second:
            assert second.signed_on > form.signed_on
        else:
            assert assignment.proposal.status == ProposalStatus.REHANDLING
    dissatisfied = SatisfactionForm.objects.filter(reply__round=1, result_rating="dissatisfied")
    assert not dissatisfied.filter(reply__assignment__rehandling_round__isnull=True).exists()


def test_the_latest_session_owes_replies_past_their_due_date(counts):
    latest = Session.objects.latest("year")
    overdue = Assignment.objects.overdue(TODAY).filter(role__in=ANSWERING)
    assert overdue.filter(proposal__session=latest).count() >= 3
    assert (
        overdue.filter(proposal__session=latest).count()
        > overdue.exclude(proposal__session=latest).count()
    )


def test_statuses_follow_the_replies(counts):
    proposals = Proposal.objects.prefetch_related("assignments__replies")
    for proposal in proposals.exclude(
        status__in=[ProposalStatus.NOT_REGISTERED, ProposalStatus.MERGED]
    ):
        answering = [a for a in proposal.assignments.all() if a.role in ANSWERING]
        owing = [a for a in answering if a.rehandling_round and len(a.replies.all()) < 2]
        replied = [a for a in answering if a.replies.all()]
        if owing:
            assert proposal.status == ProposalStatus.REHANDLING
        elif replied:
            assert proposal.status == ProposalStatus.REPLIED
        else:
            assert proposal.status == ProposalStatus.ASSIGNED


def test_rows_pass_the_models_own_validation(counts):
    for model in (Proposal, Assignment, ReplyLetter, SatisfactionForm, Proposer):
        for row in model.objects.order_by("?")[:15]:
            row.full_clean()


def snapshot() -> list:
    return [
        list(Proposal.objects.order_by("session__year", "number").values_list("title", "status")),
        list(ReplyLetter.objects.order_by("doc_number").values_list("doc_number", "body")),
        list(
            SatisfactionForm.objects.order_by("signed_on", "reply__doc_number").values_list(
                "result_rating", "attitude_rating", "channel"
            )
        ),
        sorted(Proposer.objects.values_list("name", "email")),
    ]


def test_the_same_seed_gives_the_same_data():
    demo_data.generate(120, seed=3, today=TODAY)
    first = snapshot()
    demo_data.generate(120, seed=3, today=TODAY, replace=True)
    assert snapshot() == first
    demo_data.generate(120, seed=4, today=TODAY, replace=True)
    assert snapshot() != first


def test_the_number_of_queries_does_not_grow_with_the_rows(django_assert_max_num_queries):
    demo_data.generate(1, today=TODAY)  # the units and categories, made once
    queries = []
    for proposals in (500, 1000):  # five sessions each
        demo_data.delete_generated()
        with CaptureQueriesContext(connection) as captured:
            with django_assert_max_num_queries(90):  # about 15 a session
                demo_data.generate(proposals, today=TODAY)
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_refuses_a_database_with_real_proposals_unless_forced():
    real = ReplyLetterFactory()
    with pytest.raises(CommandError, match=r"holds 1 real proposal .*--force"):
        generate("--proposals", "50")
    assert not Session.objects.filter(generated=True).exists()

    generate("--proposals", "50", "--force")
    assert Proposal.objects.filter(session__generated=True).count() == 50
    assert ReplyLetter.objects.filter(pk=real.pk).exists()


def test_refuses_existing_demo_data_unless_replaced():
    output = generate("--proposals", "50", "--seed", "2")
    assert "Generated 1 sessions" in output and "50 proposals" in output
    proposers = Proposer.objects.count()
    with pytest.raises(CommandError, match="--replace"):
        generate("--proposals", "50")

    generate("--proposals", "80", "--replace")
    assert Proposal.objects.count() == 80
    assert Session.objects.filter(generated=True).count() == 1
    assert Proposer.objects.count() < proposers + 40  # the old demo proposers are gone


def test_replace_deletes_only_what_was_generated():
    real = ReplyLetterFactory()
    unit_count = HandlingUnit.objects.count()
    generate("--proposals", "50", "--force")
    generate("--proposals", "50", "--force", "--replace")
    assert Proposal.objects.count() == 51
    assert ReplyLetter.objects.filter(pk=real.pk).exists()
    assert HandlingUnit.objects.count() == unit_count + len(demo_data.UNITS)


def test_dry_run_writes_nothing():
    output = generate("--proposals", "50", "--dry-run")
    assert "rolled back" in output
    assert not Proposal.objects.exists()
