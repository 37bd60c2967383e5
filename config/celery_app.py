"""The Celery app. Beat is only a UTC tick; every schedule lives in settings."""

import logging
import os

from celery import Celery, signals

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


@signals.worker_init.connect
def keep_mail_connections(**kwargs) -> None:
    """A worker sends one message after another: one SMTP connection per process (per
    thread in a threads pool) serves them all, closed when the worker stops."""
    from config import mail

    mail.keep()


@signals.worker_init.connect
def warm_up(**kwargs) -> None:
    """Made once in the worker's parent, before it forks its processes, instead of on each
    process's first message: the URL table the e-mails' links are reversed from, and the
    e-mail templates compiled. Then, as gunicorn's master does before each fork, what the
    parent holds is moved out of the collector's reach: a process's full collections (tens
    of milliseconds over every module's objects) do not walk it, nor copy the pages it
    shares."""
    import gc

    from django.urls import get_resolver

    from accounts.mail import compile_templates

    get_resolver().reverse_dict  # noqa: B018 - reading it fills the table
    compile_templates()
    gc.freeze()


@signals.worker_process_shutdown.connect
@signals.worker_shutdown.connect
def close_mail_connections(**kwargs) -> None:
    from config import mail

    mail.close_kept()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(sender=None, **kwargs) -> None:
    """What Django does around each request, around each task: a connection older than
    CONN_MAX_AGE, broken by an error or left in a transaction is closed (the next query opens
    a new one), others are kept and health-checked before their next use. The fixup's own
    close per task is off (CELERY_DB_REUSE_MAX in settings). Not for a task run eagerly,
    whose caller may be inside a transaction."""
    from django.db import close_old_connections, connections

    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()
