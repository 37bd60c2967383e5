"""The demo's sessions: the first demo client's weekly series and last week's session with a
recap not read yet, one session for each of the others; seeding twice changes nothing."""

from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.clock import local_today
from accounts.demo import DEMO_CLIENTS, DEMO_THERAPIST
from accounts.models import User
from appointments import selectors
from appointments.models import Appointment, Series, Status
from appointments.portal import local_start

pytestmark = pytest.mark.django_db


def test_the_demo_has_sessions_as_a_practice_in_use(client, settings):
    settings.TANDEM_REQUIRE_MFA = False  # as `make run` does
    call_command("seed_demo")
    therapist = User.objects.get(email=DEMO_THERAPIST[0])
    first, *others = (User.objects.get(email=c[0]) for c in DEMO_CLIENTS)
    zone = therapist.timezone
    today = local_today(zone)

    for appointment in Appointment.objects.all():
        appointment.full_clean()

    series = Series.objects.get(client=first)
    assert series.every_weeks == 1 and series.count
    upcoming = list(Appointment.objects.filter(client=first, status=Status.SCHEDULED))
    assert len(upcoming) == series.count
    next_one = selectors.next_appointment(user=first)
    start = local_start(next_one, zone)
    assert (start.date(), start.time()) == (today + timedelta(days=2), time(17))

    held = Appointment.objects.get(client=first, status=Status.HELD)
    held_start = local_start(held, zone)
    assert held_start.date() == today - timedelta(days=5)  # last week, at the same time
    assert held_start.time() == time(17)
    assert held.recap and held.recap_at and held.recap_read_at is None
    assert selectors.unread_recap(client=first) == held

    for other in others:
        (session,) = Appointment.objects.filter(client=other)
        assert session.status == Status.SCHEDULED and session.starts_at > held.starts_at
        assert session.series is None

    # The therapist's page for the first client and the client's Today show them.
    client.force_login(therapist)
    page = client.get(reverse("therapist_client_detail", args=[first.public_id]))
    html = page.content.decode()
    assert html.count("data-session=") == 5
    assert f'data-last-held="{held.public_id}"' in html
    client.force_login(first)
    assert "Next session:" in client.get(reverse("client_home")).content.decode()

    counts = (Series.objects.count(), Appointment.objects.count())
    recap_at = held.recap_at
    call_command("seed_demo")
    assert (Series.objects.count(), Appointment.objects.count()) == counts
    held.refresh_from_db()
    assert held.recap_at == recap_at
