"""`make run` on another port puts that port in the links it mails and serves."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW_LINKS = (
    "import uuid; from django.conf import settings;"
    "from accounts.models import CareRelationship; from accounts.services import invitation_url;"
    "print(settings.SITE_URL);"
    "print(invitation_url(CareRelationship(public_id=uuid.uuid4())))"
)


def links_of_make_run(port: str, **extra_env: str) -> list[str]:
    """Run Django with exactly the environment `make run PORT=...` gives its processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TANDEM_"))}
    env.update(extra_env)
    dry_run = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [line for line in dry_run.stdout.splitlines() if " honcho " in line]
    assignments = line.split(" honcho ", 1)[0]
    script = f'{assignments} exec "$0" manage.py shell --no-imports -c "$1"'
    result = subprocess.run(
        ["sh", "-c", script, sys.executable, SHOW_LINKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_links_use_the_port_make_run_serves():
    site, invitation = links_of_make_run("18811")
    assert site == "http://127.0.0.1:18811"
    assert invitation.startswith("http://127.0.0.1:18811/invitations/")


def test_the_default_port_is_8000():
    assert links_of_make_run("8000")[0] == "http://127.0.0.1:8000"


def test_an_explicit_site_address_wins():
    site, _ = links_of_make_run("18811", TANDEM_SITE_URL="https://tandem.example.org")
    assert site == "https://tandem.example.org"


def test_the_web_process_serves_the_port_honcho_gives_it():
    procfile = (ROOT / "platform" / "Procfile").read_text()
    [web] = [line for line in procfile.splitlines() if line.startswith("web:")]
    assert "127.0.0.1:${PORT}" in web
