"""The alerts API: the therapist's own alerts, and acknowledging one with a note."""

import uuid

import pytest
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from clients import services as record_services
from safety.models import SafetyAlert
from safety.services import acknowledge

pytestmark = pytest.mark.django_db

PRIVATE_TEXT = "Nobody would notice"


@pytest.fixture
def private_alert(personas):
    entry = record_services.journal_create(
        client=personas.client_a, text=PRIVATE_TEXT, shared=False, needs_help=True
    )
    return SafetyAlert.objects.get(reference=entry.public_id)


@pytest.fixture
def api(client, personas):
    client.force_login(personas.therapist_a)
    return client


def ack_url(alert) -> str:
    return reverse("api-alert-acknowledge", kwargs={"public_id": alert.public_id})


def test_it_lists_the_therapist_s_alerts_without_the_private_entry(api, personas, private_alert):
    body = api.get(reverse("api-alert-list")).json()

    [row] = body["results"]
    assert row["id"] == str(private_alert.public_id)
    assert row["client"] == str(personas.client_a.public_id)
    assert row["client_name"] == "Ada Alpha"
    assert row["source"] == "journal"
    assert row["status"] == "open"
    assert row["record"] is None
    assert PRIVATE_TEXT not in str(body) and str(private_alert.reference) not in str(body)


def test_a_shared_entry_is_named(api, personas):
    entry = record_services.journal_create(
        client=personas.client_a, text="x", shared=True, needs_help=True
    )
    [row] = api.get(reverse("api-alert-list")).json()["results"]
    assert row["record"] == str(entry.public_id)


def test_it_filters_by_status(api, personas, private_alert):
    assert api.get(reverse("api-alert-list"), {"status": "acknowledged"}).json()["count"] == 0
    acknowledge(alert=private_alert, therapist=personas.therapist_a, note="Called")

    [row] = api.get(reverse("api-alert-list"), {"status": "acknowledged"}).json()["results"]
    assert row["status"] == "acknowledged"
    assert row["note"] == "Called"
    assert row["acknowledged_by"] == "Dr. Ann Able"
    assert api.get(reverse("api-alert-list"), {"status": "open"}).json()["count"] == 0


def test_a_bad_status_is_a_400_naming_it(api):
    response = api.get(reverse("api-alert-list"), {"status": "everything"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_another_therapist_sees_none(client, personas, private_alert):
    client.force_login(personas.therapist_b)
    assert client.get(reverse("api-alert-list")).json()["count"] == 0


def test_it_acknowledges_with_a_note(api, personas, private_alert):
    response = api.post(ack_url(private_alert), {"note": "Phoned"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    private_alert.refresh_from_db()
    assert private_alert.note == "Phoned"
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "   "}, {"note": "x" * 2001}])
def test_a_missing_note_is_a_400_with_the_field(api, private_alert, body):
    response = api.post(ack_url(private_alert), body, content_type="application/json")

    assert response.status_code == 400
    assert "note" in response.json()
    private_alert.refresh_from_db()
    assert private_alert.is_open


def test_another_therapist_s_alert_is_404(client, personas, private_alert):
    client.force_login(personas.therapist_b)
    response = client.post(ack_url(private_alert), {"note": "x"}, content_type="application/json")
    assert response.status_code == 404
    private_alert.refresh_from_db()
    assert private_alert.is_open


def test_an_unknown_alert_is_404(api):
    url = reverse("api-alert-acknowledge", kwargs={"public_id": uuid.uuid4()})
    assert api.post(url, {"note": "x"}, content_type="application/json").status_code == 404


def test_acknowledging_twice_is_a_409_that_changes_nothing(api, personas, private_alert):
    acknowledge(alert=private_alert, therapist=personas.therapist_a, note="First")

    response = api.post(ack_url(private_alert), {"note": "Second"}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["alert"]["note"] == "First"
    private_alert.refresh_from_db()
    assert private_alert.note == "First"
    assert AuditEvent.objects.filter(action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED).count() == 1


def test_a_client_is_refused(client, personas, private_alert):
    client.force_login(personas.client_a)
    assert client.get(reverse("api-alert-list")).status_code == 403
    response = client.post(ack_url(private_alert), {"note": "x"}, content_type="application/json")
    assert response.status_code == 403
