"""The SMTP backend, with one connection kept per worker thread between messages.

Opening a connection (TCP, EHLO, STARTTLS, login) costs more than sending a short message;
a Celery worker sends one message after another, so it keeps its connection: `keep()` is
called when the worker starts (config/celery_app.py). Elsewhere (web workers, management
commands) the backend behaves like Django's: a connection per send.

A kept connection is used again only while it is fresh (used in the last KEEP_IDLE seconds)
and the server has not hung up or announced that it closes (nothing to read on its socket);
otherwise a new one is opened. A send that fails closes the connection instead of keeping
it: the next message starts on a new one. Connections are closed when the worker stops.

Where the server offers PIPELINING (RFC 2920), as mail relays do, a message's envelope goes
in one write: two round trips a message instead of four (`Pipelining`)."""

import re
import select
import threading
import time
from smtplib import (
    SMTP,
    SMTP_SSL,
    SMTPDataError,
    SMTPRecipientsRefused,
    SMTPSenderRefused,
    quoteaddr,
)

from django.core.mail.backends import smtp

from accounts.addresses import PLAIN_ADDRESS

# A server drops an idle client after a minute or more (RFC 5321 asks for 5 minutes).
KEEP_IDLE = 30.0

_keeping = False
_local = threading.local()
_lock = threading.Lock()
_kept: set[SMTP] = set()  # every thread's kept connection, to close at shutdown
PREPARED_KEPT = 16
_prepared: dict[tuple[str, bool], str] = {}  # envelope addresses as the backend gives them


def keep(on: bool = True) -> None:
    """Keep connections between messages in this process (a worker's), or stop doing so."""
    global _keeping
    _keeping = on
    if not on:
        close_kept()


def close_kept(**kwargs) -> None:
    """Say goodbye to every kept connection (a worker process stopping)."""
    with _lock:
        kept = list(_kept)
        _kept.clear()
    for connection in kept:
        _quit(connection)
    _local.__dict__.clear()


def _quit(connection: SMTP) -> None:
    try:
        connection.quit()
    except Exception:  # noqa: BLE001 - already gone: nothing to say goodbye to
        connection.close()


def _usable(connection: SMTP, used_at: float) -> bool:
    """Fresh, and the server has said nothing unasked (a 421 or end of file) since."""
    if connection.sock is None or time.monotonic() - used_at > KEEP_IDLE:
        return False
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


class Pipelining:
    """`SMTP.sendmail` in two round trips where the server offers PIPELINING: MAIL, each
    RCPT and DATA are written together and their replies read in order, then the message and
    its final reply. What it returns and raises, and when it resets or closes the connection,
    are smtplib's. Without the extension (or with options smtplib would add), smtplib's own
    `sendmail` runs, one command at a time."""

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.ehlo_or_helo_if_needed()
        if (
            not self.does_esmtp
            or not self.has_extn("pipelining")
            or mail_options
            or rcpt_options
            or not isinstance(msg, bytes)
        ):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        to_addrs = [to_addrs] if isinstance(to_addrs, str) else list(to_addrs)
        size = f" size={len(msg)}" if self.has_extn("size") else ""
        commands = [
            f"mail from:{_quoted(from_addr)}{size}",
            *(f"rcpt to:{_quoted(each)}" for each in to_addrs),
            "data",
        ]
        if any("\r" in command or "\n" in command for command in commands):
            raise ValueError("command and arguments contain prohibited newline characters")
        self.send("".join(f"{command}\r\n" for command in commands))
        code, resp = self.getreply()
        if code == 421:
            self.close()
            raise SMTPSenderRefused(code, resp, from_addr)
        sender = (code, resp)
        refused = {}
        for each in to_addrs:
            code, resp = self.getreply()
            if code not in (250, 251):
                refused[each] = (code, resp)
            if code == 421:
                self.close()
                raise SMTPRecipientsRefused(refused)
        code, resp = self.getreply()  # DATA's
        if code == 354 and (sender[0] != 250 or len(refused) == len(to_addrs)):
            self.send(b".\r\n")  # a server that took DATA with nowhere to send it
            self.getreply()
        if sender[0] != 250:
            self._rset()
            raise SMTPSenderRefused(*sender, from_addr)
        if len(refused) == len(to_addrs):
            self._rset()
            raise SMTPRecipientsRefused(refused)
        if code == 354:
            quoted = re.sub(rb"(?m)^\.", b"..", msg)
            self.send(quoted + (b"" if quoted.endswith(b"\r\n") else b"\r\n") + b".\r\n")
            code, resp = self.getreply()
            if code == 250:
                return refused
        if code == 421:
            self.close()
        else:
            self._rset()
        raise SMTPDataError(code, resp)


def _quoted(address: str) -> str:
    """smtplib's `quoteaddr`, without parsing a plain address (accounts.addresses)."""
    if type(address) is str and PLAIN_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return quoteaddr(address)


class PipeliningSMTP(Pipelining, SMTP):
    pass


class PipeliningSMTPSSL(Pipelining, SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend; in a worker, the connection outlives the send; envelopes are
    pipelined where the server allows it."""

    @property
    def connection_class(self):
        return PipeliningSMTPSSL if self.use_ssl else PipeliningSMTP

    def prep_address(self, address, force_ascii=True):
        # A plain address (a recipient's, nearly always) is what parsing it gives.
        if type(address) is str and PLAIN_ADDRESS.fullmatch(address):
            return address
        # The same address reads the same: the sender every message shares is parsed once
        # per process (the first few addresses are kept, so a recipient's cannot crowd it out).
        key = (str(address), force_ascii)
        if key not in _prepared:
            prepared = super().prep_address(*key)
            if len(_prepared) >= PREPARED_KEPT:
                return prepared
            _prepared[key] = prepared
        return _prepared[key]

    def _key(self) -> tuple:
        return (self.host, self.port, self.username, self.use_tls, self.use_ssl)

    def _take_kept(self) -> SMTP | None:
        kept = getattr(_local, "kept", None)
        if kept is None:
            return None
        key, connection, used_at = kept
        del _local.kept
        with _lock:
            _kept.discard(connection)
        if key == self._key() and _usable(connection, used_at):
            return connection
        _quit(connection)
        return None

    def _put_kept(self, connection: SMTP) -> None:
        _local.kept = (self._key(), connection, time.monotonic())
        with _lock:
            _kept.add(connection)

    def send_messages(self, email_messages):
        if not _keeping or self.connection is not None or not email_messages:
            return super().send_messages(email_messages)
        with self._lock:
            self.connection = self._take_kept()
            try:
                if self.connection is None:
                    self.open()  # opened here, so that the send below does not close it
                sent = super().send_messages(email_messages)
            except BaseException:
                self.close()  # in an unknown state: the next message opens a new one
                raise
            if self.connection is not None:
                self._put_kept(self.connection)
                self.connection = None
            return sent
