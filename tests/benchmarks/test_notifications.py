"""The bench's mail server counts what it accepts and the distinct Message-IDs, from the
header alone (the reminders' "each once")."""

import smtplib
import subprocess
import time

import pytest
from aiosmtpd.controller import Controller

from benchmarks.notifications import Counter, wait_for_mail
from tests.e2e.conftest import free_port


def test_the_bench_mail_server_counts_messages_and_distinct_message_ids():
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    started = time.monotonic()
    try:
        with smtplib.SMTP("127.0.0.1", controller.port, timeout=10) as client:
            client.ehlo()
            assert client.has_extn("pipelining")
            for message_id, body in (
                ("<a.1@tandem.localhost>", "Message-ID: <not.a.header@x>"),
                ("<a.1@tandem.localhost>", "again"),  # the same message twice
                ("<b.2@tandem.localhost>", "b"),
            ):
                client.sendmail(
                    "t@example.org",
                    ["c@example.org"],
                    f"Subject: s\r\nmessage-id:  {message_id}\r\n\r\n{body}\r\n",
                )
    finally:
        controller.stop()
    assert counter.count == 3
    assert counter.ids == {b"<a.1@tandem.localhost>", b"<b.2@tandem.localhost>"}
    assert started <= counter.last_at <= time.monotonic()
    counter.reset()
    assert (counter.count, counter.ids, counter.last_at) == (0, set(), None)


def test_a_phase_lasts_until_its_last_message_arrived_not_until_a_poll_saw_it():
    counter = Counter()
    begun = time.monotonic()
    counter.count, counter.last_at = 3, begun + 0.25
    worker = subprocess.Popen(["sleep", "30"])  # a worker still running
    try:
        arrived, seconds = wait_for_mail(counter, 3, worker, begun)
    finally:
        worker.kill()
        worker.wait()
    assert (arrived, seconds) == (3, pytest.approx(0.25))
