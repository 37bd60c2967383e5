"""The caseload at a glance: adherence, last activity, the shared mood trend, flags with who
needs attention first, and a fixed number of queries."""

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from clients import services as records
from homework import services
from homework.selectors import client_today
from measures.models import MeasureResponse
from progress.caseload import build_rows, caseload_rows
from tests.conftest import make_active_relationship
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    MeasureAssignmentFactory,
    RelationshipFactory,
    SafetyAlertFactory,
    SocialActivityFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thursday of ISO week 48 (23-29 Nov)
TODAY = date(2026, 11, 26)
THIS_WEEK = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # Tuesday
LAST_WEEK = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # Wednesday before
# The access policy's MFA check, who is on the caseload with their data versions
# (`on_caseload`), then for the rows not in the cache: relationships (with their open safety
# alerts), signals (last activity and both weeks' shared mood, one query), homework, its
# pauses, the completions of the last two weeks and the latest questionnaire results.
SELECTOR_QUERIES = 8
# With every row in the cache: who is on the caseload (the MFA check was made already: once
# per request).
KEPT_ROWS_QUERIES = 1
# Session and user (the session is saved at most once a minute), the MFA check (once per
# request), who is on the caseload with their data versions (the page cache's key too), the
# rows (SELECTOR_QUERIES less those two), invitations and clients who left (one query; the
# active relationships are the rows'), "Waiting for you" (WAITING_QUERIES in
# tests/notifications/test_waiting.py), the reminder preferences, the open safety alerts
# counted for the banner, and the sessions of today and tomorrow. The same after a client
# writes: their row is computed, the others read back as kept.
PAGE_QUERIES = 15
# Seen again with nothing changed: the whole page from the page cache (accounts.versions):
# session, user, the MFA check and the clients' data versions.
CACHED_PAGE_QUERIES = 4


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def add_client(therapist, name: str, *, done_days: int):
    """Daily homework since Monday; `done_days` of it checked off from Monday on."""
    client = ClientFactory(name=name, email=f"{name.lower().replace(' ', '.')}@example.org")
    relationship = make_active_relationship(therapist, client)
    daily = services.assignment_create(
        therapist=therapist,
        relationship=relationship,
        kind="journal",
        title="Mood",
        frequency="daily",
        start_date=date(2026, 11, 23),
    )
    for i in range(done_days):
        services.completion_create(
            client=client, assignment=daily, due_date=date(2026, 11, 23) + timedelta(days=i)
        )
    return client


def joined_long_ago(therapist, name: str, **client_fields):
    client = ClientFactory(name=name, **client_fields)
    RelationshipFactory(therapist=therapist, client=client, activated_at=NOW - timedelta(days=60))
    return client


def caseload(personas, **params) -> str:
    browser = Client()
    browser.force_login(personas.therapist_a)
    return browser.get(reverse("therapist_home"), params).content.decode()


def row_of(therapist, client):
    [row] = [r for r in build_rows(therapist=therapist) if r.client == client]
    return row


def keys(row) -> list[str]:
    return [flag.key for flag in row.flags]


# --- The page ---------------------------------------------------------------------------


def test_it_shows_this_weeks_adherence_and_puts_who_needs_attention_first(personas):
    add_client(personas.therapist_a, "Cleo Steady", done_days=4)
    add_client(personas.therapist_a, "Dan Quiet", done_days=0)
    page = caseload(personas)
    assert page.index("Dan Quiet") < page.index("Cleo Steady")
    assert "4/4" in page and "0/4" in page
    assert (
        'data-client="dan.quiet@example.org" data-attention data-flags="overdue low_adherence"'
        in page
    )
    assert "Overdue homework" in page and "Less than half done" in page
    assert 'data-client="cleo.steady@example.org" data-flags=""' in page
    assert "On track" in page


def test_it_sorts_by_name_without_javascript(personas):
    add_client(personas.therapist_a, "Cleo Steady", done_days=4)
    add_client(personas.therapist_a, "Dan Quiet", done_days=0)
    page = caseload(personas, sort="name")
    assert page.index("Cleo Steady") < page.index("Dan Quiet")
    assert 'aria-sort="ascending"' in page


def test_an_unknown_sort_falls_back_to_needs_attention(personas):
    add_client(personas.therapist_a, "Cleo Steady", done_days=4)
    add_client(personas.therapist_a, "Dan Quiet", done_days=0)
    page = caseload(personas, sort="'; drop")
    assert page.index("Dan Quiet") < page.index("Cleo Steady")


def test_other_therapists_clients_are_not_listed(personas):
    assert "Bea Beta" not in caseload(personas)


def test_the_mood_trend_reads_in_words_not_colour_alone(personas):
    client = joined_long_ago(personas.therapist_a, "Eve Up")
    for mood, moment in ((5, LAST_WEEK), (5, LAST_WEEK), (6, LAST_WEEK), (6, THIS_WEEK)):
        JournalEntryFactory(client=client, mood=mood, occurred_at=moment, shared=True)
    JournalEntryFactory(client=client, mood=7, occurred_at=THIS_WEEK, shared=True)
    page = caseload(personas)
    assert "5.3 → 6.5" in page
    assert "5.3 last week, 6.5 this week," in page  # for screen readers
    assert 'data-mood="up"' in page and "<strong>up</strong>" in page


def test_a_client_with_no_shared_mood_says_so(personas):
    assert "No shared mood yet" in caseload(personas)


# --- Flags ----------------------------------------------------------------------------


def test_no_activity_for_seven_days_is_flagged(personas):
    quiet = joined_long_ago(personas.therapist_a, "Quiet Seven")
    LifestyleLogFactory(
        client=quiet, day=TODAY - timedelta(days=7), created_at=NOW - timedelta(days=7)
    )
    recent = joined_long_ago(personas.therapist_a, "Recent Six")
    LifestyleLogFactory(
        client=recent, day=TODAY - timedelta(days=6), created_at=NOW - timedelta(days=6)
    )
    never = joined_long_ago(personas.therapist_a, "Never Yet")
    assert keys(row_of(personas.therapist_a, quiet)) == ["silent"]
    assert keys(row_of(personas.therapist_a, recent)) == []
    assert keys(row_of(personas.therapist_a, never)) == ["silent"]
    # Ada joined today: nothing yet is no silence.
    assert keys(row_of(personas.therapist_a, personas.client_a)) == []


def test_a_late_check_off_or_log_counts_as_activity(personas):
    client = joined_long_ago(personas.therapist_a, "Late Logger")
    SocialActivityFactory(
        client=client, day=TODAY - timedelta(days=10), created_at=NOW - timedelta(days=1)
    )
    row = row_of(personas.therapist_a, client)
    assert row.last_activity == NOW - timedelta(days=1)
    assert keys(row) == []


def test_mood_down_two_points_week_on_week_is_flagged(personas):
    client = joined_long_ago(personas.therapist_a, "Fay Down")
    JournalEntryFactory(client=client, mood=7, occurred_at=LAST_WEEK, shared=True)
    JournalEntryFactory(client=client, mood=5, occurred_at=THIS_WEEK, shared=True)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_before, row.mood_now, row.mood_trend) == (7.0, 5.0, "down")
    assert "mood_down" in keys(row)


def test_a_smaller_drop_is_down_but_not_flagged_and_a_tiny_one_is_steady(personas):
    client = joined_long_ago(personas.therapist_a, "Gus Less")
    JournalEntryFactory(client=client, mood=7, occurred_at=LAST_WEEK, shared=True)
    JournalEntryFactory(client=client, mood=6, occurred_at=THIS_WEEK, shared=True)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_change, row.mood_trend, "mood_down" in keys(row)) == (-1.0, "down", False)
    JournalEntryFactory(client=client, mood=7, occurred_at=THIS_WEEK, shared=True)
    assert row_of(personas.therapist_a, client).mood_trend == "steady"  # 6.5 after 7.0


def test_private_entries_never_count_for_the_therapist(personas):
    client = joined_long_ago(personas.therapist_a, "Hal Private")
    JournalEntryFactory(client=client, mood=8, occurred_at=LAST_WEEK, shared=True)
    JournalEntryFactory(client=client, mood=1, occurred_at=THIS_WEEK, shared=False)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_before, row.mood_now, row.mood_trend) == (8.0, None, "")
    assert "mood_down" not in keys(row)


def test_the_mood_flag_and_trend_change_when_the_client_unshares_an_entry(personas):
    client = joined_long_ago(personas.therapist_a, "Ivy Unshare")
    before = JournalEntryFactory(client=client, mood=7, occurred_at=LAST_WEEK, shared=True)
    low = JournalEntryFactory(client=client, mood=4, occurred_at=THIS_WEEK, shared=True)
    JournalEntryFactory(client=client, mood=6, occurred_at=THIS_WEEK, shared=True)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_before, row.mood_now) == (7.0, 5.0)
    assert "mood_down" in keys(row)
    assert "7.0 → 5.0" in caseload(personas)

    records.record_sharing_set(record=low, shared=False)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_now, row.mood_trend) == (6.0, "down")
    assert "mood_down" not in keys(row)
    page = caseload(personas)
    assert "7.0 → 6.0" in page and "7.0 → 5.0" not in page

    records.record_sharing_set(record=before, shared=False)
    row = row_of(personas.therapist_a, client)
    assert (row.mood_before, row.mood_trend) == (None, "")
    assert "7.0 →" not in caseload(personas)


def test_overdue_homework_is_counted_as_the_client_sees_it(personas):
    client = joined_long_ago(personas.therapist_a, "Jo Overdue")
    relationship = client.care_relationships.get()
    daily = AssignmentFactory(relationship=relationship, start_date=date(2026, 11, 16))
    for day in (23, 24, 25, 26):
        CompletionFactory(assignment=daily, due_date=date(2026, 11, day))
    row = row_of(personas.therapist_a, client)
    assert row.overdue == len(client_today(client=client, today=TODAY).overdue) == 4  # 19-22
    assert (row.done, row.due, keys(row)) == (4, 4, ["overdue"])


def test_more_and_more_serious_flags_come_first(personas):
    therapist = personas.therapist_a
    add_client(therapist, "Kim Overdue", done_days=0)  # overdue, low adherence
    sad = joined_long_ago(therapist, "Lou Low")  # mood down: one flag, but the most serious
    JournalEntryFactory(client=sad, mood=8, occurred_at=LAST_WEEK, shared=True)
    JournalEntryFactory(client=sad, mood=3, occurred_at=THIS_WEEK, shared=True)
    joined_long_ago(therapist, "Nia Never")  # silent: as serious as both of Kim's, fewer
    add_client(therapist, "Max Fine", done_days=4)
    names = [str(row.client) for row in caseload_rows(therapist=therapist)]
    assert names == ["Lou Low", "Kim Overdue", "Nia Never", "Max Fine", "Ada Alpha"]
    assert keys(row_of(therapist, sad)) == ["mood_down"]


# --- A fixed number of queries ----------------------------------------------------------


def populate(therapist, count: int) -> None:
    """`count` clients in three time zones, each with homework, check-offs, shared and
    private entries, a lifestyle log and time with people; every third with an open safety
    alert, every other with a PHQ-9 answered."""
    zones = ("Europe/London", "America/New_York", "Pacific/Auckland")
    for i in range(count):
        client = ClientFactory(timezone=zones[i % 3])
        relationship = RelationshipFactory(
            therapist=therapist, client=client, activated_at=NOW - timedelta(days=40)
        )
        daily = AssignmentFactory(relationship=relationship, start_date=date(2026, 11, 2))
        CompletionFactory(assignment=daily, due_date=date(2026, 11, 23 + i % 3))
        JournalEntryFactory(client=client, mood=i % 10, occurred_at=LAST_WEEK, shared=True)
        JournalEntryFactory(client=client, mood=5, occurred_at=THIS_WEEK, shared=i % 2 == 0)
        LifestyleLogFactory(client=client, day=date(2026, 11, 24), exercise_minutes=20)
        SocialActivityFactory(client=client, day=date(2026, 11, 25))
        if i % 3 == 0:
            SafetyAlertFactory(relationship=relationship)
        if i % 2 == 0:
            MeasureResponse.objects.create(
                assignment=MeasureAssignmentFactory(relationship=relationship),
                client=client,
                instrument="phq9",
                period=0,
                answers=[1] * 9,
                raw_total=9,
                score=9,
                band="mild",
            )


@pytest.mark.parametrize("clients", [10, 100])
def test_the_caseload_is_built_in_a_fixed_number_of_queries(
    personas, clients, django_assert_num_queries
):
    populate(personas.therapist_a, clients - 1)  # Ada Alpha is already one
    with django_assert_num_queries(SELECTOR_QUERIES):
        rows = caseload_rows(therapist=personas.therapist_a)
    assert len(rows) == clients
    assert sum(row.done for row in rows) == clients - 1
    assert sum(1 for row in rows if row.mood_trend) == (clients - 1 + 1) // 2
    assert sum(row.open_alerts for row in rows) == len(range(0, clients - 1, 3))
    assert sum(len(row.measures) for row in rows) == len(range(0, clients - 1, 2))
    # Open safety alerts come first of all.
    alerts = [row.open_alerts for row in rows]
    assert alerts == sorted(alerts, reverse=True)


@pytest.mark.parametrize("clients", [1, 100])
def test_the_caseload_page_runs_a_fixed_number_of_queries(
    personas, clients, django_assert_num_queries
):
    populate(personas.therapist_a, clients - 1)  # each with a shared entry not opened yet
    JournalEntryFactory(client=personas.client_a, shared=True)
    AssignmentFactory(relationship=personas.relationship_a, start_date=date(2026, 11, 2))
    browser = Client()
    browser.force_login(personas.therapist_a)
    with django_assert_num_queries(PAGE_QUERIES):
        response = browser.get(reverse("therapist_home"))
    page = response.content.decode()
    assert page.count("data-client=") == clients
    # "Waiting for you": a row per client, whatever the caseload's size.
    assert page.count("data-waiting-row=") == clients
    # Seen again with nothing changed: the caseload's parts come from the page cache.
    with django_assert_num_queries(CACHED_PAGE_QUERIES):
        again = browser.get(reverse("therapist_home")).content.decode()
    assert again.count("data-client=") == clients
    assert again.count("data-waiting-row=") == clients
    # After one client writes: their row is computed again, the others are read back as
    # they were kept, and no field of a kept row is read from the database.
    JournalEntryFactory(client=personas.client_a, shared=True)
    with django_assert_num_queries(PAGE_QUERIES):
        after = browser.get(reverse("therapist_home")).content.decode()
    assert after.count("data-client=") == clients
    assert after.count("data-waiting-row=") == clients


def test_the_client_page_shows_recent_check_offs_with_their_notes(personas):
    daily = services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        kind="journal",
        title="Mood",
        frequency="daily",
        start_date=date(2026, 11, 1),
    )
    services.completion_create(client=personas.client_a, assignment=daily, note="Slept <b>well</b>")
    browser = Client()
    browser.force_login(personas.therapist_a)
    page = browser.get(
        reverse("therapist_client_detail", args=[personas.client_a.public_id])
    ).content.decode()
    assert "Check-offs this week and last" in page
    assert "Slept &lt;b&gt;well&lt;/b&gt;" in page


def test_an_open_alert_comes_first_and_links_to_the_alerts_page(personas):
    other = ClientFactory(name="Aaron Aardvark")
    RelationshipFactory(therapist=personas.therapist_a, client=other)
    alert = SafetyAlertFactory(relationship=personas.relationship_a)
    browser = Client()
    browser.force_login(personas.therapist_a)

    rows = caseload_rows(therapist=personas.therapist_a, sort="attention")
    assert rows[0].client == personas.client_a
    assert rows[0].flags[0].key == "alert"
    html = browser.get(reverse("therapist_home")).content.decode()
    row = html[html.index('data-client="client.a@example.org"') :]
    row = row[: row.index("</tr>")]
    assert "Open safety alert" in row and reverse("therapist_alerts") in row

    alert.acknowledged_at, alert.note = NOW, "Called her; safe."
    alert.save()
    rows = caseload_rows(therapist=personas.therapist_a, sort="attention")
    assert all(r.open_alerts == 0 and "alert" not in [f.key for f in r.flags] for r in rows)


def test_the_latest_questionnaire_shows_with_its_band_and_reliable_change(personas):
    from measures import services as measures

    with time_machine.travel("2026-10-01 09:00:00+00:00", tick=False):
        phq9 = measures.measure_assign(
            therapist=personas.therapist_a,
            relationship=personas.relationship_a,
            instrument="phq9",
            every_weeks=2,
        )
        measures.response_submit(client=personas.client_a, assignment=phq9, answers=[2] * 8 + [0])
    with time_machine.travel("2026-11-20 09:00:00+00:00", tick=False):
        measures.response_submit(client=personas.client_a, assignment=phq9, answers=[1] * 8 + [0])
    browser = Client()
    browser.force_login(personas.therapist_a)

    html = browser.get(reverse("therapist_home")).content.decode()
    cell = html[html.index('data-measure="phq9"') :]
    cell = cell[: cell.index("</span>")]
    assert "PHQ-9 8 · mild" in cell
    assert "reliable improvement" in cell


class TestLessThanHalfDone:
    """Judged on the days that are over: today's homework may still be done."""

    def daily_from_today(self, therapist, client):
        return services.assignment_create(
            therapist=therapist,
            relationship=client.care_relationships.get(),
            kind="journal",
            title="Mood",
            frequency="daily",
            start_date=TODAY,
        )

    def test_a_client_who_joined_minutes_ago_is_not_flagged(self, personas):
        client = ClientFactory(name="Nina New")
        RelationshipFactory(
            therapist=personas.therapist_a, client=client, activated_at=NOW - timedelta(minutes=5)
        )
        self.daily_from_today(personas.therapist_a, client)

        row = row_of(personas.therapist_a, client)

        assert (row.done, row.due) == (0, 1)  # the page still says 0/1 for this week
        assert "low_adherence" not in keys(row)

    def test_days_that_are_over_count(self, personas):
        client = add_client(personas.therapist_a, "Dan Quiet", done_days=1)
        row = row_of(personas.therapist_a, client)
        assert (row.done_past, row.due_past) == (1, 3)  # Monday to Wednesday
        assert "low_adherence" in keys(row)

    def test_n_times_a_week_is_judged_when_the_week_is_over(self, personas):
        client = joined_long_ago(personas.therapist_a, "Wes Weekly")
        services.assignment_create(
            therapist=personas.therapist_a,
            relationship=client.care_relationships.get(),
            kind="lifestyle",
            title="Walk",
            frequency="weekly",
            times_per_week=3,
            start_date=date(2026, 11, 23),
        )
        assert "low_adherence" not in keys(row_of(personas.therapist_a, client))


# --- Rows from the page cache ------------------------------------------------------------


def test_a_row_is_computed_again_only_when_its_client_writes_or_their_day_turns(
    personas, computed_rows, django_assert_num_queries
):
    therapist = personas.therapist_a
    add_client(therapist, "Bo Beta", done_days=1)
    add_client(therapist, "Cy Gamma", done_days=3)
    first = caseload_rows(therapist=therapist, sort="name")
    assert computed_rows == [["Ada Alpha", "Bo Beta", "Cy Gamma"]]

    with django_assert_num_queries(KEPT_ROWS_QUERIES):
        again = caseload_rows(therapist=therapist, sort="name")
    assert computed_rows == [["Ada Alpha", "Bo Beta", "Cy Gamma"]]  # nothing computed
    assert [(r.client.name, r.done, r.due, r.flags) for r in again] == [
        (r.client.name, r.done, r.due, r.flags) for r in first
    ]

    # Bo checks off today: only Bo's row is computed, and it shows the check-off.
    bo = next(r for r in first if r.client.name == "Bo Beta")
    services.completion_create(
        client=bo.client, assignment=bo.relationship.assignments.get(), due_date=TODAY
    )
    after = {r.client.name: r for r in caseload_rows(therapist=therapist, sort="name")}
    assert computed_rows[-1] == ["Bo Beta"]
    assert after["Bo Beta"].done == bo.done + 1
    assert after["Cy Gamma"].done == 3

    # A new day for the clients: every row again ("today", "this week" and quiet move on).
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        caseload_rows(therapist=therapist)
    assert computed_rows[-1] == ["Ada Alpha", "Bo Beta", "Cy Gamma"]


def test_kept_rows_sort_by_need_of_attention_as_computed_rows_do(personas, computed_rows):
    """A kept row carries how much it needs attention, worked out when it was kept: the
    rows read back sort as the rows computed, and each key is what its values give."""
    from dataclasses import replace

    therapist = personas.therapist_a
    add_client(therapist, "Bo Beta", done_days=0)  # overdue, less than half done
    add_client(therapist, "Cy Gamma", done_days=3)
    alerted = add_client(therapist, "Di Delta", done_days=3)
    SafetyAlertFactory(relationship=alerted.care_relationships.get())
    joined_long_ago(therapist, "Ed Quiet")  # nothing for weeks
    first = caseload_rows(therapist=therapist, sort="attention")
    assert [r.kept_attention for r in first] == [None] * 5  # computed now
    assert [r.client.name for r in first][:3] == ["Di Delta", "Bo Beta", "Ed Quiet"]
    assert len({r.attention_key for r in first}) == 4  # Cy and Ada need none

    again = caseload_rows(therapist=therapist, sort="attention")
    assert len(computed_rows) == 1  # every row read back
    assert [r.client.name for r in again] == [r.client.name for r in first]
    assert [r.attention_key for r in again] == [r.attention_key for r in first]
    for row in again:
        assert row.kept_attention is not None
        assert row.kept_attention == replace(row, kept_attention=None).attention_key


def test_a_kept_row_is_never_shown_once_the_access_policy_says_no(personas, settings):
    from allauth.mfa.models import Authenticator

    therapist = personas.therapist_a
    add_client(therapist, "Bo Beta", done_days=1)
    assert len(caseload_rows(therapist=therapist)) == 2  # both rows kept now
    account_services.relationship_end(actor=therapist, relationship=personas.relationship_a)
    assert [r.client.name for r in caseload_rows(therapist=therapist)] == ["Bo Beta"]
    settings.TANDEM_REQUIRE_MFA = True
    Authenticator.objects.filter(user=therapist).delete()
    next_request = User.objects.get(pk=therapist.pk)  # the MFA check is once per request
    assert caseload_rows(therapist=next_request) == []


def test_a_kept_row_holds_no_password_hash(personas, django_assert_num_queries):
    from accounts import versions
    from progress import caseload

    therapist = personas.therapist_a
    [row] = caseload_rows(therapist=therapist)
    assert personas.client_a.password  # the client has one
    [entry] = caseload.on_caseload(therapist)
    key = caseload._row_key(therapist, entry, caseload.local_day(NOW, entry.zone))
    [kept] = versions.read_many([key]).values()
    assert personas.client_a.password not in repr(kept)
    assert personas.client_a.password.encode() not in pickle.dumps(kept)
    with django_assert_num_queries(1):  # who is on the caseload; the hash is never read
        [again] = caseload_rows(therapist=therapist)
        assert again.client.password == "" and again.relationship.client.password == ""
    assert (again.client.name, again.client.email) == (row.client.name, row.client.email)


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """The names of the clients whose caseload row was drawn, in the order drawn."""
    from therapists import caseload_table

    names = []
    draw = caseload_table.render_to_string

    def counted(template, context):
        names.append(context["row"].client.name)
        return draw(template, context)

    monkeypatch.setattr(caseload_table, "render_to_string", counted)
    return names


def test_the_page_draws_kept_rows_as_they_were_and_last_activity_as_it_is_now(personas, drawn):
    therapist = personas.therapist_a
    bo = add_client(therapist, "Bo Beta", done_days=1)
    with time_machine.travel(NOW - timedelta(minutes=5), tick=False):
        JournalEntryFactory(client=bo, shared=False)  # Bo's last activity: 5 minutes ago
    browser = Client()
    browser.force_login(therapist)

    def row_of(name: str, page: str) -> str:
        start = page.index(f'data-client="{name.lower().replace(" ", ".")}@example.org"')
        return page[start : page.index("</tr>", start)]

    first = browser.get(reverse("therapist_home")).content.decode()
    assert "1/4" in row_of("Bo Beta", first)
    assert sorted(drawn) == ["Ada Alpha", "Bo Beta"]
    # 20 minutes on, nothing written (and still signed in): the rows come from the cache,
    # "last activity" does not.
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        later = browser.get(reverse("therapist_home")).content.decode()
    assert (
        row_of("Bo Beta", later).split('data-label="Last activity"')[0]
        == row_of("Bo Beta", first).split('data-label="Last activity"')[0]
    )
    assert "5\xa0minutes ago" in row_of("Bo Beta", first)
    assert "25\xa0minutes ago" in row_of("Bo Beta", later)
    assert sorted(drawn) == ["Ada Alpha", "Bo Beta"]  # no row drawn again
    # Bo checks off again: their row is drawn anew, with it.
    assignment = bo.care_relationships.get().assignments.get()
    services.completion_create(client=bo, assignment=assignment, due_date=TODAY)
    after = browser.get(reverse("therapist_home")).content.decode()
    assert row_of("Bo Beta", after) != row_of("Bo Beta", first)
    assert sorted(drawn) == ["Ada Alpha", "Bo Beta", "Bo Beta"]
    assert "2/4" in row_of("Bo Beta", after)


def test_last_activity_reads_how_long_ago_with_the_moment_in_the_viewers_zone(personas):
    """The cell gives the moment in the therapist's time zone for machines (as the template's
    `date:'c'` did), how long ago for people, and "none yet" for a client with none; a
    client who never did anything reads "none yet" on the page too."""
    from zoneinfo import ZoneInfo

    from therapists.caseload_table import last_activity_cell

    at = datetime(2026, 11, 23, 9, 15, 30, 250, tzinfo=UTC)
    cell = last_activity_cell(at, ZoneInfo("America/New_York"))
    assert cell == (
        '<td data-label="Last activity">'
        '<time datetime="2026-11-23T04:15:30.000250-05:00">3\xa0days ago</time></td>'
    )
    assert "none yet" in last_activity_cell(None, ZoneInfo("UTC"))
    therapist = personas.therapist_a
    add_client(therapist, "Cy Never", done_days=0)
    browser = Client()
    browser.force_login(therapist)
    page = browser.get(reverse("therapist_home")).content.decode()
    start = page.index('data-client="cy.never@example.org"')
    row = page[start : page.index("</tr>", start)]
    assert '<td data-label="Last activity"><span class="muted">none yet</span></td>' in row


def test_a_row_kept_without_its_html_is_drawn_once_and_kept_with_it(personas, drawn):
    """A row kept by a read without `draw` has no HTML: the page draws it and keeps it with
    the row, so the next page reads it back, drawn, in the same round trip."""
    from therapists import caseload_table

    therapist = personas.therapist_a
    [row] = caseload_rows(therapist=therapist)
    assert row.html == "" and drawn == []
    browser = Client()
    browser.force_login(therapist)
    first = browser.get(reverse("therapist_home")).content.decode()
    assert drawn == ["Ada Alpha"]
    [again] = caseload_rows(therapist=therapist, draw=caseload_table.drawn_row)
    assert again.html.lstrip().startswith("<tr") and again.html in first
    assert drawn == ["Ada Alpha"]  # read back drawn, not drawn again
    assert type(again.html) is str  # kept as plain text: marked safe when the rows are joined
