"""Gunicorn with platform/gunicorn.conf.py logs an invitation journey without its token."""

import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from accounts import services
from notifications.invitations import period_of
from notifications.ledger import deliver
from notifications.models import Delivery, Kind
from tests.e2e.conftest import Process, database_url_for_children, free_port
from tests.factories import TherapistFactory

pytestmark = pytest.mark.e2e

NEW_CLIENT = {
    "name": "Nia New",
    "password1": "a-long-passphrase-77",
    "password2": "a-long-passphrase-77",
    "timezone": "Europe/Berlin",
}


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TANDEM_"))}
    env.update(
        DATABASE_URL=database_url_for_children(),
        TANDEM_VAR_DIR=str(tmp_path / "var"),
        WEB_CONCURRENCY="1",
        # Static files from the source folders: this run has no `collectstatic`.
        DJANGO_DEBUG="true",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    args = [sys.executable, "-m", "gunicorn", "-c", "platform/gunicorn.conf.py"]
    args += ["-b", f"127.0.0.1:{port}", "config.wsgi:application"]
    process = Process(args, env, tmp_path / "gunicorn.log")
    process.wait_for("Booting worker", timeout=60)
    process.base = f"http://127.0.0.1:{port}"
    yield process
    process.stop()


def browser():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def fetch(opener, url, data=None, headers=None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def csrf_cookie(jar) -> str:
    return next(cookie.value for cookie in jar if cookie.name == "csrftoken")


def test_an_invitation_journey_leaves_no_token_in_gunicorn_logs(gunicorn, mailoutbox):
    relationship = services.invitation_create(
        therapist=TherapistFactory(name="Dr. Log"), email="nia@example.org"
    )
    deliver(Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship)).pk)
    [link] = re.findall(r"https?://\S+/invitations/\S+/", mailoutbox[0].body)
    path = urllib.parse.urlsplit(link).path
    token = path.split("/")[2]
    url = gunicorn.base + path

    phone, jar = browser()
    status, page = fetch(phone, url)
    assert status == 200
    form = {
        **NEW_CLIENT,
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1],
    }
    status, page = fetch(phone, url, form)  # accepted; redirected to the client portal
    assert status == 200 and "Nia New" in page
    # The link again: signed in as that client it leads to Today; from another browser it
    # is 410 Gone.
    status, page = fetch(phone, url, {}, {"X-CSRFToken": csrf_cookie(jar)})
    assert status == 200 and "You already work with" in page
    assert fetch(browser()[0], url)[0] == 410

    gunicorn.stop()
    log = gunicorn.output()
    assert '"GET /invitations/[redacted]/ HTTP/1.1" 200' in log
    assert '"POST /invitations/[redacted]/ HTTP/1.1" 302' in log
    assert '"GET /invitations/[redacted]/ HTTP/1.1" 410' in log
    assert "Gone: /invitations/[redacted]/" in log
    assert token not in log
    assert token[:12] not in log
