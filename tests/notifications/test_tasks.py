import smtplib
from datetime import timedelta

import pytest
import time_machine
from celery import beat
from django.core.mail import EmailMultiAlternatives

from config.celery_app import app
from notifications import services, tasks
from notifications.models import Delivery
from tests.factories import AssignmentFactory

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_beat_ticks_once_a_minute_and_the_tick_hands_each_due_row_to_a_worker(
    monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(tasks.deliver, "delay", published.append)
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=1))
    due_now(assignment.client)
    scheduler = beat.Scheduler(app, lazy=True)
    scheduler.setup_schedule()  # what `celery beat` loads
    entry = scheduler.schedule["notifications-tick"]
    entry.last_run_at = NOW
    assert not entry.is_due().is_due
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert entry.is_due().is_due
        with django_capture_on_commit_callbacks(execute=True):
            assert app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs).get() == 1
    [pk] = published
    assert Delivery.objects.get(pk=pk).user == assignment.client


def test_a_mail_server_saying_try_later_leaves_the_row_waiting_not_a_countdown(monkeypatch):
    def greylisted(self):
        raise smtplib.SMTPDataError(451, b"try again later")

    monkeypatch.setattr(EmailMultiAlternatives, "send", greylisted)
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=1))
    due_now(assignment.client)
    [pk] = services.tick(now=NOW).deliveries
    assert tasks.deliver.apply(args=[pk]).get() == "retry later"
    row = Delivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > NOW


def test_the_tick_enqueues_only_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    published = []
    monkeypatch.setattr(tasks.deliver, "delay", published.append)
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=1))
    due_now(assignment.client)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.tick_and_enqueue(now=NOW)
    assert published == []  # nothing before commit
    for callback in callbacks:
        callback()
    [pk] = published
    assert Delivery.objects.get(pk=pk).queued_at is not None


def test_a_broker_that_is_away_leaves_rows_for_the_sweep(monkeypatch):
    def away(pk):
        raise OSError("broker away")

    monkeypatch.setattr(tasks.deliver, "delay", away)
    assignment = AssignmentFactory(start_date=TODAY - timedelta(days=1))
    due_now(assignment.client)
    services.tick_and_enqueue(now=NOW)
    row = Delivery.objects.get()
    assert row.status == "pending" and row.queued_at is None


def test_with_more_due_than_a_claim_takes_the_tick_claims_again_at_once(monkeypatch):
    """A large practice's week of digests goes out in this minute's tick, in rounds of the
    claim's limit, not over the next minutes; a round that finds less than its limit is the
    last, and the rounds have a ceiling."""
    published = []
    monkeypatch.setattr(tasks.deliver, "delay", published.append)
    monkeypatch.setattr(tasks.deliver_batch, "delay", published.extend)
    clients = [AssignmentFactory(start_date=TODAY - timedelta(days=1)).client for _ in range(5)]
    for client in clients:
        due_now(client)
    rounds = []
    one_round = services.tick_and_enqueue
    monkeypatch.setattr(
        services, "tick_and_enqueue", lambda **kw: rounds.append(one_round(**kw)) or rounds[-1]
    )

    result = services.tick_until_done(now=NOW, limit=2, rounds=2)
    assert [len(r.deliveries) for r in rounds] == [2, 2]
    assert result.more  # the ceiling stopped it: one is left for the next minute
    assert Delivery.objects.count() == 4

    rounds.clear()
    result = services.tick_until_done(now=NOW, limit=2)
    assert [len(r.deliveries) for r in rounds] == [1]
    assert not result.more
    assert sorted(Delivery.objects.values_list("user", flat=True)) == sorted(c.pk for c in clients)

    rounds.clear()
    services.tick_until_done(now=NOW, limit=1)
    assert [len(r.deliveries) for r in rounds] == [0]  # nothing due: one round


@pytest.mark.parametrize(
    ("due", "round_size", "limit", "claims"),
    [
        (5, 2, 2000, [2, 2, 1]),
        (4, 2, 2000, [2, 2]),
        (7, 3, 2000, [3, 2, 2]),  # even: no short last round
        (0, 2, 2000, []),  # counted: none due, nothing claimed
        (3, 5, 2000, [3]),
        (5, 2, 3, [2, 1]),  # the limit caps the count
        (5, 2000, 2000, [2000]),  # one round: not counted first
    ],
)
def test_digests_are_claimed_in_even_rounds(monkeypatch, due, round_size, limit, claims):
    for _ in range(due):
        due_now(AssignmentFactory().client, digest=True)
    asked = []
    claim = services._due_digests
    monkeypatch.setattr(
        services, "_due_digests", lambda **kw: asked.append(kw["limit"]) or claim(**kw)
    )
    parts = list(services.tick_steps(now=NOW, limit=limit, round_size=round_size))
    assert asked == claims
    made = sum(len(part.deliveries) for part in parts)
    assert made == min(due, limit)
    assert any(part.more for part in parts) == (due >= limit)
