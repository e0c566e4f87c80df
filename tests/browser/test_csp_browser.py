"""The Content Security Policy in a real browser: every page people use, the admin's
included, works under the policy without a single violation (an inline script, style or
style attribute without the nonce would be refused, and reported here)."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from proposals import links, services
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
    + `:${event.lineNumber} (${event.sample})`
  );
});
"""


@pytest.fixture
def violations(page):
    """What the browser refused, from the page's events and the console alike."""
    found = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.expose_function("reportViolation", lambda text: found.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


@pytest.fixture
def data():
    reply = ReplyLetterFactory(
        assignment__proposal__title="关于统筹发展景德镇日用陶瓷产业的建议",
        body="您提出的提案已收悉。",
        is_published=True,
    )
    AssignmentFactory(due_on=datetime.date.today() - datetime.timedelta(days=20))  # overdue
    SatisfactionFormFactory(reply=reply, proposal_title_on_form="另一个标题")  # flagged
    return reply


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert "nonce" not in page.inner_text("body")  # a nonce belongs in a tag, never in text


def test_public_pages_and_member_form_have_no_violations(page, live_server, data, violations):
    listing = live_server.url + reverse("proposals:list")
    visit(page, listing)
    expect(page.locator("body")).to_contain_text("关于统筹发展景德镇日用陶瓷产业的建议")
    visit(page, listing)  # again, from the page cache
    visit(page, listing + "?group=A")
    page.click("a:has-text('关于统筹发展景德镇日用陶瓷产业的建议')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("关于统筹发展景德镇日用陶瓷产业的建议")

    invitation = services.invitations_send(reply=data)[0]
    visit(
        page,
        live_server.url + reverse("proposals:member-form", args=[links.link_token(invitation)]),
    )
    expect(page.locator("h1")).to_have_text("政协提案办理情况征询意见表")
    # The language switch posts a form (form-action 'self').
    page.click(".language-switch button:not([disabled])")
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_admin_statistics_and_print_pages_have_no_violations(
    page, live_server, data, violations, settings
):
    settings.AXES_ENABLED = True  # the login page as in production, throttled
    supervisor = SupervisorFactory()
    log_in(page, live_server, supervisor.username)
    expect(page.locator("#user-tools")).to_be_visible()

    visit(page, live_server.url + reverse("proposals:statistics"))
    expect(page.locator("svg.chart").first).to_be_visible()

    visit(page, live_server.url + reverse("admin:proposals_replyletter_changelist"))
    expect(page.locator("#result_list")).to_contain_text(data.doc_number)
    page.click("#changelist-filter a[href*='group=A']")  # the filters' own script
    page.wait_for_load_state("networkidle")
    visit(page, live_server.url + reverse("admin:proposals_replyletter_change", args=[data.pk]))
    expect(page.locator("#id_body")).to_have_value("您提出的提案已收悉。")
    page.click("input[name=_continue]")  # a save, and the message that follows it
    expect(page.locator(".messagelist .success")).to_have_count(1)
    visit(page, live_server.url + reverse("admin:proposals_replyletter_history", args=[data.pk]))
    expect(page.locator("#change-history")).to_be_visible()  # the save above is listed

    visit(page, live_server.url + reverse("admin:proposals_assignment_changelist"))
    expect(page.locator(".alert-text").first).to_be_visible()
    form = data.forms.get()
    visit(
        page, live_server.url + reverse("admin:proposals_satisfactionform_change", args=[form.pk])
    )
    expect(page.locator(".field-title_check .alert-text")).to_be_visible()
    visit(page, live_server.url + reverse("admin:proposals_satisfactionform_add"))
    page.click(".field-reply .select2-selection")  # the autocomplete widget (select2)
    expect(page.locator(".select2-results__option").first).to_be_visible()
    page.keyboard.press("Escape")

    visit(page, live_server.url + reverse("proposals:print-letter", args=[data.pk]))
    visit(page, live_server.url + reverse("admin:index"))
    assert violations == []


def test_a_locked_out_login_says_why_in_chinese(
    page, live_server, violations, settings, screenshot
):
    settings.AXES_ENABLED = True
    clerk = SupervisorFactory()
    for _ in range(5):
        log_in(page, live_server, clerk.username, password="wrong-password")
    log_in(page, live_server, clerk.username)  # the right password, too late
    expect(page.locator(".errornote")).to_contain_text(
        "密码错误次数过多，该账号的登录已暂停 15 分钟，请稍后再试。"
    )
    expect(page.locator("#user-tools")).to_have_count(0)
    assert "nonce" not in page.inner_text("body")
    screenshot("login-locked-out")
    assert violations == []
