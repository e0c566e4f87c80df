"""The tools of `manage.py bench` (config/bench.py), which know nothing of the app: gunicorn
started as production starts it, plain HTTP requests, wrk and its report, a process's peak
memory."""

import http.client
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"
# gunicorn sits behind a proxy that terminates HTTPS and says so; the production settings
# trust this header (and redirect plain HTTP to HTTPS), so every request carries it.
PROXY_HEADERS = {"Host": HOST, "X-Forwarded-Proto": "https"}
# One wrk thread sends far more requests than Django answers on a small machine, and leaves
# the other cores to gunicorn.
WRK_THREADS = 1
# wrk's own default (2 s) would count a slow page's answers as socket timeouts.
WRK_TIMEOUT = "30s"


class LoadTestError(Exception):
    """A tool failed; the message says how."""


# ------------------------------------------------------------------------------ gunicorn


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen
    url: str

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid)


def configured_workers(project: Path) -> int:
    """The number of workers the project's gunicorn.conf.py gives this machine."""
    return runpy.run_path(str(project / "gunicorn.conf.py"))["workers"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn_server(
    *, project: Path, env: dict, log_path: Path, workers: int | None = None
) -> Iterator[Server]:
    """`gunicorn config.wsgi` with the project's gunicorn.conf.py on a free local port,
    answering /ping; stopped on leaving, whatever happened (Ctrl-C included)."""
    address = f"{HOST}:{free_port()}"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi"]
    command += ["--config", str(project / "gunicorn.conf.py"), "--bind", address]
    if workers:
        command += ["--workers", str(workers)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=log)
    try:
        server = Server(process, f"http://{address}")
        wait_until_up(server, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(server: Server, log_path: Path, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if fetch(server.url + "/ping")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    raise LoadTestError(f"gunicorn did not answer /ping; the end of its log:\n{tail}")


def fetch(url: str, *, headers: dict | None = None, sink=None) -> tuple[int, int]:
    """GET without following redirects: the status and the size of the body, which is
    written to `sink` if given."""
    parts = urlsplit(url)
    client = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        client.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = client.getresponse()
        size = 0
        while chunk := response.read(1 << 16):
            size += len(chunk)
            if sink:
                sink.write(chunk)
        return response.status, size
    finally:
        client.close()


# ----------------------------------------------------------------------- /proc (Linux)


def child_pids(pid: int) -> list[int]:
    children = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.MULTILINE):
            children.append(int(status.parent.name))
    return children


def peak_memory_mb(pid: int) -> float | None:
    """The most resident memory the process ever held; None where /proc does not say."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match[1]) / 1024 if match else None


# ------------------------------------------------------------------------------------ wrk


@dataclass(frozen=True)
class Load:
    """What wrk says of one run."""

    requests: int
    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int
    socket_errors: int


DURATION = re.compile(r"([\d.]+)(us|ms|s|m|h)")
MILLISECONDS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def wrk_installed() -> bool:
    return shutil.which("wrk") is not None


def duration_ms(text: str) -> float:
    """A duration as wrk prints it (635.00us, 5.21ms, 1.02s, 1.50m) in milliseconds."""
    match = DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"Not a wrk duration: {text!r}")
    return float(match[1]) * MILLISECONDS[match[2]]


def parse_wrk(output: str) -> Load:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not rate:
        raise ValueError(f"wrk printed no Requests/sec:\n{output}")
    # The distribution --latency adds: "     50%    5.21ms", one line per percentile.
    percentiles = {
        float(percent): duration_ms(value)
        for percent, value in re.findall(r"^\s+([\d.]+)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    requests = re.search(r"(\d+) requests in", output)
    done = int(requests[1]) if requests else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Load(
        requests=done,
        requests_per_second=float(rate[1]),
        # With no answer in time, wrk prints a distribution of zeros.
        p50_ms=percentiles.get(50.0) if done else None,
        p99_ms=percentiles.get(99.0) if done else None,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(count) for count in errors.groups()) if errors else 0,
    )


def wrk_command(
    url: str, *, seconds: int, connections: int, headers: dict, script: Path | None = None
) -> list[str]:
    """wrk's command line; `script`, a Lua script (wrk's `setup`, `request`, `response`…)."""
    command = ["wrk", "--latency", f"--timeout={WRK_TIMEOUT}", f"--duration={seconds}s"]
    command += [f"--threads={min(WRK_THREADS, connections)}", f"--connections={connections}"]
    for name, value in {**PROXY_HEADERS, **headers}.items():
        command += ["--header", f"{name}: {value}"]
    if script:
        command += ["--script", str(script)]
    return [*command, url]


def run_wrk(
    server: Server, path: str, *, seconds: int, connections: int, headers: dict | None = None
) -> Load:
    url = server.url + path
    command = wrk_command(url, seconds=seconds, connections=connections, headers=headers or {})
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise LoadTestError(f"wrk failed: {result.stderr or result.stdout}")
    # wrk leaves its last requests queued in gunicorn: they are answered before the next run
    # starts, since a request made now is accepted after them.
    fetch(server.url + "/ping")
    return parse_wrk(result.stdout)
