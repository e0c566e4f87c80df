"""The supervisors' statistics in a real browser: a figure leads to the listing it counts."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from proposals.models import OutcomeClass, Rating
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
def session_data():
    units = [
        HandlingUnitFactory(name=name)
        for name in ("国家试验区管委会办公室", "市文化广电新闻出版旅游局", "市商务局")
    ]
    codes = ["A1", "A2", "A3", "B1", "B2", "C1"]
    ratings = [Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED]
    for number in range(1, 16):
        reply = ReplyLetterFactory(
            assignment__proposal__number=number,
            assignment__proposal__title=f"关于发展陶瓷文化产业的建议之{number}",
            assignment__unit=units[number % 3],
            outcome_class=OutcomeClass.objects.get(code=codes[number % 6]),
            is_published=number % 4 != 0,
        )
        if number % 5:
            SatisfactionFormFactory(
                reply=reply, attitude_rating=ratings[number % 2], result_rating=ratings[number % 3]
            )
    AssignmentFactory(
        proposal__number=16,
        proposal__title="关于老城区停车难的建议",
        unit=units[1],
        due_on=datetime.date.today() - datetime.timedelta(days=20),
    )


def test_statistics_figures_lead_to_their_listing(page, live_server, session_data, screenshot):
    log_in(page, live_server, SupervisorFactory().username)
    page.goto(f"{live_server.url}/supervision/")
    expect(page.locator("h1")).to_contain_text("统计督办")
    expect(page.locator("svg.chart").first).to_be_visible()
    screenshot("statistics")

    overdue = page.locator(".stat-card", has_text="逾期未答复").locator(".stat-card__value a")
    expect(overdue).to_have_text("1")
    overdue.click()
    expect(page).to_have_url(re.compile(r"/supervision/proposals/\?.*state=overdue"))
    expect(page.locator(".results-count")).to_contain_text("共 1 件提案")
    expect(page.locator(".listing")).to_contain_text("关于老城区停车难的建议")


def test_statistics_on_a_phone(browser, live_server, session_data, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    log_in(phone, live_server, SupervisorFactory().username)
    phone.goto(f"{live_server.url}/supervision/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("statistics-phone", of=phone)
    context.close()
