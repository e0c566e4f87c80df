"""The soak test's parts that need neither wrk, a server nor a restart: the cluster found
for a port, the Lua script, its counts read, the figures worked out from canned timelines,
and the report. No real soak runs here (it restarts PostgreSQL)."""

import json
import shutil
import subprocess
from collections import Counter
from dataclasses import asdict

import pytest
from django.core.management import CommandError, call_command

from config import bench, load_testing, soak
from tests.factories import AssignmentFactory, ReplyLetterFactory

B = soak.BUCKET_SECONDS
CLUSTERS = """\
15 main 5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log
16 soak 5433 down   postgres /var/lib/postgresql/16/soak /var/log/postgresql/postgresql-16-soak.log
"""


# --------------------------------------------------------------------------- the restart


def test_the_cluster_on_a_port():
    assert soak.cluster_on_port(CLUSTERS, 5432) == ("15", "main")
    assert soak.cluster_on_port(CLUSTERS, 5433) == ("16", "soak")
    assert soak.cluster_on_port(CLUSTERS, 5434) is None
    assert soak.cluster_on_port("", 5432) is None


def test_a_remote_server_needs_a_restart_command():
    with pytest.raises(soak.SoakError, match="--restart-command"):
        soak.default_restart_command("postgres://u@db.example.org:5432/tracker")


def test_the_default_restart_command_for_a_local_cluster(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    listed = subprocess.CompletedProcess([], 0, stdout=CLUSTERS)
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: listed)
    assert soak.default_restart_command("postgres://postgres@127.0.0.1:5433/t") == [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        "16",
        "soak",
        "restart",
    ]
    with pytest.raises(soak.SoakError, match="No local cluster listens on port 6000"):
        soak.default_restart_command("postgres://postgres@localhost:6000/t")


def test_the_window_ends_when_the_server_is_back_not_when_the_command_ends(monkeypatch):
    """pg_ctlcluster lingers seconds after the server is up: that is not downtime."""
    answers = iter([True, False, False, True])  # not yet stopped, down, down, back
    monkeypatch.setattr(soak, "accepts_connections", lambda url: next(answers))
    monkeypatch.setattr(soak, "POLL_SECONDS", 0)
    window = soak.restart(["sh", "-c", "sleep 0.3"], "postgres://x")
    assert window.start < window.down < window.end
    assert window.end - window.start < 0.3


def test_a_restart_command_that_fails_is_an_error(monkeypatch):
    monkeypatch.setattr(soak, "accepts_connections", lambda url: True)
    with pytest.raises(soak.SoakError, match="failed \\(3\\):\nno cluster"):
        soak.restart(["sh", "-c", "echo no cluster; exit 3"], "postgres://x")


# ------------------------------------------------------------------------------ the load


def test_the_lua_script_rotates_the_paths_and_writes_where_told(tmp_path):
    script = soak.lua_script(["/proposals/", "/api/replies/"], tmp_path / "out.txt")
    assert 'local paths = {"/proposals/", "/api/replies/"}' in script
    assert f'io.open("{tmp_path / "out.txt"}", "w")' in script
    assert f"math.floor(seconds / {B})" in script


def test_wrk_is_given_the_script(tmp_path):
    command = load_testing.wrk_command(
        "http://h/p", seconds=3, connections=2, headers={}, script=tmp_path / "s.lua"
    )
    assert command[-3:] == ["--script", str(tmp_path / "s.lua"), "http://h/p"]


def test_the_counts_of_every_thread_added_up():
    timeline = soak.read_timeline(
        "answered 100 5\nfailed 100 2\nstatuses 503 2\nanswered 100 1\nanswered 101 4\n"
    )
    assert timeline.answered == Counter({100: 6, 101: 4})
    assert timeline.failed == Counter({100: 2})
    assert timeline.statuses == Counter({503: 2})


def test_buckets_of_times_that_floating_point_does_not_divide_exactly():
    assert 0.29 / B < 29 and 0.07 / B > 7  # 28.999999999999996, 7.000000000000001
    assert (soak.bucket_of(0.29), soak.bucket_from(0.29)) == (29, 29)
    assert (soak.bucket_of(0.07), soak.bucket_from(0.07)) == (7, 7)
    assert (soak.bucket_of(0.575), soak.bucket_from(0.575)) == (57, 58)


@pytest.mark.django_db
def test_the_paths_listing_a_proposal_with_a_published_reply_and_the_api():
    ReplyLetterFactory(is_published=False)
    published = ReplyLetterFactory(is_published=True, assignment=AssignmentFactory())
    assert soak.soak_paths() == [
        "/proposals/",
        f"/proposals/{published.assignment.proposal_id}/",
        "/api/replies/",
    ]


@pytest.mark.django_db
def test_no_published_reply_is_an_error():
    with pytest.raises(soak.SoakError, match="no published reply"):
        soak.soak_paths()


# --------------------------------------------------------------------------- the figures

STARTED = 1000.0  # the run's start on the monotonic clock
RUN = 20
WINDOW = soak.Window(start=1010.0, down=1010.2, end=1011.0)
LOAD = load_testing.Load(
    requests=0, requests_per_second=0, p50_ms=1, p99_ms=2, non_2xx=0, socket_errors=1
)


def bucket(at: float) -> int:
    return round(at / B)


def steady_timeline(per_second: int = 100) -> soak.Timeline:
    """`per_second` answers, spread evenly over the run."""
    timeline = soak.Timeline()
    for index in range(RUN * per_second):
        timeline.answered[bucket(STARTED + index / per_second)] += 1
    return timeline


def fail(timeline: soak.Timeline, at: float, count: int = 1, status: int = 503) -> None:
    timeline.failed[bucket(at)] += count
    timeline.statuses[status] += count


def analysed(timeline: soak.Timeline, window: soak.Window = WINDOW) -> soak.SoakFigures:
    return soak.analyse(timeline, LOAD, window, started=STARTED, seconds=RUN)


def test_errors_inside_the_window_only():
    timeline = steady_timeline()
    fail(timeline, 1010.0, 3)  # as the command starts
    fail(timeline, 1010.5, 40)
    fail(timeline, 1010.99, 2)  # the bucket that holds the window's end
    figures = analysed(timeline)
    assert (figures.non_2xx, figures.non_2xx_inside, figures.non_2xx_outside) == (45, 45, 0)
    assert figures.statuses == {"503": 45}
    assert (figures.window_seconds, figures.down_after_seconds) == (1.0, 0.2)
    assert figures.baseline_per_second == 100
    assert figures.recovery_seconds == 0
    assert [check["met"] for check in figures.targets] == [True, True]
    assert figures.socket_errors == 1


def test_errors_before_the_restart_and_after_the_server_is_back_are_outside():
    timeline = steady_timeline()
    fail(timeline, 1005.0, 1, status=500)
    fail(timeline, 1010.5, 10)
    fail(timeline, 1012.5, 4)  # a worker's broken connection, after the server is back
    figures = analysed(timeline)
    assert (figures.non_2xx_inside, figures.non_2xx_outside) == (10, 5)
    assert figures.statuses == {"500": 1, "503": 14}
    # The first second with no error starts just after the last one.
    assert figures.recovery_seconds == pytest.approx(1.51)
    assert figures.targets[0] == {
        "target": "0 non-2xx outside the window",
        "value": 5,
        "met": False,
        "off_by_percent": None,
    }
    assert figures.targets[1]["met"] is True


def test_recovery_waits_for_half_the_baseline_throughput():
    timeline = steady_timeline()
    # For 3 s after the server is back, an answer every third bucket: 33 a second, not 100.
    for key in range(bucket(WINDOW.end), bucket(WINDOW.end + 3)):
        timeline.answered[key] = 1 if key % 3 == 0 else 0
    figures = analysed(timeline)
    # The first second with 50 answers: 1013 + x, where 33 × (1 − x) + 100 × x ≥ 50.
    assert figures.recovery_seconds == pytest.approx(2.25, abs=0.03)
    assert figures.targets[1]["met"] is True


def test_no_recovery_within_the_run_is_a_miss():
    timeline = steady_timeline()
    for at in range(1011, 1020):
        fail(timeline, at + 0.5)
    figures = analysed(timeline)
    assert figures.recovery_seconds is None
    assert figures.targets[1] == {
        "target": "recovery ≤ 5 s",
        "value": None,
        "met": False,
        "off_by_percent": None,
    }


def test_recovery_beyond_the_target():
    timeline = steady_timeline()
    for at in range(1011, 1018):
        fail(timeline, at + 0.5)
    figures = analysed(timeline)
    assert figures.recovery_seconds == pytest.approx(6.51)
    assert figures.targets[1]["met"] is False
    assert figures.targets[1]["off_by_percent"] == 30


def test_each_second_of_the_run():
    timeline = steady_timeline()
    fail(timeline, 1010.5, 7)
    seconds = analysed(timeline).seconds
    assert len(seconds) == RUN
    assert seconds[0] == {"second": 0, "answered": 100, "non_2xx": 0}
    assert seconds[10] == {"second": 10, "answered": 100, "non_2xx": 7}


# ----------------------------------------------------------------------------- the report


def report(figures: soak.SoakFigures) -> dict:
    return {
        "machine": {
            "date": "2026-11-24T06:00:00+08:00",
            "cores": 2,
            "memory_gb": 23.5,
            "database": "PostgreSQL 15.20",
            "generated_proposals": 5000,
            "commit": "abc1234",
        },
        "conditions": {
            "seconds": RUN,
            "connections": 64,
            "workers": 5,
            "paths": ["/proposals/", "/proposals/1/", "/api/replies/"],
            "restart_at": 10.0,
            "restart_command": "pg_ctlcluster --skip-systemctl-redirect 15 main restart",
        },
        "figures": asdict(figures),
    }


def test_the_report_the_figures_their_targets_and_the_seconds_around_the_restart():
    timeline = steady_timeline()
    fail(timeline, 1010.5, 40)
    fail(timeline, 1012.5, 2)
    text = soak.report_text(report(analysed(timeline)))
    assert "wrk 64 connections, 20 s over /proposals/, /proposals/1/, /api/replies/" in text
    assert "restarted at 10.0 s: pg_ctlcluster --skip-systemctl-redirect 15 main restart" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "non-2xx 42 503: 42" in lines
    assert "inside the window 40" in lines
    assert "outside the window 2 ✗ 0 non-2xx outside the window" in lines
    assert "window s 1.00 down 0.20 s after the command started" in lines
    assert "recovery s 1.51 ✓ recovery ≤ 5 s" in lines
    # From two seconds before the restart to three after recovery.
    timeline_rows = [
        line.split()[0] for line in lines[lines.index("second answered non-2xx") + 1 :]
    ]
    assert timeline_rows == [f"{second}–{second + 1}" for second in range(8, 16)]


def test_the_report_as_json(tmp_path):
    data = report(analysed(steady_timeline()))
    path = tmp_path / "soak.json"
    bench.write_json(data, path)
    assert json.loads(path.read_text(encoding="utf-8")) == data


# ---------------------------------------------------------------------------- the command


def test_the_command_refuses_a_restart_too_early_or_too_late(monkeypatch):
    monkeypatch.setattr(load_testing, "wrk_installed", lambda: True)
    monkeypatch.setenv("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_soak")
    for restart_at in ("1", "29"):
        with pytest.raises(CommandError, match="--restart-at must be between 3 and"):
            call_command("soak", "--restart-at", restart_at)


def test_the_command_refuses_sqlite(monkeypatch):
    monkeypatch.setattr(load_testing, "wrk_installed", lambda: True)
    monkeypatch.setenv("SOAK_DATABASE_URL", "sqlite:///soak.sqlite3")
    with pytest.raises(CommandError, match="SOAK_DATABASE_URL must name one"):
        call_command("soak")


def test_the_command_runs_itself_again_with_its_options(monkeypatch):
    """With the production settings on the soak's database, as the bench does."""
    url = "postgres://postgres@127.0.0.1:5433/tracker_soak"
    monkeypatch.setattr(load_testing, "wrk_installed", lambda: True)
    monkeypatch.setenv("SOAK_DATABASE_URL", url)
    monkeypatch.delenv(bench.RUNNING_ON, raising=False)
    started = []

    class Process:
        def __init__(self, command, env):
            started.append((command, env))

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", Process)
    call_command("soak", "--restart-command", "systemctl restart postgresql", "--skip-data")
    [(command, env)] = started
    assert command[2:4] == ["soak", "--proposals=5000"]
    assert "--restart-command=systemctl restart postgresql" in command
    assert "--restart-at=10" in command
    assert command[-1] == "--skip-data"
    assert env["DATABASE_URL"] == env[bench.RUNNING_ON] == url
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.prod"
