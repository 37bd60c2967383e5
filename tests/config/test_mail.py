"""The SMTP backend that keeps a worker's connection: a real SMTP server counts the
connections it serves and the messages each carried."""

import logging
import smtplib
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage
from django.core.mail.backends import smtp

from config import mail
from tests.e2e.conftest import free_port


class Server:
    """Messages by connection (the client's port), and the connections that said QUIT."""

    def __init__(self):
        self.port = free_port()
        self.by_connection: Counter = Counter()
        self.quits = 0
        self.refuse_next = False
        self.lock = threading.Lock()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.refuse_next:
                self.refuse_next = False
                return "451 try again later"
            self.by_connection[session.peer] += 1
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope) -> str:
        with self.lock:
            self.quits += 1
        return "221 Bye"


@pytest.fixture
def server(settings):
    log = logging.getLogger("mail.log")
    level = log.level
    log.setLevel(logging.WARNING)
    server = Server()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "config.mail.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    mail.keep(False)
    server.stop()
    log.setLevel(level)


def send(n: int = 1) -> None:
    for i in range(n):
        EmailMessage(f"Hello {i}", "Body", "from@example.org", ["to@example.org"]).send()


def test_a_worker_sends_one_message_after_another_over_one_connection(server):
    mail.keep()
    send(5)
    assert list(server.by_connection.values()) == [5]


def test_outside_a_worker_each_message_has_a_connection_of_its_own(server):
    send(3)
    assert list(server.by_connection.values()) == [1, 1, 1]
    assert server.quits == 3


def test_a_connection_the_server_closed_is_replaced_before_the_next_message(server):
    mail.keep()
    send(2)
    server.stop()  # the server goes away and comes back: the kept socket is at its end
    server.start()
    send(2)
    assert sorted(server.by_connection.values()) == [2, 2]


def test_after_a_failed_send_the_next_message_opens_a_new_connection(server):
    mail.keep()
    send(1)
    server.refuse_next = True
    with pytest.raises(smtplib.SMTPDataError):
        send(1)
    send(2)
    assert sorted(server.by_connection.values()) == [1, 2]


def test_a_connection_idle_for_too_long_is_not_used_again(server, monkeypatch):
    mail.keep()
    send(1)
    clock = mail.time.monotonic() + mail.KEEP_IDLE + 1
    monkeypatch.setattr(mail.time, "monotonic", lambda: clock)
    send(1)
    assert list(server.by_connection.values()) == [1, 1]
    assert server.quits == 1  # the stale one was closed politely


def test_a_stopping_worker_closes_its_kept_connections(server):
    mail.keep()
    send(2)
    assert server.quits == 0
    mail.close_kept()
    assert server.quits == 1
    send(1)  # a new one if anything is sent after all
    assert sorted(server.by_connection.values()) == [1, 2]


def test_the_envelope_addresses_read_as_djangos_backend_reads_them_and_bad_ones_are_refused(
    monkeypatch,
):
    """The sender's address is parsed once per process; what it gives does not change."""
    monkeypatch.setattr(mail, "_prepared", {})  # as in a new process
    options = {"alias": "default", "host": "localhost", "port": 25}
    ours, django = mail.EmailBackend(**options), smtp.EmailBackend(**options)
    for address in ("Tandem <no-reply@tandem.localhost>", "x@bücher.example", "a@b.org") * 2:
        assert ours.prep_address(address) == django.prep_address(address)
    for n in range(mail.PREPARED_KEPT * 2):  # recipients do not crowd the sender out
        assert ours.prep_address(f"client{n}@example.org") == f"client{n}@example.org"
    assert ("Tandem <no-reply@tandem.localhost>", True) in mail._prepared
    for bad in ("two@a.org, three@b.org", "evil@example.org\nBcc: x@y.org", "ü@example.org"):
        for _ in range(2):
            with pytest.raises(ValueError, match="Invalid address"):
                ours.prep_address(bad)
