"""Celery tasks: they take ids and call one service. Beat's only say is a UTC tick."""

import random

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True, soft_time_limit=40, time_limit=55)
def tick() -> int:
    """Every minute: claim what is due, fan out one `deliver` per row, sweep the ledger."""
    return len(services.tick_and_enqueue().deliveries)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=8,
    soft_time_limit=20,
    time_limit=30,
)
def deliver(self, delivery_id: int) -> str:
    """Send one ledger row, once; SMTP trouble retries with exponential backoff."""
    try:
        return services.delivery_send(delivery_id)
    except services.TransientSendError as exc:
        base = settings.TANDEM_MAIL_RETRY_SECONDS
        countdown = min(base * 2**self.request.retries, 300) * random.uniform(0.8, 1.2)  # noqa: S311
        raise self.retry(exc=exc, countdown=countdown) from exc
