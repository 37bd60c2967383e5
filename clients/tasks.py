"""Celery tasks of the records: they call one service."""

from celery import shared_task

from . import idempotency


@shared_task(acks_late=True, soft_time_limit=40, time_limit=55)
def purge_idempotency_keys() -> int:
    """Once a day: forget idempotency keys older than their week (clients.idempotency)."""
    return idempotency.purge()
