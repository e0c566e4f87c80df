"""`send_reminders`: members whose form is outstanding, units whose reply is due soon or
overdue; once a day each, never twice, and nothing at all in a dry run."""

import datetime
import re
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from proposals import reminders
from proposals.models import (
    AssignmentRole,
    FormInvitation,
    Reminder,
    ReminderKind,
)
from proposals.reminders import ReminderStatus, reminders_send
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 20)


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    settings.FORM_REMINDER_AFTER_DAYS = 14
    settings.DUE_SOON_DAYS = 7
    settings.SITE_URL = "https://tian.example.org"
    settings.PROPOSALS_OFFICE_CONTACT = "市政协提案委员会办公室（8888888）"


def days_before_today(days: int) -> datetime.datetime:
    """Mid-morning, local time, `days` days before TODAY."""
    moment = datetime.datetime.combine(TODAY - datetime.timedelta(days=days), datetime.time(10))
    return timezone.make_aware(moment)


def invitation_sent(days_ago: int, **reply_fields) -> FormInvitation:
    proposer = ProposerFactory(name="李辉松", email="li@example.org")
    reply = ReplyLetterFactory(assignment__proposal__proposer=proposer, **reply_fields)
    return FormInvitation.objects.create(
        reply=reply,
        rater=proposer,
        email=proposer.email,
        nonce="x",
        sent_at=days_before_today(days_ago),
    )


def due_assignment(due_in_days: int, *, staff_email="staff@example.org", unit_name=None, **fields):
    """An assignment of a unit of its own, not yet answered, due `due_in_days` after TODAY."""
    unit = HandlingUnitFactory(name=unit_name) if unit_name else HandlingUnitFactory()
    if staff_email:
        unit_staff(unit, email=staff_email)
    return AssignmentFactory(
        unit=unit, due_on=TODAY + datetime.timedelta(days=due_in_days), **fields
    )


def sent(**kwargs) -> list[reminders.ReminderResult]:
    return [
        result
        for result in reminders_send(today=kwargs.pop("today", TODAY), **kwargs)
        if result.status == ReminderStatus.SENT
    ]


def run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=out)
    return out.getvalue()


# Members


def test_a_member_is_reminded_once_the_days_have_passed_and_not_before(client):
    invitation = invitation_sent(
        days_ago=13,
        assignment__proposal__title="关于统筹发展景德镇日用陶瓷产业的建议",
        assignment__proposal__number=10,
        assignment__unit__name="国家试验区管委会办公室",
    )
    assert sent() == []

    FormInvitation.objects.filter(pk=invitation.pk).update(sent_at=days_before_today(14))
    assert len(sent()) == 1
    [message] = mail.outbox
    assert message.to == ["li@example.org"]
    assert "第010号" in message.subject
    for shown in (
        "李辉松",
        "关于统筹发展景德镇日用陶瓷产业的建议",
        "第010号",
        "国家试验区管委会办公室",
        "市政协提案委员会办公室（8888888）",
    ):
        assert shown in message.body
    url = re.search(r"https://tian\.example\.org(/forms/\S+/)", message.body)
    assert url, message.body
    assert client.get(url.group(1)).status_code == 200  # the nonce is unchanged: it opens
    invitation.refresh_from_db()
    assert (invitation.nonce, invitation.send_count) == ("x", 0)
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.invitation, reminder.sent_on) == (
        ReminderKind.FORM_OUTSTANDING,
        invitation,
        TODAY,
    )
    assert reminder.recipients == ["li@example.org"]


def test_no_member_reminder_once_the_form_came_back():
    invitation = invitation_sent(days_ago=30)
    SatisfactionFormFactory(reply=invitation.reply, rater=invitation.rater)
    assert sent() == []
    assert mail.outbox == []


def test_a_voided_form_leaves_the_form_outstanding_again():
    invitation = invitation_sent(days_ago=30)
    SatisfactionFormFactory(
        reply=invitation.reply,
        rater=invitation.rater,
        voided_at=timezone.now(),
        void_reason="填错了提案",
    )
    assert [result.reminder.invitation for result in sent()] == [invitation]


def test_a_co_signers_form_does_not_answer_for_the_proposer():
    invitation = invitation_sent(days_ago=30)
    co_signer = ProposerFactory(name="王芳")
    invitation.reply.assignment.proposal.co_signers.add(co_signer)
    SatisfactionFormFactory(reply=invitation.reply, rater=co_signer)
    assert len(sent()) == 1


def test_no_member_reminder_for_a_withdrawn_or_superseded_reply():
    invitation_sent(days_ago=30, withdrawn_at=timezone.now(), withdrawn_reason="误发")
    superseded = invitation_sent(days_ago=30)
    ReplyLetterFactory(assignment=superseded.reply.assignment, round=2)
    assert sent() == []


def test_no_member_reminder_without_an_address_or_a_link_ever_sent():
    no_address = invitation_sent(days_ago=30)
    FormInvitation.objects.filter(pk=no_address.pk).update(email="")
    never_sent = invitation_sent(days_ago=30)
    FormInvitation.objects.filter(pk=never_sent.pk).update(sent_at=None)
    assert sent() == []


# Units


def test_units_are_told_of_replies_due_within_a_week():
    due_soon = due_assignment(7)
    due_today = due_assignment(0, staff_email="today@example.org")
    due_assignment(8, staff_email="later@example.org")
    results = sent()
    assert [(r.reminder.kind, r.reminder.assignment) for r in results] == [
        (ReminderKind.DUE_SOON, due_soon),
        (ReminderKind.DUE_SOON, due_today),
    ]
    assert [message.subject for message in mail.outbox] == [
        f"答复期限将到：{assignment.proposal.session}第{assignment.proposal.printed_number}号提案"
        f"（{assignment.due_on}）"
        for assignment in (due_soon, due_today)
    ]
    assert "离期限还有7天" in mail.outbox[0].body
    assert "今天到期" in mail.outbox[1].body


def test_units_are_told_how_many_days_a_reply_is_overdue():
    assignment = due_assignment(-3)
    [result] = sent()
    assert (result.reminder.kind, result.reminder.assignment) == (
        ReminderKind.OVERDUE,
        assignment,
    )
    [message] = mail.outbox
    assert "已逾期3天" in message.subject
    assert "已逾期3天" in message.body
    assert assignment.proposal.title in message.body


def test_every_active_staff_member_with_an_address_is_told():
    assignment = due_assignment(-1, staff_email="a@example.org")
    unit_staff(assignment.unit, email="b@example.org")
    unit_staff(assignment.unit, email="")
    unit_staff(assignment.unit, email="gone@example.org", is_active=False)
    sent()
    assert [message.to for message in mail.outbox] == [["a@example.org", "b@example.org"]]
    assert Reminder.objects.get().recipients == ["a@example.org", "b@example.org"]


def test_co_handling_units_are_reminded_of_their_opinion():
    due_assignment(2, role=AssignmentRole.CO_HANDLING)
    sent()
    [message] = mail.outbox
    assert "会办意见" in message.body


def test_an_answered_assignment_gets_no_reminder_unless_the_reply_was_withdrawn():
    answered = due_assignment(-3)
    ReplyLetterFactory(assignment=answered)
    withdrawn = due_assignment(-3, staff_email="other@example.org")
    ReplyLetterFactory(assignment=withdrawn, withdrawn_at=timezone.now(), withdrawn_reason="误发")
    assert [result.reminder.assignment for result in sent()] == [withdrawn]


def test_re_handling_is_reminded_against_its_own_deadline():
    assignment = due_assignment(-60)
    ReplyLetterFactory(assignment=assignment, round=1)
    assignment.rehandling_round = 2
    assignment.rehandling_due_on = TODAY - datetime.timedelta(days=2)
    assignment.save()
    [result] = sent()
    assert result.reminder.kind == ReminderKind.OVERDUE
    assert "已逾期2天" in mail.outbox[0].subject
    assert "第2轮答复" in mail.outbox[0].body

    ReplyLetterFactory(assignment=assignment, round=2)
    assert sent(today=TODAY + datetime.timedelta(days=1)) == []


def test_a_unit_without_an_address_gets_no_row_and_is_listed():
    due_assignment(-3, staff_email="", unit_name="市文广新旅局")
    output = run("--date", TODAY.isoformat())
    assert "no e-mail on file: [overdue] 市文广新旅局" in output
    assert "0 sent" in output
    assert not Reminder.objects.exists()
    assert mail.outbox == []


# Once a day


def test_reminders_are_idempotent_within_a_day_and_repeat_the_next():
    invitation_sent(days_ago=20)
    due_assignment(-3)
    assert len(sent()) == 2
    assert len(sent()) == 0
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2

    tomorrow = TODAY + datetime.timedelta(days=1)
    assert len(sent(today=tomorrow)) == 2
    assert len(mail.outbox) == 4
    assert Reminder.objects.filter(sent_on=tomorrow).count() == 2


def test_a_run_that_loses_the_race_sends_nothing():
    due_assignment(-3)
    assert len(sent()) == 1
    # As if another run had written its row after this one looked.
    with mock.patch.object(reminders, "_sent_today", return_value=set()):
        [result] = reminders_send(today=TODAY)
    assert result.status == ReminderStatus.ALREADY_SENT
    assert len(mail.outbox) == 1
    assert Reminder.objects.count() == 1


def test_a_failed_send_writes_no_row_so_the_next_run_retries():
    due_assignment(-3)
    with mock.patch.object(reminders, "send_mail", side_effect=OSError("connection refused")):
        with pytest.raises(CommandError, match="1 reminder"):
            run("--date", TODAY.isoformat())
    assert not Reminder.objects.exists()
    assert len(sent()) == 1


def test_the_queries_do_not_grow_with_the_reminders(django_assert_max_num_queries):
    for _ in range(3):
        invitation_sent(days_ago=20)
        due_assignment(-3, staff_email="")
        unit_staff(due_assignment(2, staff_email="").unit, email="x@example.org")
    with django_assert_max_num_queries(5):
        results = reminders_send(today=TODAY, dry_run=True)
    assert len(results) == 9


# The command


def test_dry_run_lists_and_neither_sends_nor_writes():
    invitation_sent(days_ago=20)
    due_assignment(-3, unit_name="市文广新旅局")
    output = run("--dry-run", "--date", TODAY.isoformat())
    assert "would send: [form_outstanding] 李辉松委员 <li@example.org> 提醒：" in output
    assert "would send: [overdue] 市文广新旅局 <staff@example.org> 已逾期3天：" in output
    assert "Dry run for 2025-06-20: 2 would be sent" in output
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_the_command_reports_what_it_sent_and_is_safe_to_run_twice():
    due_assignment(-3, unit_name="市文广新旅局")
    first = run("--date", TODAY.isoformat())
    assert "sent: [overdue] 市文广新旅局 <staff@example.org>" in first
    assert "Reminders for 2025-06-20: 1 sent, 0 already sent today" in first

    second = run("--date", TODAY.isoformat())
    assert "1 sent" not in second
    assert "0 sent, 1 already sent today" in second
    assert "already sent today: [overdue]" not in second  # only at verbosity 2
    assert "already sent today: [overdue]" in run("--date", TODAY.isoformat(), "-v", "2")
    assert len(mail.outbox) == 1


def test_the_command_is_silent_at_verbosity_zero_and_runs_as_of_today():
    due_assignment(-3)
    assert run("-v", "0") == ""
    assert Reminder.objects.get().sent_on == timezone.localdate()


def test_the_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "2025-13-01")


def test_a_dry_run_after_the_days_run_has_nothing_left_to_send():
    due_assignment(-3)
    run("--date", TODAY.isoformat())
    output = run("--dry-run", "--date", TODAY.isoformat())
    assert "would send" not in output
    assert "0 would be sent, 1 already sent today" in output
