"""Build a realistic synthetic data set, for demos and benchmarks (see proposals.demo_data).

    manage.py generate_demo_data --proposals 100000 [--seed 1] [--replace] [--force]

Sessions over the years (at most 5 000 proposals a year), about sixty units, proposers,
proposals, assignments, reply letters of every outcome class, satisfaction forms, re-handling
rounds and overdue assignments, written with bulk inserts in one transaction.

It refuses a database that holds real proposals (sessions not marked generated) unless told
`--force`, and one that holds demo data already unless told `--replace`, which deletes the
generated sessions and everything in them first. The same seed on the same day gives the
same data.
"""

from django.core.management.base import BaseCommand, CommandError

from proposals import demo_data


class Command(BaseCommand):
    help = "Generate a realistic synthetic data set of N proposals (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--proposals", type=int, required=True, help="How many proposals.")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random choices.")
        parser.add_argument(
            "--force", action="store_true", help="Generate even beside real proposals."
        )
        parser.add_argument(
            "--replace", action="store_true", help="Delete the demo data already there first."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Generate, report and roll back."
        )

    def handle(self, *args, proposals, seed, force, replace, dry_run, verbosity, **options):
        if proposals < 1:
            raise CommandError("--proposals must be at least 1.")
        try:
            counts = demo_data.generate(
                proposals,
                seed=seed,
                force=force,
                replace=replace,
                dry_run=dry_run,
                stdout=self.stdout if verbosity >= 2 else None,
            )
        except demo_data.DemoDataRefused as error:
            raise CommandError(str(error)) from error
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(summary(counts, dry_run=dry_run)))


def summary(counts: dict, *, dry_run: bool) -> str:
    done = "Dry run, rolled back: would have generated" if dry_run else "Generated"
    return (
        "{done} {sessions} sessions, {units} units, {proposers} proposers, {proposals} "
        "proposals, {assignments} assignments, {replies} replies, {forms} forms, "
        "{invitations} form links in {seconds} s."
    ).format(done=done, **counts)
