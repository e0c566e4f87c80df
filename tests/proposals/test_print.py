"""The printable reply letter and satisfaction form (the paper route): who may print what,
and what the paper says."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from proposals.models import OutcomeClass, ProposerKind
from tests.factories import (
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SupervisorFactory,
    UserFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

ADDRESS = "珠山区莲社北路99号"
PHONE = "13912345678"
CONTACT_PHONE = "15107989915"
BLANK_FORM = reverse("proposals:print-blank-form")


def letter_url(reply) -> str:
    return reverse("proposals:print-letter", args=[reply.pk])


def form_url(reply) -> str:
    return reverse("proposals:print-form", args=[reply.pk])


@pytest.fixture
def reply():
    proposer = ProposerFactory(name="李辉松", address=ADDRESS, phone=PHONE)
    return ReplyLetterFactory(
        assignment__proposal=ProposalFactory(
            number=10, title="关于统筹发展景德镇日用陶瓷产业的建议", proposer=proposer
        ),
        assignment__unit=HandlingUnitFactory(name="试验区办", full_name="国家试验区管委会办公室"),
        doc_number="景国试管办案字〔2025〕1号",
        outcome_class=OutcomeClass.objects.get(code="A3"),
        title="关于市政协十四届五次会议第010号提案答复的函",
        addressee="尊敬的李辉松委员",
        proposal_title="关于统筹发展景德镇日用陶瓷产业的建议",
        body="您提出的提案已收悉。\n\n下一步，我们将继续做大做强龙头企业。",
        signing_unit="国家试验区管委会办公室",
        signed_on=datetime.date(2025, 4, 29),
        copied_to=["市政协提案委员会", "市政府督查室"],
        contact_name="洪迈",
        contact_phone=CONTACT_PHONE,
    )


@pytest.fixture
def staff_client(client, reply):
    client.force_login(unit_staff(reply.unit))
    return client


# Who may print what.


@pytest.mark.parametrize("url_of", [letter_url, form_url, lambda reply: BLANK_FORM])
def test_anonymous_users_are_sent_to_log_in(client, reply, url_of):
    url = url_of(reply)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("url_of", [letter_url, form_url, lambda reply: BLANK_FORM])
def test_users_who_are_not_staff_are_refused(client, reply, url_of):
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url_of(reply)).status_code == 403


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_another_units_reply_is_not_found(client, reply, url_of):
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert client.get(url_of(reply)).status_code == 404


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_staff_without_a_unit_find_no_reply(client, reply, url_of):
    client.force_login(UserFactory())
    assert client.get(url_of(reply)).status_code == 404


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_unit_staff_print_their_own_units_replies(staff_client, reply, url_of):
    response = staff_client.get(url_of(reply))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_supervisors_print_any_reply(client, reply, url_of):
    client.force_login(SupervisorFactory())
    assert client.get(url_of(reply)).status_code == 200


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_superusers_print_any_reply(client, reply, url_of):
    client.force_login(get_user_model().objects.create_superuser("root", password="x-pass-123"))
    assert client.get(url_of(reply)).status_code == 200


def test_any_staff_member_prints_the_blank_form(client):
    client.force_login(UserFactory())
    assert client.get(BLANK_FORM).status_code == 200


def test_a_missing_reply_is_not_found(client):
    client.force_login(SupervisorFactory())
    assert client.get(reverse("proposals:print-form", args=[999])).status_code == 404


# What the paper says.


def test_print_pages_have_no_site_header_and_say_how_to_print(staff_client, reply):
    for url in (letter_url(reply), form_url(reply), BLANK_FORM):
        page = staff_client.get(url).content.decode()
        assert "css/print.css" in page
        assert "site-header" not in page
        assert "用浏览器的打印功能（Ctrl+P）打印" in page
        assert "onclick" not in page


def test_the_form_has_the_units_part_filled_from_the_reply(staff_client, reply):
    response = staff_client.get(form_url(reply))
    for text in (
        "政协提案办理情况征询意见表",
        "承办单位填写",
        "李辉松",
        ADDRESS,
        PHONE,
        "关于统筹发展景德镇日用陶瓷产业的建议",
        "市政协十四届五次会议第010号",
        "<strong>A3</strong>",
        "已有规定",
        "国家试验区管委会办公室",
    ):
        assert text in response.content.decode(), text
    # The letter's contact is not the proposer's: the form prints the proposer's own.
    assert CONTACT_PHONE not in response.content.decode()


def test_the_form_names_a_collective_proposers_contact(client):
    body = ProposerFactory(
        kind=ProposerKind.BODY, name="民革市委会", contact_person="张文", phone="0798-8226265"
    )
    reply = ReplyLetterFactory(assignment__proposal__proposer=body)
    client.force_login(SupervisorFactory())
    page = client.get(form_url(reply)).content.decode()
    assert "民革市委会" in page
    assert "联系人：张文" in page
    assert "0798-8226265" in page


def test_the_blank_form_has_the_boxes_and_no_ones_data(client, reply):
    client.force_login(UserFactory())
    page = client.get(BLANK_FORM).content.decode()
    for part in ("承办单位填写", "委员填写", "办理态度", "办理结果", "意见建议", "提案者签名"):
        assert part in page, part
    # Two ratings, each with three boxes.
    assert page.count("□") == 6
    assert page.count("□&thinsp;满意") == page.count("□&thinsp;基本满意") == 2
    assert page.count("□&thinsp;不满意") == 2
    assert "年　　月　　日" in page
    # The header and the notes list the default scheme's classes.
    assert "（A1、A2、A3、B1、B2、C1、C2）" in page
    assert "C2　因法律和政策的规定或者目前条件不具备确实无法解决" in page
    assert "委员意见建议须本人填写并签名" in page
    assert "一份报市政协提案委员会，一份报市政府督查室" in page
    for data in ("李辉松", ADDRESS, PHONE, "第010号", "国家试验区管委会办公室"):
        assert data not in page, data


def test_the_letter_prints_what_the_reply_says(staff_client, reply):
    page = staff_client.get(letter_url(reply)).content.decode()
    for text in (
        "景国试管办案字〔2025〕1号",
        "分类：A3",
        "关于市政协十四届五次会议第010号提案答复的函",
        "尊敬的李辉松委员：",
        "<p>您提出的提案已收悉。</p>",
        "<p>下一步，我们将继续做大做强龙头企业。</p>",
        "附件：政协提案办理情况征询意见表",
        "国家试验区管委会办公室",
        "2025年4月29日",
        "抄送：市政协提案委员会，市政府督查室。",
        f"联系人及联系电话：洪迈 {CONTACT_PHONE}",
    ):
        assert text in page, text
    # The proposer's address and phone are on the form only.
    assert ADDRESS not in page
    assert PHONE not in page


def test_a_withdrawn_reply_is_marked_on_paper(staff_client, reply):
    reply.withdrawn_at = timezone.now()
    reply.withdrawn_reason = "误发"
    reply.save()
    for url in (letter_url(reply), form_url(reply)):
        assert "不应再寄出" in staff_client.get(url).content.decode()


def test_the_form_takes_a_fixed_number_of_queries(client, reply, django_assert_max_num_queries):
    client.force_login(unit_staff(reply.unit))
    with django_assert_max_num_queries(6):
        assert client.get(form_url(reply)).status_code == 200
