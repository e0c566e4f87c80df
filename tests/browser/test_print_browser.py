"""The paper route in a real browser: the satisfaction form prints on one A4 page."""

import re

import pytest
from playwright.sync_api import expect

from proposals.models import OutcomeClass, ProposerKind
from tests.browser.conftest import log_in
from tests.factories import ProposalFactory, ProposerFactory, ReplyLetterFactory, unit_staff

# Transactional: the live server reads from another thread.
pytestmark = pytest.mark.django_db(transaction=True)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.fixture
def reply():
    """A reply whose form has longer text than usual in every cell that can wrap."""
    proposer = ProposerFactory(
        kind=ProposerKind.BODY,
        name="民革景德镇市委员会",
        contact_person="张文",
        address="江西省景德镇市昌江区珠山大道1697号民主党派大楼三楼",
        phone="0798-8226265",
    )
    return ReplyLetterFactory(
        assignment__proposal=ProposalFactory(
            number=165,
            proposer=proposer,
            title="关于发挥陶瓷文化资源优势 推进陶瓷文化国际化传播与陶瓷贸易往来的建议",
        ),
        outcome_class=OutcomeClass.objects.get(code="C2"),
        title="关于市政协十四届五次会议第165号提案答复的函",
        addressee="民革景德镇市委员会",
        body="贵单位提出的提案收悉，现答复如下：\n\n" + "我们认真研究了提案。" * 200,
    )


def test_the_form_prints_on_one_a4_page(page, live_server, screenshot, reply):
    log_in(page, live_server, unit_staff(reply.unit).username)
    page.goto(f"{live_server.url}/print/replies/{reply.pk}/form/")
    expect(page.locator(".form-table")).to_contain_text("民革景德镇市委员会")
    expect(page.locator(".print-toolbar")).to_contain_text("Ctrl+P")
    screenshot("print-form")

    assert page_count(page.pdf(format="A4")) == 1


def test_the_blank_form_prints_on_one_a4_page(page, live_server, screenshot, reply):
    log_in(page, live_server, unit_staff(reply.unit).username)
    page.goto(f"{live_server.url}/print/form/")
    expect(page.locator(".form-table")).to_contain_text("□ 基本满意")
    screenshot("print-blank-form")

    assert page_count(page.pdf(format="A4")) == 1


def test_the_letter_prints_without_the_toolbar(page, live_server, screenshot, reply):
    log_in(page, live_server, unit_staff(reply.unit).username)
    page.goto(f"{live_server.url}/print/replies/{reply.pk}/letter/")
    screenshot("print-letter")

    page.emulate_media(media="print")
    expect(page.locator(".print-toolbar")).to_be_hidden()
    expect(page.locator(".letter-title")).to_have_text(reply.title)
    # A long letter runs on: several pages, each numbered.
    assert page_count(page.pdf(format="A4")) > 1
