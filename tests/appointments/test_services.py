from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts import services as account_services
from appointments import selectors, services
from appointments.models import Appointment, BringItem, Series, Status
from tests.appointments.conftest import NOW
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # Monday 2 March 2026


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def care(personas, clock):
    """Therapist A and client A, both in London, with the clock stopped at NOW."""
    return {"therapist": personas.therapist_a, "relationship": personas.relationship_a}


def one(care, day: date, at: time, **fields) -> services.Saved:
    return services.appointment_create(**care, day=day, start_time=at, **fields)


def weekly(care, first_day: date, at: time = time(17), **fields) -> services.Saved:
    return services.series_create(**care, first_day=first_day, start_time=at, **fields)


# Series days --------------------------------------------------------------------------


def test_series_days_run_to_the_end_date_inclusive():
    days = list(services.series_days(date(2026, 3, 3), 1, date(2026, 3, 24), None))
    assert days == [date(2026, 3, 3), date(2026, 3, 10), date(2026, 3, 17), date(2026, 3, 24)]


def test_series_days_stop_at_whichever_end_comes_first():
    assert len(list(services.series_days(date(2026, 3, 3), 2, date(2027, 1, 1), 3))) == 3
    assert list(services.series_days(date(2026, 3, 3), 2, date(2026, 3, 20), 10)) == [
        date(2026, 3, 3),
        date(2026, 3, 17),
    ]


# Series ---------------------------------------------------------------------------------


def test_a_weekly_series_keeps_its_local_time_across_the_change_of_the_clocks(care):
    # The clocks go forward in London on Sunday 29 March 2026.
    saved = weekly(care, date(2026, 3, 17), count=4)

    sessions = Appointment.objects.filter(series=saved.series).order_by("starts_at")
    assert [(s.day, s.start_time, s.zone) for s in sessions] == [
        (date(2026, 3, 17), time(17), "Europe/London"),
        (date(2026, 3, 24), time(17), "Europe/London"),
        (date(2026, 3, 31), time(17), "Europe/London"),
        (date(2026, 4, 7), time(17), "Europe/London"),
    ]
    assert [s.starts_at for s in sessions] == [
        utc(2026, 3, 17, 17),
        utc(2026, 3, 24, 17),
        utc(2026, 3, 31, 16),  # 17:00 BST
        utc(2026, 4, 7, 16),
    ]


def test_a_fortnightly_series_by_count(care):
    saved = weekly(care, date(2026, 3, 4), at=time(9, 30), every_weeks=2, count=3)

    assert saved.series.every_weeks == 2 and saved.series.count == 3
    assert [a.day for a in saved.appointments] == [
        date(2026, 3, 4),
        date(2026, 3, 18),
        date(2026, 4, 1),
    ]
    assert Appointment.objects.filter(series=saved.series).count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "until", "Say when the series ends"),
        ({"until": date(2031, 3, 10)}, "until", "within five years"),
        ({"count": 261}, "count", "between 1 and 260"),
        ({"count": 3, "every_weeks": 3}, "every_weeks", "Every week or every two weeks"),
    ],
)
def test_a_series_needs_an_end_within_five_years(care, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        weekly(care, date(2026, 3, 3), **fields)

    assert message in " ".join(raised.value.message_dict[field])
    assert not Series.objects.exists() and not Appointment.objects.exists()


def test_a_series_may_end_five_years_after_its_first_session(care):
    saved = weekly(care, date(2026, 3, 3), until=date(2031, 3, 3), every_weeks=2)

    last = saved.appointments[-1].day
    assert date(2031, 3, 3) - timedelta(weeks=2) < last <= date(2031, 3, 3)
    assert len(saved.appointments) == 131


def test_a_session_more_than_five_years_away_is_refused(care):
    with pytest.raises(ValidationError) as raised:
        one(care, date(2031, 6, 1), time(10))

    assert "Choose a date between" in raised.value.message_dict["day"][0]
    assert not Appointment.objects.exists()


def test_a_series_starts_with_a_session_still_to_come(care):
    with pytest.raises(ValidationError) as raised:
        weekly(care, TODAY, at=time(8), count=3)  # 08:00 this morning has passed

    assert "first_day" in raised.value.message_dict
    assert not Series.objects.exists() and not Appointment.objects.exists()


# One session -------------------------------------------------------------------------


def test_a_session_in_the_past_is_recorded_only_as_held_or_missed(care):
    yesterday = TODAY - timedelta(days=1)
    with pytest.raises(ValidationError) as raised:
        one(care, yesterday, time(10))
    assert "held or missed" in raised.value.message_dict["status"][0]

    saved = one(care, yesterday, time(10), status=Status.HELD)
    assert saved.appointments[0].status == Status.HELD
    assert saved.appointments[0].status_changed_at == NOW


def test_a_session_to_come_is_only_scheduled(care):
    with pytest.raises(ValidationError) as raised:
        one(care, TODAY + timedelta(days=1), time(10), status=Status.HELD)

    assert "can only be scheduled" in raised.value.message_dict["status"][0]
    assert not Appointment.objects.exists()


def test_a_start_time_the_clocks_skip_moves_to_the_end_of_the_gap(care):
    (session,) = one(care, date(2026, 3, 29), time(1, 30)).appointments

    assert session.start_time == time(1, 30)
    assert session.starts_at == utc(2026, 3, 29, 1)  # 02:00 BST, the end of the gap


def test_another_therapists_client_is_refused(personas, clock):
    with pytest.raises(ValidationError, match="not an active client of yours"):
        services.appointment_create(
            therapist=personas.therapist_b,
            relationship=personas.relationship_a,
            day=TODAY + timedelta(days=1),
            start_time=time(10),
        )
    assert not Appointment.objects.exists()


# Overlaps --------------------------------------------------------------------------------


def test_two_sessions_at_the_same_time_are_saved_with_a_warning(care, personas):
    day = TODAY + timedelta(days=2)
    first = one(care, day, time(10))
    assert first.warnings == []
    other = account_services_relationship(personas.therapist_a)

    second = services.appointment_create(
        therapist=personas.therapist_a, relationship=other, day=day, start_time=time(10, 30)
    )

    assert second.warnings == [
        f"Wednesday 4 March 2026 at 10:30 overlaps your session with {personas.client_a}."
    ]
    assert Appointment.objects.count() == 2


def test_sessions_that_only_touch_or_were_cancelled_do_not_overlap(care):
    day = TODAY + timedelta(days=2)
    (first,) = one(care, day, time(10), minutes=50).appointments
    assert one(care, day, time(10, 50)).warnings == []
    services.appointment_cancel(appointment=first)
    assert one(care, day, time(10, 15), minutes=30).warnings == []


def test_another_therapists_sessions_are_not_overlaps(care, personas):
    day = TODAY + timedelta(days=2)
    one(care, day, time(10))
    saved = services.appointment_create(
        therapist=personas.therapist_b,
        relationship=personas.relationship_b,
        day=day,
        start_time=time(10),
    )
    assert saved.warnings == []


def account_services_relationship(therapist):
    """A second active client of `therapist`."""
    from tests.factories import ClientFactory, RelationshipFactory

    return RelationshipFactory(therapist=therapist, client=ClientFactory())


# Move and cancel ---------------------------------------------------------------------------


def test_moving_one_session_of_a_series_leaves_the_others(care):
    saved = weekly(care, date(2026, 3, 10), count=3)
    second = saved.appointments[1]

    services.appointment_move(
        appointment=second, day=date(2026, 3, 19), start_time=time(9), minutes=60
    )

    days = list(Appointment.objects.filter(series=saved.series).values_list("day", "start_time"))
    assert days == [
        (date(2026, 3, 10), time(17)),
        (date(2026, 3, 19), time(9)),
        (date(2026, 3, 24), time(17)),
    ]
    second.refresh_from_db()
    assert (second.starts_at, second.minutes) == (utc(2026, 3, 19, 9), 60)


def test_a_session_that_has_started_cannot_be_moved_or_cancelled(care, clock):
    (session,) = one(care, TODAY, time(10)).appointments
    clock.move_to(utc(2026, 3, 2, 10, 5))

    for change in (
        lambda: services.appointment_move(appointment=session, day=TODAY, start_time=time(15)),
        lambda: services.appointment_cancel(appointment=session),
    ):
        with pytest.raises(services.SessionClosed) as raised:
            change()
        assert "has started" in raised.value.messages[0]
        assert raised.value.conflict == {
            "current": {"status": "scheduled", "starts_at": "2026-03-02T10:00:00+00:00"}
        }
    session.refresh_from_db()
    assert (session.status, session.start_time) == (Status.SCHEDULED, time(10))


def test_a_session_cannot_be_moved_into_the_past(care):
    (session,) = one(care, TODAY + timedelta(days=1), time(10)).appointments

    with pytest.raises(ValidationError, match="still to come"):
        services.appointment_move(appointment=session, day=TODAY, start_time=time(8))
    session.refresh_from_db()
    assert session.day == TODAY + timedelta(days=1)


def test_cancelling_one_session_of_a_series(care):
    saved = weekly(care, date(2026, 3, 10), count=3)

    assert services.appointment_cancel(appointment=saved.appointments[1]) == 1

    statuses = Appointment.objects.filter(series=saved.series).values_list("status", flat=True)
    assert list(statuses) == [Status.SCHEDULED, Status.CANCELLED, Status.SCHEDULED]


def test_cancelling_the_rest_of_a_series_leaves_the_sessions_before(care):
    saved = weekly(care, date(2026, 3, 10), count=4)
    services.appointment_cancel(appointment=saved.appointments[2])  # cancelled already

    cancelled = services.appointment_cancel(appointment=saved.appointments[1], rest_of_series=True)

    assert cancelled == 2  # the second and the fourth
    statuses = Appointment.objects.filter(series=saved.series).values_list("status", flat=True)
    assert list(statuses) == [Status.SCHEDULED, *[Status.CANCELLED] * 3]


def test_a_cancelled_session_cannot_be_cancelled_again(care):
    (session,) = one(care, TODAY + timedelta(days=1), time(10)).appointments
    services.appointment_cancel(appointment=session)

    with pytest.raises(services.SessionClosed, match="cancelled already"):
        services.appointment_cancel(appointment=session)


# Held or missed -------------------------------------------------------------------------------


def test_a_session_is_marked_held_or_missed_only_after_its_start(care, clock):
    (session,) = one(care, TODAY, time(10)).appointments
    with pytest.raises(ValidationError, match="has not started yet"):
        services.appointment_mark(appointment=session, status=Status.HELD)

    clock.move_to(utc(2026, 3, 2, 11))
    assert services.appointment_mark(appointment=session, status=Status.HELD).status == "held"
    assert services.appointment_mark(appointment=session, status=Status.MISSED).status == "missed"
    with pytest.raises(ValidationError, match="held or missed"):
        services.appointment_mark(appointment=session, status=Status.CANCELLED)


def test_a_cancelled_session_is_not_marked(care, clock):
    (session,) = one(care, TODAY, time(10)).appointments
    services.appointment_cancel(appointment=session)
    clock.move_to(utc(2026, 3, 2, 11))

    with pytest.raises(ValidationError, match="cancelled"):
        services.appointment_mark(appointment=session, status=Status.HELD)
    session.refresh_from_db()
    assert session.status == Status.CANCELLED


# The recap -----------------------------------------------------------------------------------


def test_the_recap_follows_a_held_session_and_leaves_today_once_read(care, personas):
    (session,) = one(care, TODAY - timedelta(days=1), time(10), status="missed").appointments
    with pytest.raises(ValidationError, match="held first"):
        services.recap_write(appointment=session, text="Well done")
    services.appointment_mark(appointment=session, status=Status.HELD)

    services.recap_write(appointment=session, text="  Try the breathing before work.  ")

    assert selectors.unread_recap(client=personas.client_a) == session
    session.refresh_from_db()
    assert (session.recap, session.recap_at) == ("Try the breathing before work.", NOW)
    services.recap_read(client=personas.client_b, appointment=session)  # not theirs
    assert selectors.unread_recap(client=personas.client_a) == session
    services.recap_read(client=personas.client_a, appointment=session)
    assert selectors.unread_recap(client=personas.client_a) is None
    session.refresh_from_db()
    assert session.recap_read_at == NOW


# Ending the relationship ----------------------------------------------------------------------


def test_ending_the_relationship_cancels_only_sessions_still_to_come(care, personas):
    (held,) = one(care, TODAY - timedelta(days=7), time(10), status="held").appointments
    saved = weekly(care, TODAY + timedelta(days=1), count=3)

    account_services.relationship_end(actor=personas.client_a, relationship=personas.relationship_a)

    held.refresh_from_db()
    assert held.status == Status.HELD
    statuses = Appointment.objects.filter(series=saved.series).values_list("status", flat=True)
    assert set(statuses) == {Status.CANCELLED}


# To bring ---------------------------------------------------------------------------------------


def test_lines_to_bring_close_when_the_session_starts(care, personas, clock):
    (session,) = one(care, TODAY, time(10)).appointments
    client = personas.client_a
    first = services.bring_add(client=client, appointment=session, text="The panic on Tuesday")
    second = services.bring_add(client=client, appointment=session, text="Sleep")
    services.bring_move(client=client, item=second, position=0)
    assert list(session.bring_items.values_list("text", flat=True)) == [
        "Sleep",
        "The panic on Tuesday",
    ]

    clock.move_to(utc(2026, 3, 2, 10))
    for change in (
        lambda: services.bring_add(client=client, appointment=session, text="Late"),
        lambda: services.bring_move(client=client, item=first, position=0),
        lambda: services.bring_remove(client=client, item=first),
    ):
        with pytest.raises(ValidationError, match="its list can no longer change"):
            change()
    assert list(session.bring_items.values_list("text", flat=True)) == [
        "Sleep",
        "The panic on Tuesday",
    ]


def test_only_the_client_adds_lines_to_their_session(care, personas):
    session = AppointmentFactory(relationship=personas.relationship_a)

    with pytest.raises(ValidationError, match="not yours"):
        services.bring_add(client=personas.client_b, appointment=session, text="Hello")
    assert not BringItem.objects.exists()
