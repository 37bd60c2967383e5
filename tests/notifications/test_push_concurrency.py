"""Push under concurrency, on PostgreSQL with requests released together: two ticks make
each (person, kind, period, channel) row once, and a device saved twice at once (a double
tap, or two people on one phone) is one row, never a 500."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from notifications import devices, services
from notifications.models import Delivery, PushSubscription
from tests.factories import AssignmentFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

from .conftest import NOW, due_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_ticks_at_once_make_each_channels_row_once(push_service):
    skip_unless_postgresql()
    for _ in range(20):
        client = AssignmentFactory(start_date=NOW.date() - timedelta(days=1)).client
        sub = push_service.new_subscription()
        devices.subscribe(user=client, endpoint=sub["endpoint"], **sub["keys"])
        due_now(client, channels={"reminder": "both"})

    def tick():
        with transaction.atomic():
            return services.tick(now=NOW).deliveries

    first, second = together(tick, tick)
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40
    assert (
        sorted(Delivery.objects.values_list("channel", flat=True)) == ["email"] * 20 + ["push"] * 20
    )


def test_one_device_saved_twice_at_once_is_one_row(push_service, personas):
    skip_unless_postgresql()
    sub = push_service.new_subscription()
    url = reverse("api-push-subscription-list")
    same = [signed_in(personas.client_a), signed_in(personas.client_a)]
    results = together(
        *(lambda c=c: c.post(url, sub, content_type="application/json") for c in same)
    )
    assert sorted(statuses(results)) == [200, 201]
    assert PushSubscription.objects.filter(user=personas.client_a).count() == 1


def test_one_phone_turned_on_by_two_people_at_once_ends_with_one_of_them(push_service, personas):
    skip_unless_postgresql()
    sub = push_service.new_subscription()
    url = reverse("api-push-subscription-list")
    people = [signed_in(personas.client_a), signed_in(personas.client_b)]
    results = together(
        *(lambda c=c: c.post(url, sub, content_type="application/json") for c in people)
    )
    assert statuses(results) == [201, 201]
    [device] = PushSubscription.objects.all()
    assert device.user in (personas.client_a, personas.client_b)
