"""A worker's database connection lives as a web worker's does: kept from one task to the
next while it is young and healthy, replaced when it is old or broken. A worker's parent
makes what every process would make on its first message."""

import gc
import time

import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection
from django.urls import clear_url_caches, get_resolver

from config.celery_app import app, heartbeat, warm_up

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


def test_the_workers_parent_fills_the_url_table_and_freezes_what_it_holds_before_it_forks():
    clear_url_caches()  # as in a new process
    assert not get_resolver()._populated
    try:
        warm_up()
        assert get_resolver()._populated
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # this test process goes on collecting as before
