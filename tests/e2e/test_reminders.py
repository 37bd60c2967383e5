"""Reminders end to end: a real Redis, real `celery worker` and `celery beat` processes and a
real SMTP server. Each e-mail arrives exactly once — with the worker killed mid-send, with the
mail server away for a while, with two beats ticking at once, and after Redis was stopped.
A hundred messages prove it; `make bench` pushes a thousand through the same path. No test
sleeps to let something happen: each waits for the ledger, the broker or the SMTP server."""

import os
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks.notifications import seed_due_reminders
from homework.models import Assignment
from notifications import ledger, services
from notifications.models import Delivery, Preferences, Status
from tests.e2e.conftest import SMTPServer, held_by_workers, wait_until
from tests.e2e.servers import GatedSMTP, PrivateRedis

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp_gate(smtp_server):
    smtp_server.__class__ = GatedSMTP
    return smtp_server


def all_sent_and_idle(idle, dead: frozenset[bytes] = frozenset()) -> bool:
    """Every ledger row is sent and no live worker holds a task: no message can still come
    (a row is marked sent only after the SMTP server accepted it, and is claimed only once)."""
    return not Delivery.objects.exclude(status=Status.SENT).exists() and idle(dead)


def assert_exactly_once(smtp: SMTPServer, count: int, idle) -> None:
    smtp.wait_for(count, timeout=90)
    wait_until(partial(all_sent_and_idle, idle), timeout=90, what="every row sent, workers idle")
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(smtp.messages) == count, f"{len(smtp.messages)} messages for {count} rows"
    assert len(set(ids)) == count
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in smtp.messages)
    assert Delivery.objects.filter(status=Status.SENT).count() == count


def test_a_hundred_due_reminders_give_a_hundred_messages(
    smtp_server, start_worker, broker_idle, settings
):
    settings.CELERY_WORKER_CONCURRENCY = 2  # what the tick cuts its rows for
    seed_due_reminders(100)
    start_worker(smtp_server.url)
    started = time.monotonic()
    assert len(services.tick_and_enqueue().deliveries) == 100
    assert_exactly_once(smtp_server, 100, broker_idle)
    # Two batches of 50 (ledger.batches); each worker thread keeps its SMTP connection from
    # one message to the next.
    assert len(smtp_server.connections) <= 2
    print(f"100 reminders delivered in {time.monotonic() - started:.1f}s")


def test_a_worker_killed_mid_send_then_the_sweep_still_gives_each_message_once(
    smtp_gate, start_worker, broker_idle, redis_url
):
    seed_due_reminders(100)
    first = start_worker(smtp_gate.url)

    def kill_at_30(received: int) -> str | None:
        # The worker dies while the server holds message 31, which it never accepts; what
        # reaches the server after that (from the dead worker's other threads) is refused.
        if received == 30 and first.popen.poll() is None:
            os.kill(first.popen.pid, signal.SIGKILL)
            first.popen.wait()
            refusing.append(True)
        return "421 closing" if refusing else None

    refusing: list[bool] = []
    smtp_gate.before_accept = kill_at_30
    services.tick_and_enqueue()
    wait_until(lambda: first.popen.poll() is not None, what="the worker killed at message 31")
    assert first.popen.returncode == -signal.SIGKILL
    assert len(smtp_gate.messages) == 30
    smtp_gate.before_accept = None
    # The dead worker's rows: claimed and stuck in "sending" (the row of message 31 at least,
    # and the rest of each batch it held; a thread may have had its message accepted and died
    # before marking it sent), or pending with their task unacknowledged in Redis until the
    # visibility timeout.
    stuck = set(Delivery.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert 1 <= len(stuck) <= 4 * ledger.BATCH, stuck  # a batch per thread of the worker
    dead = held_by_workers(redis_url)

    # The new worker sends what is still queued; the dead worker's rows wait for the sweep.
    start_worker(smtp_gate.url)
    wait_until(partial(broker_idle, dead), timeout=90, what="the second worker drains the queue")
    assert set(Delivery.objects.filter(status=Status.SENDING).values_list("pk", flat=True)) == stuck
    ledger.sweep(stuck_after=timedelta(0), requeue_after=timedelta(0), unqueued_after=timedelta(0))
    wait_until(
        partial(all_sent_and_idle, broker_idle, dead),
        timeout=90,
        what="every row sent after the sweep, workers idle",
    )

    # At least once, exactly once for the receiver: a row accepted by the server and killed
    # before it was marked sent goes again with the same Message-ID, which the receiver drops.
    received = Counter(m["Message-ID"] for m in smtp_gate.messages)
    rows = dict(Delivery.objects.values_list("message_id", "pk"))
    assert len(rows) == 100 and set(received) == set(rows)
    again = {rows[message_id] for message_id, times in received.items() if times > 1}
    assert again <= stuck, "only a row in the dead worker's hands may arrive twice"
    assert len(again) <= 4, "only the row in flight in each of its threads"
    assert set(received.values()) <= {1, 2}
    assert len(smtp_gate.messages) == 100 + len(again)


def test_with_the_mail_server_away_at_first_every_message_arrives_once(
    smtp_gate, start_worker, start_celery, celery_env, celery_queue, tmp_path, broker_idle
):
    seed_due_reminders(50)
    smtp_gate.before_accept = lambda received: "451 try again later"
    start_worker(smtp_gate.url)
    # The rows wait for their next try; the tick (every second here) hands them over again.
    beat = start_celery(
        "beat",
        {**celery_env, "TANDEM_CELERY_QUEUE": celery_queue, "TANDEM_TICK_SECONDS": "1"},
        "--schedule",
        str(tmp_path / "beat"),
    )
    beat.wait_for("notifications-tick", timeout=30)
    services.tick_and_enqueue()
    wait_until(
        lambda: Delivery.objects.filter(attempts__gte=2).exists(),
        what="a row tried a second time",
    )
    assert smtp_gate.messages == []
    assert not Delivery.objects.filter(status=Status.FAILED).exists()
    smtp_gate.before_accept = None
    assert_exactly_once(smtp_gate, 50, broker_idle)


def test_two_beats_ticking_at_once_send_each_reminder_once(
    smtp_server, start_worker, start_celery, celery_env, celery_queue, tmp_path, broker_idle
):
    seed_due_reminders(100)
    start_worker(smtp_server.url)
    beats = [
        start_celery(
            "beat",
            {**celery_env, "TANDEM_CELERY_QUEUE": celery_queue, "TANDEM_TICK_SECONDS": "1"},
            "--schedule",
            str(tmp_path / f"beat-{n}"),
        )
        for n in range(2)
    ]
    for beat in beats:
        beat.wait_for("notifications-tick", timeout=30)
    assert_exactly_once(smtp_server, 100, broker_idle)
    # Two more ticks from each beat, the first of them handled by the worker, add nothing.
    ticks = [beat.output().count(TICK_SENT) for beat in beats]
    for beat, seen in zip(beats, ticks, strict=True):
        wait_until(lambda b=beat, n=seen: b.output().count(TICK_SENT) >= n + 2, what="two ticks")
    wait_until(partial(all_sent_and_idle, broker_idle), what="the ticks handled")
    assert len(smtp_server.messages) == 100


TICK_SENT = "Sending due task notifications-tick"


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(private_redis) -> str:
    return private_redis.url


def test_with_redis_stopped_a_client_still_logs_and_due_mail_goes_out_when_it_returns(
    private_redis, smtp_server, start_worker, client, broker_idle
):
    [person] = seed_due_reminders(1)
    Preferences.objects.filter(user=person).update(next_reminder_at=None)
    assignment = Assignment.objects.get(client=person)
    client.force_login(person)
    private_redis.stop()

    response = client.post(
        reverse("api-journal-list"), {"text": "Saved offline"}, content_type="application/json"
    )
    assert response.status_code == 201
    today = timezone.now().date().isoformat()
    response = client.post(
        reverse("client_complete", args=[assignment.public_id]), {"due_date": today}
    )
    assert response.status_code == 302
    # Undo, so that something is waiting again, and let the reminder fall due meanwhile.
    Assignment.objects.get(pk=assignment.pk).completions.all().delete()
    Preferences.objects.filter(user=person).update(
        next_reminder_at=datetime.now(UTC) - timedelta(minutes=2)
    )
    result = services.tick_and_enqueue()  # the broker refuses: the row stays pending
    assert Delivery.objects.get(pk=result.deliveries[0]).queued_at is None

    private_redis.start()
    start_worker(smtp_server.url)
    ledger.sweep(unqueued_after=timedelta(0))  # a tick's sweep, a minute later
    assert_exactly_once(smtp_server, 1, broker_idle)


def test_a_safety_alert_is_e_mailed_once_without_content_and_once_more_after_the_limit(
    smtp_server, start_worker, settings, broker_idle
):
    from safety.models import SafetyAlert, Source
    from safety.services import raise_alert
    from tests.factories import RelationshipFactory

    relationship = RelationshipFactory(client__name="Robin Private")
    start_worker(smtp_server.url)

    # Committed at once: the alert's e-mail is queued right after, without waiting for a tick.
    (alert,) = raise_alert(
        client=relationship.client, source=Source.JOURNAL, reference=uuid.uuid4()
    )
    [first] = smtp_server.wait_for(1, timeout=60)
    services.tick_and_enqueue()  # the minutely tick finds it sent already
    wait_until(partial(all_sent_and_idle, broker_idle), what="the tick handled")
    assert len(smtp_server.messages) == 1
    assert first["To"] == relationship.therapist.email
    assert first["Subject"] == "A client needs your attention — please sign in"
    body = first.get_body(("plain",)).get_content()
    assert "http://tandem.example/therapist/alerts/" in body
    for detail in ("Robin", relationship.client.email, "journal", "PHQ"):
        assert detail not in first.as_string()
    assert first["List-Unsubscribe"] is None

    # The limit passes (counted from the first e-mail) with the alert still open: one more
    # e-mail, however many ticks.
    limit = timedelta(hours=settings.TANDEM_SAFETY_REALERT_HOURS)
    SafetyAlert.objects.filter(pk=alert.pk).update(raised_at=timezone.now() - limit)
    Delivery.objects.filter(status=Status.SENT).update(finished_at=timezone.now() - limit)
    services.tick_and_enqueue()
    services.tick_and_enqueue()
    messages = smtp_server.wait_for(2, timeout=60)
    wait_until(partial(all_sent_and_idle, broker_idle), what="the ticks handled")
    assert len(smtp_server.messages) == 2
    assert messages[1]["Subject"].startswith("Still open: a client needs your attention")
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
    assert Delivery.objects.filter(status=Status.SENT).count() == 2
