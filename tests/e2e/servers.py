"""Servers that end-to-end tests control beyond the shared fixtures: a Redis of the test's
own that it may stop and start again, and an SMTP server that may refuse a message."""

import os
import time
from pathlib import Path

import redis

from tests.e2e.conftest import Process, SMTPServer, free_port


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test may stop."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Process | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = Process(args, dict(os.environ), self.folder / f"redis-{self.runs}.log")
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise AssertionError(self.process.output()) from None
                time.sleep(0.1)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


class GatedSMTP(SMTPServer):
    """An SMTP server that can run a hook before accepting a message; a hook returning a
    reply refuses the message (it is not recorded)."""

    before_accept = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.before_accept is not None and (reply := self.before_accept(len(self.messages))):
            return reply
        return await super().handle_DATA(server, session, envelope)
