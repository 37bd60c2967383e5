"""Gunicorn settings, loaded by path: `gunicorn -c platform/gunicorn.conf.py ...`."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Sync workers: the views are short and CPU-bound on the ORM. Bounded so a big host
# does not open more database connections than PostgreSQL allows.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))
worker_class = "sync"
timeout = 30
graceful_timeout = 30

# The app is imported once, in the master, and the workers fork from it: a worker that
# restarts serves at once instead of importing Django and every app again (at a restart
# every 2,000-3,000 requests that cost about a fifth of the throughput of cheap pages and
# p99 spikes of 100-790 ms). Importing the app opens no database or Redis connection
# (tests/platform/test_gunicorn.py), so the workers share none. A new release needs a
# restart of the master: a HUP reloads the workers from the code the master holds.
preload_app = True


def when_ready(server) -> None:
    """Before the first fork: what each worker would otherwise make on its first requests
    (every template compiled, the URL table, the models' field maps, pygal's first drawing;
    config.warmup) is made once here and shared. It opens no connection."""
    from config.warmup import warm_up

    warm_up()


def pre_fork(server, worker) -> None:
    """What the master imported is moved out of the collector's reach before each fork: a
    worker's collections then do not write to (and so copy) the pages it shares."""
    import gc

    gc.freeze()


# Recycle workers now and then so a slow leak cannot grow without bound. Each worker
# restarts after max_requests plus a random 0..jitter requests, drawn afresh each time.
# With nginx spreading requests evenly the workers reach their limits together, so the
# jitter must be comparable to max_requests: at 1000/100 all five restarted within ~4 s
# (twice in two minutes under load); at 2000/1000 their restarts spread over a third of
# the cycle and drift further apart with each one. The limit is high enough that a worker
# outlives a `make bench` run, which reports its memory growth over the run: at the default
# size a run asks each of five workers about 90,000 requests on a fast machine, and at
# 50,000 every worker restarted within it.
max_requests = 200_000
max_requests_jitter = 100_000

# Docker's overlay filesystem can block the worker heartbeat file; memory cannot.
# Gunicorn creates its own unique files there.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Only nginx reaches this port (it is not published), so trust its forwarded headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The runtime control socket (gunicornc) is not used; its default home folder is not
# writable in the image.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No query strings in the access log: tokens and search text must not end up in logs.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'
# Nor tokens in paths (invitation, calendar feed, password reset links): this logger class
# redacts them in the access and error logs, with the filter Django's logging uses.
logger_class = "config.redaction.GunicornLogger"
