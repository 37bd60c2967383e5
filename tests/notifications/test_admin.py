import pytest
from django.urls import reverse

from notifications.models import Delivery
from tests.conftest import activate_totp
from tests.factories import ClientFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_the_ledger_is_read_only_in_the_admin(client):
    staff = StaffFactory()
    activate_totp(staff)
    client.force_login(staff)
    row = Delivery.objects.create(user=ClientFactory(), kind="reminder", period="2026-12-01")
    assert client.get(reverse("admin:notifications_delivery_changelist")).status_code == 200
    change = reverse("admin:notifications_delivery_change", args=[row.pk])
    assert client.get(change).status_code == 200  # view only
    client.post(change, {"status": "sent"})
    row.refresh_from_db()
    assert row.status == "pending"
    assert client.get(reverse("admin:notifications_delivery_add")).status_code == 403
    delete = reverse("admin:notifications_delivery_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
