import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path

import factory.random
import pytest
import redis
import time_machine

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str] | None = None, timeout: int = 60):
    """Run manage.py in a fresh process with exactly the given extra environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_configure(config):
    """The suite runs without `collectstatic`: static files are found in the source folders,
    as in development, whereas DEBUG off (the default) would want the collected manifest.
    As in development, too, WhiteNoise looks each static request up when it comes rather
    than listing every static file whenever its middleware starts, which is once per test
    client, so once per test."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    from django.db.models.signals import post_migrate

    post_migrate.connect(after_a_flush, dispatch_uid="tests-after-a-flush")


def after_a_flush(sender, **kwargs):
    """A transactional test ends with a flush, which empties the models' tables, the shared
    homework library a migration installed included, and leaves the database cache's table
    (not a model's) as it was, sign-in and API rate counts included. Django's own rows
    (content types, sites) come back through post_migrate; here the library comes back too
    and the cache is emptied, so the next test starts as after `migrate`. (`migrate`, which
    sends a plan, has run the migration that installs the library.)"""
    if sender.label != "homework" or "plan" in kwargs:
        return
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    from homework import library
    from homework.models import HomeworkTemplate

    library.install(HomeworkTemplate)
    # The API rate counts too (throttle_counts_in_the_test_database); a cache of one's own
    # (CACHE_URL) is left alone.
    if isinstance(caches["default"], DatabaseCache):
        caches["default"].clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failed test: every service the suite needs must be there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which is not allowed: {report.longrepr}"


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`make test`: `--dist loadgroup`), each browser module runs on one
    worker, which starts Chromium once for it, unless its tests name groups of their own (the
    parts of the accessibility walks, spread over the workers).

    The end-to-end tests, the longest by far, are handed out first: the many short tests then
    fill the workers' time around them, instead of one long walk running on alone at the end."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(f"browser:{item.module.__name__}"))
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)


@pytest.fixture(autouse=True)
def throttle_counts_in_the_test_database(settings):
    """The API throttle counts in the default (database) cache during tests, which each test
    rolls back, rather than in the Redis the whole run shares (where user ids repeat from one
    test to the next). tests/config/test_throttling.py checks Redis explicitly."""
    settings.CACHES = {**settings.CACHES, "throttle": settings.CACHES["default"]}


@pytest.fixture(autouse=True)
def every_prepared_query_is_kept():
    """A prepared query (accounts.prepared) that the check refuses runs as the ORM builds it
    and is logged; in the tests it fails the test that ran it."""
    from accounts import prepared

    before = set(prepared.REFUSED)
    yield
    assert not prepared.REFUSED - before, f"prepared queries refused: {prepared.REFUSED - before}"


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings, monkeypatch):
    """Hashing is slow on purpose (Argon2, a fifth of a second of processor time a password):
    outside the tests marked `argon2`, which check production's hashing, a fast hasher comes
    first and the factories' users get its hash of the shared password, so that signing in
    or confirming a password costs microseconds (Argon2 hashes stay accepted)."""
    if request.node.get_closest_marker("argon2"):
        return
    from django.contrib.auth.hashers import make_password

    from tests import factories

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    fast_hash = make_password(factories.PASSWORD)
    monkeypatch.setattr(factories, "password_hash", lambda: fast_hash)


REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_throttle(settings):
    """The API throttle's cache in Redis, as production runs it (REDIS_URL set), under a key
    prefix of this test's own; yields the prefix."""
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def activate_totp(user, secret: str = TOTP_SECRET) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)


def totp_code(secret: str = TOTP_SECRET) -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@dataclass
class Personas:
    client_a: object
    client_b: object
    therapist_a: object  # client A's therapist
    therapist_b: object  # another therapist (client B's)
    staff: object
    relationship_a: object
    relationship_b: object

    def all(self) -> dict[str, object | None]:
        return {
            "anonymous": None,
            "client_a": self.client_a,
            "client_b": self.client_b,
            "therapist_a": self.therapist_a,
            "therapist_b": self.therapist_b,
            "staff": self.staff,
        }


def make_active_relationship(therapist, client):
    """An active care relationship; kept for the many tests that name it this way."""
    from tests.factories import RelationshipFactory

    return RelationshipFactory(therapist=therapist, client=client)


@pytest.fixture
def personas(db) -> Personas:
    """Client A and their therapist, client B and theirs, and an operator; all with TOTP
    where the role needs it."""
    return make_personas()


def make_personas() -> Personas:
    from tests.factories import ClientFactory, StaffFactory, TherapistFactory

    client_a = ClientFactory(email="client.a@example.org", name="Ada Alpha")
    client_b = ClientFactory(email="client.b@example.org", name="Bea Beta")
    therapist_a = TherapistFactory(email="therapist.a@example.org", name="Dr. Ann Able")
    therapist_b = TherapistFactory(email="therapist.b@example.org", name="Dr. Ben Baker")
    staff = StaffFactory(email="staff@example.org", name="Sol Staff")
    for user in (therapist_a, therapist_b, staff):
        activate_totp(user)
    return Personas(
        client_a=client_a,
        client_b=client_b,
        therapist_a=therapist_a,
        therapist_b=therapist_b,
        staff=staff,
        relationship_a=make_active_relationship(therapist_a, client_a),
        relationship_b=make_active_relationship(therapist_b, client_b),
    )


@pytest.fixture
def steady_day():
    """Today at noon UTC, the clock still running: "today" cannot turn over between a test
    reading it and acting on it, whenever the suite runs."""
    noon = datetime.combine(datetime.now(UTC).date(), dt_time(12), tzinfo=UTC)
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture(autouse=True)
def steady_fakes(request):
    """The same made-up names for a test on every run, whatever ran before it: a name that
    happens to hold a word a test looks for fails every time, not one run in a hundred."""
    factory.random.reseed_random(request.node.nodeid)


# --- Push: the server's key, and a local push service that checks and decrypts ---------

# What a homework reminder's push says (notifications/push.py): its e-mail's subject.
REMINDER_PUSH = {
    "title": "Tandem",
    "body": "1 piece of homework is waiting for you today",
    "url": "/client/",
    "tag": "reminder",
}


@pytest.fixture
def vapid_key(settings) -> str:
    """Push on: a VAPID key of the test's own, and the local push service's http endpoints
    accepted."""
    from notifications import push

    settings.TANDEM_VAPID_PRIVATE_KEY = push.new_private_key()
    settings.TANDEM_PUSH_ALLOW_HTTP_LOOPBACK = True
    settings.TANDEM_VAPID_SUBJECT = "mailto:ops@tandem.example"
    return settings.TANDEM_VAPID_PRIVATE_KEY


@pytest.fixture
def push_service(vapid_key):
    """A push service on this machine that verifies the server's VAPID signature and
    decrypts what it receives (tests/e2e/push_service.py)."""
    from notifications import push
    from tests.e2e.push_service import PushService

    with PushService(push.application_server_key()) as service:
        yield service


@pytest.fixture
def computed_rows(monkeypatch):
    """The clients (names, sorted) of each call of `progress.caseload.rows_of`: what the
    caseload and the weekly review compute rather than read from the page cache."""
    from progress import caseload

    made = []
    build = caseload.rows_of

    def counted(*args, **kwargs):
        rows = build(*args, **kwargs)
        made.append(sorted(row.client.name for row in rows))
        return rows

    monkeypatch.setattr(caseload, "rows_of", counted)
    return made


@pytest.fixture
def own_page_cache(settings, request):
    """A page cache of the test's own (accounts.versions): what other tests kept is not in
    it."""
    from accounts import versions

    settings.CACHES = {
        **settings.CACHES,
        versions.CACHE: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        },
    }


@pytest.fixture
def page_cache_down(settings):
    """A page cache that does not answer: a Redis where nothing listens."""
    from accounts import versions

    settings.CACHES = {
        **settings.CACHES,
        versions.CACHE: {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
