"""Import reply letters (答复函) from .txt, .md, .docx and text-based .pdf files.

    manage.py import_letters PATH…                         create or update the records
    manage.py import_letters --dry-run --format json PATH…  what each file says, one JSON
                                                           object per line, nothing written

Folders are searched recursively. Each file is all or nothing: a file that cannot be read,
or lacks what a record needs, changes nothing and is reported with the reason, and the others
go in; a letter already imported is recognised (by its unit and document number) and not
duplicated. Files are imported and committed a batch at a time, in a few statements for the
batch (should one fail otherwise, its batch is imported again file by file, each in a
transaction of its own), and reported once committed. The summary counts imported, updated,
skipped and failed files.
"""

import argparse
import json
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from itertools import batched
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DatabaseError, transaction
from tqdm import tqdm

from proposals.letters.reader import NotALetter, ParsedLetter, read_letter
from proposals.letters.sources import UnreadableFile, letter_files, path_text
from proposals.models import OutcomeClass
from proposals.services import (
    CREATED,
    UPDATED,
    ImportLookups,
    LetterImport,
    LetterNotImportable,
    letter_import,
    letters_import,
    unknown_class_warning,
)

IMPORTED, SKIPPED, FAILED = "imported", "skipped", "failed"
OUTCOMES = [IMPORTED, UPDATED, SKIPPED, FAILED]
# The files are imported and committed fifty at a time: a commit per file (a disk flush each)
# held an import to some 50 files a second, and a statement per row to some 110.
FILES_PER_COMMIT = 50
# The keys of --format json, in order (null where the letter does not say).
logger = logging.getLogger(__name__)
JSON_FIELDS = [
    "file",
    "doc_number",
    "outcome_class",
    "committee_level",
    "term",
    "meeting",
    "proposal_number",
    "addressee",
    "proposal_title",
    "unit",
    "signed_on",
    "copied_to",
    "signer",
    "contact_name",
    "contact_phone",
    "is_co_handling",
    "warnings",
]


@dataclass
class FileReport:
    """What became of one file."""

    path: Path
    outcome: str  # one of OUTCOMES, or "read" in a dry run
    letter: ParsedLetter | None = None
    reason: str = ""  # why it was skipped or failed
    warnings: list[str] = field(default_factory=list)

    def as_json(self, *, with_status: bool) -> dict:
        letter = self.letter
        values = {name: getattr(letter, name, None) for name in JSON_FIELDS[1:-1]}
        if letter and letter.signed_on:
            values["signed_on"] = letter.signed_on.isoformat()
        warnings = [self.reason, *self.warnings] if self.reason else self.warnings
        result = {"file": printable(self.path), **values, "warnings": warnings}
        if with_status:
            result["status"] = self.outcome
        return result


def printable(path: Path) -> str:
    """The path as text that can be printed and put in JSON, whatever bytes its name holds."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_file(path: Path, known_codes: set[str]) -> FileReport:
    """Read one file without writing anything."""
    if not path.is_file():
        return FileReport(path, FAILED, reason="文件不存在或不是普通文件。")
    try:
        letter = read_letter(path_text(path))
    except UnreadableFile as error:
        return FileReport(path, FAILED, reason=str(error))
    except NotALetter as why:
        return FileReport(path, SKIPPED, reason=f"不是答复函：{why}")
    except Exception as error:  # a reader bug must not stop the other files
        logger.exception("Reading %s failed", printable(path))
        return FileReport(
            path, FAILED, reason=f"读取时出错（{type(error).__name__}），请报告此文件。"
        )
    warnings = list(letter.warnings)
    if letter.outcome_class and letter.outcome_class not in known_codes:
        warnings.append(unknown_class_warning(letter.outcome_class))
    return FileReport(path, "read", letter=letter, warnings=warnings)


def import_readable(reports: list[FileReport], *, publish: bool, lookups: ImportLookups) -> None:
    """Create or update the records of the letters read, and settle their reports. The
    letters go in together, in a few statements (letters_import); if one of them fails
    otherwise than by lacking what a record needs, they are imported again one by one, each
    in a transaction of its own, so that only the failing file fails."""
    readable = [report for report in reports if report.letter]
    letters = [report.letter for report in readable]
    # What the audit trail keeps as the reason of each letter's rows.
    reasons = [f"import_letters {printable(report.path)}" for report in readable]
    try:
        # A transaction.
        results = letters_import(letters, publish=publish, lookups=lookups, reasons=reasons)
    except Exception:  # rolled back: which file was it?
        with transaction.atomic():  # committed together, each file in a savepoint
            results = [
                import_alone(letter, publish=publish, lookups=lookups, reason=reason)
                for letter, reason in zip(letters, reasons, strict=True)
            ]
    for report, result in zip(readable, results, strict=True):
        settle(report, result)


def import_alone(letter: ParsedLetter, *, publish: bool, lookups: ImportLookups, reason: str):
    """The letter's LetterImport, or the error that rolled it back."""
    try:
        return letter_import(letter=letter, publish=publish, lookups=lookups, reason=reason)
    except Exception as error:  # rolled back like the others; the next file goes on
        return error


def settle(report: FileReport, result: LetterImport | Exception) -> None:
    if isinstance(result, LetterNotImportable):
        report.outcome, report.reason = FAILED, str(result)
    elif isinstance(result, DatabaseError):
        report.outcome, report.reason = FAILED, f"与已有记录冲突，未导入（{result}）"
    elif isinstance(result, Exception):
        logger.error("Importing %s failed", printable(report.path), exc_info=result)
        report.outcome = FAILED
        report.reason = f"导入时出错（{type(result).__name__}），未导入。"
    else:
        report.outcome = {CREATED: IMPORTED, UPDATED: UPDATED}.get(result.state, SKIPPED)
        if report.outcome == SKIPPED:
            report.reason = "已导入过，内容无变化。"
        report.warnings = result.warnings


class Command(BaseCommand):
    help = "Import reply letters from .txt, .md, .docx and .pdf files and folders."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and report each file; write nothing."
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json: one JSON object per file and line on stdout.",
        )
        parser.add_argument(
            "--publish", action="store_true", help="Mark the imported replies as published."
        )
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar on stderr (default: when stderr is a terminal).",
        )

    def handle(self, *args, paths, dry_run, format, publish, progress, verbosity, **options):
        self.json = format == "json"
        self.verbosity = verbosity
        files = letter_files(paths)
        known_codes = set(OutcomeClass.objects.values_list("code", flat=True))
        lookups = ImportLookups()
        counts = Counter()
        stream = getattr(self.stderr, "_out", sys.stderr)
        show_bar = progress if progress is not None else stream.isatty()
        self.bar = tqdm(files, unit="file", file=stream, disable=not show_bar or len(files) < 2)
        for batch in batched(self.bar, FILES_PER_COMMIT):
            reports = [read_file(path, known_codes) for path in batch]
            if not dry_run:
                import_readable(reports, publish=publish, lookups=lookups)
            for report in reports:
                counts[report.outcome] += 1
                self.show(report, dry_run=dry_run)
        self.bar.close()
        self.summary(counts, dry_run=dry_run, total=len(files))

    def show(self, report: FileReport, *, dry_run: bool) -> None:
        if self.json:
            line = json.dumps(report.as_json(with_status=not dry_run), ensure_ascii=False)
            self.bar.write(line, file=self.stdout._out)
            return
        if self.verbosity < 1:
            return
        name = printable(Path(report.path.name))
        label = (report.letter and report.letter.doc_number) or ""
        head = f"{name}: {report.outcome}" + (f" {label}" if label else "")
        if report.reason:
            head += f" ({report.reason})"
        style = self.style.ERROR if report.outcome == FAILED else None
        self.bar.write(style(head) if style else head, file=self.stdout._out)
        for warning in report.warnings:
            self.bar.write(self.style.WARNING(f"  {warning}"), file=self.stdout._out)

    def summary(self, counts: Counter, *, dry_run: bool, total: int) -> None:
        if dry_run:
            text = (
                f"Dry run: {total} files read, {counts['read']} letters, "
                f"{counts[SKIPPED]} skipped, {counts[FAILED]} failed; nothing was written."
            )
        else:
            text = "Summary: " + ", ".join(f"{counts[name]} {name}" for name in OUTCOMES)
            text += f" ({total} files)."
        out = self.stderr if self.json else self.stdout
        out.write(self.style.SUCCESS(text) if not counts[FAILED] else text)
