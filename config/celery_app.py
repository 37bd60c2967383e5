"""The Celery app. Beat is only a UTC tick; every schedule lives in settings."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger("tandem.heartbeat")


@app.task(name="config.heartbeat")
def heartbeat() -> str:
    """Prove that beat sends and a worker runs: the operator sees this line in the log."""
    logger.info("heartbeat: worker alive")
    return "ok"
