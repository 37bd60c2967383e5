"""The SMTP backend, with one connection kept per worker thread between messages.

Opening a connection (TCP, EHLO, STARTTLS, login) costs more than sending a short message;
a Celery worker sends one message after another, so it keeps its connection: `keep()` is
called when the worker starts (config/celery_app.py). Elsewhere (web workers, management
commands) the backend behaves like Django's: a connection per send.

A kept connection is used again only while it is fresh (used in the last KEEP_IDLE seconds)
and the server has not hung up or announced that it closes (nothing to read on its socket);
otherwise a new one is opened. A send that fails closes the connection instead of keeping
it: the next message starts on a new one. Connections are closed when the worker stops."""

import select
import threading
import time
from smtplib import SMTP

from django.core.mail.backends import smtp

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


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend; in a worker, the connection outlives the send."""

    def prep_address(self, address, force_ascii=True):
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
