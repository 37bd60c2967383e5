"""The Progress series' parts kept by the kinds of data they are read from
(`accounts.versions.kept_parts`): a write gives its owners a new version of its kind, each
part reads only the tables of its kinds, and a page after any write shows it while the parts
it did not touch are not read again."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import versions
from accounts.clock import local_days_bounds
from accounts.models import CareRelationship, User
from clients.models import JournalEntry, LifestyleLog
from homework.models import Assignment, AssignmentPause
from measures.models import MeasureResponse
from progress import selectors
from progress.insights import activity_parts
from progress.selectors import score_parts
from progress.series import range_dates, series_parts
from tests.factories import (
    CarePlanFactory,
    MeasureAssignmentFactory,
    MeasureResponseFactory,
    SafetyAlertFactory,
    TriggerLogFactory,
)

from .conftest import TODAY, coping, daily_homework, done, history, journal, lifestyle, social
from .test_views import chart_section, table_columns

pytestmark = pytest.mark.django_db

KINDED_TABLES = {
    apps.get_model(label)._meta.db_table: kind for label, kind in versions.PART_KINDS.items()
}
# Tables no trigger watches: a part that read one could outlive a write to it. The person's
# own row is not among them: `User.save()` gives a new SHARED version.
UNWATCHED = {apps.get_model(label)._meta.db_table for label in versions.UNTRACKED}


def fresh(person) -> User:
    """The person as a request reads them, with their versions now."""
    return User.objects.get(pk=person.pk)


def part_versions(person) -> dict:
    return fresh(person).part_versions


def tables_in(sql: str) -> set[str]:
    return set(re.findall(r'"([a-z_]+)"\."', sql)) | set(re.findall(r'FROM "([a-z_]+)"', sql))


def test_each_kind_is_a_table_of_peoples_data():
    tracked = {model._meta.label for model in versions.tracked_models()}
    assert set(versions.PART_KINDS) <= tracked
    assert versions.SHARED not in versions.PART_KINDS.values()


def a_check_off(p):
    assignment = daily_homework(p.relationship_a, TODAY)
    return lambda: done(assignment, TODAY)


def a_coping_step(p):
    plan = CarePlanFactory(relationship=p.relationship_a)
    return lambda: TriggerLogFactory(plan=plan)


def a_questionnaire(p):
    assigned = MeasureAssignmentFactory(relationship=p.relationship_a)
    return lambda: MeasureResponseFactory(assignment=assigned)


# Each kind's write, after what it needs (homework, a plan, a questionnaire) is written.
KIND_WRITES = {
    "journal": lambda p: lambda: journal(p.client_a, TODAY, 6),
    "lifestyle": lambda p: lambda: lifestyle(p.client_a, TODAY, sleep=7),
    "social": lambda p: lambda: social(p.client_a, TODAY),
    "homework": a_check_off,
    "coping": a_coping_step,
    "measures": a_questionnaire,
}


@pytest.mark.parametrize("kind", KIND_WRITES)
def test_a_write_gives_a_new_version_of_its_kind_and_of_no_other(personas, kind):
    write = KIND_WRITES[kind](personas)
    before, other = fresh(personas.client_a), part_versions(personas.client_b)
    write()
    after = fresh(personas.client_a)
    assert after.data_version != before.data_version
    changed = {
        name
        for name in {*before.part_versions, *after.part_versions}
        if before.part_versions.get(name) != after.part_versions.get(name)
    }
    assert changed == {kind}
    assert part_versions(personas.client_b) == other  # nobody else's


def test_a_write_of_no_kind_and_a_change_of_the_person_give_a_new_shared_version(personas):
    before = part_versions(personas.client_a)
    SafetyAlertFactory(relationship=personas.relationship_a)
    after_alert = part_versions(personas.client_a)
    assert after_alert[versions.SHARED] != before[versions.SHARED]
    assert {k: v for k, v in after_alert.items() if k != versions.SHARED} == {
        k: v for k, v in before.items() if k != versions.SHARED
    }
    client = fresh(personas.client_a)
    client.timezone = "Europe/Paris"
    client.save()
    assert part_versions(personas.client_a)[versions.SHARED] != after_alert[versions.SHARED]


def test_a_rolled_back_write_keeps_the_versions_of_every_kind(personas):
    before = part_versions(personas.client_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        journal(personas.client_a, TODAY, 3)
        raise RuntimeError
    assert part_versions(personas.client_a) == before


def every_part(viewer, client) -> dict:
    first, last = range_dates(client, "1y")
    start, end = local_days_bounds(first, last, client.zone)
    return {
        **series_parts(viewer=viewer, client=client, first=first, last=last),
        **activity_parts(viewer=viewer, client=client, first=first, last=last),
        **score_parts(viewer=viewer, client=client, start=start, end=end),
    }


@pytest.mark.parametrize("viewer", ["client_a", "therapist_a"])
def test_each_part_reads_the_tables_of_its_kinds_and_of_no_other_kind(personas, viewer):
    history(personas, 20)
    parts = every_part(getattr(personas, viewer), personas.client_a)
    assert set(parts) == {"moods", "lifestyle", "social", "adherence", "activity", "scores"}
    for name, (kinds, make) in parts.items():
        with CaptureQueriesContext(connection) as queries:
            make()
        read = set().union(*(tables_in(query["sql"]) for query in queries))
        # A table read only for the column that decides what another kind shows
        # (`versions.SHOWN_BY`, which gives that kind a new version when it changes) counts
        # as that kind's.
        for table in list(read):
            if table in SHOWN_BY_TABLES:
                column, kind = SHOWN_BY_TABLES[table]
                used = columns_of(table, [query["sql"] for query in queries])
                if kind in kinds and used <= {"id", column}:
                    read.discard(table)
        of_kinds = {KINDED_TABLES[table] for table in read if table in KINDED_TABLES}
        # Each reads its own kinds (the test is not empty) and no other kind's table.
        assert of_kinds == set(kinds), (name, read)
        assert not read & UNWATCHED, (name, read)


SHOWN_BY_TABLES = {
    apps.get_model(label)._meta.db_table: shown for label, shown in versions.SHOWN_BY.items()
}


def columns_of(table: str, queries: list[str]) -> set[str]:
    """The columns of `table` these queries name."""
    return {column for sql in queries for column in re.findall(rf'"{table}"\."(\w+)"', sql)}


def test_an_entry_shared_or_no_longer_gives_new_versions_of_its_coping_steps_too(personas):
    """What a therapist sees of coping steps turns on their journal entry being shared: a
    change of `shared` gives the client a new version of the coping steps besides the
    journal's; any other change of an entry only the journal's."""
    entry = journal(personas.client_a, TODAY, 6)

    def changed_by(write) -> set[str]:
        before = part_versions(personas.client_a)
        write()
        after = part_versions(personas.client_a)
        return {name for name in {*before, *after} if before.get(name) != after.get(name)}

    entries = JournalEntry.objects.filter(pk=entry.pk)
    assert changed_by(lambda: entries.update(mood=2)) == {"journal"}
    assert changed_by(lambda: entries.update(shared=False)) == {"journal", "coping"}
    assert changed_by(lambda: entries.update(shared=False)) == {"journal"}  # not a change
    assert changed_by(lambda: entries.update(shared=True)) == {"journal", "coping"}


def progress_of(viewer, client, *, kept: bool, monkeypatch):
    """The Progress page's figures over a year, with what is kept or all made again."""
    if not kept:
        monkeypatch.setattr(
            versions,
            "kept_parts",
            lambda name, people, parts, *key: {part: make() for part, (_, make) in parts.items()},
        )
    progress = selectors.client_progress(viewer=fresh(viewer), client=fresh(client), range_key="1y")
    monkeypatch.undo()
    return (
        progress.series.days,
        progress.series.weeks,
        [insight.text for insight in progress.insights],
        [chart.source for chart in progress.charts + progress.measure_charts],
    )


def _pause(p):
    assignment = Assignment.objects.get(client=p.client_a)
    AssignmentPause.objects.create(
        assignment=assignment, start_date=TODAY - timedelta(days=5), end_date=TODAY
    )


def _coping_steps(p):
    # Each on a day's journal entry, shared: a therapist sees those.
    for entry in JournalEntry.objects.filter(client=p.client_a)[::2]:
        coping(p.relationship_a, entry.occurred_at.date(), entry=entry)


WRITES = {
    "a mood": lambda p: journal(p.client_a, TODAY - timedelta(days=3), 10),
    "an entry no longer shared": lambda p: JournalEntry.objects.filter(
        client=p.client_a, mood=3
    ).update(shared=False),
    "sleep": lambda p: LifestyleLog.objects.filter(client=p.client_a).update(sleep_hours=4),
    "a contact": lambda p: social(p.client_a, TODAY - timedelta(days=2), minutes=90),
    # Today: the history checked off the days whose index is not a multiple of 3 (39 is).
    "a check-off": lambda p: done(Assignment.objects.get(client=p.client_a), TODAY),
    "a pause": _pause,
    "coping steps": _coping_steps,
    # Then what a therapist sees of them changes with no write to the coping steps.
    "an entry with coping steps no longer shared": lambda p: JournalEntry.objects.filter(
        client=p.client_a, trigger_log__isnull=False
    ).update(shared=False),
    "a questionnaire": lambda p: MeasureResponseFactory(
        assignment=MeasureAssignmentFactory(relationship=p.relationship_a)
    ),
    "a measure deleted": lambda p: MeasureResponse.objects.filter(client=p.client_a).delete(),
    "the relationship": lambda p: CareRelationship.objects.filter(pk=p.relationship_a.pk).update(
        invited_email="new@example.org"
    ),
}


@pytest.mark.parametrize("viewer", ["client_a", "therapist_a"])
def test_after_each_write_what_is_kept_is_what_would_be_made_again(personas, viewer, monkeypatch):
    history(personas, 40)
    MeasureResponseFactory(
        assignment=MeasureAssignmentFactory(relationship=personas.relationship_a)
    )
    who = getattr(personas, viewer)
    for name, write in WRITES.items():
        before = progress_of(who, personas.client_a, kept=True, monkeypatch=monkeypatch)
        write(personas)
        kept = progress_of(who, personas.client_a, kept=True, monkeypatch=monkeypatch)
        made = progress_of(who, personas.client_a, kept=False, monkeypatch=monkeypatch)
        assert kept == made, name
        # The write shows, where it changes what this viewer sees: the client sees their
        # entries shared or not, and the relationship's address is on no chart.
        unseen = {"the relationship"} | (
            {"an entry no longer shared", "an entry with coping steps no longer shared"}
            if viewer == "client_a"
            else set()
        )
        assert (kept != before) == (name not in unseen), name


@pytest.mark.parametrize("viewer", ["client_a", "therapist_a"])
def test_a_progress_page_reads_its_parts_from_the_page_cache_at_once(personas, viewer, monkeypatch):
    """The series', the insights' and the scores' parts in one read of the page cache, the
    chart sections in one more; after a mood, the new moods part is kept (with the mood
    chart's section, unless another view drew that one already) in one write."""
    history(personas, 40)
    browser = Client()
    browser.force_login(getattr(personas, viewer))
    url = (
        reverse("client_progress")
        if viewer == "client_a"
        else reverse("therapist_client_progress", args=[personas.client_a.public_id])
    )
    browser.get(url)
    journal(personas.client_a, TODAY, 10, hour=8)
    reads, writes = [], []
    read_many, write_many = versions.read_many, versions.write_many
    monkeypatch.setattr(versions, "read_many", lambda keys: reads.append(1) or read_many(keys))
    monkeypatch.setattr(
        versions, "write_many", lambda values: writes.append(sorted(values)) or write_many(values)
    )
    assert browser.get(url).status_code == 200
    assert len(reads) == 2
    assert len(writes) <= 2
    assert [key.split(":")[1:3] for key in writes[0]] == [["progress", "moods"]]


def test_a_mood_logged_is_read_alone_and_shown_on_the_next_view(personas):
    history(personas, 40)
    browser = Client()
    browser.force_login(personas.client_a)
    url = reverse("client_progress")
    moods = table_columns(chart_section(browser.get(url).content.decode(), "mood"))[0]
    journal(personas.client_a, TODAY, 10, hour=8)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(url).content.decode()
    read = set().union(*(tables_in(query["sql"]) for query in queries))
    assert "clients_journalentry" in read
    assert not read & {
        "clients_lifestylelog",
        "clients_socialactivity",
        "homework_assignment",
        "homework_completion",
        "careplans_triggerlog",
        "measures_measureresponse",
    }, read
    # Today's mood was the history's 3 + 39 % 6 = 6; with the new 10 its mean is 8.
    assert moods[-1] == "6.0"
    assert table_columns(chart_section(page, "mood"))[0][-1] == "8.0"

    # A night's sleep changed: the lifestyle logs are read again, and the moods are kept.
    LifestyleLog.objects.filter(client=personas.client_a, day=TODAY).update(sleep_hours=11)
    with CaptureQueriesContext(connection) as queries:
        page = browser.get(url).content.decode()
    read = set().union(*(tables_in(query["sql"]) for query in queries))
    assert "clients_lifestylelog" in read
    assert "clients_journalentry" not in read
    assert table_columns(chart_section(page, "sleep"))[0][-1] == "11.0"
