"""The benchmark behind `manage.py bench`: what it measures, and the report.

The app is measured as production runs it: gunicorn with `gunicorn.conf.py` and the production
settings (DEBUG off, whitenoise, the shared cache), on a database of generated proposals,
loaded by wrk on the same machine (config/load_testing.py holds the tools). Each page is
measured beside a trivial view (`/ping`), the ceiling of the stack: a page's throughput is
also a ratio to it, which stays comparable from one machine to another.

A page is measured three ways: under load (wrk, `connections` at once: throughput, p50, p99),
alone (one connection: its own time, no queueing) and fresh (right after a write, which
retires the cached pages: the time and the SQL queries of a page computed anew, as the first
visitor after a reply is logged gets it). Figures are reported, never asserted: each is
printed beside its target, ✓ or ✗, with how far off a missed one is.
"""

import csv
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import dj_database_url
import django
import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session as LoginSession
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from psycopg import sql

from offices.roles import SUPERVISORS_GROUP
from proposals.caching import data_changed
from proposals.models import AssignmentRole, Proposal, ReplyLetter, Session

from .load_testing import (
    HOST,
    PROXY_HEADERS,
    WRK_THREADS,
    LoadTestError,
    Server,
    fetch,
    gunicorn_server,
    peak_memory_mb,
    run_wrk,
)

BASE_DIR = settings.BASE_DIR
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
SQLITE_DATABASE_URL = f"sqlite:///{BASE_DIR / 'bench.sqlite3'}"
# Set in the environment the command runs itself again in (see `environment`).
RUNNING_ON = "BENCH_RUNNING_ON"
SUPERVISOR = "bench_supervisor"
# Two-character keywords: one in most letters (an exact count of tens of thousands of
# matches), and one as specific as a searcher's usual word (in about 1 % of them).
COMMON_WORD, SPECIFIC_WORD = "发展", "医保"
WARM_UP_SECONDS = 2  # at most: never longer than the measurement
FRESH_REQUESTS = 5
LETTERS = 1000


class BenchError(Exception):
    """Something the bench needs is missing; the message says what."""


# ------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """A figure's goal: `measure` (an attribute of the figures) at least or at most `limit`."""

    label: str
    measure: str
    limit: float
    at_least: bool = False

    def check(self, figures) -> dict:
        value = getattr(figures, self.measure)
        if value is None:
            return {"target": self.label, "value": None, "met": None, "off_by_percent": None}
        met = value >= self.limit if self.at_least else value <= self.limit
        off_by = None
        if not met and self.limit:  # nothing is a percentage of a limit of 0
            off_by = round(
                100 * ((1 - value / self.limit) if self.at_least else (value / self.limit - 1))
            )
        return {"target": self.label, "value": value, "met": met, "off_by_percent": off_by}


QUERIES = Target("≤ 6 queries", "queries", 6)
HALF_OF_PING = Target("≥ 0.5 × ping", "ratio", 0.5, at_least=True)


def latency(milliseconds: int) -> tuple[Target, Target]:
    """The p50 under load, and the time of a page computed afresh."""
    return (
        Target(f"p50 ≤ {milliseconds} ms", "p50_ms", milliseconds),
        Target(f"fresh ≤ {milliseconds} ms", "fresh_ms", milliseconds),
    )


EXPORT_SPEED = Target("≥ 20000 rows/s", "rows_per_second", 20_000, at_least=True)
# Flat memory: what the worker took beyond its resting size, however many the rows.
EXPORT_MEMORY = Target("growth ≤ 50 MB", "growth_mb", 50)
IMPORT_SPEED = Target("≥ 200 letters/s", "rows_per_second", 200, at_least=True)


# ----------------------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    as_supervisor: bool = False
    targets: tuple[Target, ...] = (QUERIES,)


@dataclass
class PageFigures:
    name: str
    path: str
    status: int | None = None
    requests_per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    alone_ms: float | None = None  # p50 with one connection
    fresh_ms: float | None = None  # median of single requests, each right after a write
    non_2xx: int | None = None
    socket_errors: int | None = None
    queries: int | None = None  # the page's SQL, computed afresh
    cache_queries: int | None = None  # … and the database cache's (none with Redis)
    cached_queries: int | None = None  # all SQL of the same page served again
    ratio: float | None = None
    targets: list[dict] = field(default_factory=list)


def bench_pages() -> list[Page]:
    """The pages measured, with filters chosen from the data: the latest generated session,
    and the unit and class of most published replies in it."""
    session = Session.objects.filter(generated=True).first() or Session.objects.first()
    if session is None:
        raise BenchError("The database holds no session: there is nothing to measure.")
    busiest = (
        ReplyLetter.objects.published()
        .filter(assignment__proposal__session=session)
        .values("unit_id", "outcome_class__code")
        .annotate(replies=Count("id"))
        .order_by("-replies")
        .first()
    ) or {"unit_id": "", "outcome_class__code": ""}
    three_filters = {
        "session": session.pk,
        "unit": busiest["unit_id"],
        "outcome": busiest["outcome_class__code"],
    }
    listing = (HALF_OF_PING, QUERIES)
    return [
        Page("ping", "/ping", targets=()),
        Page("listing", "/proposals/", targets=listing),
        Page("listing, last page", "/proposals/?page=last", targets=listing),
        Page("listing, 3 filters", f"/proposals/?{urlencode(three_filters)}", targets=listing),
        *(
            Page(
                f"search, {word}",
                f"/proposals/?{urlencode({'q': word})}",
                targets=(*latency(50), QUERIES),
            )
            for word in (SPECIFIC_WORD, COMMON_WORD)
        ),
        Page(
            "statistics, session",
            f"/supervision/?session={session.pk}",
            as_supervisor=True,
            targets=(*latency(100), QUERIES),
        ),
        Page(
            "statistics, all",
            "/supervision/?session=all",
            as_supervisor=True,
            targets=(*latency(100), QUERIES),
        ),
        Page(
            "admin: replies",
            "/admin/proposals/replyletter/",
            as_supervisor=True,
            targets=(*latency(150), QUERIES),
        ),
        Page("API: replies", "/api/replies/"),
        Page("API: proposals", "/api/proposals/"),
    ]


def supervisor_session() -> str:
    """The session key of a supervisor logged in through Django's own login: the bench's
    account, made once, with no password (nobody can log in as it)."""
    user, created = get_user_model().objects.get_or_create(
        username=SUPERVISOR, defaults={"is_staff": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def end_session(session_key: str) -> None:
    LoginSession.objects.filter(session_key=session_key).delete()


TRANSACTION_STATEMENT = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


def is_cache_statement(statement: str) -> bool:
    """A statement of the database cache: on its table, or a transaction around its write
    (pages run in none)."""
    table = settings.CACHES["default"].get("LOCATION", "")
    return f'"{table}"' in statement or TRANSACTION_STATEMENT.match(statement) is not None


def count_queries(page: Page, figures: PageFigures, session_key: str) -> None:
    """The SQL of the page computed afresh (after a write), apart from the cache's, and of
    the page served again; in this process, on the same database, once the page has been
    answered before (per-process caches are full, as in a worker that has been up a while)."""
    client = Client(headers=PROXY_HEADERS)
    if page.as_supervisor:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.get(page.path)
    data_changed()  # what a write does: the cached pages are retired
    with CaptureQueriesContext(connection) as fresh:
        client.get(page.path)
    with CaptureQueriesContext(connection) as again:
        client.get(page.path)
    cache = sum(is_cache_statement(query["sql"]) for query in fresh.captured_queries)
    figures.queries, figures.cache_queries = len(fresh) - cache, cache
    figures.cached_queries = len(again)


def fresh(server: Server, page: Page, headers: dict, *, seconds: int) -> tuple[int, float]:
    """The status and the median time of single requests, each right after a write:
    FRESH_REQUESTS of them, or as many as `seconds` allow (one at least); an answer other
    than 200 ends it."""
    durations = []
    deadline = time.monotonic() + seconds
    while len(durations) < FRESH_REQUESTS and (not durations or time.monotonic() < deadline):
        data_changed()
        started = time.perf_counter()
        status = fetch(server.url + page.path, headers=headers)[0]
        durations.append((time.perf_counter() - started) * 1000)
        if status != 200:
            break
    return status, round(statistics.median(durations), 2)


def measure_page(
    server: Server, page: Page, *, seconds: int, connections: int, cookie: str
) -> PageFigures:
    """Fresh, then under load and alone after a warm-up; a page that does not answer 200, or
    takes longer than a run to answer once, is not loaded."""
    figures = PageFigures(page.name, page.path)
    headers = {"Cookie": cookie} if page.as_supervisor else {}
    figures.status, figures.fresh_ms = fresh(server, page, headers, seconds=seconds)
    if figures.status != 200 or figures.fresh_ms > 1000 * seconds:
        # Loading it would only queue requests that outlast the run (and the next pages').
        return figures
    loaded = {"connections": connections, "headers": headers}
    # Every worker answers the page once, and the cache holds it.
    run_wrk(server, page.path, seconds=min(WARM_UP_SECONDS, seconds), **loaded)
    load = run_wrk(server, page.path, seconds=seconds, **loaded)
    alone = run_wrk(server, page.path, seconds=max(2, seconds // 2), connections=1, headers=headers)
    figures.requests_per_second = load.requests_per_second
    figures.p50_ms, figures.p99_ms = load.p50_ms, load.p99_ms
    figures.alone_ms = alone.p50_ms
    figures.non_2xx = load.non_2xx + alone.non_2xx
    figures.socket_errors = load.socket_errors + alone.socket_errors
    return figures


# --------------------------------------------------------------------------- the database


def database_url(*, sqlite: bool) -> str:
    if sqlite:
        return SQLITE_DATABASE_URL
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL


def environment(url: str) -> dict[str, str]:
    """The environment of everything the bench runs: production settings on the bench's
    database, with a secret made for this run (the bench's login session is signed with it)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        RUNNING_ON: url,
    }


def is_postgres(url: str) -> bool:
    return dj_database_url.parse(url)["ENGINE"].endswith("postgresql")


@contextmanager
def postgres_server(url: str):
    """A connection to the `postgres` database of the server the URL names, and the quoted
    name of the database it names."""
    config = dj_database_url.parse(url)
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, **server)
    except psycopg.OperationalError as error:
        raise BenchError(
            f"PostgreSQL cannot be reached ({error}). Start it (make bench does), set "
            "BENCH_DATABASE_URL, or measure on SQLite with --sqlite."
        ) from error
    with admin:
        yield admin, config["NAME"], sql.Identifier(config["NAME"])


def create_postgres_database(url: str) -> bool:
    """Create the database the URL names unless it exists; True when it was created."""
    with postgres_server(url) as (admin, name, quoted):
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(quoted))
    return True


def drop_postgres_database(url: str) -> None:
    with postgres_server(url) as (admin, _name, quoted):
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))


def generated_proposals() -> int:
    return Proposal.objects.filter(session__generated=True).count()


# ----------------------------------------------------------------------- exports, import


@dataclass
class BatchFigures:
    """An export or the import: many rows (or letters) in one go."""

    name: str
    rows: int | None = None
    seconds: float | None = None
    rows_per_second: float | None = None
    peak_mb: float | None = None  # the worker's peak resident memory
    growth_mb: float | None = None  # … beyond what it held before the request
    status: int | None = None
    targets: list[dict] = field(default_factory=list)


def measure_export(export_format: str, *, env: dict, folder: Path) -> BatchFigures:
    """The whole public listing downloaded in one request, from a single fresh worker whose
    peak memory is read before and after."""
    figures = BatchFigures(f"export {export_format}")
    path = folder / f"export.{export_format}"
    log_path = folder / "export.log"
    with gunicorn_server(project=BASE_DIR, env=env, log_path=log_path, workers=1) as server:
        fetch(server.url + "/proposals/")  # the resting size includes a page answered
        worker = next(iter(server.worker_pids()), None)  # none found outside Linux
        before = worker and peak_memory_mb(worker)
        started = time.perf_counter()
        with path.open("wb") as sink:
            figures.status = fetch(f"{server.url}/proposals/?format={export_format}", sink=sink)[0]
        figures.seconds = round(time.perf_counter() - started, 3)
        figures.peak_mb = worker and peak_memory_mb(worker)
    if figures.status != 200:
        return figures
    figures.rows = count_rows(path)
    figures.rows_per_second = round(figures.rows / figures.seconds, 1)
    if before and figures.peak_mb:
        figures.growth_mb = round(figures.peak_mb - before, 1)
    return figures


def count_rows(path: Path) -> int:
    """The data rows of an export (not its header)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as file:
            return sum(1 for _ in csv.reader(file)) - 1
    workbook = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in workbook.active.iter_rows(values_only=True)) - 1
    finally:
        workbook.close()


def letter_text(reply) -> str:
    """A reply as the plain text of its letter, laid out like the seed letters."""
    proposal = reply.assignment.proposal
    signed_on = reply.signed_on
    parts = [
        reply.doc_number,
        reply.outcome_class and f"分类：{reply.outcome_class.code}",
        reply.title or f"关于{proposal.session}第{proposal.printed_number}号提案答复的函",
        reply.addressee and f"{reply.addressee}：",
        reply.body,
        reply.signing_unit,
        signed_on and f"{signed_on.year}年{signed_on.month}月{signed_on.day}日",
        reply.copied_to and f"抄送：{'，'.join(reply.copied_to)}。",
        (reply.contact_name or reply.contact_phone)
        and f"联系人及联系电话：{reply.contact_name} {reply.contact_phone}",
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def write_letters(folder: Path, count: int) -> int:
    """Letter files made from the generated replies; how many were written. Co-handling
    opinions are left out: addressed to the lead unit, they name no proposer, and an empty
    database cannot take one before the lead unit's reply."""
    replies = (
        ReplyLetter.objects.exclude(doc_number="")
        .exclude(assignment__role=AssignmentRole.CO_HANDLING)
        .select_related("assignment__proposal__session", "outcome_class")
        .order_by("id")[:count]
    )
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for written, reply in enumerate(replies, start=1):
        (folder / f"{written:04d}.txt").write_text(letter_text(reply), encoding="utf-8")
    return written


# Runs in a process of its own on the scratch database, and times the import alone.
IMPORT_TIMER = """
import json, sys, time
import django
django.setup()
from django.core.management import call_command
from proposals.models import ReplyLetter
started = time.perf_counter()
call_command("import_letters", sys.argv[1], verbosity=0, progress=False)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "replies": ReplyLetter.objects.count()}))
"""


def scratch_database_url(url: str, folder: Path) -> str:
    """A database beside the bench's, for the import: a PostgreSQL one is named after it, and
    a SQLite one lives in the bench's temporary folder."""
    if not is_postgres(url):
        return f"sqlite:///{folder / 'import.sqlite3'}"
    parts = urlsplit(url)
    return parts._replace(path=parts.path + "_import").geturl()


def measure_import(letters: Path, *, env: dict, url: str, folder: Path) -> BatchFigures:
    """import_letters on the letter files, into a scratch database: the bench's holds these
    replies already, and importing them there would change nothing."""
    figures = BatchFigures("import letters")
    scratch = scratch_database_url(url, folder)
    scratch_env = {**env, "DATABASE_URL": scratch}
    if is_postgres(scratch):
        drop_postgres_database(scratch)  # left by a run that was stopped
        create_postgres_database(scratch)
    try:
        run_python([str(BASE_DIR / "manage.py"), "migrate", "--verbosity=0"], env=scratch_env)
        output = run_python(["-c", IMPORT_TIMER, str(letters)], env=scratch_env)
    finally:
        if is_postgres(scratch):
            drop_postgres_database(scratch)
    timing = json.loads(output.strip().splitlines()[-1])
    figures.rows, figures.seconds = timing["replies"], round(timing["seconds"], 3)
    figures.rows_per_second = round(figures.rows / figures.seconds, 1)
    return figures


def run_python(arguments: list[str], *, env: dict) -> str:
    """Its standard output; a failure is a BenchError with the end of its error output."""
    result = subprocess.run(
        [sys.executable, *arguments], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    if result.returncode:
        tail = "\n".join(result.stderr.splitlines()[-20:])
        raise BenchError(f"{' '.join(arguments[:2])} failed:\n{tail}")
    return result.stdout


# ----------------------------------------------------------------------------- the report


def with_ratios(pages: list[PageFigures]) -> None:
    """Each throughput as a ratio to the trivial view's (the first page's)."""
    ceiling = pages[0].requests_per_second
    for figures in pages:
        if ceiling and figures.requests_per_second is not None:
            figures.ratio = round(figures.requests_per_second / ceiling, 3)


def checked(figures, targets) -> None:
    figures.targets = [target.check(figures) for target in targets]


def target_marks(checks: list[dict]) -> str:
    marks = []
    for check in checks:
        if check["met"] is None:
            marks.append(f"? {check['target']}")
        elif check["met"]:
            marks.append(f"✓ {check['target']}")
        elif check["off_by_percent"] is None:
            marks.append(f"✗ {check['target']}")
        elif check["off_by_percent"] < 100:
            marks.append(f"✗ {check['target']} (off by {check['off_by_percent']} %)")
        else:  # a figure several times its limit
            times = check["off_by_percent"] / 100 + 1
            marks.append(f"✗ {check['target']} (×{times:,.0f})")
    return "; ".join(marks)


def number(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


PAGE_COLUMNS = ["", "req/s", "p50 ms", "p99 ms", "alone", "fresh", "× ping", "queries", "non-2xx"]
BATCH_COLUMNS = ["", "rows", "seconds", "rows/s", "peak MB", "growth MB"]


def table(header: list[str], rows: list[list[str]], notes: list[str]) -> str:
    """Fixed width: names left-aligned, figures right-aligned, then the targets."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str], note: str) -> str:
        name, *figures = cells
        aligned = (cell.rjust(width) for cell, width in zip(figures, widths[1:], strict=True))
        return f"{name.ljust(widths[0])}  {'  '.join(aligned)}  {note}".rstrip()

    return "\n".join([line(header, ""), *map(line, rows, notes)])


def pages_table(pages: list[PageFigures]) -> str:
    rows, notes = [], []
    for page in pages:
        queries = number(page.queries)
        if page.cache_queries:
            queries += f" +{page.cache_queries}"
        rows.append(
            [
                page.name,
                number(page.requests_per_second, 0),
                number(page.p50_ms),
                number(page.p99_ms),
                number(page.alone_ms),
                number(page.fresh_ms),
                number(page.ratio, 2),
                queries,
                number(page.non_2xx),
            ]
        )
        status = ""
        if page.status not in (200, None):
            status = f"HTTP {page.status}: not loaded; "
        elif page.status and page.requests_per_second is None:
            status = "too slow to load; "
        notes.append(status + target_marks(page.targets))
    return table(PAGE_COLUMNS, rows, notes)


def batches_table(batches: list[BatchFigures]) -> str:
    rows, notes = [], []
    for batch in batches:
        rows.append(
            [
                batch.name,
                number(batch.rows),
                number(batch.seconds, 2),
                number(batch.rows_per_second, 0),
                number(batch.peak_mb, 0),
                number(batch.growth_mb, 0),
            ]
        )
        status = "" if batch.status in (200, None) else f"HTTP {batch.status}; "
        notes.append(status + target_marks(batch.targets))
    return table(BATCH_COLUMNS, rows, notes)


def machine_line(about: dict) -> str:
    """When, where and on what a run measured (the soak's report begins with it too)."""
    return (
        f"{about['date']} · {about['cores']} cores, {about['memory_gb']} GB · "
        f"{about['database']}, {about['generated_proposals']:,} generated proposals · "
        f"commit {about['commit']}"
    )


def report_text(report: dict) -> str:
    about, conditions = report["machine"], report["conditions"]
    head = (
        f"{machine_line(about)}\n"
        f"gunicorn {conditions['workers']} workers; wrk {conditions['connections']} "
        f"connections, {conditions['seconds']} s a page. alone: p50 with one connection; "
        f"fresh: ms right after a write (not cached); queries: the page's SQL, computed afresh "
        f"+ the database cache's"
    )
    pages = [PageFigures(**page) for page in report["pages"]]
    batches = [BatchFigures(**batch) for batch in report["batches"]]
    return f"{head}\n\n{pages_table(pages)}\n\n{batches_table(batches)}\n"


def machine(url: str) -> dict:
    """Where and on what the figures were taken."""
    meminfo = Path("/proc/meminfo")
    memory = meminfo.exists() and re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.M)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory[1]) / 1024 / 1024, 1) if memory else None,
        "database": database,
        "database_name": dj_database_url.parse(url)["NAME"],
        "generated_proposals": generated_proposals(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "commit": git_commit(),
    }


def git_commit() -> str | None:
    """The commit measured, marked `+changes` when the working tree differs from it."""

    def git(*arguments) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=BASE_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def write_json(report: dict, path: Path) -> None:
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class Options:
    seconds: int
    connections: int
    workers: int  # gunicorn's
    letters: int = LETTERS


def run(url: str, options: Options, *, log: Callable[[str], None]) -> dict:
    """Every measurement, on the database this process runs on (made ready beforehand)."""
    env = dict(os.environ)
    session_key = supervisor_session()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
            folder = Path(temporary)
            pages = measure_pages(session_key, env=env, options=options, folder=folder, log=log)
            batches = measure_batches(env=env, url=url, options=options, folder=folder, log=log)
    except LoadTestError as error:
        raise BenchError(str(error)) from error
    finally:
        end_session(session_key)
    return {
        "machine": machine(url),
        "conditions": {
            "seconds": options.seconds,
            "connections": options.connections,
            "workers": options.workers,
            "wrk_threads": WRK_THREADS,
            "warm_up_seconds": min(WARM_UP_SECONDS, options.seconds),
        },
        "pages": [asdict(page) for page in pages],
        "batches": [asdict(batch) for batch in batches],
    }


def measure_pages(
    session_key: str, *, env: dict, options: Options, folder: Path, log
) -> list[PageFigures]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    pages = bench_pages()
    figures = []
    log_path = folder / "server.log"
    with gunicorn_server(
        project=BASE_DIR, env=env, log_path=log_path, workers=options.workers
    ) as server:
        for page in pages:
            log(f"{page.name}: {page.path}")
            page_figures = measure_page(
                server,
                page,
                seconds=options.seconds,
                connections=options.connections,
                cookie=cookie,
            )
            if page_figures.status == 200:
                count_queries(page, page_figures, session_key)
            figures.append(page_figures)
    with_ratios(figures)
    for page, page_figures in zip(pages, figures, strict=True):
        checked(page_figures, page.targets)
    return figures


def measure_batches(*, env: dict, url: str, options: Options, folder: Path, log) -> list:
    batches = []
    for export_format in ("csv", "xlsx"):
        log(f"export {export_format}")
        export = measure_export(export_format, env=env, folder=folder)
        checked(export, (EXPORT_SPEED, EXPORT_MEMORY))
        batches.append(export)
    letters = folder / "letters"
    written = write_letters(letters, options.letters)
    log(f"import_letters on {written} letters")
    imported = measure_import(letters, env=env, url=url, folder=folder)
    checked(imported, (IMPORT_SPEED,))
    batches.append(imported)
    return batches
