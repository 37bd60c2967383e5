"""Celery tasks: they take ids and call one service. Beat's only say is a UTC tick."""

import logging

from celery import shared_task

from . import ledger, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=40, time_limit=55)
def tick() -> int:
    """Every minute: claim what is due, fan out one `deliver` per row, sweep the ledger."""
    return len(services.tick_and_enqueue().deliveries)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=0,
    soft_time_limit=20,
    time_limit=30,
)
def deliver(delivery_id: int) -> str:
    """Send one ledger row, once. SMTP trouble leaves the row pending with the time of its
    next try, which the tick's sweep keeps: no countdown longer than a worker's patience
    (TRUST.md), and no retry budget a sweep could spend."""
    try:
        return ledger.deliver(delivery_id)
    except ledger.TransientSendError as exc:
        logger.info("delivery %s: the mail server could not take it (%s)", delivery_id, exc)
        return "retry later"
