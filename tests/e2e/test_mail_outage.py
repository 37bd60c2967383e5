"""A mail server that says "try later" (451, as greylisting does) for half an hour loses
nothing: a real Redis, a real worker and a real SMTP server. The half hour passes for the
ledger (every instant in it moves back) between the ticks the test runs, so the worker keeps
the settings of production: a minute's backoff doubling up to an hour."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from benchmarks.notifications import seed_due_reminders
from notifications import services
from notifications.models import Delivery, Kind, Preferences, Status
from tests.e2e.conftest import wait_until
from tests.e2e.servers import GatedSMTP

pytestmark = pytest.mark.e2e

OUTAGE = timedelta(minutes=30)


@pytest.fixture
def relay(smtp_server):
    smtp_server.__class__ = GatedSMTP
    return smtp_server


@pytest.fixture
def worker(start_worker, relay):
    proc = start_worker(
        relay.url, TANDEM_MAIL_RETRY_SECONDS="60", TANDEM_MAIL_RETRY_MAX_SECONDS="3600"
    )
    yield proc
    print(f"--- worker log ({proc.log}) ---\n{proc.output()[-6000:]}")


def tried_everything_handed_over() -> bool:
    """The worker has tried every row the tick gave it: none is being sent or waits for it."""
    return not Delivery.objects.filter(
        Q(status=Status.SENDING) | Q(status=Status.PENDING, next_attempt_at__isnull=True)
    ).exists()


def time_passes(step: timedelta) -> None:
    """`step` passes for the ledger: every instant it holds moves back by that much."""
    Delivery.objects.update(
        created_at=F("created_at") - step,
        queued_at=F("queued_at") - step,
        claimed_at=F("claimed_at") - step,
        next_attempt_at=F("next_attempt_at") - step,
        give_up_at=F("give_up_at") - step,
    )


def test_half_an_hour_of_try_later_then_every_message_arrives_once(relay, worker, caplog):
    from safety.models import Source
    from safety.services import raise_alert
    from tests.factories import RelationshipFactory

    people = seed_due_reminders(20)
    # Half of them get their weekly summary instead of a reminder.
    Preferences.objects.filter(user__in=people[10:]).update(
        next_reminder_at=None,
        digest_enabled=True,
        next_digest_at=timezone.now() - timedelta(minutes=1),
    )
    relay.before_accept = lambda received: "451 4.7.1 greylisted, try again later"

    raise_alert(client=RelationshipFactory().client, source=Source.JOURNAL, reference=uuid.uuid4())
    services.tick_and_enqueue()
    kinds = Counter(Delivery.objects.values_list("kind", flat=True))
    assert kinds == {Kind.REMINDER: 10, Kind.CLIENT_DIGEST: 10, Kind.SAFETY_ALERT: 1}

    passed, ticks = timedelta(0), 0
    with caplog.at_level("WARNING", logger="notifications.services"):
        while passed < OUTAGE:
            wait_until(tried_everything_handed_over, what="the worker tries what it was given")
            # Straight to the next retry that falls due, then the tick that finds it.
            due = Delivery.objects.aggregate(due=Min("next_attempt_at"))["due"]
            step = max(due - timezone.now(), timedelta(0)) + timedelta(seconds=1)
            time_passes(step)
            passed += step
            services.tick_and_enqueue()
            ticks += 1
        wait_until(tried_everything_handed_over, what="the last try in the outage")

    assert relay.messages == []
    rows = list(Delivery.objects.all())
    assert {row.status for row in rows} == {Status.PENDING}, "nothing failed or was dropped"
    # 1, 3, 7, 15 and 31 minutes: five tries or so in half an hour, not a hundred.
    assert all(4 <= row.attempts <= 7 for row in rows if row.kind != Kind.SAFETY_ALERT)
    assert all("451" in row.error for row in rows)
    assert any(m.startswith("mail is late: 21 deliveries pending") for m in caplog.messages)

    relay.before_accept = None
    latest = Delivery.objects.aggregate(latest=Max("next_attempt_at"))["latest"]
    time_passes(latest - timezone.now() + timedelta(seconds=1))
    services.tick_and_enqueue()

    messages = relay.wait_for(21, timeout=90)
    wait_until(
        lambda: Delivery.objects.filter(status=Status.SENT).count() == 21,
        what="every row marked sent",
    )
    services.tick_and_enqueue()  # one more tick finds nothing left to send
    wait_until(tried_everything_handed_over, what="the worker idle")
    assert len(relay.messages) == 21
    ids = Counter(m["Message-ID"] for m in messages)
    assert len(ids) == 21 and set(ids.values()) == {1}
    assert not Delivery.objects.exclude(status=Status.SENT).exists()
    print(f"outage of {passed} in {ticks} ticks; then 21 messages, once each")
