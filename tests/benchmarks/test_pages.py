"""Every page `make bench` measures costs a fixed number of queries, pinned here, whether the
client has a week of history or a year, and a caseload has 1 client or 3, 2 or 6."""

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from benchmarks import data
from benchmarks.pages import CACHED, EVERY_KIND, PAGES, new_versions, url_of

# Queries per request, signed in, after the session's first request (the session is saved
# at most once a minute, so these are the steady-state counts), the first time the page is
# seen after a write of its people's data (nothing from the page cache). Every page in
# benchmarks/pages.py needs an entry; the target is at most 15.
QUERIES = {
    "baseline: How Tandem works (client)": 2,
    "sign-in page (anonymous)": 0,
    "client Today": 15,  # + the replies not read yet, the next session (its lines) and the note
    "client This week": 6,
    "client journal list": 8,  # + the months to jump to, one UNION
    "client record and its thread": 7,
    "client care plan": 9,
    "therapist caseload, 3 clients": 15,  # + the sessions today and tomorrow, the clients' versions
    "therapist caseload, 25 clients": 15,
    "therapist caseload, 100 clients": 15,
    "therapist client page": 16,  # + its summary (tests/progress/test_summary.py), + sessions
    "therapist timeline": 12,  # + which records are the newest, before reading them whole
    "therapist what waits, one client": 11,
    "therapist record and its thread": 9,
    "therapist weekly review": 14,  # + the clients' versions (the cache key)
    "client Progress, a year": 10,
    "client questionnaires": 5,
    "therapist client progress, a year": 14,
    # + the open alerts' plan triggers, steps and circle, one query; the clients shown (the
    # cache key); their audit rows, one statement
    "therapist safety alerts": 10,
    "API clients (therapist, 100)": 6,  # + the clients' versions (the cache key)
    "API assignments (client)": 5,
    "API completions (client)": 4,
    "API adherence (client)": 5,
    "API journal (client)": 5,  # + the homework each record completes
    "API lifestyle logs (client)": 5,
    "API social activities (client)": 5,
    "API unread replies (client)": 4,
    "API care plan (client)": 5,
    "API timeline (therapist)": 12,  # + the newest records first; the homework they complete
    "API progress series (client, a year)": 8,
    "API measure responses (client)": 3,
    "API safety alerts (therapist)": 7,  # + the clients' versions (the cache key)
}
# The first view after a write (benchmarks.pages, CACHED) costs what the page above does,
# but where the write is of one kind of data and the page keeps its parts by kind
# (accounts.versions.kept_parts): after a mood, the Progress pages read the moods again, not
# the rest (a therapist's days of coping steps too only when an entry's sharing changed), and
# the timeline API the journal's newest, entries and their homework (and the week's counts).
QUERIES |= {f"{label}, cold": QUERIES[label] for label in CACHED}
QUERIES |= {
    "client Progress, a year, cold": 3,
    "therapist client progress, a year, cold": 7,
    "API timeline (therapist), cold": 10,
}
# After a write of every kind at once, it reads all of it again.
QUERIES |= {f"{label}, every kind written, cold": QUERIES[label] for label in EVERY_KIND}
# Seen again with nothing written since: the pages served from the page cache
# (accounts.versions) cost the session, the user, and what their view does before it (the
# access check and its audit row, the people the page is keyed on).
CACHED_QUERIES = {
    "client Today": 2,
    "client This week": 2,
    "client journal list": 2,
    "client record and its thread": 4,  # + the record (access), its thread (to mark it read)
    "client care plan": 3,  # + the plan (access) and its audit row
    "therapist caseload, 3 clients": 4,  # + MFA, the clients' versions
    "therapist caseload, 25 clients": 4,
    "therapist caseload, 100 clients": 4,
    "therapist client page": 5,  # + MFA, the relationship (access), the audit row
    "therapist timeline": 5,
    "therapist what waits, one client": 5,
    "therapist record and its thread": 7,  # + the record (access), its first view, audit row
    "therapist weekly review": 4,  # + MFA, the clients' versions
    "client Progress, a year": 2,
    "client questionnaires": 2,
    "therapist client progress, a year": 5,
    "therapist safety alerts": 5,  # + MFA, the clients shown, their audit rows
    # The rate limit's counts are in Redis (config.throttling): no query.
    "API assignments (client)": 2,
    "API completions (client)": 2,
    "API adherence (client)": 2,
    "API journal (client)": 2,
    "API lifestyle logs (client)": 2,
    "API social activities (client)": 2,
    "API progress series (client, a year)": 2,
    "API measure responses (client)": 2,
    "API unread replies (client)": 2,
    "API care plan (client)": 2,
    "API clients (therapist, 100)": 4,  # + MFA, the clients' versions
    "API safety alerts (therapist)": 4,
    "API timeline (therapist)": 5,  # + MFA, the client (access), the audit row
}
TARGET = 15
# Pages above the target, each with the reason; the test fails when one of them comes under
# it (take it off this list) or another page goes over.
OVER_TARGET: dict[str, str] = {
    "therapist client page": "the relationship is read for access, then again with the "
    "client's last activity and open alerts for the summary; one read would do (from the "
    "page cache it is 5)",
}
OVER_TARGET |= {f"{label}, cold": f"as {label}" for label in CACHED if label in OVER_TARGET}

# Pages whose count grows with the client's history, each with the reason: the week's count is
# pinned above, and the test fails when one of them stops growing (pin it then, and take it
# off this list).
GROWS: dict[str, str] = {}

WEEK = data.Size(
    therapists=3, clients=4, days=7, people=0, big_caseload=2, caseload=1, small_caseload=1
)
YEAR = replace(WEEK, clients=12, days=365, big_caseload=6, caseload=3, small_caseload=3)
TODAY = date(2026, 11, 25)


def count(client, url: str, label: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, label
    return len(queries)


def queries_per_page(client, size: data.Size) -> tuple[dict[str, int], dict[str, int]]:
    """First views after a write, and views again with nothing written, of every page."""
    dataset = data.build(size, today=TODAY)
    personas = dataset.personas
    first, again = {}, {}
    for page in PAGES:
        if page.persona:
            client.force_login(personas[page.persona])
        else:
            client.logout()
        url = url_of(page, personas)
        assert client.get(url).status_code == 200, page.label
        if page.cold:
            page.before_each(personas)
        else:
            User.objects.update(**new_versions())  # as a write of every kind would
        first[page.label] = count(client, url, page.label)
        repeated = count(client, url, page.label)
        if repeated != first[page.label] and not page.cold:
            again[page.label] = repeated
    return first, again


@pytest.fixture
def today():
    import time_machine

    with time_machine.travel("2026-11-25 15:00:00+00:00", tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("size", [WEEK, YEAR], ids=["a week", "a year"])
def test_each_benchmarked_page_costs_its_pinned_queries(client, today, redis_throttle, size):
    first, again = queries_per_page(client, size)
    grows = {label: first.pop(label) for label in GROWS}
    assert first == {label: n for label, n in QUERIES.items() if label not in GROWS}
    for label, n in grows.items():
        # A week's count is pinned; with a year's history it is more (see GROWS).
        assert n == QUERIES[label] if size is WEEK else n > QUERIES[label], label
    assert again == CACHED_QUERIES


def test_only_the_listed_pages_are_over_the_target():
    over = {label for label, n in QUERIES.items() if n > TARGET and label not in GROWS}
    assert over == set(OVER_TARGET)


def test_every_benchmarked_page_has_a_pinned_count():
    assert {page.label for page in PAGES} == set(QUERIES)
    assert sum(page.baseline for page in PAGES) == 1
