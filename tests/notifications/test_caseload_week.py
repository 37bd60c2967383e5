"""The therapist's week: each client's counts and flags for the weekly review, and the
counts of each flag in the digest. A fixed number of queries whatever the caseload's size."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from clients import services as records
from clients.models import JournalEntry
from notifications import ledger, services
from notifications.models import Delivery, Kind
from progress.caseload import caseload_week, caseload_weeks
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    RelationshipFactory,
    SafetyAlertFactory,
    SocialActivityFactory,
    TherapistFactory,
)

from .conftest import NOW, due_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

MONDAY = date(2026, 11, 23)  # the week the digest sent on Tuesday 1 December covers
WEEK = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK_BEFORE = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=60)
# Relationships, signals (last activity and shared mood), homework, its pauses, completions
# (progress.caseload.build_rows), then check-off days, lifestyle logs, time with people and
# journal entries of the week.
CASELOAD_WEEK_QUERIES = 9
# Claiming the ledger row, loading it with its user and their preferences (one query),
# CASELOAD_WEEK_QUERIES, and marking the row sent.
DIGEST_QUERIES = 12


def client_of(therapist, name: str):
    client = ClientFactory(name=name)
    RelationshipFactory(therapist=therapist, client=client, activated_at=LONG_AGO)
    return client


@pytest.fixture
def flagged():
    """One client per flag, and one with none."""
    therapist = TherapistFactory(name="Dr. Quinn Reader")
    down = client_of(therapist, "Dora Down")
    JournalEntryFactory(client=down, mood=8, occurred_at=WEEK_BEFORE, shared=True)
    JournalEntryFactory(client=down, mood=4, occurred_at=WEEK, shared=True)
    client_of(therapist, "Sam Silent")
    late = client_of(therapist, "Olly Overdue")
    daily = AssignmentFactory(relationship=late.care_relationships.get(), start_date=MONDAY)
    for day in (23, 27, 28, 29):
        CompletionFactory(assignment=daily, due_date=date(2026, 11, day))
    fine = client_of(therapist, "Fran Fine")
    LifestyleLogFactory(client=fine, day=date(2026, 11, 29), exercise_minutes=30, shared=True)
    return therapist


def test_each_client_carries_the_flags_of_the_weeks_end(flagged):
    week = caseload_week(therapist=flagged, monday=MONDAY)
    flags = {str(row.client): [f.key for f in row.flags] for row in week.rows}
    assert flags == {
        "Dora Down": ["mood_down"],
        "Sam Silent": ["silent"],
        "Olly Overdue": ["overdue"],  # 24-26 missed; 4 of 7 done is not under half
        "Fran Fine": [],
    }
    assert week.flag_counts == {
        "alert": 0,
        "mood_down": 1,
        "silent": 1,
        "overdue": 1,
        "low_adherence": 0,
    }
    assert week.quiet == 1
    [olly] = [row for row in week.rows if str(row.client) == "Olly Overdue"]
    assert (olly.week.homework_done, olly.week.homework_due, olly.week.days_logged) == (4, 7, 4)
    [fran] = [row for row in week.rows if str(row.client) == "Fran Fine"]
    assert (fran.week.active_minutes, fran.last_active) == (30, date(2026, 11, 29))


def test_the_digest_gives_the_count_of_each_flag_and_nothing_more(flagged, mailoutbox):
    due_now(flagged, digest=True)
    result = services.tick(now=NOW)
    assert [ledger.deliver(pk) for pk in result.deliveries] == ["sent"]
    [message] = mailoutbox
    body = message.body + "".join(content for content, _ in message.alternatives)
    assert "Clients active this week: 3 of 4" in message.body
    assert "Clients with no activity for 7 days or more: 1" in message.body
    assert "mood in shared entries fell 2+ points on the week before: 1" in message.body
    assert "Clients with overdue homework: 1" in message.body
    assert "less than half their homework: 0" in message.body
    assert "Clients with an open safety alert (now): 0" in message.body
    for name in ("Dora", "Sam", "Olly", "Fran"):
        assert name not in body
    assert "→" not in body and "8.0" not in body and "4.0" not in body


def test_the_weekly_review_shows_the_counts_and_each_clients_flags(client, personas):
    down = client_of(personas.therapist_a, "Dora Down")
    JournalEntryFactory(client=down, mood=8, occurred_at=WEEK_BEFORE, shared=True)
    JournalEntryFactory(client=down, mood=4, occurred_at=WEEK, shared=True)
    client.force_login(personas.therapist_a)
    page = client.get(reverse("therapist_weekly_review"), {"week": MONDAY.isoformat()})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Mood down 2+ points on the week before" in body
    assert 'data-flags="mood_down"' in body
    assert "Bea Beta" not in body
    assert "days are each client's own local days" in body.replace("&#x27;", "'")


def test_the_weeks_mood_flag_follows_what_is_shared(flagged):
    assert caseload_week(therapist=flagged, monday=MONDAY).flag_counts["mood_down"] == 1
    records.record_sharing_set(record=JournalEntry.objects.get(mood=4), shared=False)
    assert caseload_week(therapist=flagged, monday=MONDAY).flag_counts["mood_down"] == 0


def populate(therapist, count: int) -> None:
    zones = ("Europe/London", "America/New_York", "Asia/Tokyo")
    for i in range(count):
        client = ClientFactory(timezone=zones[i % 3])
        relationship = RelationshipFactory(
            therapist=therapist, client=client, activated_at=LONG_AGO
        )
        daily = AssignmentFactory(relationship=relationship, start_date=date(2026, 11, 9))
        CompletionFactory(assignment=daily, due_date=date(2026, 11, 23 + i % 5))
        JournalEntryFactory(client=client, mood=i % 10, occurred_at=WEEK_BEFORE, shared=True)
        JournalEntryFactory(client=client, mood=5, occurred_at=WEEK, shared=i % 2 == 0)
        LifestyleLogFactory(client=client, day=date(2026, 11, 24), exercise_minutes=20, shared=True)
        SocialActivityFactory(client=client, day=date(2026, 11, 25), shared=True)


@pytest.mark.parametrize("clients", [10, 100])
def test_the_week_is_built_in_a_fixed_number_of_queries(clients, django_assert_num_queries):
    therapist = TherapistFactory()
    populate(therapist, clients)
    with django_assert_num_queries(CASELOAD_WEEK_QUERIES):
        week = caseload_week(therapist=therapist, monday=MONDAY)
    assert len(week.rows) == clients
    assert week.active == clients
    assert sum(row.week.social_contacts for row in week.rows) == clients


def test_therapists_weeks_read_together_are_each_the_week_read_alone(
    flagged, django_assert_num_queries
):
    """A batch of digests reads its therapists' weeks together: a client of two therapists
    has a row with each, with the homework of that care relationship."""
    other = TherapistFactory()
    populate(other, 3)
    dora = flagged.caseload.get(client__name="Dora Down").client
    shared = RelationshipFactory(therapist=other, client=dora, activated_at=LONG_AGO)
    daily = AssignmentFactory(relationship=shared, start_date=MONDAY)
    CompletionFactory(assignment=daily, due_date=MONDAY)
    asked = [(flagged, MONDAY), (other, MONDAY), (flagged, MONDAY - timedelta(days=7))]
    alone = [caseload_week(therapist=therapist, monday=monday) for therapist, monday in asked]
    with django_assert_num_queries(CASELOAD_WEEK_QUERIES * 2):  # two distinct weeks
        together = caseload_weeks(asked)
    assert together == alone
    assert [len(week.rows) for week in together] == [4, 4, 4]

    def dora_of(week):
        [row] = [row for row in week.rows if row.client == dora]
        return (row.week.homework_done, row.week.homework_due, row.week.journal_entries)

    assert (dora_of(together[0]), dora_of(together[1])) == ((0, 0, 1), (1, 7, 1))


@pytest.mark.parametrize("clients", [10, 100])
def test_one_therapists_digest_costs_a_fixed_number_of_queries(
    clients, django_assert_num_queries, mailoutbox
):
    therapist = TherapistFactory()
    populate(therapist, clients)
    due_now(therapist, digest=True)  # the preferences exist, as for any digest due
    delivery = Delivery.objects.create(
        user=therapist, kind=Kind.THERAPIST_DIGEST, period="2026-W48"
    )
    with django_assert_num_queries(DIGEST_QUERIES):
        assert ledger.deliver(delivery.pk) == "sent"
    assert f"Clients active this week: {clients} of {clients}" in mailoutbox[0].body


def test_the_digest_counts_clients_with_an_open_safety_alert(flagged, mailoutbox):
    from accounts.models import CareRelationship

    def of(name):
        return CareRelationship.objects.get(therapist=flagged, client__name=name)

    SafetyAlertFactory(relationship=of("Dora Down"))
    SafetyAlertFactory(relationship=of("Dora Down"))  # two alerts, one client
    SafetyAlertFactory(relationship=of("Sam Silent"), acknowledged_at=NOW, note="Seen.")

    assert caseload_week(therapist=flagged, monday=MONDAY).flag_counts["alert"] == 1
    due_now(flagged, digest=True)
    result = services.tick(now=NOW)
    for pk in result.deliveries:
        ledger.deliver(pk)
    [digest] = [m for m in mailoutbox if "Clients active this week" in m.body]
    assert "Clients with an open safety alert (now): 1" in digest.body
    assert "Dora" not in digest.body


def test_only_shared_records_count_for_the_therapist(personas):
    """2 shared and 2 private entries read "Journal 2"; private logs add no minutes, no
    contacts and no day logged: that a client wrote a private record is theirs alone."""
    therapist = TherapistFactory()
    client = client_of(therapist, "Pia Private")
    for shared in (True, True, False, False):
        JournalEntryFactory(client=client, occurred_at=WEEK, shared=shared)
    LifestyleLogFactory(client=client, day=date(2026, 11, 26), exercise_minutes=40, shared=False)
    LifestyleLogFactory(client=client, day=date(2026, 11, 24), exercise_minutes=15, shared=True)
    SocialActivityFactory(client=client, day=date(2026, 11, 27), shared=False)
    SocialActivityFactory(client=client, day=date(2026, 11, 24), shared=True)

    [row] = caseload_week(therapist=therapist, monday=MONDAY).rows

    assert row.week.journal_entries == 2
    assert row.week.active_minutes == 15
    assert row.week.social_contacts == 1
    assert row.week.days_logged == 2  # 24 and 25 November; the private 26 and 27 do not count


def test_a_client_with_only_private_records_is_not_active_in_the_digest():
    therapist = TherapistFactory()
    client = client_of(therapist, "Pia Private")
    JournalEntryFactory(client=client, occurred_at=WEEK, shared=False)
    LifestyleLogFactory(client=client, day=date(2026, 11, 24), exercise_minutes=40)
    week = caseload_week(therapist=therapist, monday=MONDAY)
    assert week.active == 0
    assert week.rows[0].week.journal_entries == 0


def test_the_review_keeps_each_clients_week_until_they_write(flagged, computed_rows):
    """The portal's review (`review_week`) is the week `caseload_week` gives, with each row
    kept: only a client who wrote is computed again, and it shows what they wrote."""
    from progress import caseload

    computed = computed_rows

    def seen(week):
        return [(r.client.name, r.week, r.flags, r.last_active) for r in week.rows]

    flagged._tandem_has_totp = True  # the access policy's second factor, as the portal asks
    first = caseload.review_week(therapist=flagged, monday=MONDAY)
    assert computed == [["Dora Down", "Fran Fine", "Olly Overdue", "Sam Silent"]]
    assert seen(first) == seen(caseload_week(therapist=flagged, monday=MONDAY))
    assert [r.client.name for r in first.rows] == [
        "Dora Down",
        "Fran Fine",
        "Olly Overdue",
        "Sam Silent",
    ]
    computed.clear()
    assert seen(caseload.review_week(therapist=flagged, monday=MONDAY)) == seen(first)
    assert computed == []

    sam = flagged.caseload.get(client__name="Sam Silent").client
    LifestyleLogFactory(client=sam, day=date(2026, 11, 26), exercise_minutes=15, shared=True)
    after = caseload.review_week(therapist=flagged, monday=MONDAY)
    assert computed[0] == ["Sam Silent"]
    assert seen(after) == seen(caseload_week(therapist=flagged, monday=MONDAY))
    assert seen(after) != seen(first)
