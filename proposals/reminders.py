"""The reminders that `manage.py send_reminders` sends every day: members whose satisfaction
form is still outstanding FORM_REMINDER_AFTER_DAYS after their link went out, and units whose
reply is due within DUE_SOON_DAYS or overdue (re-handling rounds included).

A reminder of one kind goes out at most once a day per invitation or assignment: the Reminder
row, written in the same transaction as the send, is the record that it went out, and its
unique constraints settle a race between two runs."""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from .models import (
    Assignment,
    AssignmentRole,
    FormInvitation,
    Reminder,
    ReminderKind,
    ReplyLetter,
    SatisfactionForm,
)
from .services import member_form_url


class ReminderStatus(enum.StrEnum):
    SENT = "sent"
    WOULD_SEND = "would send"
    ALREADY_SENT = "already sent today"
    NO_RECIPIENT = "no e-mail on file"
    FAILED = "failed"


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder the rules call for on a day: about one invitation or one assignment."""

    kind: ReminderKind
    addressee: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    invitation: FormInvitation | None = None
    assignment: Assignment | None = None

    @property
    def key(self) -> tuple[str, int | None, int | None]:
        return (
            self.kind,
            self.invitation.pk if self.invitation else None,
            self.assignment.pk if self.assignment else None,
        )


@dataclass(frozen=True)
class ReminderResult:
    reminder: PlannedReminder
    status: ReminderStatus
    error: str = ""


def reminders_due(*, today: date) -> list[PlannedReminder]:
    """Every reminder the rules call for on `today`, whether or not it went out already."""
    return [*_member_reminders(today), *_unit_reminders(today)]


def reminders_send(*, today: date, dry_run: bool = False) -> list[ReminderResult]:
    """Send the reminders due on `today` that have not gone out today; with `dry_run`, only
    say what would be sent. Each reminder is sent in a transaction of its own: a mail that
    went out cannot be taken back, so one failure must not undo the rows of the others."""
    sent_today = _sent_today(today)
    results = []
    for reminder in reminders_due(today=today):
        error = ""
        if reminder.key in sent_today:
            status = ReminderStatus.ALREADY_SENT
        elif not reminder.recipients:
            # No row: the reminder goes out once someone enters an address.
            status = ReminderStatus.NO_RECIPIENT
        elif dry_run:
            status = ReminderStatus.WOULD_SEND
        else:
            status, error = _send(reminder, today)
        results.append(ReminderResult(reminder, status, error))
    return results


def _sent_today(today: date) -> set[tuple[str, int | None, int | None]]:
    return set(
        Reminder.objects.filter(sent_on=today).values_list("kind", "invitation", "assignment")
    )


def _send(reminder: PlannedReminder, today: date) -> tuple[ReminderStatus, str]:
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=reminder.kind,
                invitation=reminder.invitation,
                assignment=reminder.assignment,
                recipients=list(reminder.recipients),
                sent_on=today,
            )
            send_mail(reminder.subject, reminder.body, None, list(reminder.recipients))
    except IntegrityError:
        # Another run wrote today's row first; it sends (or, failing, rolls back its row).
        return ReminderStatus.ALREADY_SENT, ""
    except OSError as error:  # smtplib's errors are OSErrors; the row was rolled back
        return ReminderStatus.FAILED, str(error)
    return ReminderStatus.SENT, ""


def _member_reminders(today: date) -> list[PlannedReminder]:
    """Invitations whose form has not come back: the link still works (the reply is neither
    withdrawn nor superseded by a later round) and went out long enough ago."""
    sent_by = today - timedelta(days=settings.FORM_REMINDER_AFTER_DAYS)
    later_round = ReplyLetter.objects.filter(
        assignment=OuterRef("reply__assignment"), round__gt=OuterRef("reply__round")
    )
    # A voided form does not count: the member owes a form again.
    form_back = SatisfactionForm.objects.valid().filter(
        reply=OuterRef("reply"), rater=OuterRef("rater")
    )
    invitations = (
        FormInvitation.objects.filter(reply__withdrawn_at__isnull=True, sent_at__date__lte=sent_by)
        .exclude(email="")
        .exclude(Exists(later_round))
        .exclude(Exists(form_back))
        .select_related("reply__unit", "reply__assignment__proposal__session", "rater")
        .order_by("pk")
    )
    return [_member_reminder(invitation) for invitation in invitations]


def _member_reminder(invitation: FormInvitation) -> PlannedReminder:
    reply = invitation.reply
    proposal = reply.assignment.proposal
    subject = gettext("提醒：请对%(session)s第%(number)s号提案的答复进行评价") % {
        "session": proposal.session,
        "number": proposal.printed_number,
    }
    # The nonce stays, so the link sent first keeps working (until it expires) next to this one.
    body = gettext(
        "%(name)s：\n\n%(unit)s已答复您的提案《%(title)s》（%(session)s第%(number)s号），"
        "您的征询意见表还没有交回。请通过下面的个人链接填写（办理态度、办理结果）：\n\n"
        "%(url)s\n\n这个链接只属于您，请勿转发；%(days)s天内有效。"
        "如已交回纸质表，请忽略本提醒。如有疑问，请联系%(contact)s。"
    ) % {
        "name": invitation.rater.contact_person or invitation.rater.name,
        "unit": reply.unit.name,
        "title": proposal.title,
        "session": proposal.session,
        "number": proposal.printed_number,
        "url": member_form_url(invitation),
        "days": settings.FORM_LINK_MAX_AGE_DAYS,
        "contact": settings.PROPOSALS_OFFICE_CONTACT,
    }
    return PlannedReminder(
        kind=ReminderKind.FORM_OUTSTANDING,
        addressee=str(invitation.rater),
        recipients=(invitation.email,),
        subject=subject,
        body=body,
        invitation=invitation,
    )


def _unit_reminders(today: date) -> list[PlannedReminder]:
    """Assignments still owing the round they are in (the first, or the re-handling round),
    whose deadline for it is within DUE_SOON_DAYS or past. Every role owes something: lead
    and separate units a reply, co-handling units their opinion to the lead unit."""
    horizon = today + timedelta(days=settings.DUE_SOON_DAYS)
    # A withdrawn reply was sent by mistake: the unit still owes one.
    answered = ReplyLetter.objects.filter(
        assignment=OuterRef("pk"),
        withdrawn_at__isnull=True,
        round__gte=Coalesce(OuterRef("rehandling_round"), Value(1)),
    )
    recipients = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("email")
    assignments = (
        Assignment.objects.filter(
            Q(rehandling_round__isnull=True, due_on__lte=horizon)
            | Q(rehandling_round__isnull=False, rehandling_due_on__lte=horizon)
        )
        .exclude(Exists(answered))
        .select_related("unit", "proposal__session")
        .prefetch_related(
            Prefetch("unit__staff", queryset=recipients, to_attr="reminder_recipients")
        )
        .order_by("unit__name", "pk")
    )
    return [_unit_reminder(assignment, today) for assignment in assignments]


def _unit_reminder(assignment: Assignment, today: date) -> PlannedReminder:
    proposal = assignment.proposal
    rehandling = assignment.rehandling_round is not None
    due_on = assignment.rehandling_due_on if rehandling else assignment.due_on
    days_left = (due_on - today).days
    values = {
        "unit": assignment.unit.name,
        "role": assignment.get_role_display(),
        "title": proposal.title,
        "session": proposal.session,
        "number": proposal.printed_number,
        "due": due_on.isoformat(),
        "round": assignment.rehandling_round,
        "days": abs(days_left),
        "contact": settings.PROPOSALS_OFFICE_CONTACT,
    }
    if days_left < 0:
        kind = ReminderKind.OVERDUE
        subject = gettext("已逾期%(days)s天：%(session)s第%(number)s号提案尚未答复") % values
        when = gettext("已逾期%(days)s天。") % values
    else:
        kind = ReminderKind.DUE_SOON
        subject = gettext("答复期限将到：%(session)s第%(number)s号提案（%(due)s）") % values
        if days_left == 0:
            when = gettext("今天到期。")
        else:
            when = gettext("离期限还有%(days)s天。") % values
    if rehandling:
        what = (
            gettext(
                "交办给贵单位（%(role)s）的提案《%(title)s》（%(session)s第%(number)s号）正在重新"
                "办理，第%(round)s轮答复的期限为%(due)s，尚未收到答复。"
            )
            % values
        )
    else:
        what = (
            gettext(
                "交办给贵单位（%(role)s）的提案《%(title)s》（%(session)s第%(number)s号）尚未答复，"
                "答复期限为%(due)s。"
            )
            % values
        )
    if assignment.role == AssignmentRole.CO_HANDLING:
        ask = gettext("请及时将会办意见送主办单位。")
    else:
        ask = gettext("请及时办理并答复提案者；确需延期的，请说明理由。")
    contact = gettext("如有疑问，请联系%(contact)s。") % values
    body = f"{assignment.unit.name}：\n\n{what}{when}\n\n{ask}{contact}"
    return PlannedReminder(
        kind=kind,
        addressee=assignment.unit.name,
        recipients=tuple(dict.fromkeys(user.email for user in assignment.unit.reminder_recipients)),
        subject=subject,
        body=body,
        assignment=assignment,
    )
