"""The SMTP backend that keeps a worker's connection: a real SMTP server counts the
connections it serves and the messages each carried."""

import logging
import re
import smtplib
import socket
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
def quiet_mail_log():
    """aiosmtpd logs every SMTP command at INFO; a failing test's report needs none of it."""
    log = logging.getLogger("mail.log")
    level = log.level
    log.setLevel(logging.WARNING)
    yield
    log.setLevel(level)


def mail_to(settings, port: int, timeout: float = 5) -> None:
    """Django's mail goes through the worker's backend to the server on `port`."""
    options = {"host": "127.0.0.1", "port": port, "timeout": timeout}
    settings.MAILERS = {"default": {"BACKEND": "config.mail.EmailBackend", "OPTIONS": options}}


@pytest.fixture
def server(settings, quiet_mail_log):
    server = Server()
    server.start()
    mail_to(settings, server.port)
    yield server
    mail.keep(False)
    server.stop()


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
    addresses = (
        "Tandem <no-reply@tandem.localhost>",
        "x@bücher.example",
        "a@b.org",
        # Plain (accounts.addresses.PLAIN_ADDRESS): taken as they are, as Django reads them.
        "first.last+tag@sub-domain.example.org",
        "A_B-9@X.IO",
        # Not plain: parsed.
        '"quoted local"@example.org',
        "a..b@example.org",
        "-a@-b.example.org",
    )
    for address in addresses * 2:
        try:
            expected = django.prep_address(address)
        except ValueError as refused:
            with pytest.raises(ValueError, match=re.escape(str(refused))):
                ours.prep_address(address)
            continue
        assert ours.prep_address(address) == expected
    for n in range(mail.PREPARED_KEPT * 2):  # recipients do not crowd the sender out
        assert ours.prep_address(f"client{n}@example.org") == f"client{n}@example.org"
    assert ("Tandem <no-reply@tandem.localhost>", True) in mail._prepared
    for bad in ("two@a.org, three@b.org", "evil@example.org\nBcc: x@y.org", "ü@example.org"):
        for _ in range(2):
            with pytest.raises(ValueError, match="Invalid address"):
                ours.prep_address(bad)


@pytest.mark.parametrize(
    "address",
    [
        "a@b.org",
        "first.last+tag@sub-domain.example.org",
        "Tandem <no-reply@tandem.localhost>",
        '"quoted local"@example.org',
        "<already@quoted.org>",
        "",
    ],
)
def test_a_pipelined_envelope_quotes_an_address_as_smtplib_does(address):
    assert mail._quoted(address) == smtplib.quoteaddr(address)


# --- PIPELINING (RFC 2920) ------------------------------------------------------------


class Relay:
    """An aiosmtpd handler that offers PIPELINING, as mail relays do, and refuses what it is
    told to: the sender, some recipients, or the message (with `data_reply`)."""

    def __init__(self, *, refuse_sender=False, refuse=(), data_reply="250 OK"):
        self.refuse_sender = refuse_sender
        self.refuse = set(refuse)
        self.data_reply = data_reply
        self.delivered: list[tuple[str, list[str], bytes]] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.refuse_sender:
            return "550 sender not allowed"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.delivered.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return self.data_reply


@pytest.fixture
def relay(quiet_mail_log):
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


MESSAGE = (
    b"Subject: Your week\r\n\r\nA line.\r\n.A line that starts with a dot.\r\n..And two.\r\nEnd"
)


def outcome_of(connection, to: list[str]):
    """What a send gives: the refused recipients, or the error with its codes."""
    try:
        return ("sent", connection.sendmail("from@example.org", to, MESSAGE))
    except smtplib.SMTPRecipientsRefused as exc:
        return (type(exc).__name__, {a: code for a, (code, _) in exc.recipients.items()})
    except smtplib.SMTPResponseException as exc:
        return (type(exc).__name__, exc.smtp_code)


SCENARIOS = {
    "accepted": {},
    "one of two recipients refused": {"refuse": {"b@example.org"}},
    "every recipient refused": {"refuse": {"a@example.org", "b@example.org"}},
    "sender refused": {"refuse_sender": True},
    "message refused": {"data_reply": "554 rejected as spam"},
    "message deferred": {"data_reply": "451 try again later"},
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_pipelined_send_ends_as_smtplibs_does_and_delivers_the_same_bytes(relay, scenario):
    """The same server, the same message, smtplib's one command at a time and the pipelined
    envelope: the same outcome (what is returned or raised, with the codes), the same
    message received (periods at the start of a line doubled on the wire, undone there), and
    the connection goes on to the next message."""
    handler, port = relay
    results = {}
    for connection_class in (smtplib.SMTP, mail.PipeliningSMTP):
        vars(handler).update(Relay(**SCENARIOS[scenario]).__dict__)
        connection = connection_class("127.0.0.1", port, timeout=5)
        try:
            got = outcome_of(connection, ["a@example.org", "b@example.org"])
            results[connection_class] = (got, list(handler.delivered))
            vars(handler).update(Relay().__dict__)
            connection.sendmail("from@example.org", ["c@example.org"], b"Subject: next\r\n\r\nx")
            assert [to for _, to, _ in handler.delivered] == [["c@example.org"]]
        finally:
            connection.quit()
    assert results[mail.PipeliningSMTP] == results[smtplib.SMTP]
    (got, delivered) = results[mail.PipeliningSMTP]
    if scenario in ("accepted", "one of two recipients refused"):
        [(sender, recipients, content)] = delivered
        assert sender == "from@example.org"
        kept = 2 if scenario == "accepted" else 1
        assert recipients == ["a@example.org", "b@example.org"][:kept]
        # As sent (smtplib ends the last line), periods at the start of a line as they were.
        assert content.replace(b"\r\n", b"\n") == MESSAGE.replace(b"\r\n", b"\n") + b"\n"
    else:
        assert delivered == [] and got[0] != "sent"


class GroupingServer:
    """A mail server that offers PIPELINING and answers a message's envelope only once all of
    it has come (MAIL, RCPT, DATA): a client that waits for each reply before its next
    command waits in vain. Keeps each message's text, by connection."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[list[bytes]] = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            with connection, connection.makefile("rb") as lines:
                self.received.append([])
                self.talk(connection, lines)

    def talk(self, connection, lines) -> None:
        connection.sendall(b"220 ready\r\n")
        waiting = b""
        for line in lines:
            command = line[:4].upper()
            if command == b"EHLO":
                connection.sendall(b"250-relay\r\n250 PIPELINING\r\n")
            elif command in (b"MAIL", b"RCPT"):
                waiting += b"250 OK\r\n"
            elif command == b"DATA":
                connection.sendall(waiting + b"354 go on\r\n")
                waiting = b""
                text = b"".join(iter(lines.readline, b".\r\n"))
                self.received[-1].append(text)
                connection.sendall(b"250 OK\r\n")
            elif command == b"QUIT":
                connection.sendall(b"221 bye\r\n")
                return
            else:
                connection.sendall(b"502 not here\r\n")

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def grouping(settings):
    server = GroupingServer()
    mail_to(settings, server.port, timeout=10)
    yield server
    mail.keep(False)
    server.close()


def test_a_worker_sends_each_envelope_in_one_write_where_the_server_offers_pipelining(grouping):
    mail.keep()
    send(3)
    [texts] = grouping.received
    assert [b"Subject: Hello 2" in text for text in texts] == [False, False, True]
    assert all(text.endswith(b"\r\nBody\r\n") for text in texts)


def test_the_grouping_server_holds_a_client_that_waits_for_each_reply(grouping):
    """What makes the test above able to fail: smtplib, one command at a time, gets no answer
    to MAIL from this server."""
    connection = smtplib.SMTP("127.0.0.1", grouping.port, timeout=0.5)
    with pytest.raises(OSError):
        connection.sendmail("from@example.org", ["to@example.org"], MESSAGE)
    connection.close()
