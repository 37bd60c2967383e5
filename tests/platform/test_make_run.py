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


def commands_of(*targets: str, **extra_env: str) -> list[str]:
    """Run `make TARGET...` for real, with stand-ins for the virtualenv's python and honcho
    that print the DJANGO_DEBUG they were given and their arguments."""
    stubs = ROOT / "var" / f"make-stubs-{os.getpid()}"
    (stubs / "bin").mkdir(parents=True, exist_ok=True)
    for name in ("python", "honcho"):
        stub = stubs / "bin" / name
        stub.write_text(f'#!/bin/sh\necho "{name} DJANGO_DEBUG=${{DJANGO_DEBUG-unset}} $*"\n')
        stub.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TANDEM_"))}
    env.update(extra_env)
    try:
        # `-o install`: the stand-ins are the virtualenv; nothing is installed.
        result = subprocess.run(
            ["make", "-s", "-o", "install", f"VENV={stubs.relative_to(ROOT)}", *targets],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        for name in ("python", "honcho"):
            (stubs / "bin" / name).unlink()
        (stubs / "bin").rmdir()
        stubs.rmdir()
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith(("python", "honcho"))]


def test_make_run_turns_debug_on_for_every_command_and_process():
    """DJANGO_DEBUG defaults to false; the demo turns it on for migrate, seed, the demo
    reminder and honcho, whose web, worker and beat processes inherit its environment."""
    commands = commands_of("run")
    assert [line.split()[1] for line in commands] == ["DJANGO_DEBUG=true"] * len(commands)
    assert [line.split()[0] for line in commands[-1:]] == ["honcho"]
    assert any("manage.py migrate" in line for line in commands)
    assert any("manage.py seed_demo" in line for line in commands)


def test_make_run_keeps_a_debug_setting_of_its_own():
    commands = commands_of("run", DJANGO_DEBUG="false")
    assert commands[-1].startswith("honcho DJANGO_DEBUG=false ")


def test_make_seed_on_its_own_turns_debug_on_too():
    assert commands_of("seed") == [
        "python DJANGO_DEBUG=true manage.py migrate --noinput",
        "python DJANGO_DEBUG=true manage.py createcachetable",
        "python DJANGO_DEBUG=true manage.py seed_demo",
        "python DJANGO_DEBUG=true manage.py push_keys",
    ]
