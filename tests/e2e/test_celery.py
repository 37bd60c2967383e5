"""A real worker and a real beat on a real Redis broker."""

import pytest
from celery import Celery

pytestmark = pytest.mark.e2e


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
