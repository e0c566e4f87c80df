"""Write every record and uploaded scan to one zip file (see proposals.archive).

    manage.py export_archive FILE [--overwrite]

Reads one consistent snapshot of the database; safe to run while the application serves.
Scans missing from the storage are named on stderr and in the manifest.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from proposals import archive


class Command(BaseCommand):
    help = (
        "Back up every record (users and groups included) and every uploaded scan to one zip "
        "file, with a manifest of counts and checksums; import_archive restores it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The archive to write (a .zip file).")
        parser.add_argument("--overwrite", action="store_true", help="Replace FILE if it exists.")

    def handle(self, *args, file, overwrite, verbosity, **options):
        if file.exists() and not overwrite:
            raise CommandError(f"{file} exists: name another file, or use --overwrite.")
        if not file.parent.is_dir():
            raise CommandError(f"No such folder: {file.parent}")
        outcome = archive.archive_export(
            path=file, log=self.stdout.write if verbosity >= 2 else lambda line: None
        )
        missing = outcome.manifest["missing_scans"]
        for name in missing:
            self.stderr.write(f"Scan missing from the storage, not archived: {name}")
        if verbosity >= 1:
            summary = (
                f"Exported {outcome.records} records ({counts(outcome.manifest)}) and "
                f"{outcome.scans} scans to {file} ({file.stat().st_size / 1e6:.1f} MB) in "
                f"{outcome.seconds:.1f} s"
                + (f"; {len(missing)} scans missing from the storage." if missing else ".")
            )
            self.stdout.write(self.style.SUCCESS(summary) if not missing else summary)


def counts(manifest: dict) -> str:
    """The counts a person checks first."""
    labels = {
        "proposals.proposal": "proposals",
        "proposals.replyletter": "replies",
        "proposals.satisfactionform": "forms",
    }
    return ", ".join(f"{manifest['counts'][label]} {name}" for label, name in labels.items())
