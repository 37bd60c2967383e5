import secrets

import pytest

from tests.conftest import run_manage

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
    ],
)
def test_a_malformed_variable_stops_start_up_and_names_itself(name, value):
    result = run_manage("check", env={name: value})
    assert result.returncode != 0
    assert f"Environment variable {name} is malformed" in result.stderr


def test_production_cookies_are_secure_and_csp_is_enforced():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
        " s.SECURE_SSL_REDIRECT, bool(s.SECURE_CSP), s.DEBUG)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "False"]


def test_argon2_is_the_first_password_hasher(settings):
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
