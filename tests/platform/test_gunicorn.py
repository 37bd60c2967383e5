"""platform/gunicorn.conf.py, loaded by path the way gunicorn loads it."""

import os
import subprocess
import sys
import textwrap
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
    assert cfg.max_requests == 200_000
    # Restart points are drawn from [max_requests, max_requests + jitter]: a jitter
    # comparable to max_requests keeps five evenly loaded workers from restarting together.
    assert cfg.max_requests_jitter >= cfg.max_requests / 2


def test_the_app_is_loaded_before_the_workers_fork(cfg):
    assert cfg.preload_app


def test_loading_the_app_opens_no_connection(tmp_path):
    """With preload_app the master imports the app and the workers inherit what it holds:
    a database or Redis connection opened at import time would be shared by every worker.
    Importing the WSGI application, and the master's warm-up, open no socket at all."""
    script = textwrap.dedent(
        """
        import os
        import config.wsgi
        from config.warmup import warm_up
        warm_up()  # what the master does before its first fork
        links = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                links.append(os.readlink(f"/proc/self/fd/{fd}"))
            except FileNotFoundError:  # the listing's own, closed since
                pass
        print([link for link in links if link.startswith("socket:")])
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(TANDEM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=CONF.parents[1],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_the_master_compiles_every_template_before_the_first_fork(cfg):
    from django.template import engines
    from django.template.loaders.cached import Loader

    from config.warmup import template_names

    engine = engines["django"].engine
    [cached] = [loader for loader in engine.template_loaders if isinstance(loader, Loader)]
    cached.reset()
    names = template_names()
    assert len(names) > 100
    assert "base.html" in names and "therapists/home.html" in names
    assert not cached.get_template_cache
    cfg.when_ready(None)
    # Each template compiles on its own but for fragments meant only to be included.
    assert len(cached.get_template_cache) > 0.9 * len(names)
    assert {"base.html", "therapists/home.html"} <= set(cached.get_template_cache)
