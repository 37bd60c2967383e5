from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import activate_totp
from tests.factories import DeliveryFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_the_ledger_is_read_only_in_the_admin(client):
    staff = StaffFactory()
    activate_totp(staff)
    client.force_login(staff)
    row = DeliveryFactory(period="2026-12-01")
    assert client.get(reverse("admin:notifications_delivery_changelist")).status_code == 200
    change = reverse("admin:notifications_delivery_change", args=[row.pk])
    assert client.get(change).status_code == 200  # view only
    client.post(change, {"status": "sent"})
    row.refresh_from_db()
    assert row.status == "pending"
    assert client.get(reverse("admin:notifications_delivery_add")).status_code == 403
    delete = reverse("admin:notifications_delivery_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


def test_an_operator_sees_what_waits_and_what_failed(client):
    staff = StaffFactory()
    activate_totp(staff)
    client.force_login(staff)
    now = timezone.now()
    DeliveryFactory(
        kind="client_digest",
        period="2026-W48",
        attempts=6,
        error="SMTPDataError 451",
        next_attempt_at=now + timedelta(minutes=16),
        created_at=now - timedelta(minutes=40),
    )
    DeliveryFactory(
        period="2026-12-01",
        status="failed",
        attempts=9,
        error="gave up: SMTPDataError 451",
    )
    DeliveryFactory(period="2026-12-02")
    changelist = reverse("admin:notifications_delivery_changelist")

    page = client.get(changelist, {"waiting": "retry"}).content.decode()
    assert "2026-W48" in page and "SMTPDataError 451" in page
    assert "2026-12-01" not in page and "2026-12-02" not in page
    assert "2026-W48" in client.get(changelist, {"waiting": "late"}).content.decode()
    page = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "gave up: SMTPDataError 451" in page and "2026-W48" not in page
