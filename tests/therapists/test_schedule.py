"""Sessions in the therapist portal: the client page's "Sessions", recording one or a series,
moving one, cancelling one or the rest. Now is Sunday 6 December 2026, noon UTC; the
therapist is in London (GMT, UTC+0, until the clocks go forward on 28 March 2027)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.services import relationship_end
from appointments import services
from appointments.models import Appointment, Status
from tests.factories import RelationshipFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
TUESDAY = date(2026, 12, 8)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def as_therapist(client, personas):
    client.force_login(personas.therapist_a)
    return client


def page_url(personas) -> str:
    return reverse("therapist_client_detail", args=[personas.client_a.public_id])


def new_url(personas) -> str:
    return reverse("therapist_session_new", args=[personas.client_a.public_id])


def form(**fields) -> dict:
    data = {
        "day": TUESDAY.isoformat(),
        "start_time": "17:00",
        "minutes": "50",
        "mode": "in_person",
        "location": "Room 2, 14 Harbour Street",
        "repeat": "once",
        "status": "scheduled",
        "until": "",
        "count": "",
    }
    data.update({name: str(value) for name, value in fields.items()})
    return data


def book(personas, day=TUESDAY, at=time(17), **fields) -> Appointment:
    return services.appointment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        day=day,
        start_time=at,
        **fields,
    ).appointments[0]


def series(personas, *, count=4, every_weeks=1, first_day=TUESDAY) -> list[Appointment]:
    return services.series_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        first_day=first_day,
        start_time=time(17),
        every_weeks=every_weeks,
        count=count,
    ).appointments


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def errors(response) -> dict:
    return response.context["form"].errors


# --- The client page ------------------------------------------------------------------------


def test_the_client_page_says_when_no_session_is_planned(as_therapist, personas):
    html = as_therapist.get(page_url(personas)).content.decode()
    assert "data-sessions" in html
    assert "No session planned with Ada Alpha." in html
    assert reverse("therapist_session_new", args=[personas.client_a.public_id]) in html


def test_the_client_page_shows_the_next_five_and_the_last_held(as_therapist, personas):
    held = book(personas, day=date(2026, 11, 30), at=time(9), mode="phone", status=Status.HELD)
    older = book(personas, day=date(2026, 11, 23), at=time(9), status=Status.HELD)
    book(personas, day=date(2026, 12, 2), at=time(9), status=Status.MISSED)
    sessions = series(personas, count=7)
    html = as_therapist.get(page_url(personas)).content.decode()
    shown = [s for s in sessions if f'data-session="{s.public_id}"' in html]
    assert shown == sessions[:5]
    assert "Tuesday 8 December, 17:00" in html
    assert "50 minutes · in person" in html and "every week" in html
    assert f'data-last-held="{held.public_id}"' in html
    assert "Monday 30 November, 09:00" in html and "· phone" in html
    assert f'data-last-held="{older.public_id}"' not in html
    assert "Times are yours (Europe/London)." in html


def test_a_link_is_a_link_and_a_cancelled_session_is_gone(as_therapist, personas):
    video = book(personas, mode="video", location="https://meet.example.org/room-7")
    cancelled = book(personas, day=TUESDAY + timedelta(days=1))
    services.appointment_cancel(appointment=cancelled)
    html = as_therapist.get(page_url(personas)).content.decode()
    assert f'data-session="{video.public_id}"' in html
    assert '<a href="https://meet.example.org/room-7"' in html
    assert f'data-session="{cancelled.public_id}"' not in html


# --- Recording one session or a series --------------------------------------------------------


def test_the_form_says_the_therapists_time_zone(as_therapist, personas):
    html = as_therapist.get(new_url(personas)).content.decode()
    assert "Dates and times are in your time zone, Europe/London." in html
    assert "Ada Alpha sees each session at the same moment in their own time zone" in html


def test_one_session_is_saved_and_shown(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(), follow=True)
    assert response.redirect_chain == [(page_url(personas), 302)]
    assert messages_of(response) == ["Session with Ada Alpha saved: Tuesday 8 December, 17:00."]
    appointment = Appointment.objects.get()
    assert (appointment.day, appointment.start_time, appointment.zone) == (
        TUESDAY,
        time(17),
        "Europe/London",
    )
    assert appointment.starts_at == datetime(2026, 12, 8, 17, tzinfo=UTC)
    assert appointment.series is None and appointment.status == Status.SCHEDULED
    html = response.content.decode()
    assert f'data-session="{appointment.public_id}"' in html
    assert "Room 2, 14 Harbour Street" in html


def test_a_weekly_series_until_a_day(as_therapist, personas):
    data = form(repeat="1", until="2026-12-29")
    response = as_therapist.post(new_url(personas), data, follow=True)
    assert response.redirect_chain == [(page_url(personas), 302)]
    days = list(Appointment.objects.values_list("day", flat=True))
    assert days == [TUESDAY + timedelta(weeks=n) for n in range(4)]
    assert messages_of(response) == [
        "4 sessions with Ada Alpha saved, every week, from Tuesday 8 December, 17:00 "
        "to Tuesday 29 December, 17:00."
    ]
    series_row = Appointment.objects.first().series
    assert (series_row.every_weeks, series_row.until, series_row.count) == (
        1,
        date(2026, 12, 29),
        None,
    )


def test_a_fortnightly_series_by_a_number_of_sessions(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(repeat="2", count="3"), follow=True)
    assert response.status_code == 200
    days = list(Appointment.objects.values_list("day", flat=True))
    assert days == [date(2026, 12, 8), date(2026, 12, 22), date(2027, 1, 5)]
    assert "to Tuesday 5 January 2027, 17:00" in messages_of(response)[0]


def test_a_series_needs_an_end_and_only_one(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(repeat="1"))
    assert response.status_code == 400
    assert errors(response)["until"] == [
        "Say when the series ends: a last day or a number of sessions."
    ]
    response = as_therapist.post(new_url(personas), form(repeat="1", until="2027-01-05", count=3))
    assert response.status_code == 400
    assert "not both" in errors(response)["count"][0]
    assert not Appointment.objects.exists()


def test_a_series_is_of_sessions_still_to_come(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(repeat="1", count=3, status="held"))
    assert response.status_code == 400
    assert errors(response)["status"] == ["A series is of sessions still to come."]
    past = form(repeat="1", count=3, day="2026-12-01")
    response = as_therapist.post(new_url(personas), past)
    assert response.status_code == 400
    assert errors(response)["day"] == ["A series starts with a session still to come."]
    assert not Appointment.objects.exists()


def test_a_past_time_is_recorded_only_as_held_or_missed(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(day="2026-12-04"))
    assert response.status_code == 400
    assert errors(response)["status"] == [
        "This time has passed: record the session as held or missed."
    ]
    response = as_therapist.post(new_url(personas), form(day="2026-12-04", status="missed"))
    assert response.status_code == 302
    assert Appointment.objects.get().status == Status.MISSED
    response = as_therapist.post(new_url(personas), form(day="2026-12-03", status="held"))
    assert response.status_code == 302
    html = as_therapist.get(page_url(personas)).content.decode()
    held = Appointment.objects.get(status=Status.HELD)
    assert f'data-last-held="{held.public_id}"' in html


def test_a_time_to_come_is_not_held(as_therapist, personas):
    response = as_therapist.post(new_url(personas), form(status="held"))
    assert response.status_code == 400
    assert errors(response)["status"] == ["A session still to come can only be scheduled."]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": "2032-12-10"}, "day", "Choose a date between"),
        ({"repeat": "1", "until": "2032-12-10"}, "until", "within five years"),
        ({"repeat": "1", "count": "261"}, "count", "less than or equal to 260"),
        ({"repeat": "1", "until": "2026-12-01"}, "until", "within five years"),
    ],
)
def test_beyond_five_years_is_refused_on_its_field(as_therapist, personas, fields, field, message):
    response = as_therapist.post(new_url(personas), form(**fields))
    assert response.status_code == 400
    assert message in " ".join(errors(response)[field])
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"day": "8 December"}, "day"),
        ({"start_time": "25:00"}, "start_time"),
        ({"minutes": "5"}, "minutes"),
        ({"minutes": "241"}, "minutes"),
        ({"mode": "carrier pigeon"}, "mode"),
        ({"repeat": "3"}, "repeat"),
        ({"location": "x" * 301}, "location"),
        ({"location": "Room\x002"}, "location"),
        ({"status": "cancelled"}, "status"),
    ],
)
def test_bad_input_is_a_clear_form_error(as_therapist, personas, fields, field):
    response = as_therapist.post(new_url(personas), form(**fields))
    assert response.status_code == 400
    assert errors(response)[field]
    assert f'id="id_{field}_error" role="alert"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_start_time_the_clocks_skip_shows_the_time_it_moved_to(as_therapist, personas):
    """In London the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027."""
    response = as_therapist.post(
        new_url(personas), form(day="2027-03-28", start_time="01:30"), follow=True
    )
    assert messages_of(response) == [
        "Session with Ada Alpha saved: Sunday 28 March 2027, 02:00. 01:30 does not exist on "
        "Sunday 28 March 2027 (the clocks go forward): it starts at 02:00."
    ]
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime(2027, 3, 28, 1, tzinfo=UTC)
    assert "Sunday 28 March 2027, 02:00" in response.content.decode()


def test_a_weekly_series_over_the_change_keeps_its_time_and_says_the_skipped_day(
    as_therapist, personas
):
    data = form(day="2027-03-21", start_time="01:30", repeat="1", count="3")
    response = as_therapist.post(new_url(personas), data, follow=True)
    assert "01:30 does not exist on Sunday 28 March 2027" in messages_of(response)[0]
    starts = list(Appointment.objects.values_list("starts_at", flat=True))
    assert starts == [
        datetime(2027, 3, 21, 1, 30, tzinfo=UTC),  # GMT
        datetime(2027, 3, 28, 1, 0, tzinfo=UTC),  # 02:00 BST, the end of the gap
        datetime(2027, 4, 4, 0, 30, tzinfo=UTC),  # 01:30 BST
    ]


def test_an_overlap_is_allowed_and_said(as_therapist, personas):
    other = RelationshipFactory(therapist=personas.therapist_a)
    services.appointment_create(
        therapist=personas.therapist_a,
        relationship=other,
        day=TUESDAY,
        start_time=time(17, 30),
    )
    response = as_therapist.post(new_url(personas), form(), follow=True)
    assert response.redirect_chain == [(page_url(personas), 302)]
    kinds = {str(m): m.level_tag for m in response.context["messages"]}
    warning = f"Tuesday 8 December 2026 at 17:00 overlaps your session with {other.client}."
    assert kinds[warning] == "warning"
    assert Appointment.objects.count() == 2


# --- Moving and cancelling ---------------------------------------------------------------------


def move_url(appointment) -> str:
    return reverse("therapist_session_move", args=[appointment.public_id])


def cancel_url(appointment) -> str:
    return reverse("therapist_session_cancel", args=[appointment.public_id])


def test_moving_one_session_of_a_series_leaves_the_others(as_therapist, personas):
    first, second, third = series(personas, count=3)
    page = as_therapist.get(move_url(second))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="2026-12-15"' in html and 'value="17:00"' in html
    assert "The other sessions of the series stay as they are." in html
    response = as_therapist.post(
        move_url(second), {"day": "2026-12-16", "start_time": "09:15", "minutes": "60"}, follow=True
    )
    assert response.redirect_chain == [(page_url(personas), 302)]
    assert messages_of(response) == [
        "Session with Ada Alpha moved from Tuesday 15 December, 17:00 to "
        "Wednesday 16 December, 09:15."
    ]
    second.refresh_from_db()
    assert (second.day, second.start_time, second.minutes, second.series_id) == (
        date(2026, 12, 16),
        time(9, 15),
        60,
        first.series_id,
    )
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.day, third.day) == (TUESDAY, date(2026, 12, 22))


def test_moving_into_the_past_or_too_far_is_a_form_error(as_therapist, personas):
    appointment = book(personas)
    response = as_therapist.post(
        move_url(appointment), {"day": "2026-12-05", "start_time": "10:00", "minutes": "50"}
    )
    assert response.status_code == 400
    assert errors(response)["day"] == ["Move it to a time still to come."]
    response = as_therapist.post(
        move_url(appointment), {"day": "2040-01-01", "start_time": "10:00", "minutes": "50"}
    )
    assert response.status_code == 400
    assert "Choose a date between" in errors(response)["day"][0]
    response = as_therapist.post(move_url(appointment), {"day": "", "start_time": "x"})
    assert response.status_code == 400
    assert set(errors(response)) == {"day", "start_time", "minutes"}
    appointment.refresh_from_db()
    assert appointment.day == TUESDAY


def test_a_move_into_the_gap_says_the_time_it_moved_to(as_therapist, personas):
    appointment = book(personas)
    response = as_therapist.post(
        move_url(appointment),
        {"day": "2027-03-28", "start_time": "01:30", "minutes": "50"},
        follow=True,
    )
    assert messages_of(response)[0].endswith(
        "to Sunday 28 March 2027, 02:00. 01:30 does not exist on Sunday 28 March 2027 "
        "(the clocks go forward): it starts at 02:00."
    )


def test_cancelling_one_asks_first_then_cancels_only_it(as_therapist, personas):
    _first, second, _third = series(personas, count=3)
    page = as_therapist.get(cancel_url(second))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Cancel the session with Ada Alpha?" in html
    assert 'name="scope" value="one"' in html
    assert "Cancel this and the rest of the series (2 sessions)" in html
    assert Appointment.objects.filter(status=Status.CANCELLED).count() == 0  # only asked
    response = as_therapist.post(cancel_url(second), {"scope": "one"}, follow=True)
    assert messages_of(response) == [
        "Cancelled the session with Ada Alpha on Tuesday 15 December, 17:00."
    ]
    statuses = [a.status for a in Appointment.objects.order_by("starts_at")]
    assert statuses == [Status.SCHEDULED, Status.CANCELLED, Status.SCHEDULED]


def test_cancelling_the_rest_of_a_series_keeps_the_earlier_ones(as_therapist, personas):
    sessions = series(personas, count=5)
    response = as_therapist.post(cancel_url(sessions[2]), {"scope": "rest"}, follow=True)
    assert messages_of(response) == [
        "Cancelled 3 sessions with Ada Alpha, from Tuesday 22 December, 17:00 on."
    ]
    statuses = [a.status for a in Appointment.objects.order_by("starts_at")]
    assert statuses == [Status.SCHEDULED] * 2 + [Status.CANCELLED] * 3
    html = response.content.decode()
    assert html.count("data-session=") == 2


def test_a_single_session_offers_no_rest_and_a_bad_choice_is_refused(as_therapist, personas):
    appointment = book(personas)
    html = as_therapist.get(cancel_url(appointment)).content.decode()
    assert 'value="rest"' not in html
    assert as_therapist.post(cancel_url(appointment), {"scope": "all"}).status_code == 400
    assert as_therapist.post(cancel_url(appointment)).status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED


def test_a_cancelled_or_past_session_cannot_be_moved_or_cancelled(as_therapist, personas):
    appointment = book(personas)
    services.appointment_cancel(appointment=appointment)
    for url in (move_url(appointment), cancel_url(appointment)):
        response = as_therapist.get(url)
        assert response.status_code == 409
        assert "Only a session still to come can be" in response.content.decode()
    past = book(personas, day=date(2026, 12, 1), status=Status.HELD)
    assert as_therapist.post(cancel_url(past), {"scope": "one"}).status_code == 409
    past.refresh_from_db()
    assert past.status == Status.HELD


# --- Access --------------------------------------------------------------------------------------


def test_another_therapist_gets_404_and_a_client_is_refused(personas):
    appointment = book(personas)
    urls = [new_url(personas), move_url(appointment), cancel_url(appointment)]
    other = Client()
    other.force_login(personas.therapist_b)
    for url in urls:
        assert other.get(url).status_code == 404
        response = other.post(url, {**form(), "scope": "one"})
        assert response.status_code == 404
        assert "Ada Alpha" not in response.content.decode()
    as_client = Client()
    as_client.force_login(personas.client_a)
    for url in urls:
        assert as_client.get(url).status_code == 403
        assert as_client.post(url, {**form(), "scope": "one"}).status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED and appointment.day == TUESDAY
    assert Appointment.objects.count() == 1


def test_after_the_end_of_care_nothing_is_planned(as_therapist, personas):
    """Ending the relationship cancels its sessions still to come; the client sees none."""
    sessions = series(personas, count=3)
    relationship_end(actor=personas.client_a, relationship=personas.relationship_a)
    assert {a.status for a in Appointment.objects.all()} == {Status.CANCELLED}
    assert as_therapist.get(page_url(personas)).status_code == 404
    assert as_therapist.get(move_url(sessions[0])).status_code == 404
    as_client = Client()
    as_client.force_login(personas.client_a)
    for name in ("client_home", "client_account"):
        assert "Next session" not in as_client.get(reverse(name)).content.decode()


def test_a_therapist_with_several_clients_sees_only_this_clients_sessions(as_therapist, personas):
    other = RelationshipFactory(therapist=personas.therapist_a)
    theirs = services.appointment_create(
        therapist=personas.therapist_a, relationship=other, day=TUESDAY, start_time=time(9)
    ).appointments[0]
    mine = book(personas)
    html = as_therapist.get(page_url(personas)).content.decode()
    assert f'data-session="{mine.public_id}"' in html
    assert f'data-session="{theirs.public_id}"' not in html
