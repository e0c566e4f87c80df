"""Measure the app at national scale and print the figures beside their targets.

    manage.py bench [--sqlite] [--proposals 100000] [--duration 10] [--connections 16]
                    [--workers N] [--skip-data] [--json bench.json]

Builds (or reuses) a database of generated proposals — PostgreSQL `tracker_bench` from
BENCH_DATABASE_URL, or the SQLite file bench.sqlite3 — starts gunicorn on it as production
would, loads each page with wrk, downloads the exports and times import_letters. The figures
go to a table and to bench.json; a missed target is reported, never an error. How and why is
in config/bench.py.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from config import bench, load_testing


class Command(BaseCommand):
    help = "Load the app with wrk on a large generated data set; print and save the figures."
    # Its name, and the options passed on when the command runs itself again.
    command_name = "bench"
    value_options = ("proposals", "duration", "connections", "workers", "json", "verbosity")
    flags = ("sqlite", "skip_data")

    @staticmethod
    def require_wrk() -> None:
        if not load_testing.wrk_installed():
            raise CommandError(
                "wrk is not installed: apt-get install -y wrk (Debian, Ubuntu) "
                "or brew install wrk (macOS)."
            )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sqlite", action="store_true", help="Use bench.sqlite3 instead of PostgreSQL."
        )
        parser.add_argument(
            "--proposals",
            type=int,
            default=100_000,
            help="Generate the data set anew when it holds fewer proposals (default 100000).",
        )
        parser.add_argument(
            "--duration", type=int, default=10, help="Seconds of load per page (default 10)."
        )
        parser.add_argument(
            "--connections", type=int, default=16, help="wrk's open connections (default 16)."
        )
        self.add_run_arguments(parser)

    def add_run_arguments(self, parser):
        """The options of a run of gunicorn on the data set, shared with the soak."""
        report = f"{self.command_name}.json"
        parser.add_argument(
            "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)."
        )
        parser.add_argument(
            "--skip-data", action="store_true", help="Use the database as it is: no migrations."
        )
        parser.add_argument(
            "--json",
            type=Path,
            default=settings.BASE_DIR / report,
            help=f"Where to write the figures (default {report}).",
        )

    def handle(self, *args, **options):
        self.require_wrk()
        url = bench.database_url(sqlite=options["sqlite"])
        # Settings are read once per process: the bench runs itself again with the
        # production settings on its own database, and so does everything it starts.
        if os.environ.get(bench.RUNNING_ON) != url:
            return self.run_again(url, options)
        self.verbosity = options["verbosity"]
        # Stopped by a signal, it still stops its servers (the `finally`s run).
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
        try:
            self.prepare(url, proposals=options["proposals"], skip_data=options["skip_data"])
            run_options = bench.Options(
                seconds=options["duration"],
                connections=options["connections"],
                workers=options["workers"] or load_testing.configured_workers(settings.BASE_DIR),
            )
            report = bench.run(url, run_options, log=self.progress)
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n" + bench.report_text(report))
        bench.write_json(report, options["json"])
        self.stdout.write(self.style.SUCCESS(f"Figures written to {options['json']}."))

    def run_again(self, url: str, options: dict) -> None:
        arguments = [
            f"--{name.replace('_', '-')}={options[name]}"
            for name in self.value_options
            if options[name] is not None
        ]
        arguments += [f"--{flag.replace('_', '-')}" for flag in self.flags if options[flag]]
        command = [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            self.command_name,
            *arguments,
        ]
        process = subprocess.Popen(command, env=bench.environment(url))
        try:
            returncode = process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the bench too: it stops its servers, and is waited for.
            returncode = process.wait()
        if returncode:
            raise SystemExit(returncode)

    def prepare(self, url: str, *, proposals: int, skip_data: bool) -> None:
        if bench.is_postgres(url) and bench.create_postgres_database(url):
            self.progress(f"Created the database {url}.")
        if not skip_data:
            call_command("migrate", verbosity=0)
            present = bench.generated_proposals()
            if present < proposals:
                self.progress(f"Generating {proposals} proposals (the database holds {present}).")
                call_command("generate_demo_data", proposals=proposals, replace=True)
        call_command("collectstatic", interactive=False, verbosity=0)

    def progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)
