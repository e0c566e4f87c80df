"""The public listing and proposal pages, and the supervisors' versions of them."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals.models import OutcomeClass, Rating
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

LISTING = reverse("proposals:list")
SUPERVISION = reverse("proposals:supervision-list")
PHONE = "13912345678"
ADDRESS = "珠山区莲社北路99号"


def detail(proposal, supervisor=False) -> str:
    name = "proposals:supervision-detail" if supervisor else "proposals:detail"
    return reverse(name, args=[proposal.pk])


@pytest.fixture
def letter():
    """A published reply carrying every field the letter prints, and a contact phone."""
    proposer = ProposerFactory(name="李辉松", address=ADDRESS, phone=PHONE)
    reply = ReplyLetterFactory(
        assignment__proposal__proposer=proposer,
        assignment__proposal__title="关于统筹发展日用陶瓷产业的建议",
        assignment__unit__name="国家试验区管委会办公室",
        doc_number="景国试管办案字〔2025〕1号",
        outcome_class=OutcomeClass.objects.get(code="A3"),
        title="关于市政协十四届五次会议第010号提案答复的函",
        addressee="尊敬的李辉松委员",
        body="您提出的提案已收悉。\n\n下一步，我们将继续做大做强龙头企业。",
        signing_unit="国家试验区管委会办公室",
        signed_on=datetime.date(2025, 4, 29),
        copied_to=["市政协提案委员会", "市政府督查室"],
        contact_name="王明",
        contact_phone=PHONE,
        is_published=True,
    )
    SatisfactionFormFactory(
        reply=reply, attitude_rating=Rating.SATISFIED, result_rating=Rating.BASICALLY_SATISFIED
    )
    return reply


def test_listing_says_how_many_match_and_keeps_filters_in_the_url(client, letter):
    ProposalFactory.create_batch(2)
    response = client.get(LISTING, {"outcome": "A3", "q": "陶瓷"})
    assert response.status_code == 200
    assert response.context["paginator"].count == 1
    page = response.text
    assert "共 1 件提案" in page
    assert "关于统筹发展日用陶瓷产业的建议" in page
    assert 'value="陶瓷"' in page
    assert "outcome=A3&amp;q=%E9%99%B6%E7%93%B7&amp;format=csv" in page


def test_empty_result_says_so(client, letter):
    response = client.get(LISTING, {"outcome": "C2"})
    assert response.status_code == 200
    assert "没有符合条件的提案。" in response.text


@pytest.mark.parametrize(
    "params",
    [{"outcome": "Z9"}, {"session": "abc"}, {"q": "陶"}, {"sort": "'; drop table"}, {"year": "-1"}],
)
def test_malformed_filter_gets_a_message_not_a_500(client, letter, params):
    response = client.get(LISTING, params)
    assert response.status_code == 200
    assert "筛选条件有误" in response.text
    assert response.context["paginator"].count == 0


def test_malformed_filter_with_an_export_format_shows_the_page(client, letter):
    response = client.get(LISTING, {"outcome": "Z9", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_pages_are_split_and_keep_the_filters(client):
    ProposalFactory.create_batch(25)
    response = client.get(LISTING, {"key": "false", "page": 2})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 5
    assert "?key=false&amp;page=1" in response.text
    assert client.get(LISTING, {"page": 9}).status_code == 404


def queries_of(url, params=None) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def build_rows(count):
    for _ in range(count):
        reply = ReplyLetterFactory(is_published=True)
        AssignmentFactory(proposal=reply.assignment.proposal)
        SatisfactionFormFactory(reply=reply)


@pytest.mark.parametrize("params", [{}, {"group": "A", "sort": "-class", "q": "建议"}])
def test_listing_queries_do_not_grow_with_rows(params):
    build_rows(2)
    few = queries_of(LISTING, params)
    build_rows(18)
    assert queries_of(LISTING, params) == few
    # count, page, units, replies; the filter form's choices (sessions, units, categories,
    # classes).
    assert few <= 8


def test_unpublished_replies_and_contact_data_never_reach_the_public(client, letter):
    hidden = ReplyLetterFactory(
        assignment__proposal=letter.assignment.proposal,
        doc_number="乙字〔2025〕9号",
        body="尚未公开的答复正文",
    )
    for url in (LISTING, detail(letter.assignment.proposal)):
        page = client.get(url).text
        assert hidden.doc_number not in page
        assert "尚未公开的答复正文" not in page
        assert PHONE not in page
        assert ADDRESS not in page
        assert "王明" not in page


def test_proposal_page_renders_the_letter_as_printed(client, letter):
    response = client.get(detail(letter.assignment.proposal))
    assert response.status_code == 200
    page = response.text
    for printed in (
        "景国试管办案字〔2025〕1号",
        "A3",
        letter.outcome_class.definition,
        "关于市政协十四届五次会议第010号提案答复的函",
        "尊敬的李辉松委员：",
        "下一步，我们将继续做大做强龙头企业。",
        "2025年4月29日",
        "市政协提案委员会，市政府督查室",
        "国家试验区管委会办公室（主办）",
        "办理态度：<strong>满意</strong>",
        "办理结果：<strong>基本满意</strong>",
    ):
        assert printed in page, printed


def test_proposal_page_without_a_published_reply_says_so(client):
    proposal = ReplyLetterFactory().assignment.proposal
    response = client.get(detail(proposal))
    assert "尚无公开的答复函。" in response.text


def test_proposal_page_queries_are_fixed(client, django_assert_max_num_queries, letter):
    proposal = letter.assignment.proposal
    for _ in range(5):
        reply = ReplyLetterFactory(assignment__proposal=proposal, is_published=True)
        SatisfactionFormFactory(reply=reply)
    with django_assert_max_num_queries(6):
        assert client.get(detail(proposal)).status_code == 200


def test_unknown_proposal_is_404(client):
    assert client.get(reverse("proposals:detail", args=[999999])).status_code == 404


def test_supervisor_pages_need_a_supervisor(client, letter):
    proposal = letter.assignment.proposal
    for url in (SUPERVISION, detail(proposal, supervisor=True)):
        assert client.get(url).status_code == 302
    client.force_login(unit_staff(HandlingUnitFactory()))
    for url in (SUPERVISION, detail(proposal, supervisor=True)):
        assert client.get(url).status_code == 403


def test_supervisors_see_unpublished_replies_and_overdue_state(client, letter):
    unpublished = ReplyLetterFactory(doc_number="乙字〔2025〕9号", contact_phone=PHONE)
    AssignmentFactory(
        proposal__title="逾期未复的提案", due_on=datetime.date.today() - datetime.timedelta(12)
    )
    client.force_login(SupervisorFactory())

    response = client.get(SUPERVISION, {"state": "overdue"})
    assert response.context["paginator"].count == 1
    assert "逾期未复的提案" in response.text
    assert "逾期 12 天" in response.text

    page = client.get(detail(unpublished.assignment.proposal, supervisor=True)).text
    assert "乙字〔2025〕9号" in page
    assert "未公开" in page
    assert PHONE in page  # supervisors may call the unit's contact


def test_home_leads_to_the_listing(client):
    assert client.get("/").url == LISTING


def test_language_switch_to_english(client, letter):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": LISTING}, follow=True
    )
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "en"
    assert "Proposals and replies" in response.text


def test_chinese_first_whatever_the_browser_asks(client):
    response = client.get(LISTING, headers={"accept-language": "en-US,en;q=0.9"})
    assert response.context["LANGUAGE_CODE"] == "zh-hans"


def test_the_lead_unit_comes_first(client):
    proposal = ProposalFactory()
    AssignmentFactory(proposal=proposal, unit__name="甲会办单位", role="co_handling")
    AssignmentFactory(proposal=proposal, unit__name="乙主办单位", role="lead")
    page = client.get(detail(proposal)).text
    assert page.index("乙主办单位（主办）") < page.index("甲会办单位（会办）")


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "abc"}, {"page": "99"}])
def test_a_page_out_of_range_is_a_404_that_leads_back(client, params):
    response = client.get(LISTING, params)
    assert response.status_code == 404
    assert "页面不存在" in response.text
    assert f'href="{LISTING}"' in response.text


def test_unit_staff_are_not_shown_the_statistics(client):
    client.force_login(unit_staff(HandlingUnitFactory()))
    page = client.get(LISTING).text
    assert reverse("proposals:statistics") not in page
    client.force_login(SupervisorFactory())
    assert reverse("proposals:statistics") in client.get(LISTING).text


def test_a_re_handled_proposal_says_so_and_shows_the_final_rating(client):
    first = ReplyLetterFactory(is_published=True)
    SatisfactionFormFactory(
        reply=first, attitude_rating=Rating.DISSATISFIED, result_rating=Rating.DISSATISFIED
    )
    assignment = first.assignment
    assignment.rehandling_round = 2
    assignment.save()
    second = ReplyLetterFactory(assignment=assignment, round=2, is_published=True)
    SatisfactionFormFactory(reply=second)
    page = client.get(detail(assignment.proposal)).text
    assert "重新办理过" in page
    assert "第2轮答复" in page
    assert page.rindex("办理态度：<strong>满意</strong>") > page.index("第2轮答复")
