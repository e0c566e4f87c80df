"""Load the seed reply letters in seeds/ (SEEDS_DIR) into the database.

Each file is read as a reply letter; files that are not letters (the news articles among
the seeds) are skipped with a message. Safe to run again (`make run` does, every time): it
only adds what is missing, so what people changed in the admin since stays as they left it.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from proposals.letters.reader import NotALetter, read_letter
from proposals.services import CREATED, UNCHANGED, LetterNotImportable, letter_import


class DryRun(Exception):
    """Raised to roll back a --dry-run."""


class Command(BaseCommand):
    help = "Load the seed reply letters (and the filled-in form) from the seeds folder."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="Folder of seed files.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report; write nothing."
        )

    def handle(self, *args, dir=None, dry_run=False, verbosity=1, **options):
        self.verbosity = verbosity
        folder = dir or settings.SEEDS_DIR
        files = sorted(p for p in folder.glob("*") if p.suffix in {".txt", ".md"})
        if not files:
            raise CommandError(f"No .txt or .md files in {folder}.")
        counts = {CREATED: 0, "updated": 0, UNCHANGED: 0, "skipped": 0}
        try:
            with transaction.atomic():
                for path in files:
                    counts[self.load(path)] += 1
                if dry_run:
                    raise DryRun
        except DryRun:
            self.note("Dry run: nothing was written.", level=1)
        summary = (
            f"Seeds: {counts[CREATED]} created, {counts['updated']} updated, "
            f"{counts[UNCHANGED]} unchanged, {counts['skipped']} skipped (not letters)."
        )
        self.note(summary, level=1, style=self.style.SUCCESS)

    def load(self, path: Path) -> str:
        try:
            letter = read_letter(path.read_text(encoding="utf-8"))
        except NotALetter as reason:
            self.note(f"{path.name}: skipped, not a reply letter ({reason}).", level=1)
            return "skipped"
        try:
            result = letter_import(
                letter=letter, publish=True, overwrite=False, reason=f"load_seeds {path.name}"
            )
        except LetterNotImportable as error:
            raise CommandError(f"{path.name}: {error}") from error
        self.note(f"{path.name}: {result.reply.doc_number} {result.state}.", level=1)
        for warning in result.warnings:
            self.note(f"  {path.name}: {warning}", level=1, style=self.style.WARNING)
        return result.state

    def note(self, message: str, *, level: int, style=None) -> None:
        if self.verbosity >= level:
            self.stdout.write(style(message) if style else message)
