"""No log line carries a path token: invitation, calendar feed, password reset."""

import logging
import re

import pytest
from django.conf import settings
from django.urls import reverse

from accounts import services
from config.redaction import RedactTokens, redact
from notifications.invitations import period_of
from notifications.ledger import deliver
from notifications.models import Delivery, Kind
from tests.factories import TherapistFactory


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Gone: /invitations/eyJ1:1vX:ab-c_d/", "Gone: /invitations/[redacted]/"),
        (
            '"POST /invitations/eyJ1:x/ HTTP/1.1" 410',
            '"POST /invitations/[redacted]/ HTTP/1.1" 410',
        ),
        ("http://127.0.0.1:8000/invitations/tok/", "http://127.0.0.1:8000/invitations/[redacted]/"),
        ('"GET /calendar/AbC:xyz.ics HTTP/1.1"', '"GET /calendar/[redacted] HTTP/1.1"'),
        (
            '"GET /calendar/sessions/AbC:xyz.ics HTTP/1.1"',
            '"GET /calendar/sessions/[redacted] HTTP/1.1"',
        ),
        (
            "POST /accounts/password/reset/key/1-abc/",
            "POST /accounts/password/reset/key/[redacted]/",
        ),
        ("POST /unsubscribe/abc:def/", "POST /unsubscribe/[redacted]/"),
        # Paths that carry no secret stay readable.
        ("GET /api/v1/invitations/5d6c0e2a/", "GET /api/v1/invitations/5d6c0e2a/"),
        ("GET /client/calendar/", "GET /client/calendar/"),
        ("GET /therapist/invitations/", "GET /therapist/invitations/"),
    ],
)
def test_it_redacts_tokens_in_paths(line, expected):
    assert redact(line) == expected


def test_every_configured_handler_redacts():
    handlers = settings.LOGGING["handlers"]
    assert handlers
    for name, handler in handlers.items():
        assert "redact_tokens" in handler["filters"], name
    # The handlers logging holds (pytest adds its own capturing ones during a test).
    ours = [h for h in logging._handlerList if type(h()) is logging.StreamHandler]
    assert ours
    for ref in ours:
        assert any(isinstance(f, RedactTokens) for f in ref().filters)
    assert logging.getLogger("django").handlers == []  # Django's defaults would not redact


def test_a_logged_exception_is_redacted_too():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise ValueError("bad link /invitations/secret-token/")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactTokens().filter(record)
    assert "secret-token" not in record.exc_text


@pytest.mark.django_db
def test_an_invitation_journey_logs_no_token(client, caplog, mailoutbox, settings):
    caplog.set_level(logging.DEBUG)
    therapist = TherapistFactory(name="Dr. Log")
    relationship = services.invitation_create(therapist=therapist, email="new@example.org")
    deliver(Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship)).pk)
    [link] = re.findall(r"https?://\S+/invitations/\S+/", mailoutbox[0].body)
    token = link.rsplit("/", 2)[-2]
    path = reverse("invitation_accept", kwargs={"token": token})
    assert client.get(path).status_code == 200
    new = {
        "name": "Nia",
        "password1": "a-long-passphrase-77",
        "password2": "a-long-passphrase-77",
        "timezone": "Europe/Berlin",
    }
    assert client.post(path, new).status_code == 302
    client.logout()
    assert client.get(path).status_code == 410  # the link is used: Django logs "Gone"
    assert client.post(path, new).status_code == 410
    assert client.get(f"/calendar/{token}.ics").status_code == 404  # "Not Found"
    assert client.get(f"/calendar/sessions/{token}.ics").status_code == 404

    messages = [record.getMessage() for record in caplog.records]
    assert "Gone: /invitations/[redacted]/" in messages
    assert "Not Found: /calendar/[redacted]" in messages
    assert "Not Found: /calendar/sessions/[redacted]" in messages
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
