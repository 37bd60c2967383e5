"""Two cancels of the rest of a series sent at the same moment: each session is cancelled
once, one request says how many, the other is told it was cancelled already (409). Real
threads, each with its own connection (PostgreSQL locks the relationship, then the row)."""

from datetime import time, timedelta
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments import services
from appointments.models import Status
from tests.conftest import activate_totp
from tests.factories import RelationshipFactory
from tests.races import signed_in, skip_unless_postgresql, statuses, together

TRIALS = 5


@pytest.mark.django_db(transaction=True)
def test_two_cancels_of_the_rest_of_a_series_cancel_each_session_once(transactional_db):
    skip_unless_postgresql()
    for _ in range(TRIALS):
        relationship = RelationshipFactory()
        activate_totp(relationship.therapist)
        series = services.series_create(
            therapist=relationship.therapist,
            relationship=relationship,
            first_day=timezone.localdate() + timedelta(days=2),
            start_time=time(10),
            count=4,
        ).series
        first = series.appointments.order_by("starts_at").first()
        url = reverse("api-session-cancel", kwargs={"public_id": first.public_id})
        send = partial(
            signed_in(relationship.therapist).post,
            url,
            {"rest_of_series": True},
            "application/json",
        )

        results = together(send, send)

        assert sorted(statuses(results)) == [200, 409], statuses(results)
        (done,) = [r for r in results if r.status_code == 200]
        (refused,) = [r for r in results if r.status_code == 409]
        assert done.json()["cancelled"] == 4
        assert refused.json()["non_field_errors"] == ["This session was cancelled already."]
        assert set(series.appointments.values_list("status", flat=True)) == {Status.CANCELLED}
