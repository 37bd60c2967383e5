import smtplib
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.mail import EmailMultiAlternatives

from config.celery_app import app
from notifications import services, tasks
from notifications.models import Delivery
from tests.factories import AssignmentFactory

from .conftest import NOW, TODAY, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_beat_only_ticks_every_minute_in_utc():
    entry = app.conf.beat_schedule["notifications-tick"]
    assert entry["task"] == "notifications.tasks.tick"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].minute == set(range(60))
    assert app.conf.timezone == "UTC"


def test_the_delivery_task_is_acked_late_bounded_and_time_limited():
    task = tasks.deliver
    assert task.acks_late and task.reject_on_worker_lost
    assert task.max_retries == 0  # retries are the row's, kept by the tick
    assert task.soft_time_limit < task.time_limit <= 60


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
