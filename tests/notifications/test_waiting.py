"""What waits for a therapist: the selector, the reminder e-mail and its preferences."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import CareStatus
from clients import services as records
from notifications import ledger, scheduling, services
from notifications.models import Delivery, Kind, Preferences
from notifications.selectors import NextReminder, next_reminder
from progress.waiting import waiting_for_therapist
from tests.factories import (
    ClientFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    RelationshipFactory,
    TherapistFactory,
)

from .conftest import NOW, due_now, expected_instant, transitions_2026, walk

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
# The relationships with open invitations and each client's last activity, then shared
# records (three kinds) and feedback threads in one UNION: the same for one client or many.
WAITING_QUERIES = 2


def active_client(therapist, **client_fields):
    """A client in care for a month who logged something just now (so is not silent)."""
    relationship = RelationshipFactory(
        therapist=therapist,
        client=ClientFactory(**client_fields),
        activated_at=NOW - 30 * DAY,
    )
    LifestyleLogFactory(client=relationship.client, created_at=NOW, day=NOW.date())
    return relationship


def shared_entry(client, age: timedelta, shared: bool = True):
    return JournalEntryFactory(client=client, shared=shared, created_at=NOW - age)


@pytest.fixture
def therapist(frozen):
    return TherapistFactory()


def test_a_shared_entry_waits_until_the_therapist_opens_it(therapist, frozen):
    client = active_client(therapist).client
    entry = shared_entry(client, 3 * DAY)
    fresh = shared_entry(client, timedelta(hours=1))  # new: waits at once
    shared_entry(client, 3 * DAY, shared=False)  # private
    shared_entry(client, 60 * DAY)  # history, not a to-do
    waiting = waiting_for_therapist(therapist, NOW)
    assert (waiting.shared, waiting.total) == (2, 2)
    assert {item.relationship.client for item in waiting.items} == {client}

    records.record_opened(therapist=therapist, record=entry)
    assert waiting_for_therapist(therapist, NOW).shared == 1
    # Read and left unanswered, it does not wait forever: it was viewed.
    records.record_opened(therapist=therapist, record=fresh)
    assert waiting_for_therapist(therapist, NOW).total == 0


def test_feedback_counts_as_viewed(therapist, frozen):
    entry = shared_entry(active_client(therapist).client, 3 * DAY)
    records.feedback_create(author=therapist, record=entry, text="Thank you for sharing.")
    assert waiting_for_therapist(therapist, NOW).total == 0


def test_opening_clears_not_viewed_for_that_therapist_only(therapist, frozen):
    relationship = active_client(therapist)
    other = TherapistFactory()
    RelationshipFactory(therapist=other, client=relationship.client, activated_at=NOW - 9 * DAY)
    entry = shared_entry(relationship.client, DAY)
    records.record_opened(therapist=other, record=entry)
    assert waiting_for_therapist(other, NOW).shared == 0
    assert waiting_for_therapist(therapist, NOW).shared == 1
    entry.refresh_from_db()
    assert entry.first_viewed_at == NOW  # the client's "seen": the first of anyone's

    records.record_opened(therapist=therapist, record=entry)
    records.record_opened(therapist=therapist, record=entry)  # again: one view, no error
    assert waiting_for_therapist(therapist, NOW).shared == 0
    entry.refresh_from_db()
    assert entry.first_viewed_at == NOW


def answered_by_client(therapist, client, entry, frozen):
    """A thread on `entry`: the therapist's feedback two days ago, the client's reply
    yesterday."""
    frozen.move_to(NOW - 2 * DAY)
    records.feedback_create(author=therapist, record=entry, text="How did it feel?")
    frozen.move_to(NOW - DAY)
    reply = records.feedback_create(author=client, record=entry, text="Better, thanks.")
    frozen.move_to(NOW)
    return reply


def test_a_client_reply_waits_until_the_therapist_answers(therapist, frozen):
    client = active_client(therapist).client
    entry = shared_entry(client, 5 * DAY)
    answered_by_client(therapist, client, entry, frozen)
    waiting = waiting_for_therapist(therapist, NOW)
    assert (waiting.replies, waiting.total) == (1, 1)

    records.feedback_create(author=therapist, record=entry, text="Glad to hear it.")
    assert waiting_for_therapist(therapist, NOW).total == 0


def test_a_reply_marked_no_reply_needed_stops_waiting_until_the_next_one(therapist, frozen):
    client = active_client(therapist).client
    entry = shared_entry(client, 5 * DAY)
    reply = answered_by_client(therapist, client, entry, frozen)
    marked = records.reply_no_reply_needed(therapist=therapist, record=entry)
    assert marked == reply
    assert waiting_for_therapist(therapist, NOW).total == 0

    with pytest.raises(records.NothingWaits):
        records.reply_no_reply_needed(therapist=therapist, record=entry)
    reply.refresh_from_db()
    assert reply.no_reply_needed_at == NOW  # the second click changed nothing

    frozen.move_to(NOW + timedelta(hours=1))
    records.feedback_create(author=client, record=entry, text="One more thing.")
    assert waiting_for_therapist(therapist, NOW + timedelta(hours=1)).replies == 1


def test_nothing_to_mark_without_a_reply_or_after_an_answer(therapist, frozen):
    client = active_client(therapist).client
    entry = shared_entry(client, 5 * DAY)
    with pytest.raises(records.NothingWaits):
        records.reply_no_reply_needed(therapist=therapist, record=entry)
    answered_by_client(therapist, client, entry, frozen)
    records.feedback_create(author=therapist, record=entry, text="Glad to hear it.")
    with pytest.raises(records.NothingWaits):
        records.reply_no_reply_needed(therapist=therapist, record=entry)


def test_a_reply_on_an_entry_made_private_again_does_not_wait(therapist, frozen):
    client = active_client(therapist).client
    entry = shared_entry(client, 5 * DAY)
    answered_by_client(therapist, client, entry, frozen)
    records.record_sharing_set(record=entry, shared=False)
    assert waiting_for_therapist(therapist, NOW).total == 0


def test_an_invitation_waits_in_its_last_day_until_accepted(therapist):
    def invitation(email, expires_in):
        return RelationshipFactory(
            therapist=therapist,
            client=None,
            status=CareStatus.INVITED,
            invited_email=email,
            invitation_expires_at=NOW + expires_in,
            activated_at=None,
        )

    soon = invitation("soon@example.org", timedelta(hours=12))
    invitation("later@example.org", 3 * DAY)
    invitation("expired@example.org", -timedelta(hours=1))
    waiting = waiting_for_therapist(therapist, NOW)
    assert (waiting.invitations, waiting.total) == (1, 1)

    soon.client = ClientFactory(email="soon@example.org")
    soon.status = CareStatus.ACTIVE
    soon.activated_at = NOW
    soon.save()
    assert waiting_for_therapist(therapist, NOW).invitations == 0


def test_a_silent_client_waits_once_per_silence_and_stops_when_active_again(therapist):
    relationship = RelationshipFactory(therapist=therapist, activated_at=NOW - 60 * DAY)
    client = relationship.client
    LifestyleLogFactory(client=client, created_at=NOW - 8 * DAY, day=(NOW - 8 * DAY).date())
    waiting = waiting_for_therapist(therapist, NOW)
    assert (waiting.silent, waiting.total) == (1, 1)
    # The same silence a week on is the caseload's, not a new nudge every day.
    assert waiting_for_therapist(therapist, NOW + 7 * DAY).silent == 0
    # Six days quiet is not yet a silence.
    assert waiting_for_therapist(therapist, NOW - 2 * DAY).silent == 0

    LifestyleLogFactory(client=client, created_at=NOW - DAY, day=(NOW - DAY).date())
    assert waiting_for_therapist(therapist, NOW).total == 0


def test_a_client_who_never_logged_is_silent_from_the_start_of_care(therapist):
    RelationshipFactory(therapist=therapist, activated_at=NOW - 10 * DAY)
    assert waiting_for_therapist(therapist, NOW).silent == 1


def test_nothing_waits_from_an_ended_relationship(therapist, frozen):
    relationship = RelationshipFactory(therapist=therapist, activated_at=NOW - 60 * DAY)
    client = relationship.client
    entry = shared_entry(client, 5 * DAY)
    frozen.move_to(NOW - 2 * DAY)
    records.feedback_create(author=therapist, record=entry, text="How did it feel?")
    frozen.move_to(NOW - DAY)
    records.feedback_create(author=client, record=entry, text="Better, thanks.")
    shared_entry(client, 3 * DAY)
    frozen.move_to(NOW)
    invitation = RelationshipFactory(
        therapist=therapist,
        client=None,
        status=CareStatus.INVITED,
        invited_email="soon@example.org",
        invitation_expires_at=NOW + timedelta(hours=2),
        activated_at=None,
    )
    waiting = waiting_for_therapist(therapist, NOW)
    assert (waiting.shared, waiting.replies, waiting.invitations) == (1, 1, 1)

    relationship.status = CareStatus.ENDED
    relationship.ended_at = NOW
    relationship.save()
    invitation.status = CareStatus.ENDED  # revoked
    invitation.save()
    assert waiting_for_therapist(therapist, NOW).total == 0
    # Silent since the entries, but ended: still nothing.
    assert waiting_for_therapist(therapist, NOW + 9 * DAY).total == 0


def test_each_client_row_counts_every_kind_of_record_and_starts_at_the_oldest(therapist, frozen):
    """Counted in SQL per client: three shared records of two kinds and two threads with a
    reply make one row with 3 and 2, waiting since the oldest of all five; another client's
    one entry makes a row of its own."""
    client = active_client(therapist).client
    first = shared_entry(client, 9 * DAY)
    second = shared_entry(client, 2 * DAY)
    LifestyleLogFactory(
        client=client, shared=True, created_at=NOW - 4 * DAY, day=NOW.date() - 4 * DAY
    )
    answered_by_client(therapist, client, first, frozen)
    answered_by_client(therapist, client, second, frozen)
    other = active_client(therapist).client
    shared_entry(other, 1 * DAY)

    waiting = waiting_for_therapist(therapist, NOW)

    # The two entries answered in their threads were opened: only the log waits unviewed.
    assert (waiting.shared, waiting.replies, waiting.total) == (2, 2, 4)
    rows = {row.relationship.client: row for row in waiting.rows}
    assert (rows[client].shared, rows[client].replies) == (1, 2)
    assert rows[client].since == NOW - 4 * DAY
    assert (rows[other].shared, rows[other].replies, rows[other].since) == (1, 0, NOW - DAY)
    assert [row.relationship.client for row in waiting.rows] == [client, other]


def test_another_therapists_clients_never_wait_for_me(therapist):
    other = active_client(TherapistFactory()).client
    shared_entry(other, 3 * DAY)
    assert waiting_for_therapist(therapist, NOW).total == 0


@pytest.mark.parametrize("clients", [1, 12])
def test_the_selector_runs_a_fixed_number_of_queries(therapist, clients):
    for _ in range(clients):
        shared_entry(active_client(therapist).client, 3 * DAY)
    with CaptureQueriesContext(connection) as queries:
        waiting = waiting_for_therapist(therapist, NOW)
    assert waiting.shared == clients
    assert len(queries) == WAITING_QUERIES, [q["sql"] for q in queries]


def test_the_counts_are_kept_until_the_client_writes_or_their_oldest_grows_too_old(
    therapist, frozen
):
    client = active_client(therapist).client
    shared_entry(client, 29 * DAY)
    shared_entry(client, 3 * DAY)
    assert waiting_for_therapist(therapist, NOW).shared == 2
    with CaptureQueriesContext(connection) as queries:
        assert waiting_for_therapist(therapist, NOW).shared == 2
    assert len(queries) == WAITING_QUERIES - 1  # kept: only the relationships are read

    # Two days on, the older entry has waited longer than SHARED_WITHIN: counted again.
    with CaptureQueriesContext(connection) as queries:
        waiting = waiting_for_therapist(therapist, NOW + 2 * DAY)
    assert len(queries) == WAITING_QUERIES
    [item] = waiting.items
    assert (item.kind, item.count, item.since) == ("shared", 1, NOW - 3 * DAY)

    # Asked again for an earlier moment, the counts kept later are not used.
    assert waiting_for_therapist(therapist, NOW).shared == 2

    # A new shared entry gives the client a new data version: it waits at once.
    shared_entry(client, timedelta(hours=1))
    assert waiting_for_therapist(therapist, NOW).shared == 3
    # And another therapist's client writing changes nothing kept here.
    shared_entry(active_client(TherapistFactory()).client, DAY)
    with CaptureQueriesContext(connection) as queries:
        assert waiting_for_therapist(therapist, NOW).shared == 3
    assert len(queries) == WAITING_QUERIES - 1


def test_the_caseload_shows_what_waits_and_when_the_next_reminder_goes(client, personas, frozen):
    shared_entry(personas.client_a, 3 * DAY)
    services.preferences_for(personas.therapist_a)
    client.force_login(personas.therapist_a)
    body = client.get(reverse("therapist_home")).content.decode()
    assert 'data-waiting="1"' in body
    assert "Wednesday 2 December, 08:30 (Europe/London)" in body
    waiting = body.split('id="waiting-heading"')[1].split("</section>")[0]
    timeline = reverse("therapist_timeline", args=[personas.client_a.public_id])
    assert f'<a href="{timeline}?waiting=1">{personas.client_a.name}</a>' in waiting
    assert "1 shared entry not viewed yet" in waiting
    client.force_login(personas.therapist_b)
    assert "Nothing waits for you." in client.get(reverse("therapist_home")).content.decode()


def test_the_next_reminder_is_read_as_its_instant_and_zone_and_said_as_it_stands(
    client, personas, frozen
):
    therapist = personas.therapist_a
    client.force_login(therapist)
    assert next_reminder(therapist) is None  # the tick has not made the row yet
    assert "Next reminder e-mail:\n    not planned yet" in home_text(client)
    prefs = services.preferences_for(therapist)
    assert next_reminder(therapist) == NextReminder(prefs.next_reminder_at, "Europe/London")
    # The row's arrival is a write of the therapist's data: the page kept before it is not read.
    assert "Wednesday 2 December, 08:30 (Europe/London), if something waits" in home_text(client)
    services.preferences_update(user=therapist, reminders_enabled=False)
    assert next_reminder(therapist).next_reminder_at is None
    assert "Next reminder e-mail:\n    off" in home_text(client)


def home_text(client) -> str:
    return client.get(reverse("therapist_home")).content.decode()


# --- The e-mail -----------------------------------------------------------------------


def send_due(now):
    sent = []
    for pk in services.tick(now=now).deliveries:
        sent.append(ledger.deliver(pk))
    return sent


def test_the_reminder_counts_what_waits_and_links_to_the_caseload(therapist, mailoutbox):
    client = active_client(therapist).client
    shared_entry(client, 3 * DAY)
    shared_entry(active_client(therapist).client, 3 * DAY)
    RelationshipFactory(
        therapist=therapist,
        client=None,
        status=CareStatus.INVITED,
        invited_email="soon@example.org",
        invitation_expires_at=NOW + timedelta(hours=2),
        activated_at=None,
    )
    due_now(therapist)
    assert send_due(NOW) == ["sent"]
    delivery = Delivery.objects.get(user=therapist)
    assert (delivery.kind, delivery.period) == (Kind.THERAPIST_REMINDER, "2026-12-01")
    (message,) = mailoutbox
    assert message.subject == "3 things are waiting for you in Tandem"
    assert (
        "3 things are waiting for you in Tandem — 2 shared entries not viewed yet, "
        "1 invitation about to expire." in message.body
    )
    assert reverse("therapist_home") in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_reminder_when_nothing_waits_or_with_no_clients(therapist, mailoutbox):
    active_client(therapist)
    lonely = TherapistFactory()
    due_now(therapist)
    due_now(lonely)
    assert send_due(NOW) == ["skipped: nothing waiting"] * 2
    assert mailoutbox == []


def test_no_reminder_when_off_or_in_quiet_hours(therapist, mailoutbox):
    shared_entry(active_client(therapist).client, 3 * DAY)
    due_now(therapist, reminders_enabled=False)
    assert send_due(NOW) == []
    services.preferences_update(
        user=therapist,
        reminders_enabled=True,
        reminder_time=time(21, 0),
        quiet_start=time(20, 0),
        quiet_end=time(7, 30),
    )
    prefs = Preferences.objects.get(user=therapist)
    assert prefs.next_reminder_at == datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    assert mailoutbox == []


def test_the_reminder_goes_on_the_chosen_weekdays_only():
    friday_after = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    working_days = frozenset(range(5))
    instant = scheduling.next_reminder_at(time(8, 30), "UTC", friday_after, None, working_days)
    assert instant == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # Monday
    sundays = frozenset({6})
    instant = scheduling.next_reminder_at(time(8, 30), "UTC", friday_after, None, sundays)
    assert instant == datetime(2026, 12, 6, 8, 30, tzinfo=UTC)


TIMES = (time(1, 30), time(2, 30), time(8, 30))
DST_CASES = [
    pytest.param(zone, day, id=f"{zone}-{day}")
    for zone in ("America/New_York", "Europe/London")
    for day in transitions_2026(zone)
]


@pytest.mark.parametrize(("zone", "day"), DST_CASES)
def test_one_reminder_per_local_day_across_a_transition_and_none_with_nothing_waiting(
    zone, day, mailoutbox
):
    tz = ZoneInfo(zone)
    first = datetime.combine(day - DAY, time(12), tz).astimezone(UTC)
    last = datetime.combine(day + DAY, time(12), tz).astimezone(UTC)
    every_day = list(range(7))  # the transitions fall on Sundays
    people = {}
    with time_machine.travel(first, tick=False) as clock:
        for at in TIMES:
            therapist = TherapistFactory(timezone=zone)
            relationship = RelationshipFactory(therapist=therapist, activated_at=first)
            JournalEntryFactory(client=relationship.client, shared=True, created_at=first - 3 * DAY)
            services.preferences_update(
                user=therapist,
                reminder_time=at,
                reminder_weekdays=every_day,
                quiet_start=None,
                quiet_end=None,
            )
            people[therapist.pk] = at
        idle = TherapistFactory(timezone=zone)  # a client, but nothing waiting
        RelationshipFactory(therapist=idle, activated_at=first)
        services.preferences_update(user=idle, reminder_weekdays=every_day)
        working = TherapistFactory(timezone=zone)  # the default days: not on the Sunday
        shared_entry_client = RelationshipFactory(therapist=working, activated_at=first).client
        JournalEntryFactory(client=shared_entry_client, shared=True, created_at=first - 3 * DAY)
        services.preferences_for(working)
        around = [expected_instant(d, at, tz) for d in (day - DAY, day, day + DAY) for at in TIMES]
        walk(clock, first, last, send_due, tz=tz, around=around)

    for user_id, at in people.items():
        sent = Delivery.objects.filter(user_id=user_id, kind=Kind.THERAPIST_REMINDER, status="sent")
        expected = {d: expected_instant(d, at, tz) for d in (day - DAY, day, day + DAY)}
        expected = {d: i for d, i in expected.items() if first < i <= last}
        got = {date.fromisoformat(r.period): r.created_at for r in sent}
        assert sent.count() == len(got), f"{at}: two reminders on one day"
        assert got == expected, f"{zone} {at}"
        assert day in got
    reminders = Delivery.objects.filter(kind=Kind.THERAPIST_REMINDER)
    assert set(reminders.filter(user=idle).values_list("status", "error")) == {
        ("skipped", "nothing waiting")
    }
    working_days = {
        date.fromisoformat(p)
        for p in reminders.filter(user=working, status="sent").values_list("period", flat=True)
    }
    assert working_days and day not in working_days
    assert all(d.weekday() < 5 for d in working_days)
    reminder_mail = [m for m in mailoutbox if "waiting for you" in m.subject]
    assert idle.email not in {m.to[0] for m in reminder_mail}
    assert len(reminder_mail) == reminders.filter(status="sent").count()


# --- Preferences ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"reminder_weekdays": []}, "Choose at least one day."),
        ({"reminder_weekdays": ["Monday", "Funday"]}, "Unknown weekday: Funday"),
        ({"reminder_weekdays": "Monday"}, "Give a list of weekday names"),
        ({"reminder_weekdays": [1]}, "Give a list of weekday names"),
    ],
)
def test_the_api_refuses_bad_weekdays_with_400(client, personas, body, message):
    client.force_login(personas.therapist_a)
    url = reverse("api-notification-preferences")
    response = client.patch(url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert message in response.json()["reminder_weekdays"][0]
    assert Preferences.objects.get(user=personas.therapist_a).reminder_weekdays == [0, 1, 2, 3, 4]


def test_the_api_reads_and_changes_the_weekdays(client, personas):
    client.force_login(personas.therapist_a)
    url = reverse("api-notification-preferences")
    assert client.get(url).json()["reminder_weekdays"][0] == "Monday"
    response = client.patch(
        url, {"reminder_weekdays": ["saturday", "Monday"]}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["reminder_weekdays"] == ["Monday", "Saturday"]


def test_the_settings_page_saves_weekdays_and_refuses_none(client, personas):
    client.force_login(personas.therapist_a)
    url = reverse("therapist_notifications")
    form = {
        "timezone": "Europe/London",
        "reminders_enabled": "on",
        "reminder_time": "07:45",
        "quiet_start": "20:00",
        "quiet_end": "07:00",
        "digest_enabled": "on",
        "digest_weekday": "0",
        "digest_time": "08:00",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Choose at least one day." in response.content.decode()
    assert client.post(url, {**form, "reminder_weekdays": ["9"]}).status_code == 400
    assert client.post(url, {**form, "reminder_weekdays": ["1", "3"]}).status_code == 302
    prefs = Preferences.objects.get(user=personas.therapist_a)
    assert (prefs.reminder_weekdays, prefs.reminder_time) == ([1, 3], time(7, 45))
    assert prefs.next_reminder_at.astimezone(ZoneInfo("Europe/London")).weekday() in (1, 3)


def test_the_client_settings_page_has_no_weekdays(client, personas):
    client.force_login(personas.client_a)
    assert "reminder_weekdays" not in client.get(reverse("client_notifications")).content.decode()


# What "Waiting for you" made of its items before it summed them in one pass: the oracle.
def rows_as_grouped(items) -> list:
    from progress.waiting import WaitingKind, WaitingRow

    grouped: dict[int, list] = {}
    for item in items:
        grouped.setdefault(item.relationship.pk, []).append(item)
    rows = [
        WaitingRow(
            relationship=group[0].relationship,
            since=group[0].since,
            shared=sum(i.count for i in group if i.kind == WaitingKind.SHARED),
            replies=sum(i.count for i in group if i.kind == WaitingKind.REPLY),
            invitation=any(i.kind == WaitingKind.INVITATION for i in group),
            silent=any(i.kind == WaitingKind.SILENT for i in group),
        )
        for group in grouped.values()
    ]
    return sorted(rows, key=lambda row: (row.since, row.relationship.pk))


@pytest.mark.django_db(False)
@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 4),  # the relationship
            st.sampled_from(["shared", "reply", "invitation", "silent"]),
            st.integers(0, 3 * 24),  # hours ago
            st.integers(1, 40),  # how many
        ),
        max_size=30,
    )
)
def test_a_row_a_client_sums_its_items_as_each_kind_was_summed_apart(found):
    """The rows are made in one pass over the items: the same rows, in the same order, as
    grouping the items and summing each kind of them did."""
    from accounts.models import CareRelationship
    from progress.waiting import KIND_ORDER, Waiting, WaitingItem

    relationships = {pk: CareRelationship(pk=pk) for pk in range(1, 5)}
    items = sorted(
        (
            WaitingItem(kind, relationships[pk], NOW - timedelta(hours=hours), count)
            for pk, kind, hours, count in found
        ),
        key=lambda item: (item.since, KIND_ORDER.index(item.kind)),
    )
    waiting = Waiting(shared=0, replies=0, invitations=0, silent=0, items=tuple(items))

    def plain(rows) -> list[tuple]:
        return [
            (r.relationship.pk, r.since, r.shared, r.replies, r.invitation, r.silent) for r in rows
        ]

    assert plain(waiting.rows) == plain(rows_as_grouped(items))
