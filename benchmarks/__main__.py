"""`make bench`: page costs as ratios to a plain view, measured in the same run.

Runs in-process with Django's test client on a throw-away SQLite database, so the figures
are CPU cost per request (no network, no server). Ratios travel between machines; the
milliseconds do not.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="tandem-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TANDEM_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
        TANDEM_REQUIRE_MFA="false",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    from django.urls import reverse

    from tests.conftest import make_active_relationship
    from tests.factories import ClientFactory, TherapistFactory
    from tests.homework.test_views import _populate

    class Personas:
        pass

    def timed(client: Client, url: str) -> tuple[float, int]:
        client.get(url)  # warm up
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(samples) * 1000, len(queries)

    results = []
    anonymous = Client()
    results.append(("plain view (/healthz), baseline", *timed(anonymous, reverse("healthz"))))
    for n in (5, 500):
        p = Personas()
        p.therapist_a = TherapistFactory()
        p.client_a = ClientFactory()
        p.relationship_a = make_active_relationship(p.therapist_a, p.client_a)
        _populate(p, n)
        as_client, as_therapist = Client(), Client()
        as_client.force_login(p.client_a)
        as_therapist.force_login(p.therapist_a)
        results.append(
            (f"client Today, {n} assignments", *timed(as_client, reverse("client_home")))
        )
        detail = reverse("therapist_client_detail", args=[p.client_a.public_id])
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
