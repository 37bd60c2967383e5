"""The therapist's timeline and the trigger suggestions."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditAction, AuditEvent
from clients import record_lines, selectors, services
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import DATE_FIELDS, Completion
from homework.schedules import iso_week_monday
from tests.clients.conftest import NOW, TODAY, assign_from_library
from tests.factories import (
    AssignmentFactory,
    CompletionFactory,
    FeedbackFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    PersonFactory,
    SocialActivityFactory,
)
from tests.plans import assert_runs_on_a_kept_plan, runs_past_the_first_plans

pytestmark = pytest.mark.django_db


def fill(personas, n: int) -> None:
    """n shared records of each kind (and n private journal entries), over n days."""
    for model in (JournalEntry, LifestyleLog, SocialActivity, Completion):
        model.objects.all().delete()
    client_a = personas.client_a
    days = [TODAY - timedelta(days=i % 60) for i in range(n)]
    JournalEntry.objects.bulk_create(
        JournalEntryFactory.build(
            client=client_a, shared=True, occurred_at=NOW - timedelta(hours=i)
        )
        for i in range(n)
    )
    JournalEntryFactory.create_batch(3, client=client_a, shared=False)
    LifestyleLog.objects.bulk_create(
        LifestyleLogFactory.build(client=client_a, shared=True, day=TODAY - timedelta(days=i))
        for i in range(n)
    )
    SocialActivity.objects.bulk_create(
        SocialActivityFactory.build(client=client_a, shared=True, day=day) for day in days
    )


def count_queries(personas) -> tuple[int, selectors.Timeline]:
    # A fresh user object, as in a new request: the MFA answer is memoised per request.
    viewer = type(personas.therapist_a).objects.get(pk=personas.therapist_a.pk)
    with CaptureQueriesContext(connection) as queries:
        timeline = selectors.therapist_timeline(viewer=viewer, client=personas.client_a)
        [item.record for item in timeline.items]
    return len(queries), timeline


def test_the_timeline_takes_the_same_queries_for_10_and_1000_records(personas):
    fill(personas, 10)
    small, timeline = count_queries(personas)
    assert len(timeline.items) == 30
    fill(personas, 1000)
    large, timeline = count_queries(personas)
    # The MFA check, the week's counts, which records are the newest, one read per kind.
    assert small == large == 6
    assert len(timeline.items) == selectors.TIMELINE_LIMIT


def test_the_weeks_counts_are_this_weeks_and_read_with_one_kept_plan(personas):
    """Run on every timeline view: this ISO week's records of each kind, none before it or
    after it, and on PostgreSQL read by the plan the connection keeps for the query. (Bounded
    on one side, PostgreSQL planned it again on every view of the benchmark's practice,
    0.8 ms; at this test's size it keeps the plan either way.)"""
    fill(personas, 1000)
    monday = iso_week_monday(TODAY)
    LifestyleLogFactory(client=personas.client_a, shared=True, day=monday + timedelta(days=7))
    JournalEntryFactory(
        client=personas.client_a,
        shared=True,
        occurred_at=datetime.combine(monday + timedelta(days=7), time(0), tzinfo=UTC),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    this_week = (TODAY - monday).days + 1
    expected = {
        "journal": JournalEntry.objects.filter(
            client=personas.client_a,
            shared=True,
            occurred_at__gte=datetime.combine(monday, time(0), tzinfo=UTC),
        ).count()
        - 1,
        "lifestyle": this_week,
        "social": SocialActivity.objects.filter(
            client=personas.client_a, day__gte=monday, day__lte=TODAY
        ).count(),
        "completion": 0,
    }
    assert expected["journal"] > 0 and expected["social"] > 0
    runs = runs_past_the_first_plans()
    for _ in range(runs):
        timeline = selectors.therapist_timeline(
            viewer=personas.therapist_a, client=personas.client_a, kinds=()
        )
        assert timeline.week_counts == expected
    assert_runs_on_a_kept_plan("SELECT COALESCE((SELECT COUNT(%")


def test_the_timeline_is_newest_first_and_holds_only_shared_records(personas):
    homework = assign_from_library(personas, "daily-mood-journal")
    services.journal_create(client=personas.client_a, text="private")
    old = services.journal_create(
        client=personas.client_a, text="old", shared=True, occurred_at=NOW - timedelta(days=10)
    )
    services.lifestyle_create(client=personas.client_a, day=TODAY - timedelta(days=2), shared=True)
    Completion.objects.create(
        assignment=homework,
        client=personas.client_a,
        due_date=TODAY,
        week=iso_week_monday(TODAY),
    )
    timeline = selectors.therapist_timeline(viewer=personas.therapist_a, client=personas.client_a)
    assert [(item.kind, item.day) for item in timeline.items] == [
        ("completion", TODAY),
        ("lifestyle", TODAY - timedelta(days=2)),
        ("journal", old.occurred_at.date()),
    ]
    assert timeline.week_counts == {"journal": 0, "lifestyle": 1, "social": 0, "completion": 1}


def test_a_short_timeline_keeps_the_newest_of_all_kinds_in_order(personas):
    """The newest records are chosen across the kinds before any is read whole: on a day,
    a moment comes before the day's own records, and records of one day and time keep the
    kinds' order (lifestyle before social); the rest of the kinds' records are cut."""
    client, zone = personas.client_a, personas.client_a.zone
    logs = [
        services.lifestyle_create(client=client, day=TODAY - timedelta(days=n), shared=True)
        for n in range(5)
    ]
    at_ten = datetime.combine(TODAY - timedelta(days=1), time(10), tzinfo=zone)
    entry = services.journal_create(client=client, text="x", shared=True, occurred_at=at_ten)
    services.journal_create(
        client=client, text="old", shared=True, occurred_at=at_ten - timedelta(days=9)
    )
    SocialActivityFactory(client=client, shared=True, day=TODAY - timedelta(days=2))
    timeline = selectors.therapist_timeline(viewer=personas.therapist_a, client=client, limit=4)
    assert [(item.kind, item.record.pk) for item in timeline.items] == [
        ("lifestyle", logs[0].pk),
        ("journal", entry.pk),
        ("lifestyle", logs[1].pk),
        ("lifestyle", logs[2].pk),
    ]


def test_the_timeline_filters_by_kind_and_dates(personas):
    for days_ago in (1, 5, 20):
        services.journal_create(
            client=personas.client_a,
            text=f"{days_ago}",
            shared=True,
            occurred_at=NOW - timedelta(days=days_ago),
        )
        services.lifestyle_create(
            client=personas.client_a, day=TODAY - timedelta(days=days_ago), shared=True
        )
    timeline = selectors.therapist_timeline(
        viewer=personas.therapist_a,
        client=personas.client_a,
        kinds=("journal",),
        start=TODAY - timedelta(days=10),
        end=TODAY - timedelta(days=2),
    )
    assert [item.record.text for item in timeline.items] == ["5"]


@pytest.mark.parametrize("persona", ["therapist_b", "client_b", "staff"])
def test_the_timeline_shows_nothing_to_anyone_else(personas, persona):
    services.journal_create(client=personas.client_a, text="x", shared=True)
    timeline = selectors.therapist_timeline(
        viewer=getattr(personas, persona), client=personas.client_a
    )
    assert timeline.items == []
    assert set(timeline.week_counts.values()) == {0}


@pytest.mark.parametrize("kind", ["journal", "lifestyle", "social"])
def test_each_read_by_the_therapist_is_one_audit_row_and_none_for_the_client(
    client, personas, kind
):
    record = {
        "journal": lambda: services.journal_create(client=personas.client_a, text="x", shared=True),
        "lifestyle": lambda: services.lifestyle_create(
            client=personas.client_a, sleep_hours=7, shared=True
        ),
        "social": lambda: services.social_create(
            client=personas.client_a, mode="call", shared=True
        ),
    }[kind]()
    urls = [
        (f"/api/v1/{kind}/", {"client": str(personas.client_a.public_id)}),
        (f"/api/v1/{kind}/{record.public_id}/", {}),
        ("/api/v1/feedback/", {"record": str(record.public_id)}),
        ("/api/v1/timeline/", {"client": str(personas.client_a.public_id)}),
    ]

    def audit_rows() -> int:
        return AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED).count()

    client.force_login(personas.client_a)
    for url, query in urls[:3]:
        assert client.get(url, query).status_code == 200
    assert audit_rows() == 0

    client.force_login(personas.therapist_a)
    for number, (url, query) in enumerate(urls, start=1):
        assert client.get(url, query).status_code == 200
        assert audit_rows() == number


def test_trigger_suggestions_are_most_used_first(personas):
    for triggers in (["crowds"], ["work", "crowds"], ["Crowds", "noise"]):
        services.journal_create(client=personas.client_a, text="x", triggers=triggers)
    assert selectors.trigger_suggestions(client=personas.client_a)[0].lower() == "crowds"


def test_a_therapist_without_totp_sees_no_records_when_it_is_required(settings, personas):
    from allauth.mfa.models import Authenticator

    from clients.models import Feedback

    entry = services.journal_create(client=personas.client_a, text="x", shared=True)
    FeedbackFactory(relationship=personas.relationship_a, journal_entry=entry)
    settings.TANDEM_REQUIRE_MFA = True
    assert JournalEntry.objects.visible_to(personas.therapist_a).exists()
    Authenticator.objects.filter(user=personas.therapist_a).delete()
    therapist = type(personas.therapist_a).objects.get(pk=personas.therapist_a.pk)  # next request
    for model in (JournalEntry, LifestyleLog, SocialActivity, Feedback):
        assert not model.objects.visible_to(therapist).exists()


def test_the_completions_each_record_made_are_read_for_a_whole_list_in_one_query(personas):
    """`read_completions_made` gives each record what the database gives it one by one, in
    the completions' order (due date, then id), and nothing to a record that made none: one
    query for every kind of record, however many records; one kind alone, and none."""
    from tests.factories import AssignmentFactory, CompletionFactory

    relationship = personas.relationship_a
    walk = AssignmentFactory(relationship=relationship, title="Walk", start_date=TODAY)
    write = AssignmentFactory(relationship=relationship, title="Write", start_date=TODAY)
    made = [
        CompletionFactory(assignment=assignment, due_date=TODAY - timedelta(days=days))
        for days, assignment in ((3, walk), (1, write), (5, write), (1, walk), (0, walk))
    ]
    records = [
        *JournalEntryFactory.create_batch(3, client=personas.client_a, shared=True),
        *LifestyleLogFactory.create_batch(2, client=personas.client_a, shared=True),
        SocialActivityFactory(client=personas.client_a, shared=True),
    ]
    links = {0: [4, 0, 2], 1: [], 2: [1], 3: [3, 2], 5: [0]}  # made in this order
    for index, picks in links.items():
        records[index].completions.add(*(made[pick] for pick in picks))

    fresh = [type(record).objects.get(pk=record.pk) for record in records]
    with CaptureQueriesContext(connection) as queries:
        selectors.read_completions_made(fresh)
    assert len(queries) == 1
    for record, read in zip(records, fresh, strict=True):
        expected = list(type(record).objects.get(pk=record.pk).completions.all())
        assert read.completions_made == expected
        assert [c.pk for c in read.completions_made] == sorted(
            (c.pk for c in expected), key=lambda pk: (Completion.objects.get(pk=pk).due_date, pk)
        )
    with CaptureQueriesContext(connection) as queries:
        titles = [c.assignment.title for c in fresh[0].completions_made]
        shown = [  # what the API shows of each (clients.api.CompletedSerializer)
            (c.public_id, c.due_date, c.assignment.public_id)
            for read in fresh
            for c in read.completions_made
        ]
    assert queries.captured_queries == []  # each with its homework
    assert shown == [
        (c.public_id, c.due_date, c.assignment.public_id)
        for record in records
        for c in sorted(record.completions.all(), key=lambda c: (c.due_date, c.pk))
    ]
    assert titles == ["Write", "Walk", "Walk"]  # due 5, 3 and 0 days ago
    # The homework is a homework read from the database: its dates as it was read.
    homework = fresh[0].completions_made[0].assignment
    assert homework._saved_dates == {name: getattr(write, name) for name in DATE_FIELDS}

    logs = [LifestyleLog.objects.get(pk=record.pk) for record in records[3:5]]
    with CaptureQueriesContext(connection) as queries:
        selectors.read_completions_made(logs)
        selectors.read_completions_made([])
    assert len(queries) == 1
    assert [[c.pk for c in log.completions_made] for log in logs] == [
        [made[2].pk, made[3].pk],  # due 5 days ago, then the later of two due a day ago
        [],
    ]
    assert fresh[1].completions_made == [] and fresh[4].completions_made == []
    assert fresh[0].completion == made[2]  # the first it made, as the API shows it


def test_a_page_of_lines_reads_only_what_they_show_and_draws_them_as_from_whole_records(
    personas, django_assert_num_queries
):
    """`lines=True` reads each record with only what its line shows: the lines (and what
    marking them viewed reads) cost no query more, and read as drawn from whole records."""
    a = personas.client_a
    sam = PersonFactory(client=a, name="Sam <S>")
    services.journal_create(
        client=a,
        text="**Words** <of> today",
        mood=6,
        emotions=["calm", "tired"],
        shared=True,
        occurred_at=NOW - timedelta(hours=1),
    )
    JournalEntryFactory(client=a, shared=True, recalled=True, occurred_at=NOW - timedelta(days=2))
    LifestyleLogFactory(
        client=a,
        shared=True,
        day=TODAY,
        sleep_hours=7.5,
        exercise_minutes=30,
        exercise_kind="walk",
        meals="regular",
        outdoor_minutes=20,
        note="A <good> day",
    )
    SocialActivityFactory(client=a, shared=True, day=TODAY, person=sam, minutes=20, feeling=7)
    SocialActivityFactory(client=a, shared=True, day=TODAY - timedelta(days=1), person=None)
    walk = AssignmentFactory(relationship=personas.relationship_a, title="Walk", start_date=TODAY)
    CompletionFactory(assignment=walk, due_date=TODAY, note="Felt <good>")
    viewer = personas.therapist_a

    def drawn(timeline) -> tuple[list, list]:
        records = [item for item in timeline.items if item.kind != "completion"]
        done = [item.record for item in timeline.items if item.kind == "completion"]
        shown = [
            record_lines.line(
                item.record,
                kind=item.kind,
                url="",
                zone="UTC",
                who="therapist",
            )
            for item in records
        ]
        shown += [(c.public_id, c.assignment.title, c.note) for c in done]
        viewed = [item.record.first_viewed_at for item in records]
        html = record_lines.for_therapist(a, records) + record_lines.completion_lines(done)
        return [shown, viewed], html

    whole = selectors.therapist_timeline(viewer=viewer, client=a)
    lines = selectors.therapist_timeline(viewer=viewer, client=a, lines=True)
    assert [i.kind for i in lines.items] == [i.kind for i in whole.items]
    assert {i.kind for i in lines.items} == {"journal", "lifestyle", "social", "completion"}
    with django_assert_num_queries(0):
        read, html = drawn(lines)
    assert (read, html) == drawn(whole)
