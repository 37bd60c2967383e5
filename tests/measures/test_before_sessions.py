"""Questionnaires before each session: due from two days (or as set) before each session of
the care relationship until it starts, answered once per session, shown on Today; question 9
raises its alert as on any other schedule."""

from datetime import date, time

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from appointments import services as appointment_services
from measures import selectors, services
from measures.models import MeasureAssignment
from safety.models import SafetyAlert, Source

pytestmark = pytest.mark.django_db

# A Monday; both people are in London, where it is UTC in December.
MONDAY = "2026-12-07 09:00Z"


@pytest.fixture
def series(personas):
    """Weekly sessions on Thursdays at 17:00: 10, 17 and 24 December."""
    with time_machine.travel(MONDAY, tick=False):
        return appointment_services.series_create(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            first_day=date(2026, 12, 10),
            start_time=time(17),
            count=3,
        ).appointments


@pytest.fixture
def before_sessions(personas, series):
    with time_machine.travel(MONDAY, tick=False):
        return services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="phq9",
            before_sessions=True,
        )


def due_on(client, moment: str):
    with time_machine.travel(moment, tick=False):
        return [(d.assignment.instrument, d.appointment) for d in selectors.due_for_client(client)]


def test_it_is_due_two_days_before_each_session_and_not_otherwise(
    personas, series, before_sessions
):
    client = personas.client_a
    first, second, third = series
    assert before_sessions.schedule_text == "Before each session (from 2 days before)"
    for moment in ("2026-12-07 09:00Z", "2026-12-07 23:59Z", "2026-12-11 09:00Z"):
        assert due_on(client, moment) == [], moment
    for moment in ("2026-12-08 00:00Z", "2026-12-09 12:00Z", "2026-12-10 16:59Z"):
        assert due_on(client, moment) == [("phq9", first)], moment
    # Once the session has started, the questionnaire waits for the next one.
    assert due_on(client, "2026-12-10 17:00Z") == []
    assert due_on(client, "2026-12-14 23:00Z") == []
    assert due_on(client, "2026-12-15 08:00Z") == [("phq9", second)]
    assert due_on(client, "2026-12-22 08:00Z") == [("phq9", third)]
    assert due_on(client, "2026-12-29 08:00Z") == []  # the series has ended


def test_it_is_answered_once_per_session_and_counted_for_it(personas, series, before_sessions):
    first, second, _ = series
    with time_machine.travel("2026-12-09 12:00Z", tick=False):
        response = services.response_submit(
            client=personas.client_a, assignment=before_sessions, answers=[1] * 8 + [0]
        )
        assert (response.appointment, response.period) == (first, first.pk)
        with pytest.raises(services.AlreadyAnswered):
            services.response_submit(
                client=personas.client_a, assignment=before_sessions, answers=[0] * 9
            )
    assert due_on(personas.client_a, "2026-12-10 12:00Z") == []
    with time_machine.travel("2026-12-16 12:00Z", tick=False):
        later = services.response_submit(
            client=personas.client_a, assignment=before_sessions, answers=[0] * 9
        )
    assert later.appointment == second
    assert list(before_sessions.responses.values_list("appointment", flat=True)) == [
        first.pk,
        second.pk,
    ]


def test_it_cannot_be_answered_between_sessions(personas, series, before_sessions):
    with (
        time_machine.travel("2026-12-12 12:00Z", tick=False),
        pytest.raises(services.ValidationError, match="not due yet"),
    ):
        services.response_submit(
            client=personas.client_a, assignment=before_sessions, answers=[0] * 9
        )


def test_a_moved_or_cancelled_session_moves_the_due_days(personas, series, before_sessions):
    first, second, _ = series
    with time_machine.travel(MONDAY, tick=False):
        appointment_services.appointment_cancel(appointment=first)
        appointment_services.appointment_move(
            appointment=second, day=date(2026, 12, 14), start_time=time(9)
        )
    assert due_on(personas.client_a, "2026-12-09 12:00Z") == []
    assert due_on(personas.client_a, "2026-12-12 12:00Z") == [("phq9", second)]


def test_the_days_before_can_be_set(personas, series):
    with time_machine.travel(MONDAY, tick=False):
        same_day = services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="gad7",
            before_sessions=True,
            days_before=0,
        )
    assert same_day.schedule_text == "Before each session (on the day)"
    assert due_on(personas.client_a, "2026-12-09 23:00Z") == []
    assert due_on(personas.client_a, "2026-12-10 08:00Z") == [("gad7", series[0])]


def test_question_9_raises_its_alert_as_on_any_schedule(personas, series, before_sessions):
    with time_machine.travel("2026-12-09 12:00Z", tick=False):
        response = services.response_submit(
            client=personas.client_a, assignment=before_sessions, answers=[0] * 8 + [2]
        )
    alert = SafetyAlert.objects.get(source=Source.PHQ9_ITEM9)
    assert (alert.reference, alert.level) == (response.public_id, 2)


def test_every_few_weeks_and_before_each_session_do_not_mix(personas):
    with pytest.raises(services.ValidationError, match="not both"):
        services.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="phq9",
            every_weeks=2,
            before_sessions=True,
        )


def test_today_shows_it_with_its_session(client, personas, series, before_sessions):
    with time_machine.travel("2026-12-09 12:00Z", tick=False):
        client.force_login(personas.client_a)
        page = client.get(reverse("client_home")).content.decode()
    assert "Answer the PHQ-9" in page
    assert "before your session on Thursday 10 December" in page


def test_the_therapist_sets_it_on_the_page_and_in_the_api(client, personas):
    client.force_login(personas.therapist_a)
    url = reverse("therapist_measure_assign", args=[personas.client_a.public_id])
    response = client.post(url, {"instrument": "phq9", "every_weeks": "-1", "days_before": "3"})
    assert response.status_code == 302
    set_on_page = MeasureAssignment.objects.get()
    assert (set_on_page.before_sessions, set_on_page.every_weeks, set_on_page.days_before) == (
        True,
        None,
        3,
    )
    api = APIClient()
    api.force_authenticate(personas.therapist_a)
    body = api.post(
        "/api/v1/measure-assignments/",
        {"client": str(personas.client_a.public_id), "instrument": "who5", "before_sessions": True},
        format="json",
    ).json()
    assert (body["before_sessions"], body["days_before"], body["every_weeks"]) == (True, 2, None)
    assert body["schedule_text"] == "Before each session (from 2 days before)"
