"""The soak test behind `manage.py soak`: PostgreSQL restarted under load, and how the app
comes through it.

gunicorn runs as production runs it (config/load_testing.py, as for the bench) on a
database of generated proposals; wrk loads it for `seconds` with `connections`, each request
in turn the public listing, a proposal page with a published reply, and the API's replies.
At `restart_at` seconds the restart command runs (by default `pg_ctlcluster … restart` for
the local cluster on the URL's port, which stops PostgreSQL in its `fast` mode: every open
connection is cut). A Lua script in wrk counts the responses and the non-2xx ones in buckets
of BUCKET_SECONDS on the monotonic clock, which this process reads too.

What is measured, precisely:

- the restart window: from the moment the restart command starts to the first connection
  PostgreSQL accepts after it was seen refusing one (polled every POLL_SECONDS with
  psycopg), or, if it never was, once the command has ended;
- non-2xx inside the window: those answered in a bucket that overlaps it; every other
  non-2xx is outside (before the restart, or after the server was back);
- the baseline: the mean throughput from the end of the warm-up to the restart;
- recovery: from the window's end to the start of the first second (a span of one second,
  sliding by a bucket) that comes after the last non-2xx answer and holds at least
  RECOVERED_SHARE of the baseline's answers: back to normal for good. None when no such
  second ends before the run does (a miss). An error late in the run, after the server was
  back, thus counts both as an error outside the window and in the recovery.

Targets (issue 7): no non-2xx outside the window, recovery within 5 s. Figures are reported,
never asserted; a missed target is ✗.
"""

import json
import math
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connections

from proposals.models import ReplyLetter

from .bench import BenchError, Target, machine, machine_line, number, table, target_marks
from .load_testing import WRK_THREADS, LoadTestError, fetch, gunicorn_server, parse_wrk, wrk_command

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_soak"
BUCKET_SECONDS = 0.01
POLL_SECONDS = 0.02
WARM_UP_SECONDS = 2  # left out of the baseline: every worker answers each path first
RECOVERED_SHARE = 0.5
RESTART_TIMEOUT_SECONDS = 120
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}

NO_ERRORS_OUTSIDE = Target("0 non-2xx outside the window", "non_2xx_outside", 0)
RECOVERY = Target("recovery ≤ 5 s", "recovery_seconds", 5)


class SoakError(BenchError):
    """Something the soak needs is missing, or the restart failed; the message says what."""


# --------------------------------------------------------------------------- the restart


def database_url() -> str:
    return os.environ.get("SOAK_DATABASE_URL") or DEFAULT_DATABASE_URL


def cluster_on_port(listing: str, port: int) -> tuple[str, str] | None:
    """The version and name of the cluster `pg_lsclusters --no-header` lists on `port`."""
    for line in listing.splitlines():
        columns = line.split()
        if len(columns) >= 3 and columns[2] == str(port):
            return columns[0], columns[1]
    return None


def default_restart_command(url: str) -> list[str]:
    """`pg_ctlcluster … restart` for the local cluster (Debian, Ubuntu) the URL points at."""
    config = dj_database_url.parse(url)
    host, port = config["HOST"] or "", int(config["PORT"] or 5432)
    if host not in LOCAL_HOSTS and not host.startswith("/"):
        raise SoakError(f"PostgreSQL runs on {host}: say how to restart it (--restart-command).")
    if not shutil.which("pg_lsclusters"):
        raise SoakError(
            "pg_lsclusters is not installed: say how to restart PostgreSQL (--restart-command)."
        )
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout
    cluster = cluster_on_port(listing, port)
    if cluster is None:
        raise SoakError(f"No local cluster listens on port {port}: use --restart-command.")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"]


def accepts_connections(url: str) -> bool:
    try:
        psycopg.connect(url, connect_timeout=1).close()
    except psycopg.OperationalError:
        return False
    return True


@dataclass(frozen=True)
class Window:
    """The restart, on the monotonic clock: the command started, the server was first seen
    refusing (None if never), and accepted again once the command had ended."""

    start: float
    down: float | None
    end: float


def restart(command: list[str], url: str) -> Window:
    """Run the restart command, and poll the server until it accepts connections again:
    once it has been seen refusing them, or else once the command has ended. The command may
    linger after the server is back (pg_ctlcluster does, some seconds): it is then waited for
    without polling, which would only load the machine."""
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except OSError as error:
        raise SoakError(f"The restart command cannot run: {error}") from error
    down = None
    try:
        while True:
            ended = process.poll() is not None
            if accepts_connections(url):
                if down is not None or ended:
                    end = time.monotonic()
                    break
            elif down is None:
                down = time.monotonic()
            if time.monotonic() - start > RESTART_TIMEOUT_SECONDS:
                raise SoakError(
                    f"PostgreSQL was not back {RESTART_TIMEOUT_SECONDS} s after the restart."
                )
            time.sleep(POLL_SECONDS)
        output = process.communicate(timeout=RESTART_TIMEOUT_SECONDS)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode:
        raise SoakError(f"{shlex.join(command)} failed ({process.returncode}):\n{output}")
    return Window(start, down, end)


# ------------------------------------------------------------------------------ the load


# wrk's Lua (LuaJIT): each request the next path in turn; each response counted in its bucket
# of the monotonic clock (CLOCK_MONOTONIC, as Python's time.monotonic on Linux), its status if
# not 2xx; at the end, every thread's counts written to OUTPUT, one "kind key count" a line.
LUA_SCRIPT = """\
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
int clock_gettime(int clock, soak_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local now = ffi.new("soak_timespec")
local paths = {PATHS}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent, answered, failed, statuses = 0, {}, {}, {}
end

function request()
  sent = sent + 1
  return wrk.format(nil, paths[(sent - 1) % #paths + 1])
end

function response(status, headers, body)
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
  local seconds = tonumber(now.tv_sec) + tonumber(now.tv_nsec) / 1e9
  local bucket = math.floor(seconds / BUCKET_SECONDS)
  answered[bucket] = (answered[bucket] or 0) + 1
  if status < 200 or status > 299 then
    failed[bucket] = (failed[bucket] or 0) + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local file = assert(io.open(OUTPUT, "w"))
  for _, thread in ipairs(threads) do
    for _, kind in ipairs({"answered", "failed", "statuses"}) do
      for key, count in pairs(thread:get(kind)) do
        file:write(string.format("%s %d %d\\n", kind, key, count))
      end
    end
  end
  file:close()
end
"""


def lua_script(paths: list[str], output: Path) -> str:
    """The script for these paths; JSON's strings are Lua's (the paths are ASCII)."""
    return (
        LUA_SCRIPT.replace("{PATHS}", "{" + ", ".join(json.dumps(path) for path in paths) + "}")
        .replace("OUTPUT", json.dumps(str(output)), 1)
        .replace("BUCKET_SECONDS", repr(BUCKET_SECONDS), 1)
    )


@dataclass
class Timeline:
    """Responses per bucket (an integer: the monotonic time over BUCKET_SECONDS), non-2xx
    per bucket, and the count of each non-2xx status."""

    answered: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)

    def between(self, counts: Counter, start: float, end: float) -> int:
        """The count in the buckets that begin in [start, end)."""
        return self.in_buckets(counts, bucket_from(start), bucket_from(end))

    @staticmethod
    def in_buckets(counts: Counter, first: int, last: int) -> int:
        return sum(counts[bucket] for bucket in range(first, last) if bucket in counts)


def bucket_from(seconds: float) -> int:
    """The first bucket that begins at or after `seconds` (rounded first: in floating point,
    0.07 / 0.01 is 7.000000000000001)."""
    return math.ceil(round(seconds / BUCKET_SECONDS, 6))


def bucket_of(seconds: float) -> int:
    """The bucket that holds `seconds`."""
    return math.floor(round(seconds / BUCKET_SECONDS, 6))


def read_timeline(text: str) -> Timeline:
    """The Lua script's output, the threads' counts added up."""
    timeline = Timeline()
    for line in text.splitlines():
        kind, key, count = line.split()
        getattr(timeline, kind)[int(key)] += int(count)
    return timeline


def soak_paths() -> list[str]:
    """The listing, the page of a proposal with a published reply, the API's replies."""
    proposal = (
        ReplyLetter.objects.published()
        .order_by("id")
        .values_list("assignment__proposal_id", flat=True)
        .first()
    )
    if proposal is None:
        raise SoakError("The database holds no published reply: generate the data set.")
    return ["/proposals/", f"/proposals/{proposal}/", "/api/replies/"]


# ----------------------------------------------------------------------------- the report


@dataclass
class SoakFigures:
    requests: int
    requests_per_second: float
    non_2xx: int
    non_2xx_inside: int
    non_2xx_outside: int
    socket_errors: int
    statuses: dict[str, int]  # the non-2xx ones
    window_seconds: float
    down_after_seconds: float | None  # from the restart command's start
    baseline_per_second: float | None
    recovery_seconds: float | None
    seconds: list[dict]  # each second of the run: answered, non-2xx
    targets: list[dict] = field(default_factory=list)


def recovery_seconds(
    timeline: Timeline, *, after: float, until: float, baseline: float
) -> float | None:
    """From `after` (the window's end) to the start of the first second, after the last
    non-2xx answer, with at least RECOVERED_SHARE of the baseline's answers, and ending by
    `until`; None if none does."""
    first = bucket_of(after)
    bucket = max([first, *(key + 1 for key in timeline.failed if key >= first)])
    second = round(1 / BUCKET_SECONDS)  # in buckets
    while bucket + second <= bucket_from(until):
        if timeline.in_buckets(timeline.answered, bucket, bucket + second) >= (
            RECOVERED_SHARE * baseline
        ):
            return round(max(0.0, bucket * BUCKET_SECONDS - after), 2)
        bucket += 1
    return None


def analyse(
    timeline: Timeline, load, window: Window, *, started: float, seconds: int
) -> SoakFigures:
    """The figures of a run that began at `started` (monotonic) and lasted `seconds`, with
    wrk's own report (`load`, a load_testing.Load)."""
    inside = sum(
        count
        for bucket, count in timeline.failed.items()
        if bucket * BUCKET_SECONDS < window.end and (bucket + 1) * BUCKET_SECONDS > window.start
    )
    non_2xx = sum(timeline.failed.values())
    warmed_up = started + WARM_UP_SECONDS
    baseline = None
    if window.start - warmed_up >= 1:
        answered = timeline.between(timeline.answered, warmed_up, window.start)
        baseline = round(answered / (window.start - warmed_up), 1)
    recovery = None
    if baseline:
        recovery = recovery_seconds(
            timeline, after=window.end, until=started + seconds, baseline=baseline
        )
    figures = SoakFigures(
        requests=load.requests,
        requests_per_second=load.requests_per_second,
        non_2xx=non_2xx,
        non_2xx_inside=inside,
        non_2xx_outside=non_2xx - inside,
        socket_errors=load.socket_errors,
        statuses={str(status): count for status, count in sorted(timeline.statuses.items())},
        window_seconds=round(window.end - window.start, 2),
        down_after_seconds=None if window.down is None else round(window.down - window.start, 2),
        baseline_per_second=baseline,
        recovery_seconds=recovery,
        seconds=[
            {
                "second": second,
                "answered": timeline.between(
                    timeline.answered, started + second, started + second + 1
                ),
                "non_2xx": timeline.between(
                    timeline.failed, started + second, started + second + 1
                ),
            }
            for second in range(seconds)
        ],
    )
    figures.targets = [NO_ERRORS_OUTSIDE.check(figures), RECOVERY.check(figures)]
    if recovery is None:  # never recovered within the run: a miss, not an unknown
        figures.targets[1].update(met=False, off_by_percent=None)
    return figures


FIGURE_COLUMNS = ["", "value"]


def figures_table(figures: SoakFigures) -> str:
    statuses = ", ".join(f"{status}: {count:,}" for status, count in figures.statuses.items())
    down = figures.down_after_seconds
    rows = [
        ("requests", number(figures.requests), ""),
        ("req/s", number(figures.requests_per_second, 0), ""),
        ("non-2xx", number(figures.non_2xx), statuses),
        ("  inside the window", number(figures.non_2xx_inside), ""),
        (
            "  outside the window",
            number(figures.non_2xx_outside),
            target_marks(figures.targets[:1]),
        ),
        ("socket errors", number(figures.socket_errors), ""),
        (
            "window s",
            number(figures.window_seconds, 2),
            "server never seen down"
            if down is None
            else f"down {down:.2f} s after the command started",
        ),
        ("baseline req/s", number(figures.baseline_per_second, 0), "warm-up to restart"),
        ("recovery s", number(figures.recovery_seconds, 2), target_marks(figures.targets[1:])),
    ]
    return table(
        FIGURE_COLUMNS, [[name, value] for name, value, _ in rows], [note for *_, note in rows]
    )


def timeline_table(report: dict) -> str:
    """The seconds around the restart: two before it, up to three after recovery (or after
    the window, with no recovery)."""
    conditions, figures = report["conditions"], report["figures"]
    after = (figures["recovery_seconds"] or 0) + figures["window_seconds"]
    first = max(0, math.floor(conditions["restart_at"]) - 2)
    last = math.ceil(conditions["restart_at"] + after) + 2
    shown = [second for second in figures["seconds"] if first <= second["second"] <= last]
    rows = [
        [f"{row['second']}–{row['second'] + 1} s", number(row["answered"]), number(row["non_2xx"])]
        for row in shown
    ]
    return table(["second", "answered", "non-2xx"], rows, [""] * len(rows))


def report_text(report: dict) -> str:
    about, conditions = report["machine"], report["conditions"]
    head = (
        f"{machine_line(about)}\n"
        f"gunicorn {conditions['workers']} workers; wrk {conditions['connections']} connections, "
        f"{conditions['seconds']} s over {', '.join(conditions['paths'])}; "
        f"restarted at {conditions['restart_at']} s: {conditions['restart_command']}"
    )
    figures = SoakFigures(**report["figures"])
    return f"{head}\n\n{figures_table(figures)}\n\n{timeline_table(report)}\n"


# --------------------------------------------------------------------------------- a run


@dataclass(frozen=True)
class Options:
    seconds: int
    connections: int
    workers: int  # gunicorn's
    restart_at: float
    restart_command: list[str]


def run(url: str, options: Options, *, log: Callable[[str], None]) -> dict:
    """The soak, on the database this process runs on (made ready beforehand)."""
    paths = soak_paths()
    # This process's own connection does not outlive the restart.
    connections.close_all()
    try:
        with tempfile.TemporaryDirectory(prefix="soak-") as temporary:
            folder = Path(temporary)
            log_path = folder / "server.log"
            with gunicorn_server(
                project=settings.BASE_DIR,
                env=dict(os.environ),
                log_path=log_path,
                workers=options.workers,
            ) as server:
                for path in paths:  # each answers, and is cached
                    status = fetch(server.url + path)[0]
                    if status != 200:
                        raise SoakError(f"{path} answered {status}, not 200.")
                load, timeline, window, started = load_and_restart(
                    server, url, paths, options, folder=folder, log=log
                )
    except LoadTestError as error:
        raise SoakError(str(error)) from error
    figures = analyse(timeline, load, window, started=started, seconds=options.seconds)
    return {
        "machine": machine(url),
        "conditions": {
            "seconds": options.seconds,
            "connections": options.connections,
            "workers": options.workers,
            "wrk_threads": WRK_THREADS,
            "paths": paths,
            "restart_at": options.restart_at,
            "restart_command": shlex.join(options.restart_command),
            "bucket_seconds": BUCKET_SECONDS,
            "warm_up_seconds": WARM_UP_SECONDS,
            "recovered_share": RECOVERED_SHARE,
        },
        "figures": asdict(figures),
    }


def load_and_restart(server, url: str, paths: list[str], options: Options, *, folder: Path, log):
    """wrk for the whole run, and the restart at `restart_at` seconds meanwhile."""
    output = folder / "responses.txt"
    script = folder / "soak.lua"
    script.write_text(lua_script(paths, output), encoding="utf-8")
    command = wrk_command(
        server.url + paths[0],
        seconds=options.seconds,
        connections=options.connections,
        headers={},
        script=script,
    )
    started = time.monotonic()
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(max(0.0, started + options.restart_at - time.monotonic()))
        log(f"Restarting PostgreSQL: {shlex.join(options.restart_command)}")
        window = restart(options.restart_command, url)
        log(f"PostgreSQL accepts connections again after {window.end - window.start:.2f} s.")
        stdout, stderr = wrk.communicate(timeout=options.seconds + 60)
    finally:
        if wrk.poll() is None:
            wrk.kill()
            wrk.wait()
    if wrk.returncode:
        raise SoakError(f"wrk failed: {stderr or stdout}")
    if not output.exists():
        raise SoakError(f"wrk's script wrote no counts:\n{stdout}\n{stderr}")
    return parse_wrk(stdout), read_timeline(output.read_text()), window, started
