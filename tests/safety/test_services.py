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
