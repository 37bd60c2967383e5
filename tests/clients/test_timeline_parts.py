"""The timeline API's parts, kept by the kinds of data they show (`clients.api.timeline_answer`):
after any write the answer is the one made again and shows the write, each part reads only
the tables of its kinds, and after a journal entry the other kinds are not read again."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import versions
from clients import api, selectors, services
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, Completion
from tests.progress.conftest import NOW, TODAY, done, history, journal, social
from tests.progress.test_kept_parts import KINDED_TABLES, UNWATCHED, fresh, tables_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(personas):
    """40 days of client A's records (all within the answer's 200 items), a few of which
    completed the homework."""
    history(personas, 40)
    checked = list(Completion.objects.filter(client=personas.client_a).order_by("pk"))
    for entry, completion in zip(JournalEntry.objects.order_by("pk")[:3], checked, strict=False):
        entry.completions.add(completion)
    LifestyleLog.objects.filter(client=personas.client_a).order_by("pk").first().completions.add(
        checked[-1]
    )
    return personas


def answer(
    personas, monkeypatch, *, kept=True, queries=None, zone="America/New_York", **query
) -> dict:
    """The therapist's answer for client A, from what is kept or all made again (with
    `queries`, a list: the answer's own queries are added to it); nothing is marked viewed
    (a first view changes what the next answer shows)."""
    viewer, client = fresh(personas.therapist_a), fresh(personas.client_a)
    with monkeypatch.context() as patch:
        patch.setattr(services, "mark_ids_viewed", lambda **_: None)
        if not kept:
            patch.setattr(versions, "read_many", lambda keys: {})
            patch.setattr(versions, "write_many", lambda values: None)
        with timezone.override(zone), CaptureQueriesContext(connection) as run:
            made = api.timeline_answer(
                viewer=viewer,
                client=client,
                kinds=query.get("kinds", selectors.TIMELINE_KINDS),
                start=query.get("start"),
                end=query.get("end"),
            )
    if queries is not None:
        queries.extend(run.captured_queries)
    return made


def _homework(p):
    return Assignment.objects.get(client=p.client_a)


WRITES = {
    "an entry": lambda p: journal(p.client_a, TODAY, 10),
    "an entry no longer shared": lambda p: JournalEntry.objects.filter(
        client=p.client_a, mood=3
    ).update(shared=False),
    "an entry's words": lambda p: JournalEntry.objects.filter(client=p.client_a, mood=4).update(
        text="Other words"
    ),
    "sleep": lambda p: LifestyleLog.objects.filter(client=p.client_a).update(sleep_hours=4),
    "a log deleted": lambda p: LifestyleLog.objects.filter(client=p.client_a, day=TODAY).delete(),
    "a contact": lambda p: social(p.client_a, TODAY - timedelta(days=2), minutes=90),
    # The history checked off the days whose index is not a multiple of 3 (today's, 39, is).
    "a check-off": lambda p: done(_homework(p), TODAY),
    "the homework renamed": lambda p: Assignment.objects.filter(client=p.client_a).update(
        title="Evening walk"
    ),
    "an entry's homework undone": lambda p: (
        JournalEntry.completions.through.objects.filter(
            journalentry__client=p.client_a, journalentry__shared=True
        )
        .order_by("pk")[:1]
        .get()
        .delete()
    ),
    "a record viewed": lambda p: SocialActivity.objects.filter(client=p.client_a).update(
        first_viewed_at=NOW
    ),
}


def test_after_each_write_the_kept_answer_is_the_one_made_again(world, monkeypatch):
    for name, write in WRITES.items():
        before = answer(world, monkeypatch)
        write(world)
        kept = answer(world, monkeypatch)
        made = answer(world, monkeypatch, kept=False)
        assert kept == made, name
        assert kept != before, name  # the write shows


def test_a_filtered_answer_keeps_parts_of_its_own(world, monkeypatch):
    whole = answer(world, monkeypatch)
    week = {"start": TODAY - timedelta(days=6), "end": TODAY}
    kept = answer(world, monkeypatch, kinds=("journal", "completion"), **week)
    assert kept == answer(world, monkeypatch, kept=False, kinds=("journal", "completion"), **week)
    assert {item["kind"] for item in kept["items"]} == {"journal", "completion"}
    assert len(kept["items"]) < len(whole["items"])
    assert answer(world, monkeypatch) == whole
    # Each zone the moments are written in keeps its own.
    in_utc = answer(world, monkeypatch, zone="UTC")
    assert in_utc == answer(world, monkeypatch, zone="UTC", kept=False) != whole


def test_after_an_entry_only_the_journal_is_read_again(world, monkeypatch):
    answer(world, monkeypatch)
    journal(world.client_a, TODAY, 10)
    queries = []
    kept = answer(world, monkeypatch, queries=queries)
    assert kept == answer(world, monkeypatch, kept=False)
    assert kept["items"][0]["record"]["mood"] == 10
    # The policy's second-factor look-up; the week's counts again (every kind's); the
    # journal's newest, its entries and the homework they completed: no other kind's records.
    read = [tables_in(query["sql"]) for query in queries]
    assert len(read) == 5, [query["sql"][:80] for query in queries]
    assert read[0] == {"mfa_authenticator"}
    assert {"clients_lifestylelog", "clients_socialactivity"} <= read[1]
    for tables in read[2:]:
        assert any(table.startswith("clients_journalentry") for table in tables), tables
        assert not tables & {"clients_lifestylelog", "clients_socialactivity"}, tables
    # Nothing changed since: nothing is read (the view itself asked the policy first).
    queries = []
    assert answer(world, monkeypatch, queries=queries) == kept
    assert queries == []


@pytest.mark.parametrize("kind", selectors.TIMELINE_KINDS)
def test_each_kinds_part_reads_the_tables_of_its_kinds_and_of_no_other_kind(world, kind):
    therapist, client = fresh(world.therapist_a), fresh(world.client_a)
    with CaptureQueriesContext(connection) as queries:
        newest = selectors.timeline_newest(
            viewer=therapist, client=client, kinds=(kind,), start=None, end=None, limit=200
        )
        items = selectors.timeline_items(newest, zone=client.zone, limit=200)
        written = api._written_items(therapist, client, items)
    assert len(written) == len(newest[kind]) > 0
    read = set().union(*(tables_in(query["sql"]) for query in queries))
    kinds = {KINDED_TABLES[table] for table in read if table in KINDED_TABLES}
    assert kinds == set(api.TIMELINE_PARTS[kind]), read
    assert not read & UNWATCHED


def test_the_weeks_counts_read_the_tables_of_their_kinds(world):
    with CaptureQueriesContext(connection) as queries:
        selectors.timeline_week_counts(
            viewer=fresh(world.therapist_a), client=fresh(world.client_a)
        )
    read = set().union(*(tables_in(query["sql"]) for query in queries))
    assert {KINDED_TABLES[table] for table in read if table in KINDED_TABLES} == set(api.WEEK_PART)


def test_what_a_kept_answer_shows_is_marked_viewed(world, client):
    """Each view marks the records it shows that no view marked before: the first, and the
    one after a new entry, whose other kinds are kept."""
    client.force_login(world.therapist_a)
    url = f"/api/v1/timeline/?client={world.client_a.public_id}"
    assert client.get(url).status_code == 200
    assert not JournalEntry.objects.filter(client=world.client_a, first_viewed_at=None).exists()
    entry = journal(world.client_a, TODAY, 10)
    body = client.get(url).json()
    assert body["items"][0]["record"]["id"] == str(entry.public_id)
    assert body["items"][0]["record"]["first_viewed_at"] is None  # as it was read
    entry.refresh_from_db()
    assert entry.first_viewed_at == NOW
    assert client.get(url).json()["items"][0]["record"]["first_viewed_at"] is not None
