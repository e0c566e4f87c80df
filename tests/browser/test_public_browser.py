"""The public listing in a real browser: filter, follow a result, switch language, export."""

import csv
import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from proposals.models import OutcomeClass
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replies():
    """Two units, three published replies across the classes, one overdue assignment."""
    zone = HandlingUnitFactory(name="国家试验区管委会办公室")
    culture = HandlingUnitFactory(name="市文化广电新闻出版旅游局")
    a1, a3, c1 = (OutcomeClass.objects.get(code=code) for code in ("A1", "A3", "C1"))
    ceramics = ReplyLetterFactory(
        assignment__proposal__number=10,
        assignment__proposal__title="关于统筹发展景德镇日用陶瓷产业的建议",
        assignment__unit=zone,
        doc_number="景国试管办案字〔2025〕1号",
        outcome_class=a3,
        title="关于市政协十四届五次会议第010号提案答复的函",
        body="您提出的提案已收悉。\n\n下一步，我们将继续做大做强龙头日用陶瓷企业。",
        copied_to=["市政协提案委员会", "市政府督查室"],
        is_published=True,
    )
    SatisfactionFormFactory(reply=ceramics)
    ReplyLetterFactory(
        assignment__proposal__number=17,
        assignment__proposal__title="关于加强陶瓷对外文化交流的建议",
        assignment__unit=zone,
        outcome_class=a1,
        is_published=True,
    )
    ReplyLetterFactory(
        assignment__proposal__number=23,
        assignment__proposal__title="关于建设非遗传承街区的建议",
        assignment__unit=culture,
        outcome_class=c1,
        is_published=True,
    )
    AssignmentFactory(
        proposal__number=31,
        proposal__title="关于老城区停车难的建议",
        unit=culture,
        due_on=datetime.date.today() - datetime.timedelta(days=12),
    )
    return {"zone": zone, "culture": culture, "ceramics": ceramics}


def test_filter_by_class_and_unit_then_read_the_letter(page, live_server, replies, screenshot):
    page.goto(f"{live_server.url}/proposals/")
    expect(page.locator(".results-count")).to_contain_text("共 4 件提案")
    screenshot("public-listing")

    page.select_option("#id_outcome", "A3")
    page.select_option("#id_unit", label="国家试验区管委会办公室")
    page.click(".filters__actions button[type=submit]")
    expect(page).to_have_url(re.compile(r"outcome=A3"))
    expect(page.locator(".results-count")).to_contain_text("共 1 件提案")
    expect(page.locator(".listing")).not_to_contain_text("关于加强陶瓷对外文化交流的建议")
    screenshot("public-listing-filtered")

    page.click("text=关于统筹发展景德镇日用陶瓷产业的建议")
    letter = page.locator("article.letter")
    expect(letter).to_contain_text("景国试管办案字〔2025〕1号")
    expect(letter).to_contain_text("关于市政协十四届五次会议第010号提案答复的函")
    expect(letter).to_contain_text("已有规定")
    expect(letter).to_contain_text("抄送：市政协提案委员会，市政府督查室")
    expect(letter).to_contain_text("办理态度：满意")
    expect(letter).not_to_contain_text("13800000000")
    screenshot("public-proposal")


def test_a_malformed_filter_is_explained_on_the_page(page, live_server, replies):
    page.goto(f"{live_server.url}/proposals/?outcome=Z9&q=陶")
    alert = page.locator(".notice--error")
    expect(alert).to_contain_text("办理结果分类")
    expect(alert).to_contain_text("关键词至少两个字")


def test_switch_to_english_and_back(page, live_server, replies):
    page.goto(f"{live_server.url}/proposals/?group=A")
    page.click(".language-switch button[value=en]")
    expect(page.locator("h1")).to_have_text("Proposals and replies")
    expect(page).to_have_url(re.compile(r"group=A"))
    expect(page.locator(".results-count")).to_contain_text("2 proposals")
    page.click(".language-switch button[value=zh-hans]")
    expect(page.locator("h1")).to_have_text("提案与答复")


def test_export_the_filtered_listing(page, live_server, replies):
    page.goto(f"{live_server.url}/proposals/?group=A")
    with page.expect_download() as download:
        page.click(".exports a:text('CSV')")
    content = download.value.path().read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert {row[1] for row in rows[1:]} == {"010", "017"}
    assert "13800000000" not in content.decode("utf-8-sig")


def test_phone_layout_holds(browser, live_server, replies, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(f"{live_server.url}/proposals/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the listing must not scroll sideways on a phone"
    screenshot("public-listing-phone", of=phone)
    context.close()


def test_supervisor_listing_shows_overdue(page, live_server, replies, screenshot):
    log_in(page, live_server, SupervisorFactory().username)
    page.goto(f"{live_server.url}/supervision/proposals/?state=overdue")
    expect(page.locator(".results-count")).to_contain_text("共 1 件提案")
    expect(page.locator(".listing")).to_contain_text("关于老城区停车难的建议")
    screenshot("supervisor-listing-overdue")
