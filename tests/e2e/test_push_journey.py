"""Push reminders end to end: a real Redis, a real `celery worker`, a real SMTP server and a
local push service that checks each request's VAPID signature and decrypts its payload with
the subscription's keys (tests/e2e/push_service.py). Due reminders with push on arrive once
each; a device the service says is gone (410) is removed and its person gets the e-mail; a
service that answers 503 is tried again, like a mail server that says "try later"."""

from functools import partial

import pytest

from benchmarks.notifications import seed_due_reminders
from notifications import devices, ledger, services
from notifications.models import Channel, Delivery, Preferences, PushSubscription, Status
from tests.conftest import REMINDER_PUSH as REMINDER
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def push_worker(start_worker, smtp_server, vapid_key):
    return start_worker(
        smtp_server.url,
        TANDEM_VAPID_PRIVATE_KEY=vapid_key,
        TANDEM_VAPID_SUBJECT="mailto:ops@tandem.example",
        TANDEM_PUSH_ALLOW_HTTP_LOOPBACK="true",
    )


def settled(push_service, count: int, idle) -> bool:
    """Every row finished and no worker holds a task; due retries are handed over (the
    tick's sweep, as beat would run it)."""
    if Delivery.objects.filter(status__in=[Status.PENDING, Status.SENDING]).exists():
        ledger.sweep()
        return False
    return len(push_service.received) >= count and idle()


def test_due_reminders_with_push_on_arrive_once_each_through_a_real_worker(
    push_service, smtp_server, push_worker, broker_idle
):
    clients = seed_due_reminders(30)
    Preferences.objects.filter(user__in=clients).update(channels={"reminder": "push"})
    phones = {}
    for client in clients:
        sub = push_service.new_subscription(client.email)
        phones[client.pk], _ = devices.subscribe(
            user=client, endpoint=sub["endpoint"], name="Phone", **sub["keys"]
        )
    gone_client, busy_client = clients[0], clients[1]
    push_service.gone(phones[gone_client.pk].endpoint)
    push_service.respond(phones[busy_client.pk].endpoint, 503)

    assert len(services.tick_and_enqueue().deliveries) == 30
    wait_until(
        partial(settled, push_service, 29, broker_idle),
        timeout=120,
        what="29 pushes and every row finished",
    )

    # One push per device that is still there, each once, as the standard says.
    received = push_service.received
    assert len(received) == 29
    by_endpoint = {message.endpoint for message in received}
    assert len(by_endpoint) == 29
    assert phones[gone_client.pk].endpoint not in by_endpoint
    for message in received:
        assert message.json() == REMINDER
        assert message.scheme == "vapid" and message.vapid["sub"] == "mailto:ops@tandem.example"
    # The 503 was tried again, once more.
    busy = [
        a.status for a in push_service.attempts if a.endpoint == phones[busy_client.pk].endpoint
    ]
    assert busy == [503, 201]
    # The device that is gone was removed, and its person got the e-mail instead.
    assert not PushSubscription.objects.filter(user=gone_client).exists()
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == gone_client.email
    assert mail["Subject"] == REMINDER["body"]
    rows = Delivery.objects.filter(user__in=clients)
    assert rows.filter(channel=Channel.PUSH, status=Status.SENT).count() == 29
    skipped = rows.get(channel=Channel.PUSH, status=Status.SKIPPED)
    assert (skipped.user_id, skipped.error) == (gone_client.pk, ledger.NO_DEVICE)
    email = rows.get(channel=Channel.EMAIL)
    assert (email.user_id, email.status) == (gone_client.pk, Status.SENT)
    assert rows.get(user=busy_client, channel=Channel.PUSH).attempts == 2
    # Nothing more comes: each row is finished, and the rows of another tick exist already.
    assert services.tick_and_enqueue().deliveries == []
    assert len(push_service.received) == 29 and len(smtp_server.messages) == 1
