"""The bench's mail server counts what it accepts and the distinct Message-IDs, from the
header alone (the reminders' "each once")."""

import smtplib

from aiosmtpd.controller import Controller

from benchmarks.notifications import Counter
from tests.e2e.conftest import free_port


def test_the_bench_mail_server_counts_messages_and_distinct_message_ids():
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
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
