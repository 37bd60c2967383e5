import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_manage

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "tandem.example.org",
    "TANDEM_HTTPS": "true",
    "TANDEM_SITE_URL": "https://tandem.example.org",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https():
    env = {**PRODUCTION, "TANDEM_HTTPS": "false"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_check_deploy_fails_when_mfa_is_off_in_production():
    env = {**PRODUCTION, "TANDEM_REQUIRE_MFA": "false"}
    result = run_manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "tandem.E003" in result.stderr
    assert "TANDEM_REQUIRE_MFA" in result.stderr
    # Outside a deploy check (the demo's `make run`), the same settings start.
    assert run_manage("check", env=env).returncode == 0


def test_it_refuses_the_development_secret_key_in_production():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "tandem.E001" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("TANDEM_HTTPS", "yess"),
        ("DATABASE_URL", "nonsense"),
        ("EMAIL_URL", "bogus://"),
        ("TANDEM_SESSION_IDLE_SECONDS", "half an hour"),
        ("TANDEM_HEARTBEAT_SECONDS", "x"),
        ("TANDEM_TRUSTED_PROXIES", "nginx"),
        ("DATABASE_PREPARE_THRESHOLD", "sometimes"),
        ("TANDEM_WORKER_CONCURRENCY", "four"),
    ],
)
def test_a_malformed_variable_stops_start_up_and_names_itself(name, value):
    result = run_manage("check", env={name: value})
    assert result.returncode != 0
    assert f"Environment variable {name} is malformed" in result.stderr


PRODUCTION_REQUEST = """
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("createcachetable")
from accounts.models import User
user = User.objects.create_user("prod.check@example.org", "a-long-passphrase-77")
browser = Client(HTTP_HOST="tandem.example.org", HTTP_X_FORWARDED_PROTO="https")
signed_in = browser.post(
    "/accounts/login/", {"login": "prod.check@example.org", "password": "a-long-passphrase-77"}
)
cookie = signed_in.cookies["sessionid"]
response = browser.get("/api/v1/me/")
print(response.status_code, bool(cookie["secure"]), bool(cookie["httponly"]), cookie["samesite"])
print(response.headers["Strict-Transport-Security"])
print(response.headers["Content-Security-Policy"])
plain = Client(HTTP_HOST="tandem.example.org").get("/api/v1/me/")
print(plain.status_code, plain.headers["Location"])
"""


def test_production_answers_with_secure_cookies_hsts_csp_and_an_https_redirect(tmp_path):
    env = {
        **PRODUCTION,
        # A database of its own, whatever DATABASE_URL the suite runs with.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "TANDEM_VAR_DIR": str(tmp_path),
        "PYTHONWARNINGS": "ignore",
    }
    result = run_manage("shell", "--no-imports", "-c", PRODUCTION_REQUEST, env=env)
    assert result.returncode == 0, result.stderr
    session, hsts, csp, plain = result.stdout.strip().splitlines()[-4:]
    assert session == "200 True True Lax"
    assert hsts.startswith("max-age=31536000")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert plain == "301 https://tandem.example.org/api/v1/me/"


@pytest.mark.django_db
@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2id_and_old_hashes_upgraded_at_sign_in(client):
    from django.contrib.auth.hashers import make_password

    from tests.factories import ClientFactory

    user = ClientFactory(password=make_password("an-old-passphrase-1", hasher="pbkdf2_sha256"))
    client.post("/accounts/login/", {"login": user.email, "password": "an-old-passphrase-1"})
    assert "_auth_user_id" in client.session
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_the_end_of_a_request_keeps_a_healthy_database_connection_for_the_next():
    """No new connection (and, on PostgreSQL, no new authentication) for every request."""
    from django.db import connections

    connection = connections.create_connection("default")
    try:
        connection.ensure_connection()
        opened = connection.connection
        connection.close_if_unusable_or_obsolete()  # what Django runs as each request ends
        assert connection.connection is opened
    finally:
        connection.close()


SHOW_DEBUG = "from django.conf import settings; print(settings.DEBUG)"


def test_debug_is_off_unless_the_environment_turns_it_on():
    """A deployment that forgets DJANGO_DEBUG shows no tracebacks; `make run` sets it."""
    # gunicorn and Celery load the settings directly, not through manage.py.
    direct = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_DEBUG}"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert direct.stdout.strip() == "False", direct.stderr
    deployed = {"DJANGO_ALLOWED_HOSTS": "tandem.example.org"}
    assert run_manage("shell", "--no-imports", "-c", SHOW_DEBUG, env=deployed).stdout.strip() == (
        "False"
    )
    on = run_manage("shell", "--no-imports", "-c", SHOW_DEBUG, env={"DJANGO_DEBUG": "true"})
    assert on.stdout.strip() == "True"


def test_manage_py_in_a_bare_checkout_is_development():
    """`python manage.py seed_demo` works on a developer's machine with nothing set."""
    assert run_manage("shell", "--no-imports", "-c", SHOW_DEBUG).stdout.strip() == "True"
    assert run_manage("check").returncode == 0


def test_a_deployment_without_django_debug_is_checked_as_production():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # ... and still refuses the development secret key, as with DJANGO_DEBUG=false.
    env.pop("DJANGO_SECRET_KEY")
    refused = run_manage("check", env=env)
    assert refused.returncode != 0
    assert "tandem.E001" in refused.stderr


SHOW_PREPARING = (
    "from django.conf import settings; options = settings.DATABASES['default']['OPTIONS']; "
    "print(options['server_side_binding'], options['prepare_threshold'])"
)


@pytest.mark.parametrize(
    ("threshold", "shown"), [(None, "True 5"), ("0", "True 0"), ("off", "True None")]
)
def test_postgresql_keeps_a_query_run_often_prepared_unless_told_not_to(threshold, shown):
    """Behind PgBouncer in transaction mode a deployment turns prepared statements off."""
    env = {"DATABASE_URL": "postgres://tandem:secret@db.example.org:5432/tandem"}
    if threshold is not None:
        env["DATABASE_PREPARE_THRESHOLD"] = threshold
    result = run_manage("shell", "--no-imports", "-c", SHOW_PREPARING, env=env)
    assert result.stdout.strip() == shown, result.stderr


@pytest.mark.django_db
def test_a_query_run_often_on_a_connection_is_planned_once():
    from django.db import connection

    from accounts.models import User

    if connection.vendor != "postgresql":
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]
        return
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    marker = "prepared-once@example.org"
    for _ in range(threshold + 1):
        assert not User.objects.filter(email=marker).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        kept = [statement for (statement,) in cursor.fetchall()]
    assert any(re.search(r'"accounts_user"\."email" = \$\d', statement) for statement in kept), kept
    # The values travel apart from the statement, so none is kept in it.
    assert not any(marker in statement for statement in kept)


SHOW_WORKER_PROCESSES = (
    "import os; from config.celery_app import app; "
    "print(app.conf.worker_concurrency, os.process_cpu_count())"
)


@pytest.mark.parametrize("given", [None, "3"])
def test_a_worker_runs_twice_as_many_processes_as_cores_unless_told(given):
    """Its tasks mostly wait on the mail server and the database (docs/BENCHMARKS.md)."""
    env = {} if given is None else {"TANDEM_WORKER_CONCURRENCY": given}
    result = run_manage("shell", "--no-imports", "-c", SHOW_WORKER_PROCESSES, env=env)
    processes, cores = (int(word) for word in result.stdout.split())
    assert processes == (2 * cores if given is None else 3), result.stderr
