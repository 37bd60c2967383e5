import uuid

import pytest

from accounts.models import AuditAction, AuditEvent
from safety.models import SafetyAlert, Source
from safety.services import raise_alert
from tests.factories import RelationshipFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_it_opens_one_alert_for_each_active_therapist(personas):
    second = RelationshipFactory(therapist=TherapistFactory(), client=personas.client_a)
    reference = uuid.uuid4()

    alerts = raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=reference)

    assert {a.relationship_id for a in alerts} == {personas.relationship_a.pk, second.pk}
    assert all(a.is_open and a.reference == reference for a in alerts)
    events = AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_RAISED)
    assert events.count() == 2
    assert {e.detail["alert"] for e in events} == {str(a.public_id) for a in alerts}


def test_the_same_record_raises_its_alert_once(personas):
    reference = uuid.uuid4()
    raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=reference)

    again = raise_alert(client=personas.client_a, source=Source.PHQ9_ITEM9, reference=reference)

    assert again == []
    assert SafetyAlert.objects.count() == 1


def test_a_client_without_a_therapist_raises_nothing(personas):
    personas.relationship_a.status = "ended"
    personas.relationship_a.save()

    assert (
        raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4()) == []
    )


def test_an_alert_cannot_be_acknowledged_without_a_note(personas):
    from django.db import IntegrityError
    from django.utils import timezone

    (alert,) = raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    alert.acknowledged_at = timezone.now()
    with pytest.raises(IntegrityError):
        alert.save()


# --- Acknowledging ------------------------------------------------------------------------


def _open_alert(personas):
    (alert,) = raise_alert(client=personas.client_a, source=Source.JOURNAL, reference=uuid.uuid4())
    return alert


def test_a_therapist_acknowledges_an_alert_with_a_note_and_it_is_audited(personas):
    from safety.services import acknowledge

    alert = _open_alert(personas)

    acknowledge(alert=alert, therapist=personas.therapist_a, note="  Phoned her, she is safe.  ")

    alert.refresh_from_db()
    assert not alert.is_open
    assert alert.acknowledged_by == personas.therapist_a
    assert alert.note == "Phoned her, she is safe."
    event = AuditEvent.objects.get(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED)
    assert event.actor == personas.therapist_a and event.subject == personas.client_a
    assert event.detail == {"alert": str(alert.public_id), "source": "journal"}
    assert "safe" not in str(event.detail)  # the note stays out of the audit log


@pytest.mark.parametrize("note", ["", "   ", "x" * 2001, "a\x00b"])
def test_an_acknowledgement_needs_a_sensible_note(personas, note):
    from django.core.exceptions import ValidationError

    from safety.services import acknowledge

    alert = _open_alert(personas)

    with pytest.raises(ValidationError) as caught:
        acknowledge(alert=alert, therapist=personas.therapist_a, note=note)

    assert "note" in caught.value.message_dict
    alert.refresh_from_db()
    assert alert.is_open
    assert not AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).exists()


def test_an_alert_is_acknowledged_once(personas):
    from safety.services import AlreadyAcknowledged, acknowledge

    alert = _open_alert(personas)
    stale = SafetyAlert.objects.get(pk=alert.pk)  # read before the first acknowledgement
    acknowledge(alert=alert, therapist=personas.therapist_a, note="First")

    with pytest.raises(AlreadyAcknowledged) as caught:
        acknowledge(alert=stale, therapist=personas.therapist_a, note="Second")

    assert caught.value.alert.note == "First"
    stale.refresh_from_db()
    assert stale.note == "First"
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).count() == 1


def test_another_therapist_cannot_acknowledge_it(personas):
    from django.core.exceptions import ValidationError

    from safety.services import acknowledge

    alert = _open_alert(personas)

    with pytest.raises(ValidationError):
        acknowledge(alert=alert, therapist=personas.therapist_b, note="Not mine")
    alert.refresh_from_db()
    assert alert.is_open


def test_alerts_of_an_ended_relationship_no_longer_count_as_open(personas):
    from accounts.services import relationship_end
    from safety.selectors import alerts_for_therapist, open_alert_count

    _open_alert(personas)
    assert open_alert_count(personas.therapist_a) == 1

    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)

    assert open_alert_count(personas.therapist_a) == 0
    assert not alerts_for_therapist(personas.therapist_a).exists()
    assert SafetyAlert.objects.open().count() == 1  # kept, but nothing to act on


def test_the_open_alerts_come_first_then_the_newest_acknowledged(personas):
    from datetime import timedelta

    from django.utils import timezone

    from safety.selectors import alerts_for_therapist
    from tests.factories import SafetyAlertFactory

    now = timezone.now()
    rel = personas.relationship_a
    old_done = SafetyAlertFactory(
        relationship=rel,
        raised_at=now - timedelta(days=3),
        acknowledged_at=now - timedelta(days=2),
        note="a",
    )
    new_done = SafetyAlertFactory(
        relationship=rel,
        raised_at=now - timedelta(days=2),
        acknowledged_at=now - timedelta(days=1),
        note="b",
    )
    older_open = SafetyAlertFactory(relationship=rel, raised_at=now - timedelta(hours=5))
    newer_open = SafetyAlertFactory(relationship=rel, raised_at=now - timedelta(hours=1))
    SafetyAlertFactory(relationship=personas.relationship_b)  # another therapist's

    assert list(alerts_for_therapist(personas.therapist_a)) == [
        older_open,
        newer_open,
        new_done,
        old_done,
    ]
    assert list(alerts_for_therapist(personas.therapist_a, status="open")) == [
        older_open,
        newer_open,
    ]
    assert list(alerts_for_therapist(personas.therapist_a, status="acknowledged")) == [
        new_done,
        old_done,
    ]
