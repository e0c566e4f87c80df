"""The admin in a real browser: a unit's staff log a reply from the assignment."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from proposals.models import ReplyLetter
from tests.browser.conftest import log_in
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ReplyLetterFactory,
    SupervisorFactory,
    unit_staff,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "letters"

# Transactional: the live server reads from another thread.
pytestmark = pytest.mark.django_db(transaction=True)


def test_unit_staff_log_a_reply_from_the_assignment(page, live_server, screenshot):
    assignment = AssignmentFactory(
        proposal=ProposalFactory(number=10, title="关于统筹发展景德镇日用陶瓷产业的建议")
    )
    foreign = ReplyLetterFactory(doc_number="他单位字〔2025〕7号")
    staff = unit_staff(assignment.unit)

    log_in(page, live_server, staff.username)
    page.goto(f"{live_server.url}/admin/proposals/assignment/")
    expect(page.locator("#result_list")).to_contain_text("关于统筹发展景德镇日用陶瓷产业的建议")
    expect(page.locator("#result_list")).not_to_contain_text(foreign.assignment.proposal.title)
    screenshot("staff-assignments")

    page.click("text=登记答复函")
    assert page.input_value("#id_title") == "关于市政协十四届五次会议第010号提案答复的函"
    page.fill("#id_doc_number", "单位字〔2025〕1号")
    page.select_option("#id_outcome_class", label="A3（已有规定）")
    page.fill("#id_body", "您提出的提案已收悉。")
    page.fill("#id_signed_on", "2025-04-29")
    page.fill("#id_contact_name", "洪迈")
    page.fill("#id_contact_phone", "15107989915")
    screenshot("staff-reply-form")
    page.click("input[name=_save]")

    expect(page.locator(".messagelist .success")).to_have_count(1)
    reply = ReplyLetter.objects.get(doc_number="单位字〔2025〕1号")
    assert (reply.unit, reply.outcome_class.code, reply.doc_sequence) == (assignment.unit, "A3", 1)
    assert reply.copied_to == ["市政协提案委员会", "市政府督查室"]
    screenshot("staff-replies")


def test_supervisor_filters_replies_by_class_group(page, live_server, screenshot):
    ReplyLetterFactory(doc_number="甲字〔2025〕1号")
    supervisor = SupervisorFactory()
    log_in(page, live_server, supervisor.username)
    page.goto(f"{live_server.url}/admin/proposals/replyletter/")
    page.click("#changelist-filter a[href*='group=C']")
    expect(page).to_have_url(re.compile(r"group=C"))
    expect(page.locator("#content")).not_to_contain_text("甲字〔2025〕1号")
    page.click("#changelist-filter a[href*='group=A']")
    expect(page.locator("#result_list")).to_contain_text("甲字〔2025〕1号")
    screenshot("supervisor-replies")


def test_unit_staff_log_a_reply_from_a_pdf_letter(page, live_server, screenshot):
    unit = HandlingUnitFactory(name="国家试验区管委会办公室")
    assignment = AssignmentFactory(unit=unit, proposal=ProposalFactory(number=10))
    log_in(page, live_server, unit_staff(unit).username)
    page.goto(f"{live_server.url}/admin/proposals/replyletter/")
    page.click("text=从文件登记答复函")

    page.set_input_files("#id_file", FIXTURES / "letter.pdf")  # seed 001 as a PDF
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("请逐项核对后保存")
    assert page.input_value("#id_doc_number") == "景国试管办案字〔2025〕1号"
    assert page.input_value("#id_title") == "关于市政协十四届五次会议第010号提案答复的函"
    assert page.input_value("#id_signed_on") == "2025-04-29"
    assert "日用陶瓷" in page.input_value("#id_body")
    expect(page.locator("#id_outcome_class option:checked")).to_contain_text("A3")
    screenshot("staff-reply-from-file")
    page.click("input[name=_save]")

    expect(page.locator(".messagelist .success")).to_have_count(1)
    reply = ReplyLetter.objects.get()
    assert (reply.assignment, reply.contact_phone) == (assignment, "15107989915")


def test_a_file_that_is_no_letter_gets_a_message(page, live_server, screenshot, tmp_path):
    unit = HandlingUnitFactory()
    log_in(page, live_server, unit_staff(unit).username)
    page.goto(f"{live_server.url}/admin/proposals/replyletter/from-file/")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
    page.set_input_files("#id_file", scan)
    page.click("input[type=submit]")
    expect(page.locator(".errorlist")).to_be_visible()
    screenshot("staff-reply-from-file-error")
    assert not ReplyLetter.objects.exists()


def test_the_second_of_two_editors_gets_a_conflict_and_saves_after_review(
    page, browser, live_server, screenshot
):
    reply = ReplyLetterFactory(title="原标题", body="原正文")
    url = f"{live_server.url}/admin/proposals/replyletter/{reply.pk}/change/"
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    other = context.new_page()
    log_in(page, live_server, SupervisorFactory().username)
    log_in(other, live_server, SupervisorFactory().username)
    page.goto(url)
    other.goto(url)

    other.fill("#id_title", "他人的标题")
    other.click("input[name=_save]")
    expect(other.locator(".messagelist .success")).to_have_count(1)
    context.close()
    page.fill("#id_body", "我的正文")
    page.click("input[name=_save]")

    expect(page.locator(".errorlist.nonfield")).to_contain_text("这件答复函已被他人修改（第2版）")
    expect(page.locator("#reply-conflict")).to_contain_text("他人的标题")
    assert page.input_value("#id_body") == "我的正文"  # nothing of theirs lost
    screenshot("reply-conflict")
    page.fill("#id_title", "他人的标题")  # reviewed: keeps the other's change too
    page.click("input[name=_save]")

    expect(page.locator(".messagelist .success")).to_have_count(1)
    reply.refresh_from_db()
    assert (reply.title, reply.body, reply.version) == ("他人的标题", "我的正文", 3)
