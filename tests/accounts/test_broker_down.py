import time

import pytest

from accounts import services
from accounts.models import CareRelationship, CareStatus
from config.celery_app import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Point the producer at a port where nothing listens."""
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_transport_options", {"socket_connect_timeout": 1})
    # A new pool and producers for the new URL (a closed pool would fail with its own
    # RuntimeError; producers made by an earlier test would still reach that test's broker).
    app._pool = None
    app.__dict__.pop("amqp", None)
    yield
    app._pool = None
    app.__dict__.pop("amqp", None)


def test_an_invitation_is_saved_when_the_broker_is_down(
    personas, broker_down, django_capture_on_commit_callbacks, caplog
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        relationship = services.invitation_create(
            therapist=personas.therapist_a, email="later@example.org"
        )
    assert time.monotonic() - started < 15
    assert "could not enqueue delivery" in caplog.text
    assert "OperationalError" in caplog.text  # the broker's own error, nothing else
    relationship.refresh_from_db()
    assert relationship.status == CareStatus.INVITED
    assert relationship.invitation_sent_at is None  # the therapist can resend it
    assert CareRelationship.objects.filter(invited_email="later@example.org").count() == 1


def test_a_programming_error_while_enqueuing_is_not_swallowed(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    def broken(*args, **kwargs):
        raise TypeError("a bug, not a broker outage")

    monkeypatch.setattr(tasks.deliver, "delay", broken)
    with (
        pytest.raises(TypeError, match="a bug"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.invitation_create(therapist=personas.therapist_a, email="bug@example.org")
