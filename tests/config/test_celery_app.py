"""A worker's database connection lives as a web worker's does: kept from one task to the
next while it is young and healthy, replaced when it is old or broken."""

import time

import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from config.celery_app import app, heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


def run_task_signals() -> None:
    """What a worker sends around a task, with Celery's own Django fixup listening."""
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(heartbeat)
    signals.task_prerun.send(sender=heartbeat, task_id="t", task=heartbeat, args=(), kwargs={})
    signals.task_postrun.send(sender=heartbeat, task_id="t", task=heartbeat, args=(), kwargs={})
    fixup.on_task_postrun(heartbeat)


def open_connection():
    connection.ensure_connection()
    return connection.connection


def test_a_healthy_connection_serves_the_next_task():
    opened = open_connection()
    run_task_signals()
    run_task_signals()
    assert connection.connection is opened


def test_a_connection_older_than_its_max_age_is_closed_after_a_task():
    open_connection()
    connection.close_at = time.monotonic() - 1
    run_task_signals()
    assert connection.connection is None  # the next query opens a new one


def test_a_connection_broken_by_an_error_is_replaced(monkeypatch):
    open_connection()
    connection.errors_occurred = True
    monkeypatch.setattr(connection, "is_usable", lambda: False)
    run_task_signals()
    assert connection.connection is None
    monkeypatch.undo()
    assert open_connection() is not None


def test_a_task_run_eagerly_inside_a_transaction_keeps_its_callers_connection():
    from django.db import transaction

    with transaction.atomic():
        opened = open_connection()
        connection.close_at = time.monotonic() - 1  # old, yet in the caller's transaction
        run_task_signals()
        assert connection.connection is opened
