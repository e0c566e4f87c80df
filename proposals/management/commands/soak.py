"""Restart PostgreSQL under load and report how the app came through it.

    manage.py soak [--proposals 5000] [--duration 30] [--connections 64] [--restart-at 10]
                   [--restart-command "…"] [--workers N] [--skip-data] [--json soak.json]

Builds (or reuses) a PostgreSQL database of generated proposals — `tracker_soak`, or
SOAK_DATABASE_URL — as the bench does, starts gunicorn on it as production would, loads three
pages with wrk and restarts PostgreSQL in the middle. The figures go to a table and to
soak.json; a missed target is reported, never an error. How and why is in config/soak.py.
"""

import os
import shlex
import signal
import sys

from django.conf import settings
from django.core.management.base import CommandError

from config import bench, load_testing, soak

from .bench import Command as BenchCommand


class Command(BenchCommand):
    help = "Restart PostgreSQL while wrk loads the app; print and save what the visitors saw."
    command_name = "soak"
    value_options = (
        "proposals",
        "duration",
        "connections",
        "workers",
        "restart_at",
        "restart_command",
        "json",
        "verbosity",
    )
    flags = ("skip_data",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--proposals",
            type=int,
            default=5000,
            help="Generate the data set anew when it holds fewer proposals (default 5000).",
        )
        parser.add_argument(
            "--duration", type=int, default=30, help="Seconds of load (default 30)."
        )
        parser.add_argument(
            "--connections", type=int, default=64, help="wrk's open connections (default 64)."
        )
        parser.add_argument(
            "--restart-at",
            type=float,
            default=10,
            help="Seconds into the load when PostgreSQL restarts (default 10).",
        )
        parser.add_argument(
            "--restart-command",
            help="How to restart PostgreSQL (default: pg_ctlcluster … restart for the local "
            "cluster on the database URL's port).",
        )
        self.add_run_arguments(parser)

    def handle(self, *args, **options):
        self.require_wrk()
        url = soak.database_url()
        if not bench.is_postgres(url):
            raise CommandError("The soak restarts PostgreSQL: SOAK_DATABASE_URL must name one.")
        # The baseline runs from the warm-up's end to the restart, and recovery needs time.
        if not soak.WARM_UP_SECONDS + 1 <= options["restart_at"] <= options["duration"] - 2:
            raise CommandError(
                f"--restart-at must be between {soak.WARM_UP_SECONDS + 1} and --duration − 2."
            )
        # Settings are read once per process: the soak runs itself again with the production
        # settings on its own database, and so does everything it starts.
        if os.environ.get(bench.RUNNING_ON) != url:
            return self.run_again(url, options)
        self.verbosity = options["verbosity"]
        # Stopped by a signal, it still stops its servers (the `finally`s run).
        signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
        try:
            restart_command = (
                shlex.split(options["restart_command"])
                if options["restart_command"]
                else soak.default_restart_command(url)
            )
            self.prepare(url, proposals=options["proposals"], skip_data=options["skip_data"])
            run_options = soak.Options(
                seconds=options["duration"],
                connections=options["connections"],
                workers=options["workers"] or load_testing.configured_workers(settings.BASE_DIR),
                restart_at=options["restart_at"],
                restart_command=restart_command,
            )
            report = soak.run(url, run_options, log=self.progress)
        except bench.BenchError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n" + soak.report_text(report))
        bench.write_json(report, options["json"])
        self.stdout.write(self.style.SUCCESS(f"Figures written to {options['json']}."))
