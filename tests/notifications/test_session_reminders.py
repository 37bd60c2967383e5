"""The client's reminder the day before each session: made by the tick through the ledger,
sent by the real sender once per session and start time, none for a cancelled session, the
moved one's at its new time, none when switched off, held back by quiet hours. Today is
Tuesday 1 December 2026, 09:00 UTC; London is on GMT."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from appointments import services as sessions
from notifications import ledger, services
from notifications.models import Delivery, Kind, Preferences, Status

from .conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

WEDNESDAY = date(2026, 12, 2)
TUESDAY_18 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # the client's default reminder time
MINUTE = timedelta(minutes=1)


def book(personas, day=WEDNESDAY, at=time(17, 0), **fields):
    [session] = sessions.appointment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        day=day,
        start_time=at,
        location="MARKER-ROOM-4",
        **fields,
    ).appointments
    return session


def tick_at(clock, moment) -> list[str]:
    """The beat at `moment`, and each session reminder it made sent by the real sender (the
    homework reminders due at the same time are left alone)."""
    clock.move_to(moment)
    made = Delivery.objects.filter(
        pk__in=services.tick(now=moment).deliveries, kind=Kind.SESSION_REMINDER
    )
    return [ledger.deliver(pk) for pk in made.values_list("pk", flat=True)]


def made_at(moment) -> list[int]:
    """The session reminder rows the beat makes at `moment`, not sent."""
    made = services.tick(now=moment).deliveries
    return list(
        Delivery.objects.filter(pk__in=made, kind=Kind.SESSION_REMINDER).values_list(
            "pk", flat=True
        )
    )


def session_rows(user) -> list[tuple[str, str]]:
    return list(
        Delivery.objects.filter(user=user, kind=Kind.SESSION_REMINDER)
        .order_by("pk")
        .values_list("status", "error")
    )


def test_the_client_is_reminded_once_the_day_before_at_her_reminder_time(
    personas, frozen, mailoutbox
):
    session = book(personas)
    services.preferences_for(personas.client_a)  # the defaults: 18:00, quiet 22:00 to 07:00
    assert tick_at(frozen, TUESDAY_18 - MINUTE) == []
    assert tick_at(frozen, TUESDAY_18) == ["sent"]
    for later in (TUESDAY_18 + MINUTE, TUESDAY_18 + timedelta(hours=2), NOW + timedelta(days=1)):
        assert tick_at(frozen, later) == []
    [message] = mailoutbox
    assert message.to == [personas.client_a.email]
    assert message.subject == "You have a session tomorrow at 17:00"
    assert "You have a session tomorrow, Wednesday 2 December, at 17:00 (your time)." in (
        message.body
    )
    text = message.body + message.alternatives[0][0] + str(message.extra_headers)
    for absent in ("Ann Able", "MARKER-ROOM-4", "In person", "in_person"):
        assert absent not in text
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = Delivery.objects.get(kind=Kind.SESSION_REMINDER)
    assert row.period == f"{session.public_id}@20261202T1700Z"
    assert (row.status, row.created_at, row.user) == (Status.SENT, TUESDAY_18, personas.client_a)


def test_the_time_is_the_clients_own(personas, frozen, mailoutbox):
    personas.client_a.timezone = "America/New_York"
    personas.client_a.save(update_fields=["timezone"])
    book(personas, at=time(15, 0))  # 15:00 in London is 10:00 in New York, on Wednesday
    services.preferences_for(personas.client_a)
    new_york_18 = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # Tuesday 18:00 EST
    assert tick_at(frozen, new_york_18 - MINUTE) == []
    assert tick_at(frozen, new_york_18) == ["sent"]
    assert mailoutbox[0].subject == "You have a session tomorrow at 10:00"


def test_a_cancelled_session_gets_no_reminder(personas, frozen, mailoutbox):
    sessions.appointment_cancel(appointment=book(personas))
    assert tick_at(frozen, TUESDAY_18) == []
    assert session_rows(personas.client_a) == []


def test_a_session_cancelled_after_its_row_was_made_is_not_reminded(personas, frozen, mailoutbox):
    session = book(personas)
    frozen.move_to(TUESDAY_18)
    [pk] = made_at(TUESDAY_18)
    sessions.appointment_cancel(appointment=session)
    assert ledger.deliver(pk) == "skipped: session cancelled"
    assert mailoutbox == []


def test_a_moved_session_is_reminded_at_its_new_time(personas, frozen, mailoutbox):
    session = book(personas)
    sessions.appointment_move(appointment=session, day=date(2026, 12, 3), start_time=time(10, 0))
    assert tick_at(frozen, TUESDAY_18) == []
    assert tick_at(frozen, TUESDAY_18 + timedelta(days=1) - MINUTE) == []
    assert tick_at(frozen, TUESDAY_18 + timedelta(days=1)) == ["sent"]
    [message] = mailoutbox
    assert message.subject == "You have a session tomorrow at 10:00"
    assert "Thursday 3 December" in message.body


def test_a_session_moved_after_its_reminder_gets_one_for_the_new_time(personas, frozen, mailoutbox):
    session = book(personas)
    assert tick_at(frozen, TUESDAY_18) == ["sent"]
    frozen.move_to(TUESDAY_18 + timedelta(hours=1))
    sessions.appointment_move(appointment=session, day=WEDNESDAY, start_time=time(15, 30))
    assert tick_at(frozen, TUESDAY_18 + timedelta(hours=1)) == ["sent"]
    assert tick_at(frozen, TUESDAY_18 + timedelta(hours=2)) == []
    assert [m.subject for m in mailoutbox] == [
        "You have a session tomorrow at 17:00",
        "You have a session tomorrow at 15:30",
    ]


def test_a_row_made_before_a_move_is_skipped_and_the_new_time_gets_its_own(
    personas, frozen, mailoutbox
):
    session = book(personas)
    frozen.move_to(TUESDAY_18)
    [old] = made_at(TUESDAY_18)
    sessions.appointment_move(appointment=session, day=WEDNESDAY, start_time=time(12, 0))
    assert ledger.deliver(old) == "skipped: session moved"
    assert tick_at(frozen, TUESDAY_18 + MINUTE) == ["sent"]
    assert [m.subject for m in mailoutbox] == ["You have a session tomorrow at 12:00"]


def test_none_when_switched_off(personas, frozen, mailoutbox):
    book(personas)
    services.preferences_update(user=personas.client_a, session_reminders_enabled=False)
    assert tick_at(frozen, TUESDAY_18) == []
    # Switched off after the row was made: nothing goes either.
    services.preferences_update(user=personas.client_a, session_reminders_enabled=True)
    frozen.move_to(TUESDAY_18)
    [pk] = made_at(TUESDAY_18)
    services.preferences_update(user=personas.client_a, session_reminders_enabled=False)
    assert ledger.deliver(pk) == "skipped: session reminders off"
    assert mailoutbox == []


def test_quiet_hours_hold_it_back_to_the_morning_of_the_session(personas, frozen, mailoutbox):
    book(personas)
    services.preferences_update(
        user=personas.client_a, reminder_time=time(23, 0), quiet_start=time(22), quiet_end=time(7)
    )
    wednesday_7 = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert tick_at(frozen, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)) == []
    assert tick_at(frozen, wednesday_7 - MINUTE) == []
    assert tick_at(frozen, wednesday_7) == ["sent"]
    [message] = mailoutbox
    assert message.subject == "You have a session today at 17:00"  # true when it arrives
    assert "today, Wednesday 2 December, at 17:00" in message.body


def test_a_session_booked_in_quiet_hours_is_reminded_when_they_end(personas, frozen, mailoutbox):
    late = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # after the client's 18:00, in quiet hours
    frozen.move_to(late)
    book(personas, at=time(11, 0))
    services.preferences_for(personas.client_a)
    assert tick_at(frozen, late) == []
    assert tick_at(frozen, datetime(2026, 12, 2, 6, 59, tzinfo=UTC)) == []
    assert tick_at(frozen, datetime(2026, 12, 2, 7, 0, tzinfo=UTC)) == ["sent"]
    assert mailoutbox[0].subject == "You have a session today at 11:00"


def test_a_session_about_to_start_gets_none(personas, frozen, mailoutbox):
    frozen.move_to(datetime(2026, 12, 2, 16, 10, tzinfo=UTC))
    book(personas)
    assert tick_at(frozen, datetime(2026, 12, 2, 16, 10, tzinfo=UTC)) == []
    assert session_rows(personas.client_a) == []


def test_an_ended_relationship_ends_the_reminders(personas, frozen, mailoutbox):
    book(personas)
    sessions.cancel_future(personas.relationship_a)
    assert tick_at(frozen, TUESDAY_18) == []


def test_the_one_click_unsubscribe_turns_them_off(client, personas, frozen, mailoutbox):
    book(personas)
    tick_at(frozen, TUESDAY_18)
    url = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    assert "Stop session reminders?" in client.get(url).content.decode()
    assert Preferences.objects.get(user=personas.client_a).session_reminders_enabled is True
    response = client.post(url, {"List-Unsubscribe": "One-Click"}, HTTP_COOKIE="")
    assert "You will not get session reminders any more" in response.content.decode()
    prefs = Preferences.objects.get(user=personas.client_a)
    assert prefs.session_reminders_enabled is False and prefs.reminders_enabled is True


def test_the_switch_is_in_the_clients_e_mail_settings_only(client, personas):
    client.force_login(personas.client_a)
    page = client.get(reverse("client_notifications")).content.decode()
    assert "Session reminders: tell me the day before a session" in page
    assert re.search(r'<input type="checkbox" name="session_reminders_enabled"[^>]*checked>', page)
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_notifications")).content.decode()
    assert "session_reminders_enabled" not in page


def test_the_api_reads_and_writes_the_switch(client, personas):
    client.force_login(personas.client_a)
    url = "/api/v1/notifications/preferences/"
    assert client.get(url).json()["session_reminders_enabled"] is True
    response = client.patch(
        url, {"session_reminders_enabled": False}, content_type="application/json"
    )
    assert response.json()["session_reminders_enabled"] is False
    assert Preferences.objects.get(user=personas.client_a).session_reminders_enabled is False


def test_the_switch_and_the_reminders_are_in_the_clients_export(personas, frozen, mailoutbox):
    from clients.export import export_data

    session = book(personas)
    tick_at(frozen, TUESDAY_18)
    data = export_data(personas.client_a)
    assert data["email_settings"][0]["session_reminders_enabled"] is True
    assert {
        "kind": "session_reminder",
        "channel": "email",
        "period": f"{session.public_id}@20261202T1700Z",
        "status": "sent",
        "created_at": TUESDAY_18,
        "finished_at": TUESDAY_18,
    } in data["emails_sent"]


# --- Across the 2026 and 2027 changes of the clocks ----------------------------------


def z(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# A weekly series of three Monday sessions at 17:00 in the therapist's zone around each
# change (all on Sundays), and the reminder of each on the Sunday before, worked out by hand:
# (client zone, therapist zone, client's reminder time, first Monday,
#  [(reminder instant, the session's time in the client's zone)] * 3).
# London at 01:30: in the spring gap (01:00 GMT -> 02:00 BST) it moves to 02:00 BST; in
# autumn 01:30 happens twice and fires on the first (BST). New York at 02:30: the spring gap
# (02:00 EST -> 03:00 EDT) moves it to 03:00 EDT. Sydney at 02:30: in April 02:30 happens
# twice (03:00 AEDT -> 02:00 AEST), first AEDT; in October the gap moves it to 03:00 AEDT.
# Kolkata (no DST) with a London therapist: the session moves by an hour in her zone, her
# reminder stays at 18:00 IST = 12:30 UTC.
LONDON_AT, NEW_YORK_AT, SYDNEY_AT = time(1, 30), time(2, 30), time(2, 30)
DST = {
    "london-2026-spring": (
        "Europe/London",
        "Europe/London",
        LONDON_AT,
        date(2026, 3, 23),
        [
            (z(2026, 3, 22, 1, 30), "17:00"),
            (z(2026, 3, 29, 1, 0), "17:00"),
            (z(2026, 4, 5, 0, 30), "17:00"),
        ],
    ),
    "london-2026-autumn": (
        "Europe/London",
        "Europe/London",
        LONDON_AT,
        date(2026, 10, 19),
        [
            (z(2026, 10, 18, 0, 30), "17:00"),
            (z(2026, 10, 25, 0, 30), "17:00"),
            (z(2026, 11, 1, 1, 30), "17:00"),
        ],
    ),
    "london-2027-spring": (
        "Europe/London",
        "Europe/London",
        LONDON_AT,
        date(2027, 3, 22),
        [
            (z(2027, 3, 21, 1, 30), "17:00"),
            (z(2027, 3, 28, 1, 0), "17:00"),
            (z(2027, 4, 4, 0, 30), "17:00"),
        ],
    ),
    "london-2027-autumn": (
        "Europe/London",
        "Europe/London",
        LONDON_AT,
        date(2027, 10, 25),
        [
            (z(2027, 10, 24, 0, 30), "17:00"),
            (z(2027, 10, 31, 0, 30), "17:00"),
            (z(2027, 11, 7, 1, 30), "17:00"),
        ],
    ),
    "new-york-2026-spring": (
        "America/New_York",
        "America/New_York",
        NEW_YORK_AT,
        date(2026, 3, 2),
        [
            (z(2026, 3, 1, 7, 30), "17:00"),
            (z(2026, 3, 8, 7, 0), "17:00"),
            (z(2026, 3, 15, 6, 30), "17:00"),
        ],
    ),
    "new-york-2026-autumn": (
        "America/New_York",
        "America/New_York",
        NEW_YORK_AT,
        date(2026, 10, 26),
        [
            (z(2026, 10, 25, 6, 30), "17:00"),
            (z(2026, 11, 1, 7, 30), "17:00"),
            (z(2026, 11, 8, 7, 30), "17:00"),
        ],
    ),
    "new-york-2027-spring": (
        "America/New_York",
        "America/New_York",
        NEW_YORK_AT,
        date(2027, 3, 8),
        [
            (z(2027, 3, 7, 7, 30), "17:00"),
            (z(2027, 3, 14, 7, 0), "17:00"),
            (z(2027, 3, 21, 6, 30), "17:00"),
        ],
    ),
    "new-york-2027-autumn": (
        "America/New_York",
        "America/New_York",
        NEW_YORK_AT,
        date(2027, 11, 1),
        [
            (z(2027, 10, 31, 6, 30), "17:00"),
            (z(2027, 11, 7, 7, 30), "17:00"),
            (z(2027, 11, 14, 7, 30), "17:00"),
        ],
    ),
    "sydney-2026-april": (
        "Australia/Sydney",
        "Australia/Sydney",
        SYDNEY_AT,
        date(2026, 3, 30),
        [
            (z(2026, 3, 28, 15, 30), "17:00"),
            (z(2026, 4, 4, 15, 30), "17:00"),
            (z(2026, 4, 11, 16, 30), "17:00"),
        ],
    ),
    "sydney-2026-october": (
        "Australia/Sydney",
        "Australia/Sydney",
        SYDNEY_AT,
        date(2026, 9, 28),
        [
            (z(2026, 9, 26, 16, 30), "17:00"),
            (z(2026, 10, 3, 16, 0), "17:00"),
            (z(2026, 10, 10, 15, 30), "17:00"),
        ],
    ),
    "sydney-2027-april": (
        "Australia/Sydney",
        "Australia/Sydney",
        SYDNEY_AT,
        date(2027, 3, 29),
        [
            (z(2027, 3, 27, 15, 30), "17:00"),
            (z(2027, 4, 3, 15, 30), "17:00"),
            (z(2027, 4, 10, 16, 30), "17:00"),
        ],
    ),
    "sydney-2027-october": (
        "Australia/Sydney",
        "Australia/Sydney",
        SYDNEY_AT,
        date(2027, 9, 27),
        [
            (z(2027, 9, 25, 16, 30), "17:00"),
            (z(2027, 10, 2, 16, 0), "17:00"),
            (z(2027, 10, 9, 15, 30), "17:00"),
        ],
    ),
    "kolkata-2026-spring": (
        "Asia/Kolkata",
        "Europe/London",
        time(18),
        date(2026, 3, 23),
        [
            (z(2026, 3, 22, 12, 30), "22:30"),
            (z(2026, 3, 29, 12, 30), "21:30"),
            (z(2026, 4, 5, 12, 30), "21:30"),
        ],
    ),
    "kolkata-2026-autumn": (
        "Asia/Kolkata",
        "Europe/London",
        time(18),
        date(2026, 10, 19),
        [
            (z(2026, 10, 18, 12, 30), "21:30"),
            (z(2026, 10, 25, 12, 30), "22:30"),
            (z(2026, 11, 1, 12, 30), "22:30"),
        ],
    ),
    "kolkata-2027-spring": (
        "Asia/Kolkata",
        "Europe/London",
        time(18),
        date(2027, 3, 22),
        [
            (z(2027, 3, 21, 12, 30), "22:30"),
            (z(2027, 3, 28, 12, 30), "21:30"),
            (z(2027, 4, 4, 12, 30), "21:30"),
        ],
    ),
    "kolkata-2027-autumn": (
        "Asia/Kolkata",
        "Europe/London",
        time(18),
        date(2027, 10, 25),
        [
            (z(2027, 10, 24, 12, 30), "21:30"),
            (z(2027, 10, 31, 12, 30), "22:30"),
            (z(2027, 11, 7, 12, 30), "22:30"),
        ],
    ),
}
GRID = timedelta(hours=3)


@pytest.mark.parametrize("case", list(DST))
def test_each_session_of_a_series_across_a_change_is_reminded_once_at_its_instant(
    case, frozen, mailoutbox
):
    from tests.factories import ClientFactory, RelationshipFactory, TherapistFactory

    client_zone, therapist_zone, at, monday, expected = DST[case]
    start = datetime.combine(monday - timedelta(days=4), time(12), UTC)
    frozen.move_to(start)
    therapist = TherapistFactory(timezone=therapist_zone)
    client = ClientFactory(timezone=client_zone)
    relationship = RelationshipFactory(therapist=therapist, client=client)
    # Kolkata keeps the client's defaults (18:00, quiet 22:00 to 07:00); the others remind
    # at night, without quiet hours, to land in the gaps and the repeated hours.
    if at == time(18):
        services.preferences_for(client)
    else:
        services.preferences_update(user=client, reminder_time=at, quiet_start=None, quiet_end=None)
    series = sessions.series_create(
        therapist=therapist,
        relationship=relationship,
        first_day=monday,
        start_time=time(17, 0),
        count=3,
    ).appointments
    # The beat every three hours, and at each expected instant and the minutes either side.
    end = series[-1].starts_at
    moments = {start + n * GRID for n in range(int((end - start) / GRID) + 1)}
    moments |= {instant + d for instant, _ in expected for d in (-MINUTE, timedelta(0), MINUTE)}
    for moment in sorted(moments):
        tick_at(frozen, moment)

    for session, (instant, _) in zip(series, expected, strict=True):
        rows = Delivery.objects.filter(
            user=client, kind=Kind.SESSION_REMINDER, period__startswith=str(session.public_id)
        )
        assert [(r.created_at, r.status) for r in rows] == [(instant, Status.SENT)], session.day
    subjects = [m.subject for m in mailoutbox]
    assert subjects == [f"You have a session tomorrow at {t}" for _, t in expected]
    assert Delivery.objects.filter(kind=Kind.SESSION_REMINDER).count() == 3


# --- The therapist's daily reminder ---------------------------------------------------


@pytest.fixture
def sydney_therapist(personas):
    """Therapist A works in Sydney: 09:00 UTC on Tuesday is 20:00 there, tomorrow Wednesday."""
    therapist = personas.therapist_a
    therapist.timezone = "Australia/Sydney"
    therapist.save(update_fields=["timezone"])
    return therapist


def therapist_reminder(therapist) -> str:
    row = Delivery.objects.create(user=therapist, kind=Kind.THERAPIST_REMINDER, period="2026-12-01")
    return ledger.deliver(row.pk)


def test_the_therapist_reminder_counts_tomorrows_briefs_in_their_zone(
    personas, sydney_therapist, mailoutbox
):
    from tests.factories import ClientFactory, RelationshipFactory

    wednesday = date(2026, 12, 2)
    for at in (time(8), time(12), time(18)):  # 08:00 on Wednesday in Sydney is Tuesday in UTC
        book(personas, day=wednesday, at=at)
    other = RelationshipFactory(therapist=sydney_therapist, client=ClientFactory())
    sessions.appointment_create(
        therapist=sydney_therapist, relationship=other, day=wednesday, start_time=time(9)
    )
    sessions.appointment_cancel(appointment=book(personas, day=wednesday, at=time(14)))
    book(personas, day=date(2026, 12, 3), at=time(8))  # Thursday: Wednesday 21:00 in UTC
    ended = RelationshipFactory(therapist=sydney_therapist, client=ClientFactory())
    sessions.appointment_create(
        therapist=sydney_therapist, relationship=ended, day=wednesday, start_time=time(10)
    )
    from accounts.services import relationship_end

    relationship_end(actor=sydney_therapist, relationship=ended)
    assert therapist_reminder(sydney_therapist) == "sent"
    [message] = mailoutbox
    # Nothing else waits: the e-mail still goes, with that line alone.
    assert message.subject == "4 session briefs for tomorrow in Tandem"
    assert "4 session briefs for tomorrow." in message.body
    assert "waiting for you" not in message.body
    assert personas.client_a.name not in message.body + message.alternatives[0][0]


def test_the_briefs_line_comes_after_what_waits(personas, sydney_therapist, mailoutbox):
    from tests.factories import JournalEntryFactory

    JournalEntryFactory(client=personas.client_a, shared=True, created_at=NOW - timedelta(days=3))
    book(personas, day=date(2026, 12, 2), at=time(12))
    assert therapist_reminder(sydney_therapist) == "sent"
    [message] = mailoutbox
    assert message.subject == "1 thing is waiting for you in Tandem"
    assert (
        "1 thing is waiting for you in Tandem — 1 shared entry not viewed yet.\n\n"
        "1 session brief for tomorrow.\n"
    ) in message.body


def test_no_briefs_line_without_sessions_tomorrow(personas, sydney_therapist, mailoutbox):
    book(personas, day=date(2026, 12, 3), at=time(12))
    assert therapist_reminder(sydney_therapist) == "skipped: nothing waiting"


def test_erasure_leaves_the_reminder_as_a_count_naming_nobody(personas, frozen, mailoutbox):
    from appointments.models import Appointment
    from clients.services import account_erase
    from tests.factories import PASSWORD

    book(personas)
    frozen.move_to(TUESDAY_18)
    [pk] = made_at(TUESDAY_18)
    account_erase(client=personas.client_a, password=PASSWORD)
    assert not Appointment.objects.exists()
    assert Delivery.objects.get(pk=pk).user is None
    assert ledger.deliver(pk) == "skipped: no recipient"
    assert mailoutbox == []
