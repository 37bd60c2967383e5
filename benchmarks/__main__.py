"""`make bench`: Tandem under production settings on a practice-sized data set.

Builds the data set (benchmarks/data.py) in a database of its own, then, with DEBUG off,
cached templates and collected static files: gunicorn (platform/gunicorn.conf.py) on a
loopback port driven by wrk for a fixed time per page (benchmarks/pages.py), signed in by
session cookie; weekly digests and a thousand due reminders through Redis, a celery worker
and a local SMTP server; the reminder tick among 100,000 people; the resident size of a web
and a celery worker. Prints one table. Ratios travel between machines; the absolute figures do not.

PostgreSQL: DATABASE_URL names the server; the benchmark drops and creates its own database
there (BENCH_DATABASE, default `tandem_bench`). Without DATABASE_URL (only with --small) it
uses a temporary SQLite file.
"""

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def bench_database(url: str | None, *, small: bool, folder: str) -> str:
    if not url:
        if not small:
            raise SystemExit(
                "the default size needs PostgreSQL: make bench DATABASE_URL=postgres://... "
                "(or make bench BENCH_ARGS=--small for SQLite)"
            )
        return f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit(f"DATABASE_URL must be PostgreSQL or unset, not {parts.scheme}")
    import psycopg

    name = os.environ.get("BENCH_DATABASE", "tandem_bench")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="a quick run on a small data set")
    parser.add_argument(
        "--seconds", type=int, default=None, help="wrk's time per page (5 small, 15 default)"
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk's open connections")
    parser.add_argument(
        "--only", choices=["pages", "notifications"], help="run one of the two parts"
    )
    parser.add_argument(
        "--pages",
        metavar="TEXT",
        default="",
        help="only the pages whose label holds TEXT (and the baseline)",
    )
    args = parser.parse_args()
    seconds = args.seconds or (5 if args.small else 15)

    from benchmarks.web import wrk_path

    if args.only != "notifications":
        wrk_path()  # fail early when wrk is missing
    tmp = tempfile.mkdtemp(prefix="tandem-bench-")
    database_url = bench_database(os.environ.get("DATABASE_URL"), small=args.small, folder=tmp)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_STATIC_ROOT=str(Path(tmp) / "static"),
        TANDEM_VAR_DIR=tmp,
        DATABASE_URL=database_url,
        TANDEM_REQUIRE_MFA="true",
        TANDEM_CELERY_QUEUE="tandem-bench",
        # The API's throttle runs (its cost is part of each API figure) but never refuses.
        TANDEM_API_RATE_USER_BURST="100000000/min",
        TANDEM_API_RATE_USER_SUSTAINED="100000000/hour",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    # Ctrl-C or a kill still stops the Redis, gunicorn and the worker this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from benchmarks.notifications import start_redis

    # The broker (and, with it, the API throttle's cache): REDIS_URL or a private Redis.
    os.environ["REDIS_URL"], redis_process = start_redis()
    try:
        _run(args, seconds, tmp)
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait()
            shutil.rmtree(redis_process.folder, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, seconds: int, tmp: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import data

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    size = data.SMALL if args.small else data.DEFAULT
    started = time.perf_counter()
    dataset = data.build(size)
    build_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    lines = [
        f"Tandem benchmark: {size.label}, {connection.vendor}, DEBUG={settings.DEBUG}, "
        f"{os.cpu_count()} CPUs",
        f"data set: {dataset.rows:,} rows built in {build_seconds:.1f} s "
        f"({dataset.rows / build_seconds:,.0f} rows/s)",
    ]
    web_rss = None
    print("\n".join(lines), flush=True)
    lines = []
    if args.only != "notifications":
        table, web_rss = _pages(
            dataset, seconds=seconds, connections=args.connections, tmp=tmp, only=args.pages
        )
        print("\n".join(["", *table]), flush=True)
    if args.only != "pages":
        from benchmarks.notifications import run

        figures = run(people=size.people)
        lines += [
            "",
            f"{'notifications (Redis, celery worker, SMTP)':<52} figure",
            f"{'celery worker processes (prefork)':<52} {figures['worker_processes']}",
            f"{'no-op Celery task (config.heartbeat)':<52} {figures['noop_rate']:,.0f} tasks/s",
            f"{'weekly digests, all clients and therapists':<52} "
            f"{figures['digest_rate']:,.1f} messages/s ({figures['arrived']:,} of "
            f"{figures['digests']:,} in {figures['digest_seconds']:,.1f} s)",
            f"{'digests / no-op throughput':<52} "
            f"{figures['digest_rate'] / figures['noop_rate']:.3f}",
            f"{'  the first round, from a fresh worker':<52} "
            f"{figures['first_digest_rate'] / figures['noop_rate']:.3f} "
            f"({figures['first_arrived']:,} of {figures['first_digests']:,} in "
            f"{figures['first_digest_seconds']:,.1f} s)",
            f"{'reminders due at once, each sent once':<52} "
            f"{figures['reminder_rate']:,.1f} messages/s ({figures['reminders_arrived']:,} of "
            f"{figures['reminders']:,}, {figures['reminder_ids']:,} Message-IDs, "
            f"in {figures['reminder_seconds']:,.1f} s)",
            f"{'reminder tick: who is due among ' + format(figures['people'], ',') + ' people':<52}"
            f" {figures['tick_ms']:.1f} ms median ({figures['due']} due)",
            f"{'memory: one celery worker process (RSS)':<52} "
            f"{figures['celery_rss_kib'] / 1024:.0f} MiB",
        ]
    if web_rss is not None:
        lines.append(f"{'memory: one gunicorn worker process (RSS)':<52} {web_rss / 1024:.0f} MiB")
    print("\n".join(lines))


def _pages(
    dataset, *, seconds: int, connections: int, tmp: str, only: str = ""
) -> tuple[list[str], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks.pages import PAGES, url_of
    from benchmarks.web import Gunicorn, cold, drive

    pages = [page for page in PAGES if page.baseline or only in page.label]

    personas = dataset.personas
    cookies = {None: ""}  # a page with no persona is asked for without a cookie
    for name, user in personas.items():
        browser = Client()
        browser.force_login(user)
        cookies[name] = f"sessionid={browser.cookies['sessionid'].value}"
    urls = {page.label: url_of(page, personas) for page in pages}

    counts = {}
    for page in pages:
        url = urls[page.label]
        browser = Client(HTTP_COOKIE=cookies[page.persona])
        browser.get(url)  # the session gets its start time; caches warm
        if page.cold:
            page.before_each(personas)
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(url)
        assert response.status_code == 200, (page.label, url, response.status_code)
        counts[page.label] = len(queries)
    connection.close()

    [baseline] = [page for page in pages if page.baseline]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    server = Gunicorn(env, Path(tmp) / "gunicorn.log")

    def each_page_for_a_second() -> None:
        """Every page for 1 s, a cold one as the run asks for it (rendered after a write)."""
        for page in pages:
            url, cookie = urls[page.label], cookies[page.persona]
            if page.cold:
                before = lambda page=page: page.before_each(personas)  # noqa: E731
                cold(server.base, url, cookie, seconds=1, before_each=before)
            else:
                drive(server.base, url, cookie, seconds=1, connections=connections)

    try:
        for page in pages:
            status = server.get(urls[page.label], cookies[page.persona])
            assert status == 200, (page.label, urls[page.label], status)
        each_page_for_a_second()  # every worker meets every page before its size is read
        rss_start = server.worker_rss_kib()
        results, cold_results, paired = {}, {}, {}
        for page in pages:
            url, cookie = urls[page.label], cookies[page.persona]
            if page.cold:
                results[page.label], paired[page.label] = cold(
                    server.base,
                    url,
                    cookie,
                    seconds=seconds,
                    before_each=lambda page=page: page.before_each(personas),
                    paired=(urls[baseline.label], cookies[baseline.persona]),
                )
                assert paired[page.label].errors == 0, (page.label, paired[page.label])
            else:
                drive(server.base, url, cookie, seconds=1, connections=connections)  # warm up
                results[page.label] = drive(
                    server.base, url, cookie, seconds=seconds, connections=connections
                )
            assert results[page.label].errors == 0, (page.label, results[page.label])
            if page.baseline:
                # The cold pages' yardstick: the baseline asked for the same way.
                cold_results[page.label], _ = cold(
                    server.base, url, cookie, seconds=seconds, before_each=lambda: None
                )
        rss_end = server.worker_rss_kib()
        # Again: what a worker keeps growing by once it has met every page (a leak), apart
        # from the working set it reaches in its first pass.
        each_page_for_a_second()
        rss_again = server.worker_rss_kib()
    finally:
        server.stop()

    def row(label: str, r, base: float, beside=None) -> str:
        line = (
            f"{label:<52} {r.requests_per_second:>7.1f} {r.p50_ms:>7.1f} {r.p95_ms:>7.1f} "
            f"{r.p95_ms / r.p50_ms if r.p50_ms else 0:>7.1f} "
            f"{counts.get(label, counts[baseline.label]):>7} "
            f"{r.requests_per_second / base:>6.2f}"
        )
        if beside is not None:  # the baseline asked for in turns with this page
            line += f" {r.requests_per_second / beside.requests_per_second:>8.2f}"
        return line

    header = (
        f"{'page':<52} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p95/p50':>7} "
        f"{'queries':>7} {'x base':>6}"
    )
    base = results[baseline.label].requests_per_second
    table = [
        f"wrk: {connections} connections, {seconds} s per page; gunicorn "
        f"(platform/gunicorn.conf.py) on 127.0.0.1",
        header,
        *(row(page.label, results[page.label], base) for page in pages if not page.cold),
    ]
    if any(page.cold for page in pages):
        one_base = cold_results[baseline.label].requests_per_second
        table += [
            "",
            f"first view after a write of the client's data: one request at a time for "
            f"{seconds} s, each after the write (only the reads are timed; req/s is one over "
            f"their mean time); x base against the baseline asked for the same way, x paired "
            f"against the baseline asked for in turns with the page over the same seconds",
            f"{header} {'x paired':>8}",
            row(baseline.label, cold_results[baseline.label], one_base),
            *(
                row(page.label, results[page.label], one_base, paired[page.label])
                for page in pages
                if page.cold
            ),
        ]
    table += [
        "",
        _memory_growth(rss_start, rss_end),
        _memory_growth(rss_end, rss_again, "web worker memory growth (RSS, a second pass)"),
    ]
    return table, max(rss_again.values())


def _memory_growth(
    start: dict[int, int],
    end: dict[int, int],
    label: str = "web worker memory growth (RSS, over the run)",
) -> str:
    """Each web worker's resident size at the start and at the end of a part of the run."""
    label = f"{label:<52} "
    lasted = sorted(set(start) & set(end))
    restarted = len(set(start) - set(end))
    note = f"; {restarted} of {len(start)} workers restarted (max_requests)" if restarted else ""
    if not lasted:
        return f"{label}n/a: every worker was restarted during the run (max_requests)"
    growth = {pid: (end[pid] - start[pid]) / start[pid] * 100 for pid in lasted}
    worst = max(lasted, key=growth.get)
    each = ", ".join(f"{growth[pid]:+.1f}%" for pid in lasted)
    return (
        f"{label}{growth[worst]:+.1f}% at most ({start[worst] / 1024:.0f} -> "
        f"{end[worst] / 1024:.0f} MiB; each: {each}){note}; target <= 10%"
    )


if __name__ == "__main__":
    main()
