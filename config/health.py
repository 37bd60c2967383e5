"""`/healthz`: is the database answering, and is the broker reachable?"""

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Raise if the broker cannot be reached within a few seconds."""
    url = settings.CELERY_BROKER_URL
    scheme = urlsplit(url).scheme
    if scheme == "filesystem":
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise OSError("queue folder missing or not writable")
        return
    if scheme in ("redis", "rediss"):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return
    from config.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": check_database, "broker": check_broker}


@never_cache
@require_GET
def healthz(request):
    results, failing = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure means "not healthy"; no detail leaks
            results[name] = "unavailable"
            failing.append(name)
        else:
            results[name] = "ok"
    status = 503 if failing else 200
    body = {"status": "unhealthy" if failing else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=status)
