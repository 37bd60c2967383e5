"""Real parts for end-to-end tests: a Redis broker and Celery worker and beat processes."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import redis

from tests.conftest import ROOT

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The broker for end-to-end tests; a missing Redis fails the run, it never skips."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
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
        if self.popen.poll() is None:
            self.popen.terminate()
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
    for proc in started:
        proc.stop()
