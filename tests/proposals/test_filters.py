"""The listing's filters: what each parameter finds, and what a malformed value says."""

import datetime

import pytest

from proposals.filters import ListingFilter, ReplyFilter, SupervisorListingFilter
from proposals.models import (
    Category,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Rating,
    ReplyLetter,
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


def numbers(params: dict, filterset=ListingFilter) -> list[int]:
    listing = filterset(params, queryset=Proposal.objects.all())
    assert listing.is_valid(), listing.errors
    return sorted(proposal.number for proposal in listing.qs)


def errors(params: dict, filterset=ListingFilter) -> dict:
    listing = filterset(params, queryset=Proposal.objects.all())
    assert not listing.is_valid()
    return listing.errors


def outcome(code: str) -> OutcomeClass:
    return OutcomeClass.objects.get(code=code)


def published_reply(**kwargs) -> ReplyLetter:
    return ReplyLetterFactory(is_published=True, **kwargs)


@pytest.fixture
def units():
    return HandlingUnitFactory(name="市文广局"), HandlingUnitFactory(name="市商务局")


def test_unit_and_class_must_hold_through_one_reply(units):
    culture, commerce = units
    proposal = ProposalFactory(number=1)
    published_reply(
        assignment__proposal=proposal, assignment__unit=culture, outcome_class=outcome("A1")
    )
    published_reply(
        assignment__proposal=proposal, assignment__unit=commerce, outcome_class=outcome("B1")
    )

    assert numbers({"unit": culture.pk, "outcome": "A1"}) == [1]
    assert numbers({"unit": commerce.pk, "group": "B"}) == [1]
    assert numbers({"unit": commerce.pk, "outcome": "A1"}) == []


def test_unit_finds_assigned_proposals_not_yet_answered(units):
    culture, _ = units
    AssignmentFactory(proposal__number=7, unit=culture)
    assert numbers({"unit": culture.pk}) == [7]


def test_outcome_code_and_group_letter():
    published_reply(assignment__proposal__number=1, outcome_class=outcome("A1"))
    published_reply(assignment__proposal__number=2, outcome_class=outcome("A3"))
    published_reply(assignment__proposal__number=3, outcome_class=outcome("C1"))

    assert numbers({"outcome": "A3"}) == [2]
    assert numbers({"group": "A"}) == [1, 2]
    assert numbers({"group": "C"}) == [3]


def test_public_filters_never_see_unpublished_replies():
    ReplyLetterFactory(assignment__proposal__number=1, outcome_class=outcome("A1"), body="窑火")
    assert numbers({"outcome": "A1"}) == []
    assert numbers({"q": "窑火"}) == []
    assert numbers({"outcome": "A1"}, SupervisorListingFilter) == [1]
    assert numbers({"q": "窑火"}, SupervisorListingFilter) == [1]


def test_ratings_are_the_first_proposers_form_and_none_means_not_returned():
    satisfied = published_reply(assignment__proposal__number=1)
    SatisfactionFormFactory(reply=satisfied, result_rating=Rating.BASICALLY_SATISFIED)
    dissatisfied = published_reply(assignment__proposal__number=2)
    SatisfactionFormFactory(
        reply=dissatisfied,
        attitude_rating=Rating.DISSATISFIED,
        result_rating=Rating.DISSATISFIED,
    )
    published_reply(assignment__proposal__number=3)  # no form came back

    assert numbers({"attitude": "satisfied"}) == [1]
    assert numbers({"result": "basically_satisfied"}) == [1]
    assert numbers({"attitude": "dissatisfied"}) == [2]
    assert numbers({"attitude": "none"}) == [3]
    assert numbers({"result": "any"}) == [1, 2]


def test_proposal_fields_session_year_category_key_status():
    older = SessionFactory(term=14, meeting=4, year=2024)
    health = Category.objects.create(name="医疗卫生")
    ProposalFactory(number=1, session=older)
    ProposalFactory(number=2, category=health, is_key=True, status=ProposalStatus.ASSIGNED)
    ProposalFactory(number=3, status=ProposalStatus.NOT_REGISTERED, not_registered_reason="重复")

    assert numbers({"session": older.pk}) == [1]
    assert numbers({"year": "2025"}) == [2, 3]
    assert numbers({"category": health.pk}) == [2]
    assert numbers({"key": "true"}) == [2]
    assert numbers({"key": "false"}) == [1, 3]
    assert numbers({"status": "not_registered"}) == [3]
    assert numbers({"status": "all_registered"}) == [2]


def test_keyword_finds_two_chinese_characters_in_titles_and_letter_text():
    ProposalFactory(number=1, title="关于发展陶瓷产业的建议")
    published_reply(assignment__proposal__number=2, body="做大做强龙头日用陶瓷企业")
    published_reply(assignment__proposal__number=3, proposal_title="关于陶瓷文化的建议")
    ProposalFactory(number=4, title="关于停车难的建议")

    assert numbers({"q": "陶瓷"}) == [1, 2, 3]
    assert numbers({"q": "  龙头  "}) == [2]
    assert errors({"q": "陶"}) == {"q": ["关键词至少两个字。"]}


@pytest.mark.parametrize(
    "params",
    [
        {"outcome": "Z9"},
        {"group": "Q"},
        {"session": "abc"},
        {"session": "99999999999999999999999"},
        {"unit": "-1"},
        {"attitude": "happy"},
        {"key": "maybe"},
        {"status": "lost"},
        {"year": "20x5"},
        {"sort": "price"},
        {"q": "x" * 101},
    ],
)
def test_malformed_values_are_named_not_ignored(params):
    assert set(errors(params)) == set(params)


def test_state_is_for_supervisors(units):
    culture, _ = units
    today = datetime.date.today()
    AssignmentFactory(proposal__number=1, unit=culture, due_on=today - datetime.timedelta(days=3))
    AssignmentFactory(proposal__number=2, unit=culture, due_on=today + datetime.timedelta(days=3))
    late = ReplyLetterFactory(assignment__proposal__number=3, signed_on=datetime.date(2025, 6, 1))
    on_time = ReplyLetterFactory(
        assignment__proposal__number=4, signed_on=datetime.date(2025, 4, 1)
    )
    assert late.assignment.due_on == on_time.assignment.due_on == datetime.date(2025, 5, 1)

    assert numbers({"state": "overdue"}, SupervisorListingFilter) == [1]
    assert numbers({"state": "pending"}, SupervisorListingFilter) == [2]
    assert numbers({"state": "replied"}, SupervisorListingFilter) == [3, 4]
    assert numbers({"state": "late"}, SupervisorListingFilter) == [3]
    assert numbers({"state": "on_time"}, SupervisorListingFilter) == [4]
    assert numbers({"state": "assigned"}, SupervisorListingFilter) == [1, 2, 3, 4]
    assert numbers({"state": "overdue", "outcome": "A1"}, SupervisorListingFilter) == []
    assert numbers({"published": "false"}, SupervisorListingFilter) == [3, 4]
    assert numbers({"state": "overdue"}) == [1, 2, 3, 4]  # not a public filter: ignored


def test_sort_by_number_date_and_class():
    session = SessionFactory()
    published_reply(
        assignment__proposal__number=1,
        assignment__proposal__session=session,
        outcome_class=outcome("B1"),
        signed_on=datetime.date(2025, 3, 1),
    )
    published_reply(
        assignment__proposal__number=2,
        assignment__proposal__session=session,
        outcome_class=outcome("A1"),
        signed_on=datetime.date(2025, 5, 1),
    )
    ProposalFactory(number=3, session=session)

    def order(sort):
        listing = ListingFilter({"sort": sort}, queryset=Proposal.objects.all())
        return [proposal.number for proposal in listing.qs]

    assert order("number") == [1, 2, 3]
    assert order("-number") == [3, 2, 1]
    assert order("-date") == [2, 1, 3]
    assert order("date") == [1, 2, 3]
    assert order("class") == [2, 1, 3]  # A1 before B; unanswered last either way
    assert order("-class") == [1, 2, 3]


def test_reply_rows_take_the_same_parameters():
    culture = HandlingUnitFactory()
    first = published_reply(assignment__unit=culture, outcome_class=outcome("A1"), body="陶瓷")
    published_reply(outcome_class=outcome("C1"))
    ReplyLetterFactory(assignment__unit=culture, outcome_class=outcome("A1"))  # unpublished

    def replies(params):
        rows = ReplyFilter(params, queryset=ReplyLetter.objects.published())
        assert rows.is_valid(), rows.errors
        return list(rows.qs)

    assert replies({"unit": culture.pk, "outcome": "A1"}) == [first]
    assert replies({"group": "A", "q": "陶瓷"}) == [first]
    assert replies({"attitude": "none", "group": "C"})[0].outcome_class.code == "C1"


def test_replies_sort_by_date_class_and_number():
    late = published_reply(outcome_class=outcome("A1"), signed_on=datetime.date(2025, 6, 1))
    early = published_reply(outcome_class=outcome("C1"), signed_on=datetime.date(2025, 3, 1))

    def order(sort):
        rows = ReplyFilter({"sort": sort}, queryset=ReplyLetter.objects.published())
        return list(rows.qs)

    assert order("date") == [early, late]
    assert order("-date") == [late, early]
    assert order("class") == [late, early]
    assert order("-class") == [early, late]
    assert order("number") == sorted(
        [early, late], key=lambda reply: reply.assignment.proposal.number
    )


def test_a_co_handling_opinion_counts_for_its_unit_not_for_the_proposal(units):
    """会办 opinions go to the lead unit: the proposal still waits for its lead unit's reply."""
    lead, co_handling = units
    proposal = ProposalFactory(number=1)
    AssignmentFactory(
        proposal=proposal,
        unit=lead,
        assigned_on=datetime.date(2024, 1, 1),
        due_on=datetime.date(2024, 4, 1),
    )
    ReplyLetterFactory(
        assignment__proposal=proposal,
        assignment__unit=co_handling,
        assignment__role="co_handling",
        assignment__assigned_on=datetime.date(2024, 1, 1),
        assignment__due_on=datetime.date(2024, 4, 1),
        signed_on=datetime.date(2024, 3, 1),
    )

    def supervised(params):
        return numbers(params, SupervisorListingFilter)

    assert supervised({"state": "replied"}) == []
    assert supervised({"state": "overdue"}) == [1]
    assert supervised({"attitude": "none"}) == []  # the proposer never rates an opinion
    assert supervised({"unit": co_handling.pk, "state": "on_time"}) == [1]
    assert supervised({"unit": co_handling.pk, "attitude": "none"}) == []


def test_proposals_without_a_category():
    ProposalFactory(number=1, category=Category.objects.create(name="经济"))
    ProposalFactory(number=2)
    assert numbers({"category": "none"}) == [2]


def test_ratings_are_the_final_rounds():
    first = published_reply(assignment__proposal__number=1)
    SatisfactionFormFactory(
        reply=first, attitude_rating=Rating.DISSATISFIED, result_rating=Rating.DISSATISFIED
    )
    second = published_reply(assignment=first.assignment, round=2)
    SatisfactionFormFactory(reply=second)

    assert numbers({"attitude": "dissatisfied"}) == []
    assert numbers({"attitude": "satisfied"}) == [1]


def test_forms_online_or_on_paper():
    online = published_reply(assignment__proposal__number=1)
    SatisfactionFormFactory(reply=online, channel="online")
    paper = published_reply(assignment__proposal__number=2)
    SatisfactionFormFactory(reply=paper, channel="paper")
    assert numbers({"channel": "online"}, SupervisorListingFilter) == [1]
    assert numbers({"channel": "paper"}, SupervisorListingFilter) == [2]
