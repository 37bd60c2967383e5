"""Reminders end to end: a real Redis, real `celery worker` and `celery beat` processes and a
real SMTP server. Each e-mail arrives exactly once — with the worker killed mid-send, with the
mail server away for a while, with two beats ticking at once, and after Redis was stopped."""

import os
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, Role, User
from homework.models import Assignment, AssignmentStatus
from notifications import ledger, services
from notifications.models import Delivery, Preferences, Status
from tests.e2e.conftest import SMTPServer
from tests.e2e.test_invitation_sweep import PrivateRedis

pytestmark = pytest.mark.e2e


def seed_due_reminders(count: int) -> list[User]:
    """`count` clients in UTC, each with daily homework since today and a reminder due a
    minute ago. Bulk inserts: a thousand people in well under a second."""
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    therapist = User.objects.create(
        email=f"therapist-{tag}@example.org", role=Role.THERAPIST, password=make_password(None)
    )
    clients = User.objects.bulk_create(
        User(email=f"c{i}-{tag}@example.org", role=Role.CLIENT, timezone="UTC", password="!")
        for i in range(count)
    )
    relationships = CareRelationship.objects.bulk_create(
        CareRelationship(
            therapist=therapist,
            client=client,
            status=CareStatus.ACTIVE,
            invited_email=client.email,
            invitation_expires_at=now,
            activated_at=now,
        )
        for client in clients
    )
    Assignment.objects.bulk_create(
        Assignment(
            relationship=relationship,
            client=relationship.client,
            therapist=therapist,
            kind="journal",
            title="Evening journal",
            frequency="daily",
            start_date=now.date(),
            status=AssignmentStatus.ACTIVE,
        )
        for relationship in relationships
    )
    Preferences.objects.bulk_create(
        Preferences(
            user=client,
            zone="UTC",
            next_reminder_at=now - timedelta(minutes=1),
            digest_enabled=False,
        )
        for client in clients
    )
    return clients


class GatedSMTP(SMTPServer):
    """An SMTP server that can run a hook before accepting a message; a hook returning a
    reply refuses the message (it is not recorded)."""

    before_accept = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.before_accept is not None and (reply := self.before_accept(len(self.messages))):
            return reply
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp_gate(smtp_server):
    smtp_server.__class__ = GatedSMTP
    return smtp_server


@pytest.fixture
def start_worker(celery_env, celery_queue, start_celery):
    def start(smtp_url: str, *, threads: int = 4, **extra_env: str):
        env = {
            **celery_env,
            "EMAIL_URL": smtp_url,
            "TANDEM_SITE_URL": "http://tandem.example",
            "TANDEM_CELERY_QUEUE": celery_queue,
            "TANDEM_MAIL_RETRY_SECONDS": "1",
            **extra_env,
        }
        pool = ["--pool=threads", f"--concurrency={threads}"] if threads > 1 else ["--pool=solo"]
        worker = start_celery(
            "worker",
            env,
            *pool,
            "--without-gossip",
            "--without-mingle",
            f"-Q{celery_queue}",
        )
        worker.wait_for("ready.", timeout=60)
        return worker

    return start


def assert_exactly_once(smtp: SMTPServer, count: int) -> None:
    messages = smtp.wait_for(count, timeout=90)
    time.sleep(1.5)  # anything extra would arrive now
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(smtp.messages) == count, f"{len(smtp.messages)} messages for {count} rows"
    assert len(set(ids)) == count
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in messages)
    assert Delivery.objects.filter(status=Status.SENT).count() == count


def test_a_thousand_due_reminders_give_a_thousand_messages(smtp_server, start_worker):
    seed_due_reminders(1000)
    start_worker(smtp_server.url)
    started = time.monotonic()
    assert len(services.tick_and_enqueue().deliveries) == 1000
    assert_exactly_once(smtp_server, 1000)
    print(f"1,000 reminders delivered in {time.monotonic() - started:.1f}s")


def test_a_worker_killed_mid_send_then_the_sweep_still_gives_each_message_once(
    smtp_gate, start_worker
):
    seed_due_reminders(1000)
    first = start_worker(smtp_gate.url)

    def kill_at_300(received: int) -> str | None:
        # The worker dies while the server holds message 301, which it never accepts. Other
        # messages are refused (451, retried later) and the worker's other threads given a
        # second to record what was accepted, so the kill lands mid-send and nowhere else.
        if received == 300 and first.popen.poll() is None:
            refusing.append(True)
            time.sleep(1)
            os.kill(first.popen.pid, signal.SIGKILL)
            first.popen.wait()
        if refusing:
            return "421 closing" if received == 300 else "451 try again later"
        return None

    refusing: list[bool] = []
    smtp_gate.before_accept = kill_at_300
    services.tick_and_enqueue()
    smtp_gate.wait_for(300, timeout=60)
    deadline = time.monotonic() + 30
    while first.popen.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.popen.returncode == -signal.SIGKILL
    smtp_gate.before_accept = None

    start_worker(smtp_gate.url)
    # The new worker sends what is still queued; the killed worker's rows (stuck in
    # "sending", or pending with their task unacknowledged in Redis until the visibility
    # timeout) wait for the sweep.
    unsent, steady_since = -1, time.monotonic()
    deadline = time.monotonic() + 90
    while time.monotonic() - steady_since < 3:
        assert time.monotonic() < deadline, "the second worker does not drain the queue"
        now_unsent = Delivery.objects.exclude(status=Status.SENT).count()
        if now_unsent != unsent:
            unsent, steady_since = now_unsent, time.monotonic()
        time.sleep(0.3)
    assert 1 <= unsent <= 8, unsent
    assert len(smtp_gate.messages) == 1000 - unsent
    ledger.sweep(stuck_after=timedelta(0), requeue_after=timedelta(0), unqueued_after=timedelta(0))
    assert_exactly_once(smtp_gate, 1000)


def test_with_the_mail_server_away_at_first_every_message_arrives_once(
    smtp_gate, start_worker, start_celery, celery_env, celery_queue, tmp_path
):
    seed_due_reminders(200)
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
    deadline = time.monotonic() + 60
    while not Delivery.objects.filter(attempts__gte=2).exists():
        assert time.monotonic() < deadline, "no row was tried a second time"
        time.sleep(0.2)
    assert smtp_gate.messages == []
    assert not Delivery.objects.filter(status=Status.FAILED).exists()
    smtp_gate.before_accept = None
    assert_exactly_once(smtp_gate, 200)


def test_two_beats_ticking_at_once_send_each_reminder_once(
    smtp_server, start_worker, start_celery, celery_env, celery_queue, tmp_path
):
    seed_due_reminders(300)
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
    assert_exactly_once(smtp_server, 300)
    time.sleep(2)  # a few more ticks from each beat
    assert len(smtp_server.messages) == 300


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
    private_redis, smtp_server, start_worker, client
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
    assert_exactly_once(smtp_server, 1)


def test_a_safety_alert_is_e_mailed_once_without_content_and_once_more_after_the_limit(
    smtp_server, start_worker, settings
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
    time.sleep(1.5)
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
    time.sleep(1.5)
    assert len(smtp_server.messages) == 2
    assert messages[1]["Subject"].startswith("Still open: a client needs your attention")
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
    assert Delivery.objects.filter(status=Status.SENT).count() == 2
