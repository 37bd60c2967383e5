"""Every page `make bench` measures costs a fixed number of queries, pinned here, whether the
client has a week of history or a year, and a caseload has 1 client or 3, 2 or 6."""

from dataclasses import replace
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks import data
from benchmarks.pages import PAGES, url_of

# Queries per request, signed in, after the session's first request (the session is saved
# at most once a minute, so these are the steady-state counts). Every page in
# benchmarks/pages.py needs an entry; the target is at most 15.
QUERIES = {
    "baseline: How Tandem works (client)": 2,
    "sign-in page (anonymous)": 0,
    "client Today": 16,  # + the replies not read yet, the next session (its lines), the note
    "client This week": 6,
    "client journal list": 8,  # + the months to jump to, one UNION
    "client record and its thread": 7,
    "client care plan": 9,
    "therapist caseload, 3 clients": 14,
    "therapist caseload, 25 clients": 14,  # + the sessions of today and tomorrow
    "therapist caseload, 100 clients": 14,
    "therapist client page": 17,  # + its summary (tests/progress/test_summary.py), + sessions
    "therapist timeline": 11,
    "therapist what waits, one client": 11,
    "therapist record and its thread": 9,
    "therapist weekly review": 13,
    "client Progress, a year": 10,
    "client questionnaires": 5,
    "therapist client progress, a year": 14,
    "therapist safety alerts": 9,  # + the open alerts' plan triggers, steps and circle, one query
    "API clients (therapist, 100)": 5,
    "API assignments (client)": 5,
    "API completions (client)": 4,
    "API adherence (client)": 5,
    "API journal (client)": 5,  # + the homework each record completes
    "API lifestyle logs (client)": 5,
    "API social activities (client)": 5,
    "API unread replies (client)": 4,
    "API care plan (client)": 5,
    "API timeline (therapist)": 30,  # at a week: see GROWS
    "API progress series (client, a year)": 8,
    "API measure responses (client)": 3,
    "API safety alerts (therapist)": 6,
    # The first view after a write of the client's data (benchmarks.pages, `cold`).
    "client Today, cold": 16,
    "therapist client page, cold": 17,
}
TARGET = 15
# Pages above the target, each with the reason; the test fails when one of them comes under
# it (take it off this list) or another page goes over.
OVER_TARGET: dict[str, str] = {
    "client Today": "the next session (with its lines to bring) and the note from the last "
    "session are two reads of the client's sessions; one read would do",
    "therapist client page": "its summary reads the mood strip and the days shared apart, "
    "though both read the same shared entries of the same two weeks; one read would do",
    "client Today, cold": "as client Today",
    "therapist client page, cold": "as therapist client page",
}

# Pages whose count grows with the client's history, each with the reason: the week's count is
# pinned above, and the test fails when one of them stops growing (pin it then, and take it
# off this list).
GROWS: dict[str, str] = {
    "API timeline (therapist)": "each journal entry and lifestyle log reads its client and "
    "its completions, one query each, and each completion its client (up to 200 items: "
    "30 queries at a week, 238 at a year); the records' list endpoints prefetch them",
}

WEEK = data.Size(
    therapists=3, clients=4, days=7, people=0, big_caseload=2, caseload=1, small_caseload=1
)
YEAR = replace(WEEK, clients=12, days=365, big_caseload=6, caseload=3, small_caseload=3)
TODAY = date(2026, 11, 25)


def queries_per_page(client, size: data.Size) -> dict[str, int]:
    dataset = data.build(size, today=TODAY)
    personas = dataset.personas
    counts = {}
    for page in PAGES:
        if page.persona:
            client.force_login(personas[page.persona])
        else:
            client.logout()
        url = url_of(page, personas)
        assert client.get(url).status_code == 200, page.label
        if page.cold:
            page.before_each(personas)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, page.label
        counts[page.label] = len(queries)
    return counts


@pytest.fixture
def today():
    import time_machine

    with time_machine.travel("2026-11-25 15:00:00+00:00", tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("size", [WEEK, YEAR], ids=["a week", "a year"])
def test_each_benchmarked_page_costs_its_pinned_queries(client, today, redis_throttle, size):
    counts = queries_per_page(client, size)
    grows = {label: counts.pop(label) for label in GROWS}
    assert counts == {label: n for label, n in QUERIES.items() if label not in GROWS}
    for label, n in grows.items():
        # A week's count is pinned; with a year's history it is more (see GROWS).
        assert n == QUERIES[label] if size is WEEK else n > QUERIES[label], label


def test_only_the_listed_pages_are_over_the_target():
    over = {label for label, n in QUERIES.items() if n > TARGET and label not in GROWS}
    assert over == set(OVER_TARGET)


def test_every_benchmarked_page_has_a_pinned_count():
    assert {page.label for page in PAGES} == set(QUERIES)
    assert sum(page.baseline for page in PAGES) == 1
