"""A real worker and a real beat on a real Redis broker."""

import pytest
from celery import Celery

from config.celery_app import app

pytestmark = pytest.mark.e2e


def test_the_app_follows_the_reliability_rules():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.timezone == "UTC"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit <= 60
    assert conf.task_always_eager is False


def test_a_worker_runs_a_heartbeat_sent_through_redis(redis_url, celery_env, start_celery):
    worker = start_celery(
        "worker", celery_env, "--pool=solo", "--without-gossip", "--without-mingle"
    )
    worker.wait_for("ready.", timeout=60)
    producer = Celery(broker=redis_url, set_as_current=False)
    producer.send_task("config.heartbeat")
    output = worker.wait_for("heartbeat: worker alive", timeout=30)
    assert "config.heartbeat" in output and "succeeded" in worker.wait_for("succeeded")


def test_beat_sends_the_heartbeat_and_the_worker_runs_it(celery_env, start_celery, tmp_path):
    env = {**celery_env, "TANDEM_HEARTBEAT_SECONDS": "1"}
    worker = start_celery("worker", env, "--pool=solo", "--without-gossip", "--without-mingle")
    worker.wait_for("ready.", timeout=60)
    beat = start_celery("beat", env, f"--schedule={tmp_path / 'beat-schedule'}")
    beat.wait_for("Sending due task heartbeat (config.heartbeat)", timeout=60)
    worker.wait_for("heartbeat: worker alive", timeout=30)
