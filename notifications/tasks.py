"""Celery tasks: they take ids and call one service. Beat's only say is a UTC tick."""

import logging
from collections import Counter

from celery import shared_task

from . import ledger, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=40, time_limit=55)
def tick() -> int:
    """Every minute: claim what is due (in rounds while more is), fan it out in
    `deliver_batch` tasks, sweep the ledger."""
    return len(services.tick_until_done().deliveries)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=0,
    soft_time_limit=20,
    time_limit=30,
)
def deliver(delivery_id: int) -> str:
    """Send one ledger row, once (as tasks queued before rows went in batches ask). SMTP
    trouble leaves the row pending with the time of its next try, which the tick's sweep
    keeps: no countdown longer than a worker's patience (TRUST.md), and no retry budget a
    sweep could spend."""
    try:
        return ledger.deliver(delivery_id)
    except ledger.TransientSendError as exc:
        logger.info("delivery %s: the mail server could not take it (%s)", delivery_id, exc)
        return "retry later"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=0,
    soft_time_limit=40,
    time_limit=55,
)
def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send up to BATCH ledger rows, each once (ledger.deliver_many): what was sent stays
    sent, what could not be waits in the ledger for its next try, handed over by the tick's
    sweep. The hard limit stays below the ledger's STUCK_AFTER. Returns the outcomes counted."""
    outcomes = ledger.deliver_many(delivery_ids)
    waiting = [pk for pk, outcome in outcomes.items() if outcome.startswith(ledger.RETRY_LATER)]
    if waiting:
        logger.info("deliveries %s: the mail server could not take them", waiting)
    return dict(Counter(outcome.partition(":")[0] for outcome in outcomes.values()))
