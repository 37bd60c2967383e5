"""platform/gunicorn.conf.py, loaded by path the way gunicorn loads it."""

from pathlib import Path

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

CONF = Path(__file__).resolve().parents[2] / "platform" / "gunicorn.conf.py"


@pytest.fixture
def cfg(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    app = WSGIApplication.__new__(WSGIApplication)  # no argument parsing, just the config
    app.usage, app.prog, app.callable = None, None, None
    app.load_default_config()
    app.load_config_from_file(str(CONF))
    return app.cfg


def test_workers_recycle_at_spread_out_times(cfg):
    assert cfg.workers == 5
    assert cfg.max_requests == 2000
    # Restart points are drawn from [max_requests, max_requests + jitter]: a jitter
    # comparable to max_requests keeps five evenly loaded workers from restarting together.
    assert cfg.max_requests_jitter >= cfg.max_requests / 2
