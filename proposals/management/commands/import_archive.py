"""Restore an archive written by export_archive into an empty, migrated database (see
proposals.archive).

    manage.py import_archive FILE [--dry-run]

All in one transaction: a damaged or foreign file, a database that holds records or a scan
whose checksum does not match changes nothing. `--dry-run` loads and verifies everything,
then rolls back and writes no scan.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from proposals import archive

from .export_archive import counts


class Command(BaseCommand):
    help = (
        "Restore every record and scan from an export_archive file into an empty, migrated "
        "database; verifies counts and checksums, and changes nothing if anything fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The archive to restore (a .zip file).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Load and verify everything, then roll back; write no scan.",
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        try:
            outcome = archive.archive_import(
                path=file,
                dry_run=dry_run,
                log=self.stdout.write if verbosity >= 2 else lambda line: None,
            )
        except archive.ArchiveError as error:
            raise CommandError(str(error)) from error
        if verbosity >= 1:
            manifest = outcome.manifest
            done = "Verified, then rolled back (dry run):" if dry_run else "Restored"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{done} {outcome.records} records ({counts(manifest)}) and {outcome.scans} "
                    f"scans from {file} (made {manifest.get('created_at')}) in "
                    f"{outcome.seconds:.1f} s; counts and checksums match the manifest."
                )
            )
