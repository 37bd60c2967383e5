"""`make bench`: page costs as ratios to a plain view, measured in the same run.

Runs in-process with Django's test client on a throw-away SQLite database, so the figures
are CPU cost per request (no network, no server). Ratios travel between machines; the
milliseconds do not.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--small", action="store_true", help="a quick run: fewer rounds, 5 and 50 assignments"
    )
    parser.add_argument(
        "--only", choices=["pages", "notifications"], help="run one of the two benchmarks"
    )
    args = parser.parse_args()
    rounds = int(os.environ.get("BENCH_ROUNDS", "10" if args.small else "60"))
    sizes = (5, 50) if args.small else (5, 500)

    tmp = tempfile.mkdtemp(prefix="tandem-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TANDEM_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
        TANDEM_REQUIRE_MFA="false",
        # The API's throttle runs (its cost is part of each API figure) but never refuses.
        TANDEM_API_RATE_USER_BURST="1000000/min",
        TANDEM_API_RATE_USER_SUSTAINED="1000000/hour",
    )
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    redis_process = None
    if args.only != "pages":
        from benchmarks.notifications import start_redis

        # Digests go through Redis (REDIS_URL, or a private redis-server for the run).
        os.environ["REDIS_URL"], redis_process = start_redis()
        os.environ["TANDEM_CELERY_QUEUE"] = "tandem-bench"
    else:
        os.environ.pop("REDIS_URL", None)
    try:
        _run(args, rounds, sizes)
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait()


def _run(args, rounds: int, sizes: tuple[int, int]) -> None:

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def timed(client: Client, url: str) -> tuple[float, int]:
        client.get(url)  # warm up
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(samples) * 1000, len(queries)

    if args.only != "notifications":
        _pages(timed, sizes)
    if args.only != "pages":
        from benchmarks.notifications import run

        print()
        print(f"{'notifications (Redis, celery worker, SMTP)':<52} {'figure':>10}")
        for name, figure in run(small=args.small):
            print(f"{name:<52} {figure}")


def _pages(timed, sizes) -> None:
    from django.test import Client
    from django.urls import reverse

    from benchmarks.data import caseload, homework
    from homework.schedules import local_today

    results = []
    anonymous = Client()
    results.append(("plain view (/healthz), baseline", *timed(anonymous, reverse("healthz"))))
    for n in sizes:
        relationship = caseload(f"{n}")
        client, therapist = relationship.client, relationship.therapist
        homework(relationship, n, local_today(client.timezone))
        as_client, as_therapist = Client(), Client()
        as_client.force_login(client)
        as_therapist.force_login(therapist)
        results.append(
            (f"client Today, {n} assignments", *timed(as_client, reverse("client_home")))
        )
        detail = reverse("therapist_client_detail", args=[client.public_id])
        results.append((f"therapist client page, {n} assignments", *timed(as_therapist, detail)))
        api = reverse("api-assignment-list") if "api-assignment-list" in _names() else None
        if api:
            results.append((f"API assignment list, {n} assignments", *timed(as_client, api)))

    baseline = results[0][1]
    print(f"{'page':<44} {'median ms':>10} {'x baseline':>11} {'queries':>8}")
    for name, ms, queries in results:
        print(f"{name:<44} {ms:>10.2f} {ms / baseline:>11.1f} {queries:>8}")


def _names() -> set[str]:
    from accounts.checks import iter_routes

    return {name for _, name in iter_routes() if name}


if __name__ == "__main__":
    main()
