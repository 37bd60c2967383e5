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
    assert "Session reminders: e-mail me the day before a session" in page
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
        "period": f"{session.public_id}@20261202T1700Z",
        "status": "sent",
        "created_at": TUESDAY_18,
        "finished_at": TUESDAY_18,
    } in data["emails_sent"]
