"""API rate limits: a script gets 429 with Retry-After; a person using the app never does."""

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tests.conftest import REDIS_URL, ROOT, run_manage

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def rates(settings):
    """Small limits, so a test reaches them in a few requests."""

    def set_rates(**rates: str) -> None:
        defaults = {
            "user_burst": "5/min",
            "user_sustained": "1000/hour",
            "anon_burst": "3/min",
            "anon_sustained": "1000/hour",
        }
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**defaults, **rates},
        }

    return set_rates


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_burst_over_the_limit_gets_429_with_retry_after(rates, clock, personas):
    rates(user_burst="5/min")
    browser = signed_in(personas.client_a)
    for _ in range(5):
        assert browser.get("/api/v1/me/").status_code == 200
    response = browser.get("/api/v1/me/")
    assert response.status_code == 429
    # One request's allowance comes back every 60/5 = 12 seconds.
    assert response.headers["Retry-After"] == "12"
    assert "throttled" in response.json()["detail"].lower()

    clock.shift(timedelta(seconds=11))
    assert browser.get("/api/v1/me/").status_code == 429
    clock.shift(timedelta(seconds=1))
    assert browser.get("/api/v1/me/").status_code == 200
    assert browser.get("/api/v1/me/").status_code == 429


def test_writes_are_throttled_too_and_a_refused_request_changes_nothing(rates, clock, personas):
    from accounts.models import CareRelationship

    rates(user_burst="2/min")
    browser = signed_in(personas.therapist_a)
    for n in range(3):
        response = browser.post(
            "/api/v1/invitations/",
            {"email": f"new{n}@example.org"},
            content_type="application/json",
        )
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert not CareRelationship.objects.filter(invited_email="new2@example.org").exists()


def test_the_sustained_limit_stops_a_script_that_keeps_under_the_burst_limit(
    rates, clock, personas
):
    rates(user_burst="60/min", user_sustained="100/hour")
    browser = signed_in(personas.client_a)
    statuses = []
    for _ in range(150):  # one request a second: within the burst limit, not the hourly one
        statuses.append(browser.get("/api/v1/me/").status_code)
        clock.shift(timedelta(seconds=1))
    refused = statuses.index(429)
    assert 100 <= refused < 150
    assert set(statuses[:refused]) == {200}


def test_each_user_has_their_own_allowance(rates, clock, personas):
    rates(user_burst="2/min")
    a, b = signed_in(personas.client_a), signed_in(personas.client_b)
    assert [a.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert b.get("/api/v1/me/").status_code == 200


def test_a_users_tokens_and_sessions_share_one_allowance(rates, clock, personas):
    rates(user_burst="3/min")
    token = Token.objects.create(user=personas.client_a)
    integration = Client(headers={"Authorization": f"Token {token.key}"})
    phone = signed_in(personas.client_a)
    assert integration.get("/api/v1/me/").status_code == 200
    assert phone.get("/api/v1/me/").status_code == 200
    assert integration.get("/api/v1/me/").status_code == 200
    assert phone.get("/api/v1/me/").status_code == 429


def test_anonymous_callers_are_counted_by_address(rates, clock, db):
    rates(anon_burst="3/min")
    here = Client(REMOTE_ADDR="198.51.100.7")
    there = Client(REMOTE_ADDR="203.0.113.9")
    assert [here.get("/api/schema/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert there.get("/api/schema/").status_code == 200


def test_a_forged_forwarded_address_does_not_reset_the_count(rates, clock, db):
    rates(anon_burst="2/min")
    statuses = [
        Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        .get("/api/schema/")
        .status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_a_phone_session_with_the_default_limits_is_never_throttled(clock, personas):
    """A busy session: 100 requests in the first minute, then one every 5 seconds for an
    hour; far more than the app makes, and still within the default limits."""
    browser = signed_in(personas.client_a)
    for _ in range(100):
        assert browser.get("/api/v1/me/").status_code == 200
    for _ in range(720):
        clock.shift(timedelta(seconds=5))
        assert browser.get("/api/v1/me/").status_code == 200


def test_a_script_with_the_default_limits_is_throttled(clock, personas):
    browser = signed_in(personas.client_a)
    statuses = [browser.get("/api/v1/me/").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120
    assert statuses[120] == 429


@pytest.mark.parametrize("value", ["lots", "120/fortnight", "0/min", "-5/min"])
def test_a_malformed_rate_stops_start_up_and_names_itself(value):
    result = run_manage("check", env={"TANDEM_API_RATE_USER_BURST": value})
    assert result.returncode != 0
    assert "Environment variable TANDEM_API_RATE_USER_BURST is malformed" in result.stderr


# --- With Redis, as production runs it (REDIS_URL set) ---------------------------------


def test_with_redis_a_burst_gets_429_and_the_count_is_in_redis(
    rates, clock, personas, redis_throttle
):
    rates(user_burst="3/min")
    browser = signed_in(personas.client_a)
    assert [browser.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=f"{redis_throttle}*"))
    assert [key.decode() for key in keys] == [
        f"{redis_throttle}:1:throttle-api-user-{personas.client_a.pk}"
    ]


def test_with_redis_an_allowance_comes_back_after_retry_after(
    rates, clock, personas, redis_throttle
):
    rates(user_burst="5/min")
    browser = signed_in(personas.client_a)
    assert [browser.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]
    assert browser.get("/api/v1/me/").headers["Retry-After"] == "12"
    clock.shift(timedelta(seconds=11))
    assert browser.get("/api/v1/me/").status_code == 429
    clock.shift(timedelta(seconds=1))
    assert browser.get("/api/v1/me/").status_code == 200
    assert browser.get("/api/v1/me/").status_code == 429


def test_with_redis_a_count_left_by_an_earlier_version_is_replaced(
    rates, clock, personas, redis_throttle, caplog
):
    from django.core.cache import caches

    rates(user_burst="2/min")
    # Before the count was atomic it was one pickled value under the same key.
    caches["throttle"].set(f"throttle-api-user-{personas.client_a.pk}", {"user_burst": 0.0})
    browser = signed_in(personas.client_a)
    assert [browser.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    assert "the API rate limit is not applied" not in caplog.text


def test_with_redis_the_throttle_runs_no_sql(personas, redis_throttle):
    browser = signed_in(personas.client_a)
    browser.get("/api/v1/me/")
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/api/v1/me/").status_code == 200
    assert not [q["sql"] for q in queries if '"cache"' in q["sql"]]
    # The session and the user (the session is saved at most once a minute).
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_when_redis_does_not_answer_requests_go_through_and_it_is_logged(
    settings, personas, caplog
):
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    browser = signed_in(personas.client_a)
    assert browser.get("/api/v1/me/").status_code == 200
    assert "the API rate limit is not applied" in caplog.text


def test_the_settings_use_redis_for_the_throttle_when_redis_url_is_set():
    show = "from django.conf import settings; print(settings.CACHES['throttle']['BACKEND'])"
    with_redis = run_manage("shell", "--no-imports", "-c", show, env={"REDIS_URL": REDIS_URL})
    assert with_redis.stdout.strip() == "config.redis_cache.RedisCache"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    without = run_manage_without_redis("shell", "--no-imports", "-c", show, env=env)
    assert without.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"


def run_manage_without_redis(*args: str, env: dict[str, str]):
    env = {k: v for k, v in env.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- Parallel requests (real HTTP to a live server, released together) -----------------

PARALLEL = 40


def released_together(url: str, headers: dict[str, str], n: int = PARALLEL) -> Counter:
    """`n` requests to `url`, each from its own thread and connection, let go at once by a
    barrier; the count of each status they got."""
    barrier = threading.Barrier(n, timeout=30)

    def one(_: int) -> int:
        request = urllib.request.Request(url, headers=headers)
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(one, range(n)))


@pytest.fixture
def token_of_client_a(personas) -> dict[str, str]:
    token = Token.objects.create(user=personas.client_a)
    return {"Authorization": f"Token {token.key}"}


def test_with_redis_parallel_requests_cannot_pass_the_burst_limit(
    rates, live_server, token_of_client_a, redis_throttle
):
    # Per hour, so that no allowance comes back while the requests run.
    rates(user_burst="10/hour", user_sustained="1000/day")
    statuses = released_together(f"{live_server.url}/api/v1/me/", token_of_client_a)
    assert statuses == {200: 10, 429: PARALLEL - 10}


def test_with_redis_parallel_anonymous_requests_cannot_pass_their_limit(
    rates, live_server, transactional_db, redis_throttle
):
    rates(anon_burst="5/hour", anon_sustained="1000/day")
    statuses = released_together(f"{live_server.url}/api/docs/", {})
    assert statuses == {200: 5, 429: PARALLEL - 5}


def test_without_redis_parallel_requests_cannot_pass_the_burst_limit(
    rates, live_server, token_of_client_a
):
    """The database cache (no REDIS_URL) counts atomically too."""
    rates(user_burst="10/hour", user_sustained="1000/day")
    statuses = released_together(f"{live_server.url}/api/v1/me/", token_of_client_a)
    assert statuses == {200: 10, 429: PARALLEL - 10}


def test_the_redis_cache_keeps_one_client_for_its_pool(redis_throttle):
    """Not a new one (and its reply handlers) on every call; the values still round-trip."""
    from django.core.cache import caches

    cache = caches["throttle"]
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("one-client", {"count": 3})
    assert cache.get("one-client") == {"count": 3}
    assert cache.add("counted", 0)
    assert cache.incr("counted") == 1


def test_the_redis_cache_reads_back_every_kind_of_value_without_trying_it_as_a_number(
    redis_throttle, monkeypatch
):
    """`QuickSerializer` unpickles a pickle at once and reads an integer (kept as its digits,
    for `incr`) as Django's does: every value comes back as it was kept."""
    from datetime import UTC, datetime
    from uuid import UUID

    from django.core.cache import caches
    from django.core.cache.backends import redis as django_redis

    from config.redis_cache import QuickSerializer

    cache = caches["throttle"]
    assert type(cache._cache._serializer) is QuickSerializer
    values = {
        "zero": 0,
        "negative": -7,
        "big": 2**70,
        "true": True,
        "text": "12",
        "bytes": b"\x80not a pickle",
        "row": (UUID(int=5), datetime(2026, 1, 2, tzinfo=UTC), None, 1.5, "<tr>"),
    }
    tried = []
    as_number = django_redis.RedisSerializer.loads
    monkeypatch.setattr(
        django_redis.RedisSerializer,
        "loads",
        lambda self, data: tried.append(data) or as_number(self, data),
    )
    cache.set_many(values)
    assert cache.get_many(list(values)) == values
    assert {key: cache.get(key) for key in values} == values
    # Only the integers Django keeps unpickled went the way of a number.
    assert sorted(tried) == sorted([b"0", b"-7", str(2**70).encode()] * 2)
    assert cache.incr("negative") == -6


def test_the_redis_cache_takes_keys_memcached_would_warn_about(redis_throttle, monkeypatch):
    """Redis takes any key: the memcached checks, a cost for every key of a page's hundreds
    of kept rows, are not made; such a key is still kept and read back."""
    from django.core.cache import caches
    from django.core.cache.backends import base

    def checked(key):
        raise AssertionError(f"memcached check for {key!r}")

    monkeypatch.setattr(base, "memcache_key_warnings", checked)
    cache = caches["throttle"]
    long_key = "with space:" + "k" * 300
    cache.set_many({long_key: 1, "plain": 2})
    assert cache.get_many([long_key, "plain", "absent"]) == {long_key: 1, "plain": 2}
    assert cache.get(long_key) == 1
