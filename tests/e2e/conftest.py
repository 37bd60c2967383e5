"""Real parts for end-to-end tests: a Redis broker, Celery worker and beat processes, an
SMTP server and Chromium driven by Playwright."""

import email
import email.policy
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from aiosmtpd.controller import Controller

from tests.conftest import ROOT
from tests.e2e.browser import Watched

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an asyncio loop in the test thread, so Django would refuse the
# ORM calls the test itself makes (SynchronousOnlyOperation). The test thread never shares
# a connection with async code; children started by these fixtures drop DJANGO_* variables.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a Redis database of its own (gw0 the given one,
    gw1 the next one away from 0, ...), so that one worker's `flushdb` at its start never
    empties the queues of a test running on another."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    index = int(worker[2:])
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base - index if base >= index else base + index
    if not 0 <= database < 16:
        raise RuntimeError(f"no Redis database left for xdist worker {worker} from {url}")
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The broker for end-to-end tests; a missing Redis fails the run, it never skips."""
    url = database_of_this_worker(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is required for the end-to-end tests and is not reachable at {url}: {exc}"
        )
    client.flushdb()
    client.close()
    return url


def wait_until(condition: Callable[[], object], *, timeout: float = 60, what: str) -> None:
    """Poll `condition` until it holds: a loaded machine only makes the wait longer."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)


class Process:
    """A child process whose combined output goes to a file the test can wait on."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self._file = log.open("wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._file, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            output = self.output()
            if text in output:
                return output
            if self.popen.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(
            f"{text!r} not seen within {timeout}s; output:\n{self.output()[-4000:]}"
        )

    def stop(self) -> None:
        self.terminate()
        self.reap()

    def terminate(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()

    def reap(self) -> None:
        """Wait for the process asked to stop; kill it if it takes longer than 15 s."""
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._file.close()


def database_url_for_children() -> str:
    """The URL of the test database, for processes started by a test."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_env(redis_url, tmp_path, transactional_db) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        REDIS_URL=redis_url,
        DATABASE_URL=database_url_for_children(),
        TANDEM_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_celery(tmp_path) -> Iterator:
    started: list[Process] = []

    def start(kind: str, env: dict[str, str], *extra: str) -> Process:
        args = [sys.executable, "-m", "celery", "-A", "config", kind, "--loglevel=INFO", *extra]
        proc = Process(args, env, tmp_path / f"{kind}-{len(started)}.log")
        started.append(proc)
        return proc

    yield start
    # Asked to stop all at once: their shutdowns overlap instead of adding up.
    for proc in started:
        proc.terminate()
    for proc in started:
        proc.reap()


# --- Mail: a real SMTP server -------------------------------------------------------


@pytest.fixture
def start_worker(celery_env, celery_queue, start_celery):
    """Start a `celery worker` that sends mail through `smtp_url` (threads, or solo with
    threads=1), once it says it is ready; `extra_env` adds to or overrides its settings."""

    def start(smtp_url: str, *, threads: int = 4, **extra_env: str) -> Process:
        env = {
            **celery_env,
            "EMAIL_URL": smtp_url,
            "TANDEM_SITE_URL": "http://tandem.example",
            "TANDEM_CELERY_QUEUE": celery_queue,
            "TANDEM_MAIL_RETRY_SECONDS": "1",
            **extra_env,
        }
        pool = ["--pool=threads", f"--concurrency={threads}"] if threads > 1 else ["--pool=solo"]
        worker = start_celery(
            "worker",
            env,
            *pool,
            "--without-gossip",
            "--without-mingle",
            f"-Q{celery_queue}",
        )
        worker.wait_for("ready.", timeout=60)
        return worker

    return start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SMTPServer:
    """Messages received by a real SMTP server, as the worker delivered them. It offers
    PIPELINING, as mail relays do, so the worker writes each envelope in one go."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)  # the senders' ends
    _received: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self._received:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.connections.add(session.peer)
            self._received.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        """Wait until `count` messages have arrived; more than that is not waited for."""
        with self._received:
            if not self._received.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(
                    f"{count} message(s) expected within {timeout}s, {len(self.messages)} arrived"
                )
            return list(self.messages)


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer(host="127.0.0.1", port=free_port())
    # aiosmtpd logs every SMTP command at INFO; a failing test's report needs none of it.
    log = logging.getLogger("mail.log")
    level = log.level
    log.setLevel(logging.WARNING)
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()
    log.setLevel(level)


# --- The worker that sends mail ------------------------------------------------------


@pytest.fixture
def celery_queue(redis_url) -> Iterator[str]:
    """A queue of this test's own on Redis, used by this process's producer (the test and the
    live server) and by the worker the test starts.

    Without REDIS_URL the settings choose the filesystem broker under var/, which no worker
    of these tests reads. A queue per test keeps tasks from an earlier test, and the workers
    of other runs sharing the Redis database, away from this test's rows.
    """
    from config.celery_app import app

    queue = f"tandem-e2e-{uuid.uuid4().hex[:12]}"
    keys = ("broker_url", "broker_transport_options", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}

    def reset() -> None:
        # Queues, routes and the connection pool are computed once from the settings. (The
        # pools themselves are kombu's, shared per broker URL: dropped here, never closed.)
        app._pool = None
        app.__dict__.pop("amqp", None)

    # Shared tasks (`send_invitation_email.delay`) publish through the current app; another
    # test may have made its own producer app current. The live server thread uses the default.
    app.set_current()
    app.set_default()
    reset()
    app.conf.update(
        broker_url=redis_url,
        broker_transport_options={"socket_connect_timeout": 3, "socket_timeout": 5},
        task_default_queue=queue,
    )
    yield queue
    reset()
    app.conf.update(saved)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def broker_idle(redis_url, celery_queue) -> Callable[..., bool]:
    """Whether nothing of this test's queue waits on Redis nor is held by a live worker.

    With `acks_late` a worker holds each task it took (in kombu's `unacked` hash) until the
    task is done, so an idle broker and a ledger with every row finished mean that no message
    can still be on its way. Tasks held by a worker that was killed (`dead`, their delivery
    tags) stay there until the visibility timeout: they are named by the test."""

    def idle(dead: frozenset[bytes] = frozenset()) -> bool:
        client = redis.Redis.from_url(redis_url)
        try:
            if client.llen(celery_queue):
                return False
            return not any(
                json.loads(payload)[2] == celery_queue
                for tag, payload in client.hgetall("unacked").items()
                if tag not in dead
            )
        finally:
            client.close()

    return idle


def held_by_workers(redis_url: str) -> frozenset[bytes]:
    """The delivery tags of the tasks the workers hold now (taken, not acknowledged)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return frozenset(client.hkeys("unacked"))
    finally:
        client.close()


@pytest.fixture
def site_url() -> str:
    """The address the worker puts in links; browser tests override it with the live server."""
    return "http://tandem.example"


@pytest.fixture
def mail_worker(celery_env, smtp_server, site_url, celery_queue, start_celery) -> Iterator[Process]:
    """A real worker on Redis, consuming this test's queue, that sends mail to `smtp_server`."""
    env = {**celery_env, "EMAIL_URL": smtp_server.url, "TANDEM_SITE_URL": site_url}
    worker = start_celery(
        "worker", env, "--pool=solo", "--without-gossip", "--without-mingle", f"-Q{celery_queue}"
    )
    worker.wait_for("ready.", timeout=60)
    yield worker
    # Shown by pytest only when the test failed.
    print(f"--- worker log ({worker.log}) ---\n{worker.output()[-6000:]}")


# --- Chromium ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Debian's Chromium, headless; a missing browser fails the test, it never skips."""
    executable = os.environ.get("TANDEM_CHROMIUM", DEFAULT_CHROMIUM)
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        pytest.fail(
            f"Chromium is required for the browser tests and was not found at {executable}: "
            "install it (apt-get install chromium) or set TANDEM_CHROMIUM to its path."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_contexts(chromium, live_server):
    """Fresh contexts (no shared cookies); none of them may see a 500 or a script error."""
    opened: list[Watched] = []

    def open_context(**options) -> Watched:
        watched = Watched(chromium.new_context(base_url=live_server.url, **options))
        opened.append(watched)
        return watched

    yield open_context
    problems = [problem for watched in opened for problem in watched.problems]
    for watched in opened:
        watched.context.close()
    assert not problems, problems
