"""Invitations saved while the broker was down are sent by the ledger's sweep on the tick."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts import services
from notifications import ledger, tasks
from notifications import services as notification_services
from notifications.invitations import period_of
from notifications.models import Delivery, Kind, Status
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=1, seconds=5)


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """The row ids handed to the broker; `published.down = True` makes the broker refuse."""

    class Calls(list):
        down = False

    calls = Calls()

    def delay(delivery_id):
        if calls.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        calls.append(delivery_id)

    monkeypatch.setattr(tasks.deliver, "delay", delay)
    return calls


def row_of(relationship) -> Delivery:
    return Delivery.objects.get(kind=Kind.INVITATION, period=period_of(relationship))


def invite_while_the_broker_is_down(published, django_capture_on_commit_callbacks, email):
    published.down = True
    with django_capture_on_commit_callbacks(execute=True):
        relationship = services.invitation_create(therapist=TherapistFactory(), email=email)
    published.down = False
    assert row_of(relationship).queued_at is None
    assert published == []
    return relationship


def test_an_invitation_saved_while_the_broker_was_down_is_enqueued_once_after_a_minute(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(
        published, django_capture_on_commit_callbacks, "later@example.org"
    )
    row = row_of(relationship)
    assert ledger.sweep() == 0  # not yet a minute old
    with time_machine.travel(timezone.now() + LATER):
        assert ledger.sweep() == 1
        assert ledger.sweep() == 0  # the next tick finds it handed over
        assert ledger.deliver(row.pk) == "sent"  # the worker
    with time_machine.travel(timezone.now() + 10 * LATER):
        assert ledger.sweep() == 0
    assert published == [row.pk]
    relationship.refresh_from_db()
    assert relationship.invitation_sent_at is not None


def test_an_invitation_that_reached_the_broker_is_not_swept(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        relationship = services.invitation_create(
            therapist=TherapistFactory(), email="now@example.org"
        )
    row = row_of(relationship)
    assert published == [row.pk]
    with time_machine.travel(timezone.now() + LATER):
        assert ledger.sweep() == 0
    assert published == [row.pk]


def test_a_sweep_while_the_broker_is_still_down_leaves_it_for_the_next(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(
        published, django_capture_on_commit_callbacks, "later@example.org"
    )
    with time_machine.travel(timezone.now() + LATER):
        published.down = True
        assert ledger.sweep() == 0
        published.down = False
        assert ledger.sweep() == 1
    assert published == [row_of(relationship).pk]


def test_withdrawn_and_expired_invitations_are_never_mailed(
    published, django_capture_on_commit_callbacks, mailoutbox
):
    therapist = TherapistFactory()
    published.down = True
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn, expired = (
            services.invitation_create(therapist=therapist, email=f"{name}@example.org")
            for name in ("withdrawn", "expired")
        )
    published.down = False
    services.invitation_revoke(actor=therapist, relationship=withdrawn)
    # Its link expires before the sweep finds it: the row is tried until then, no longer.
    Delivery.objects.filter(pk=row_of(expired).pk).update(
        give_up_at=timezone.now() + timedelta(seconds=30)
    )
    with time_machine.travel(timezone.now() + LATER):
        assert ledger.sweep() == 1
        [pk] = published
        assert ledger.deliver(pk) == "skipped: no longer pending"
    assert pk == row_of(withdrawn).pk
    assert row_of(expired).status == Status.SKIPPED
    assert mailoutbox == []


def test_an_invitation_row_is_tried_again_until_its_link_expires():
    relationship = services.invitation_create(therapist=TherapistFactory(), email="a@example.org")
    assert row_of(relationship).give_up_at == relationship.invitation_expires_at


def test_the_caseload_says_not_sent_yet_until_the_email_is_sent(client, personas):
    relationship = services.invitation_create(
        therapist=personas.therapist_a, email="pending@example.org"
    )
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_home")).content.decode()
    assert "not sent yet" in page
    assert ledger.deliver(row_of(relationship).pk) == "sent"
    assert "not sent yet" not in client.get(reverse("therapist_home")).content.decode()


def test_the_minutely_tick_hands_over_an_invitation_saved_while_the_broker_was_down(
    published, django_capture_on_commit_callbacks
):
    relationship = invite_while_the_broker_is_down(
        published, django_capture_on_commit_callbacks, "later@example.org"
    )
    with time_machine.travel(timezone.now() + LATER):
        notification_services.tick_and_enqueue()
        notification_services.tick_and_enqueue()
    assert published == [row_of(relationship).pk]
