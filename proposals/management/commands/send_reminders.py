"""Send the day's reminders; meant for a daily cron.

Members whose satisfaction form is still outstanding FORM_REMINDER_AFTER_DAYS days after their
link was sent get it again; units whose reply is due within DUE_SOON_DAYS days, or overdue, are
told so (re-handling rounds included). Safe to run again: what went out today is not sent twice.

    python manage.py send_reminders                     # as of today
    python manage.py send_reminders --dry-run           # list what would be sent
    python manage.py send_reminders --date 2025-05-02   # as of another day (catch-up)
"""

import argparse
from collections import Counter
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from proposals.reminders import ReminderResult, ReminderStatus, reminders_send


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Remind members whose satisfaction form is outstanding and units whose reply is due "
        "soon or overdue; at most once a day each."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be sent; send and write nothing.",
        )
        parser.add_argument(
            "--date",
            dest="as_of",
            type=iso_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="Run as of this day instead of today.",
        )

    def handle(self, *args, dry_run=False, as_of=None, verbosity=1, **options):
        self.verbosity = verbosity
        today = as_of or timezone.localdate()
        results = reminders_send(today=today, dry_run=dry_run)
        for result in results:
            self.report(result)
        counts = Counter(result.status for result in results)
        if dry_run:
            summary = (
                f"Dry run for {today}: {counts[ReminderStatus.WOULD_SEND]} would be sent, "
                f"{counts[ReminderStatus.ALREADY_SENT]} already sent today, "
                f"{counts[ReminderStatus.NO_RECIPIENT]} with no e-mail on file; "
                "nothing was sent or written."
            )
        else:
            summary = (
                f"Reminders for {today}: {counts[ReminderStatus.SENT]} sent, "
                f"{counts[ReminderStatus.ALREADY_SENT]} already sent today, "
                f"{counts[ReminderStatus.NO_RECIPIENT]} with no e-mail on file."
            )
        if counts[ReminderStatus.FAILED]:
            self.note(summary, level=1)
            raise CommandError(
                f"{counts[ReminderStatus.FAILED]} reminder(s) could not be sent; "
                "run the command again to retry them."
            )
        self.note(summary, level=1, style=self.style.SUCCESS)

    def report(self, result: ReminderResult) -> None:
        reminder = result.reminder
        recipients = ", ".join(reminder.recipients) or "-"
        line = (
            f"{result.status}: [{reminder.kind}] {reminder.addressee} <{recipients}> "
            f"{reminder.subject}"
        )
        if result.status == ReminderStatus.ALREADY_SENT:
            self.note(line, level=2)
        elif result.status == ReminderStatus.NO_RECIPIENT:
            self.note(line, level=1, style=self.style.WARNING)
        elif result.status == ReminderStatus.FAILED:
            self.stderr.write(f"{line} ({result.error})", self.style.ERROR)
        else:
            self.note(line, level=1)

    def note(self, message: str, *, level: int, style=None) -> None:
        if self.verbosity >= level:
            self.stdout.write(style(message) if style else message)
