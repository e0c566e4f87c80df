"""The supervisors' statistics page: every figure is the count of the listing it links to, the
rates are right, the page runs a fixed number of queries, and only supervisors see it."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from proposals import charts
from proposals.filters import SupervisorListingFilter
from proposals.models import (
    AssignmentRole,
    Category,
    OutcomeClass,
    Proposal,
    ProposalStatus,
    Rating,
)
from proposals.statistics import Rate
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SessionFactory,
    SupervisorFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

STATISTICS_URL = reverse("proposals:statistics")
SATISFIED, BASICALLY, DISSATISFIED = (
    Rating.SATISFIED,
    Rating.BASICALLY_SATISFIED,
    Rating.DISSATISFIED,
)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def outcome(code: str) -> OutcomeClass:
    return OutcomeClass.objects.get(code=code)


def assigned(proposal, unit, *, due_in: int = -30, **kwargs):
    """An assignment made 90 days before its due date, `due_in` days from today."""
    return AssignmentFactory(
        proposal=proposal, unit=unit, assigned_on=days(due_in - 90), due_on=days(due_in), **kwargs
    )


def replied(assignment, code: str, *, late: bool = False, round: int = 1, **kwargs):
    signed_on = assignment.due_on + datetime.timedelta(days=5 if late else -5)
    return ReplyLetterFactory(
        assignment=assignment,
        outcome_class=outcome(code),
        signed_on=signed_on,
        round=round,
        **kwargs,
    )


def rated(reply, attitude, result, **kwargs):
    return SatisfactionFormFactory(
        reply=reply, attitude_rating=attitude, result_rating=result, **kwargs
    )


@pytest.fixture
def supervisor_client(client):
    client.force_login(SupervisorFactory())
    return client


@pytest.fixture
def varied():
    """Two sessions; in the latest, three units, two categories and none, every class group,
    every rating, on time and late, one overdue and one pending, an unpublished reply, a
    proposal answered by two units, a re-handled dissatisfied reply, a co-signer's form, a
    voided form, a registered proposal not yet assigned and one not registered."""
    older = SessionFactory(term=14, meeting=4, year=2024)
    session = SessionFactory(term=14, meeting=5, year=2025)
    economy = Category.objects.create(name="经济发展")
    culture = Category.objects.create(name="文化旅游")
    culture_bureau = HandlingUnitFactory(name="市文化广电新闻出版旅游局")
    office = HandlingUnitFactory(name="国家试验区管委会办公室")
    commerce = HandlingUnitFactory(name="市商务局")

    def proposal(number, category=None, status=ProposalStatus.ASSIGNED, **kwargs):
        return ProposalFactory(
            session=kwargs.pop("in_session", session),
            number=number,
            category=category,
            status=status,
            **kwargs,
        )

    p1 = proposal(1, economy, ProposalStatus.REPLIED)
    rated(replied(assigned(p1, office), "A1", is_published=True), SATISFIED, SATISFIED)

    p2 = proposal(2, culture, ProposalStatus.REPLIED)  # two units
    rated(replied(assigned(p2, culture_bureau), "B1"), SATISFIED, DISSATISFIED)
    rated(
        replied(assigned(p2, office, role=AssignmentRole.SEPARATE), "A2", late=True),
        BASICALLY,
        BASICALLY,
    )

    p3 = proposal(3, economy, ProposalStatus.REPLIED)  # unpublished, no form back
    reply = replied(assigned(p3, commerce), "C1", is_published=False)
    # A form entered by mistake and voided counts for nothing.
    rated(reply, DISSATISFIED, DISSATISFIED, voided_at=timezone.now(), void_reason="录错了提案")

    p4 = proposal(4)  # overdue
    assigned(p4, commerce, due_in=-12)

    p5 = proposal(5, culture)  # pending
    assigned(p5, culture_bureau, due_in=40)

    p6 = proposal(6, economy, ProposalStatus.REPLIED)  # dissatisfied, handled again
    first = assigned(p6, office)
    rated(replied(first, "A3"), DISSATISFIED, DISSATISFIED)
    rated(replied(first, "A1", round=2, late=True), SATISFIED, BASICALLY)

    proposal(7, economy, ProposalStatus.REGISTERED)  # not yet assigned
    proposal(8, status=ProposalStatus.NOT_REGISTERED, not_registered_reason="不属于提案范围")

    p9 = proposal(9, culture, ProposalStatus.REPLIED, is_key=True)
    co_signer = ProposerFactory()
    p9.co_signers.add(co_signer)
    reply = replied(assigned(p9, commerce), "B2", is_published=True)
    rated(reply, DISSATISFIED, DISSATISFIED, rater=co_signer)  # not the first proposer's

    p10 = proposal(10, culture, ProposalStatus.REPLIED)  # no date on the letter
    ReplyLetterFactory(
        assignment=assigned(p10, culture_bureau, due_in=20),
        outcome_class=outcome("C2"),
        signed_on=None,
    )

    p11 = proposal(11, economy)  # a co-handling opinion sent; the lead unit not yet replied
    assigned(p11, commerce, due_in=30)
    replied(assigned(p11, office, role=AssignmentRole.CO_HANDLING, due_in=10), "A1")

    o1 = proposal(1, economy, ProposalStatus.REPLIED, in_session=older)
    rated(replied(assigned(o1, office), "A1"), DISSATISFIED, SATISFIED)
    assigned(proposal(2, in_session=older), commerce, due_in=-200)

    return {
        "session": session,
        "older": older,
        "economy": economy,
        "culture": culture,
        "office": office,
        "culture_bureau": culture_bureau,
        "commerce": commerce,
    }


def page(client, **params):
    response = client.get(STATISTICS_URL, params)
    assert response.status_code == 200
    return response


def every_figure(statistics):
    """(where, Figure) for each figure on the page."""
    for row in [statistics.total, *statistics.rows, *statistics.unit_rows]:
        for key, figure in row.figures.items():
            yield f"{row.label} · {key}", figure
        for group, figure in zip(statistics.groups, row.groups, strict=False):  # none by group
            yield f"{row.label} · {group}类", figure
    for mix in statistics.class_mix:
        yield f"{mix.group}类", mix.figure
        for code, figure in mix.codes:
            yield code.code, figure


def listing_count(client, url: str) -> int:
    """What the supervisors' listing at `url` counts, through the filter and through the page."""
    query = {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}
    listing = SupervisorListingFilter(query, queryset=Proposal.objects.all())
    assert listing.is_valid(), (url, listing.errors)
    count = listing.qs.count()
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.context["paginator"].count == count, url
    return count


@pytest.mark.parametrize(
    ("session", "by"),
    [(None, "unit"), (None, "category"), (None, "group"), ("all", "unit"), ("all", "group")],
)
def test_every_figure_is_the_count_of_the_listing_it_links_to(
    supervisor_client, varied, session, by
):
    params = {"by": by} | ({"session": session} if session else {})
    response = page(supervisor_client, **params)
    statistics = response.context["statistics"]
    assert statistics.session == (None if session == "all" else varied["session"])
    content = response.content.decode()

    counted = {}  # url: the listing's count (the unit rows are both the chart's and the table's)
    for where, figure in every_figure(statistics):
        assert figure.url, where
        if figure.url not in counted:
            counted[figure.url] = listing_count(supervisor_client, figure.url)
        assert counted[figure.url] == figure.value, (where, figure.url)
    # Every figure of the table, the cards and the class mix is on the page with its link.
    for row in [statistics.total, *statistics.rows]:
        for cell in row.cells:
            if cell is not None and cell.url:
                assert f'href="{escape(cell.url)}">{cell.value}</a>' in content
    for mix in statistics.class_mix:
        assert f'href="{escape(mix.figure.url)}">{mix.figure.value}</a>' in content
    assert len(counted) > 50


def test_figures_of_the_varied_set(supervisor_client, varied):
    statistics = page(supervisor_client).context["statistics"]
    total = {key: figure.value for key, figure in statistics.total.figures.items()}
    assert total["registered"] == 10  # all but 8, which was not registered
    assert total["assigned"] == 9
    assert total["replied"] == 6  # 1, 2, 3, 6, 9, 10 (not 11: only a co-handling opinion)
    assert total["on_time"] == 6  # 2 through the culture bureau; 10 has no date, not yet due
    assert total["late"] == 1  # 2 through the office (6's late reply is a second round)
    assert total["overdue"] == 1  # 4
    assert total["forms_returned"] == 3  # 1, 2, 6 (9's form is a co-signer's)
    assert total["forms_outstanding"] == 3  # 3, 9, 10
    # Final ratings: 6 was rated again after re-handling (its first round stays listed below).
    assert total["attitude_dissatisfied"] == 0
    assert total["result_dissatisfied"] == 1  # 2
    assert total["first_attitude_dissatisfied"] == 1  # 6, before re-handling
    assert total["first_result_dissatisfied"] == 2  # 2, 6
    units = {row.label: row for row in statistics.rows}
    office = units["国家试验区管委会办公室"]
    assert office.figures["assigned"].value == 4  # 1, 2, 6, 11
    assert office.figures["replied"].value == 4  # its opinion on 11 counts for the office
    assert office.figures["forms_outstanding"].value == 0  # nobody rates an opinion
    assert office.figures["late"].value == 1
    assert [case.proposal.number for case in statistics.dissatisfied] == [2, 6]
    assert [case.rehandled for case in statistics.dissatisfied] == [False, True]
    assert [(item.proposal.number, item.days_overdue) for item in statistics.overdue] == [(4, 12)]


def test_rates_on_a_hand_checked_set(supervisor_client):
    session = SessionFactory()
    first, second = HandlingUnitFactory(name="甲局"), HandlingUnitFactory(name="乙局")
    proposals = [ProposalFactory(session=session, number=n) for n in range(1, 6)]
    on_time = replied(assigned(proposals[0], first), "A1")
    rated(on_time, SATISFIED, SATISFIED)
    rated(replied(assigned(proposals[1], first), "A2"), DISSATISFIED, BASICALLY)
    replied(assigned(proposals[2], first), "B1", late=True)  # no form back
    assigned(proposals[3], first, due_in=30)  # pending
    assigned(proposals[4], second, due_in=-3)  # overdue

    statistics = page(supervisor_client).context["statistics"]
    rates = {key: rate.display for key, rate in statistics.total.rates.items()}
    assert rates == {
        "reply_rate": "60.0%",  # 3 ÷ 5
        "on_time_rate": "66.7%",  # 2 ÷ 3
        "attitude_rate": "50.0%",  # 1 ÷ 2
        "result_rate": "100.0%",  # 2 ÷ 2
    }
    units = {row.label: row for row in statistics.unit_rows}
    assert units["甲局"].rates["reply_rate"].display == "75.0%"
    assert units["乙局"].rates["reply_rate"].display == "0.0%"
    assert units["乙局"].rates["on_time_rate"].display == "—"
    assert units["乙局"].rates["attitude_rate"].display == "—"
    assert units["乙局"].figures["overdue"].value == 1
    shares = {mix.group: mix.share.display for mix in statistics.class_mix}
    assert shares == {"A": "66.7%", "B": "33.3%", "C": "0.0%"}


def test_a_proposal_rated_by_two_units_counts_once_in_a_satisfaction_rate(supervisor_client):
    proposal = ProposalFactory(session=SessionFactory())
    rated(replied(assigned(proposal, HandlingUnitFactory()), "A1"), SATISFIED, SATISFIED)
    rated(replied(assigned(proposal, HandlingUnitFactory()), "A2"), BASICALLY, BASICALLY)

    rate = page(supervisor_client).context["statistics"].total.rates["attitude_rate"]
    assert (rate.numerator, rate.denominator, rate.display) == (1, 1, "100.0%")


def test_rate_display():
    assert Rate(1, 3).display == "33.3%"
    assert Rate(2, 3).display == "66.7%"
    assert Rate(0, 0).display == "—"
    assert Rate(0, 4).display == "0.0%"


def some_units(count: int):
    """`count` units, each with a replied and rated proposal, an overdue one and a pending
    one, in two categories and every class group."""
    session = SessionFactory()
    categories = [Category.objects.create(name=name) for name in ("经济", "文化")]
    codes = ["A1", "B1", "C1"]
    for index in range(count):
        unit = HandlingUnitFactory()
        proposals = [
            ProposalFactory(session=session, category=categories[(index + n) % 2]) for n in range(3)
        ]
        rated(replied(assigned(proposals[0], unit), codes[index % 3]), SATISFIED, DISSATISFIED)
        assigned(proposals[1], unit, due_in=-5)
        assigned(proposals[2], unit, due_in=5)


@pytest.mark.parametrize("units", [2, 10])
@pytest.mark.parametrize("by", ["unit", "category", "group"])
def test_the_page_runs_a_fixed_number_of_queries(
    supervisor_client, django_assert_num_queries, units, by
):
    some_units(units)
    # The login session and the user, with their role (2); the sessions and the classes,
    # reference data that the cache keeps once read (but not in a test: its transaction never
    # commits); the page's own three: every figure, and the two lists.
    with django_assert_num_queries(7):
        response = supervisor_client.get(STATISTICS_URL, {"by": by})
    assert response.status_code == 200
    assert len(response.context["statistics"].unit_rows) == units


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(STATISTICS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_unit_staff_are_refused(client):
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert client.get(STATISTICS_URL).status_code == 403


def test_superusers_see_the_page(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="x-y-z-123"))
    assert client.get(STATISTICS_URL).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"session": "abc"}, "没有这次会议"),
        ({"session": "999999"}, "没有这次会议"),
        ({"by": "zzz"}, "不能按“zzz”分项"),
    ],
)
def test_bad_parameters_say_so(supervisor_client, params, message):
    SessionFactory()
    response = page(supervisor_client, **params)
    assert response.context["statistics"] is None
    assert message in response.content.decode()


def test_no_session_yet(supervisor_client):
    response = page(supervisor_client)
    statistics = response.context["statistics"]
    assert statistics.session is None
    assert statistics.total.figures["registered"].value == 0
    assert statistics.total.rates["reply_rate"].display == "—"


def test_charts_are_linked_accessible_svg_with_escaped_labels(supervisor_client):
    session = SessionFactory()
    unit = HandlingUnitFactory(name="<b>市局&amp;</b>")
    rated(replied(assigned(ProposalFactory(session=session), unit), "A1"), SATISFIED, SATISFIED)
    response = page(supervisor_client)
    statistics = response.context["statistics"]
    content = response.content.decode()
    for chart in (statistics.class_mix_chart, statistics.unit_rates_chart):
        assert chart.startswith("<svg") and chart in content
        assert 'role="img"' in chart and 'aria-label="' in chart and "viewBox=" in chart
        assert "Noto Sans CJK SC" in chart
        assert "<a href=" in chart and "<title>" in chart
    assert "<b>市局" not in content
    assert "&lt;b&gt;市局&amp;amp;&lt;/b&gt;" in statistics.unit_rates_chart
    replied_url = statistics.unit_rows[0].figures["replied"].url
    assert f'<a href="{escape(replied_url)}">' in statistics.unit_rates_chart


def test_empty_charts_say_so():
    assert "尚无" in charts.class_mix_chart([], [], label="分类", empty="尚无分类数据")
    assert "尚无" in charts.rates_chart([], series=["办复率"], label="单位", empty="尚无交办")
