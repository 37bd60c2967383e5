"""Pages under load: gunicorn with platform/gunicorn.conf.py on a loopback port, driven by
`wrk` for a fixed time per page, signed in with a session cookie (or none). A cold page is
driven one request at a time instead, each after a write (`cold`)."""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.notifications import ROOT, children, free_port, rss_kib

# wrk reports latency in microseconds; `done` prints one line the benchmark parses.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50),
    latency:percentile(95)))
end
"""


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    errors: int


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit(
            "make bench needs wrk (an HTTP load generator): sudo apt-get install -y wrk "
            "(or run `bash platform/test-services.sh install wrk`)"
        )
    return path


class Gunicorn:
    """gunicorn with the production config, on 127.0.0.1 and a free port."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        env = {**env, "PORT": str(self.port)}
        args = [sys.executable, "-m", "gunicorn", "-c", "platform/gunicorn.conf.py"]
        args += ["-b", f"127.0.0.1:{self.port}", "config.wsgi:application"]
        self.log = log
        self._file = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            args, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5):  # noqa: S310
                    break
            except OSError as exc:  # URLError, refused, timed out: not up yet
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    output = log.read_text()[-3000:]
                    raise RuntimeError(f"gunicorn did not start:\n{output}") from exc
                time.sleep(0.2)

    def get(self, path: str, cookie: str) -> int:
        request = urllib.request.Request(  # noqa: S310 - our own http:// address
            self.base + path, headers={"Cookie": cookie} if cookie else {}
        )
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def worker_rss_kib(self) -> dict[int, int]:
        """The resident size of each web worker, by process id."""
        return {pid: rss_kib(pid) for pid in children(self.process.pid)}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._file.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def drive(base: str, path: str, cookie: str, *, seconds: int, connections: int) -> Figures:
    """wrk against one URL for `seconds` (without a cookie when `cookie` is empty); every
    answer must be a 2xx."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                wrk_path(),
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                *headers,
                base + path,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(script.name)
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) (\d+)$", result.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk said:\n{result.stdout}\n{result.stderr}")
    requests, errors, p50, p95 = (int(g) for g in match.groups())
    return Figures(
        requests_per_second=requests / seconds,
        p50_ms=p50 / 1000,
        p95_ms=p95 / 1000,
        errors=errors,
    )


# With a paired baseline, the page and the baseline take turns in blocks of this many seconds.
BLOCK = 0.5


def cold(
    base: str,
    path: str,
    cookie: str,
    *,
    seconds: int,
    before_each: Callable[[], None],
    paired: tuple[str, str] | None = None,
) -> tuple[Figures, Figures | None]:
    """One request at a time for `seconds`: `before_each()` (a write of the client's data),
    then a GET of `path`. Only the GETs are timed; requests per second is one over their
    mean time (what one connection gets, not what the workers serve together).

    With `paired` (a path and its cookie: the baseline), the page and the baseline (without
    the write) take turns, BLOCK seconds each, over the same `seconds`: the second figures
    are the baseline's, so that a page's ratio to it does not move with what the machine did
    between the page's run and the baseline's own. In blocks, not request by request: a
    baseline asked for right after each page's request would meet what that request left
    behind, and read slower than it does on its own."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    turns = [(path, {"Cookie": cookie} if cookie else {}, before_each)]
    if paired is not None:
        turns.append((paired[0], {"Cookie": paired[1]} if paired[1] else {}, lambda: None))
    times: list[list[float]] = [[] for _ in turns]
    errors = [0 for _ in turns]
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            for index, (url, headers, write) in enumerate(turns):
                block_ends = min(deadline, time.monotonic() + BLOCK) if paired else deadline
                while True:
                    write()
                    started = time.perf_counter()
                    # gunicorn's sync workers close each connection: http.client opens anew.
                    connection.request("GET", url, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    times[index].append(time.perf_counter() - started)
                    errors[index] += not 200 <= response.status < 300
                    if time.monotonic() >= block_ends:
                        break
    finally:
        connection.close()
    figures = [_figures(each, failed) for each, failed in zip(times, errors, strict=True)]
    return figures[0], figures[1] if paired is not None else None


def _figures(times: list[float], errors: int) -> Figures:
    ms = sorted(t * 1000 for t in times)
    return Figures(
        requests_per_second=len(times) / sum(times),
        p50_ms=statistics.median(ms),
        p95_ms=ms[min(len(ms) - 1, int(len(ms) * 0.95))],
        errors=errors,
    )
