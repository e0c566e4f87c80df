"""The benchmark's parts that need neither wrk nor a server: wrk's report read, targets, the
table, the letters it imports; the liveness view; gunicorn.conf.py. One test runs a tiny
bench end to end, where wrk is installed and BENCH_TEST=1 asks for it."""

import datetime
import json
import os
import runpy
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from config import bench, load_testing
from proposals.letters.reader import read_letter
from tests.factories import AssignmentFactory, ProposalFactory, ReplyLetterFactory

PROJECT = Path(__file__).resolve().parents[2]

WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:8000/proposals/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.93ms   12.10ms   1.02s    80.00%
    Req/Sec   416.50     40.00   500.00     70.00%
  Latency Distribution
     50%  635.00us
     75%   12.50ms
     90%   40.00ms
     99%    1.20s
  4165 requests in 10.00s, 51.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    416.50
Transfer/sec:      5.11MB
"""


# --------------------------------------------------------------------------- wrk's report


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [("635.00us", 0.635), ("12.50ms", 12.5), ("1.20s", 1200), ("1.50m", 90_000), ("3ms", 3)],
)
def test_wrk_durations_in_every_unit(text, milliseconds):
    assert load_testing.duration_ms(text) == pytest.approx(milliseconds)


def test_a_duration_without_unit_is_refused():
    with pytest.raises(ValueError, match="Not a wrk duration"):
        load_testing.duration_ms("12.5")


def test_wrk_report_read():
    load = load_testing.parse_wrk(WRK_REPORT)
    assert load == load_testing.Load(
        requests=4165,
        requests_per_second=416.5,
        p50_ms=pytest.approx(0.635),
        p99_ms=1200,
        non_2xx=7,
        socket_errors=5,
    )


def test_a_run_with_no_answer_has_no_latency():
    report = WRK_REPORT.replace("4165 requests", "0 requests").replace("416.50", "0.00")
    load = load_testing.parse_wrk(report)
    assert (load.requests, load.p50_ms, load.p99_ms) == (0, None, None)


def test_a_clean_run_counts_no_errors():
    clean = "\n".join(
        line for line in WRK_REPORT.splitlines() if not line.lstrip().startswith(("Socket", "Non"))
    )
    load = load_testing.parse_wrk(clean)
    assert (load.non_2xx, load.socket_errors) == (0, 0)


def test_wrk_without_a_rate_is_an_error():
    with pytest.raises(ValueError, match="Requests/sec"):
        load_testing.parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused")


def test_wrk_is_asked_for_the_distribution_and_sent_the_proxy_headers():
    command = load_testing.wrk_command(
        "http://127.0.0.1:8000/admin/", seconds=3, connections=16, headers={"Cookie": "a=b"}
    )
    assert command[0] == "wrk" and "--latency" in command
    assert "--duration=3s" in command and "--connections=16" in command
    assert ["--header", "X-Forwarded-Proto: https"] == command[-5:-3]
    assert command[-3:] == ["--header", "Cookie: a=b", "http://127.0.0.1:8000/admin/"]


def test_the_database_cache_statements_are_told_from_the_page_s(settings):
    settings.CACHES = {"default": {"LOCATION": "django_cache"}}
    assert bench.is_cache_statement('SELECT "cache_key" FROM "django_cache" WHERE …')
    assert bench.is_cache_statement("BEGIN")
    assert bench.is_cache_statement('RELEASE SAVEPOINT "s1"')
    assert not bench.is_cache_statement('SELECT "id" FROM "proposals_proposal"')


# --------------------------------------------------------------------- targets and table


def test_a_target_met_and_one_missed_by_how_much():
    figures = bench.PageFigures("statistics", "/supervision/", p50_ms=150.0, queries=4)
    assert bench.QUERIES.check(figures) == {
        "target": "≤ 6 queries",
        "value": 4,
        "met": True,
        "off_by_percent": None,
    }
    assert bench.latency(100)[0].check(figures)["off_by_percent"] == 50
    assert bench.HALF_OF_PING.check(bench.PageFigures("x", "/", ratio=0.4))["off_by_percent"] == 20
    assert bench.HALF_OF_PING.check(bench.PageFigures("x", "/"))["met"] is None


def test_throughput_as_a_ratio_to_the_first_page():
    pages = [
        bench.PageFigures("ping", "/ping", requests_per_second=1000.0),
        bench.PageFigures("listing", "/proposals/", requests_per_second=600.0),
        bench.PageFigures("admin", "/admin/", status=302),
    ]
    bench.with_ratios(pages)
    assert [page.ratio for page in pages] == [1.0, 0.6, None]


def page(name: str, **figures) -> bench.PageFigures:
    measured = {"status": 200, "p99_ms": 80.0, "alone_ms": 2.0, "fresh_ms": 150.0, "non_2xx": 0}
    return bench.PageFigures(name, f"/{name}/", **(measured | figures))


def sample_report() -> dict:
    ping = page("ping", requests_per_second=1000.0, p50_ms=5.0, queries=0)
    listing = page("listing", requests_per_second=400.0, p50_ms=12.25, queries=4, cache_queries=7)
    admin = bench.PageFigures("admin: replies", "/admin/proposals/replyletter/", status=302)
    search = bench.PageFigures("search", "/proposals/?q=发展", status=200, fresh_ms=61_000.0)
    bench.with_ratios([ping, listing, admin, search])
    bench.checked(search, bench.latency(50))
    bench.checked(listing, (bench.HALF_OF_PING, bench.QUERIES))
    export = bench.BatchFigures(
        "export csv",
        rows=100_000,
        seconds=4.0,
        rows_per_second=25_000.0,
        peak_mb=120.0,
        growth_mb=3.0,
        status=200,
    )
    bench.checked(export, (bench.EXPORT_SPEED, bench.EXPORT_MEMORY))
    return {
        "machine": {
            "date": "2025-06-01T10:00:00+08:00",
            "cores": 2,
            "memory_gb": 4.0,
            "database": "PostgreSQL 15.2",
            "generated_proposals": 100_000,
            "commit": "abc1234",
        },
        "conditions": {"seconds": 10, "connections": 16, "workers": 5},
        "pages": [asdict(figures) for figures in (ping, listing, admin, search)],
        "batches": [asdict(export)],
    }


def test_the_table_one_line_per_measurement_with_its_targets():
    text = bench.report_text(sample_report())
    lines = text.splitlines()
    assert "PostgreSQL 15.2, 100,000 generated proposals" in lines[0]
    header = next(line for line in lines if "req/s" in line)
    listing = next(line for line in lines if line.startswith("listing"))
    # Figures right-aligned under their column's title.
    assert listing.index("400") + 3 == header.index("req/s") + len("req/s")
    assert "12.2" in listing and "0.40" in listing and "4 +7" in listing
    assert listing.endswith("✗ ≥ 0.5 × ping (off by 20 %); ✓ ≤ 6 queries")
    admin = next(line for line in lines if line.startswith("admin"))
    assert "HTTP 302: not loaded" in admin and "–" in admin
    search = next(line for line in lines if line.startswith("search"))
    assert "61,000.0" in search and "too slow to load" in search
    assert search.endswith("? p50 ≤ 50 ms; ✗ fresh ≤ 50 ms (×1,220)")
    export = next(line for line in lines if line.startswith("export csv"))
    assert "100,000" in export and "25,000" in export
    assert export.endswith("✓ ≥ 20000 rows/s; ✓ growth ≤ 50 MB")


def test_the_figures_as_json(tmp_path):
    report = sample_report()
    bench.write_json(report, tmp_path / "bench.json")
    saved = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert saved == report
    assert saved["pages"][1]["targets"][0] == {
        "target": "≥ 0.5 × ping",
        "value": 0.4,
        "met": False,
        "off_by_percent": 20,
    }


def test_export_rows_are_counted_without_the_header(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text('\ufeff会议,案由\n十四届,"两行的\n案由"\n十四届,二\n', encoding="utf-8")
    assert bench.count_rows(export) == 2


# ------------------------------------------------------------------------------- letters


@pytest.mark.django_db
def test_a_generated_reply_written_as_a_letter_reads_back():
    proposal = ProposalFactory(number=7, title="关于发展陶瓷产业的建议")
    reply = ReplyLetterFactory(
        assignment=AssignmentFactory(proposal=proposal),
        doc_number="景文旅字〔2025〕12号",
        title="",
        addressee="尊敬的李辉松委员",
        body="您提出的《关于发展陶瓷产业的建议》收悉。现答复如下：\n\n一是加强统筹。",
        signed_on=datetime.date(2025, 4, 29),
        copied_to=["市政协提案委员会", "市政府督查室"],
    )
    letter = read_letter(bench.letter_text(reply))
    assert letter.doc_number == "景文旅字〔2025〕12号"
    assert letter.outcome_class == "A1"
    assert (letter.term, letter.meeting, letter.proposal_number) == (14, 5, "007")
    assert letter.proposal_title == "关于发展陶瓷产业的建议"
    assert letter.unit == reply.signing_unit
    assert letter.signed_on == datetime.date(2025, 4, 29)
    assert letter.copied_to == ["市政协提案委员会", "市政府督查室"]
    assert (letter.contact_name, letter.contact_phone) == ("联系人", "13800000000")


# ------------------------------------------------------------------- ping, gunicorn.conf


@pytest.mark.django_db
def test_ping_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/ping")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert client.post("/ping").status_code == 405


def test_gunicorn_workers_from_the_environment_or_the_cores(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(PROJECT / "gunicorn.conf.py"))["workers"] == 3
    monkeypatch.delenv("WEB_CONCURRENCY")
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    conf = runpy.run_path(str(PROJECT / "gunicorn.conf.py"))
    assert conf["workers"] == 9
    assert conf["preload_app"] is True
    assert conf["max_requests_jitter"] == conf["max_requests"] // 10


# ------------------------------------------------------------------------------ end to end


@pytest.mark.skipif(not load_testing.wrk_installed(), reason="wrk is not installed")
@pytest.mark.skipif(
    not os.environ.get("BENCH_TEST"), reason="a minute or two: run it with BENCH_TEST=1"
)
def test_a_tiny_bench_on_sqlite(tmp_path):
    """200 proposals, a second per page: every page answers, every figure is there."""
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    arguments = ["--proposals=200", "--duration=1", "--connections=2", "--workers=2"]
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", *arguments, f"--json={tmp_path / 'bench.json'}"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert report["machine"]["database"].startswith("SQLite")
    assert report["machine"]["generated_proposals"] >= 200
    assert {page["status"] for page in report["pages"]} == {200}
    assert all(page["requests_per_second"] > 0 for page in report["pages"])
    assert all(batch["rows"] > 0 for batch in report["batches"])
    assert "listing, 3 filters" in result.stdout
