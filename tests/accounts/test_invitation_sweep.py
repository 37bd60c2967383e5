"""Invitations saved while the broker was down are sent by the sweep on the beat tick."""

from datetime import timedelta

import pytest
import time_machine
from celery import beat
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import services, tasks
from accounts.models import CareRelationship
from config.celery_app import app
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=1, seconds=5)


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The ids handed to the broker; `published.down = True` makes the broker refuse."""

    class Calls(list):
        down = False

    calls = Calls()

    def delay(relationship_id):
        if calls.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        calls.append(relationship_id)

    monkeypatch.setattr(tasks.send_invitation_email, "delay", delay)
    return calls


def invite_while_the_broker_is_down(published, django_capture_on_commit_callbacks):
    published.down = True
    with django_capture_on_commit_callbacks(execute=True):
        relationship = services.invitation_create(
            therapist=TherapistFactory(), email="later@example.org"
        )
    published.down = False
    relationship.refresh_from_db()
    assert relationship.invitation_queued_at is None
    assert published == []
    return relationship


def test_an_invitation_saved_while_the_broker_was_down_is_enqueued_once_after_a_minute(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(published, django_capture_on_commit_callbacks)
    assert services.invitations_sweep() == 0  # not yet a minute old
    with time_machine.travel(timezone.now() + LATER):
        assert services.invitations_sweep() == 1
        assert services.invitations_sweep() == 0  # the next tick finds it claimed
    with time_machine.travel(timezone.now() + 10 * LATER):
        assert services.invitations_sweep() == 0
    assert published == [relationship.pk]
    relationship.refresh_from_db()
    assert relationship.invitation_queued_at is not None


def test_an_invitation_that_reached_the_broker_is_not_swept(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        relationship = services.invitation_create(
            therapist=TherapistFactory(), email="now@example.org"
        )
    assert published == [relationship.pk]
    with time_machine.travel(timezone.now() + LATER):
        assert services.invitations_sweep() == 0
    assert published == [relationship.pk]


def test_a_sweep_while_the_broker_is_still_down_releases_its_claim(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(published, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + LATER):
        published.down = True
        assert services.invitations_sweep() == 0
        published.down = False
        assert services.invitations_sweep() == 1
    assert published == [relationship.pk]


def test_sent_withdrawn_and_expired_invitations_are_not_swept(
    published, django_capture_on_commit_callbacks
):
    therapist = TherapistFactory()
    published.down = True
    with django_capture_on_commit_callbacks(execute=True):
        sent, withdrawn, expired = (
            services.invitation_create(therapist=therapist, email=f"{name}@example.org")
            for name in ("sent", "withdrawn", "expired")
        )
    published.down = False
    CareRelationship.objects.filter(pk=sent.pk).update(invitation_sent_at=timezone.now())
    services.invitation_revoke(actor=therapist, relationship=withdrawn)
    CareRelationship.objects.filter(pk=expired.pk).update(
        invitation_expires_at=timezone.now() + timedelta(seconds=30)
    )
    with time_machine.travel(timezone.now() + LATER):
        assert services.invitations_sweep() == 0
    assert published == []


def test_the_caseload_says_not_sent_yet_until_the_email_is_sent(client, personas, published):
    relationship = services.invitation_create(
        therapist=personas.therapist_a, email="pending@example.org"
    )
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_home")).content.decode()
    assert "not sent yet" in page
    CareRelationship.objects.filter(pk=relationship.pk).update(invitation_sent_at=timezone.now())
    assert "not sent yet" not in client.get(reverse("therapist_home")).content.decode()


def test_beat_sweeps_once_a_minute_and_the_sweep_enqueues_what_the_broker_missed(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(published, django_capture_on_commit_callbacks)
    scheduler = beat.Scheduler(app, lazy=True)
    scheduler.setup_schedule()  # what `celery beat` loads
    entry = scheduler.schedule["invitation-sweep"]
    entry.last_run_at = timezone.now()
    assert not entry.is_due().is_due
    with time_machine.travel(timezone.now() + LATER):
        assert entry.is_due().is_due
        assert app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs).get() == 1
    assert published == [relationship.pk]
