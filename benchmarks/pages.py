"""The pages `make bench` measures: one line each. To add a page, add a `Page` with its URL
name, the URL parameters taken from the data set's personas, and who signs in.

Personas (benchmarks.data.DataSet.personas): `client` (a client with a year of history, on
the 25-client caseload), `therapist25` (their therapist), `therapist100` and `therapist3`
(caseloads of 100 and 3 clients), `client100` (one of the 100, whose records no page here
opens). A page with no persona is measured without a cookie.

A `cold` page is the first view after a write of the client's data: before each request the
bench calls `before_each` (by default it gives the personas new data versions, so that the
page cache misses), and times the requests one at a time (benchmarks.web.cold).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace


def bump_client_version(personas: dict) -> None:
    """What a write of the client's data does to the page cache (accounts.versions): new
    data versions, here for every persona, so whatever page is measured misses, and new
    versions of every kind of their data, so that no part of a page is kept either."""
    from accounts.models import User

    people = [person.pk for person in personas.values()]
    User.objects.filter(pk__in=people).update(**new_versions())


def new_versions() -> dict:
    """A write of every kind of a person's data (`accounts.versions.kept_parts`)."""
    from accounts import versions

    return {"data_version": versions.new_token(), "part_versions": versions.new_part_versions()}


_MOODS = itertools.count()
MOOD_MARK = "A mood logged by the benchmark."


def log_a_mood(personas: dict) -> None:
    """A real write, for the pages that keep parts by the kind of data written: the client
    shares an entry with a mood, each time in another week of the year or with another mood,
    so no two writes leave the mood chart as it was (its version changes by the database
    trigger, as for any write); the other charts, and the other kinds of the timeline, do not
    change. The entry of the write before is deleted first: the pages measured afterwards see
    the data set as built, with one entry more."""
    from datetime import timedelta

    from django.utils import timezone

    from clients.models import JournalEntry

    count = next(_MOODS)
    JournalEntry.objects.filter(client=personas["client"], text=MOOD_MARK).delete()
    JournalEntry.objects.create(
        client=personas["client"],
        shared=True,
        text=MOOD_MARK,
        mood=count // 52 % 11,
        occurred_at=timezone.now() - timedelta(weeks=count % 52),
    )


@dataclass(frozen=True)
class Page:
    label: str
    route: str  # the URL name
    persona: str | None  # who is signed in; None: nobody (no cookie)
    kwargs: Callable[[dict], dict] | None = None  # URL parameters from the personas
    query: str | Callable[[dict], str] = ""  # a query string, without "?"
    baseline: bool = False
    cold: bool = False  # each request the first after a write (see the module's docstring)
    before_each: Callable[[dict], None] = bump_client_version  # a cold page's write


def of_client(personas: dict) -> dict:
    return {"public_id": personas["client"].public_id}


def of_client100(personas: dict) -> dict:
    return {"public_id": personas["client100"].public_id}


def plan_of_client(personas: dict) -> dict:
    from careplans.models import CarePlan

    return {"public_id": CarePlan.objects.get(client=personas["client"]).public_id}


def thread_record(personas: dict):
    """The client's newest journal entry with a feedback thread (benchmarks.data.threads)."""
    from clients.models import JournalEntry

    return (
        JournalEntry.objects.filter(client=personas["client"], feedback__isnull=False)
        .order_by("-occurred_at")
        .first()
    )


def client_thread(personas: dict) -> dict:
    return {"public_id": thread_record(personas).public_id}


def therapist_thread(personas: dict) -> dict:
    return {**of_client(personas), "record_id": thread_record(personas).public_id}


def client_query(personas: dict) -> str:
    return f"client={personas['client'].public_id}"


PAGES: list[Page] = [
    # The baseline: a signed-in page on the same base template and middleware that reads
    # nothing but the session.
    Page("baseline: How Tandem works (client)", "help", "client", baseline=True),
    Page("sign-in page (anonymous)", "account_login", None),
    Page("client Today", "client_home", "client"),
    Page("client This week", "client_week", "client"),
    Page("client journal list", "client_journal", "client"),
    Page("client record and its thread", "client_record", "client", client_thread),
    Page("client care plan", "plan_detail", "client", plan_of_client),
    Page("therapist caseload, 3 clients", "therapist_home", "therapist3"),
    Page("therapist caseload, 25 clients", "therapist_home", "therapist25"),
    Page("therapist caseload, 100 clients", "therapist_home", "therapist100"),
    Page("therapist client page", "therapist_client_detail", "therapist25", of_client),
    Page("therapist timeline", "therapist_timeline", "therapist25", of_client),
    # "Waiting for you" names each client; its link opens this list. (The timeline above
    # marks what it shows as viewed: this is another client's, whom nothing here opens.)
    Page(
        "therapist what waits, one client",
        "therapist_timeline",
        "therapist100",
        of_client100,
        query="waiting=1",
    ),
    Page("therapist record and its thread", "therapist_record", "therapist25", therapist_thread),
    Page("therapist weekly review", "therapist_weekly_review", "therapist25"),
    Page("client Progress, a year", "client_progress", "client", query="range=1y"),
    Page("client questionnaires", "client_measures", "client"),
    Page(
        "therapist client progress, a year",
        "therapist_client_progress",
        "therapist25",
        of_client,
        query="range=1y",
    ),
    Page("therapist safety alerts", "therapist_alerts", "therapist25"),
    Page("API clients (therapist, 100)", "api-client-list", "therapist100"),
    Page("API assignments (client)", "api-assignment-list", "client"),
    Page("API completions (client)", "api-completion-list", "client"),
    Page("API adherence (client)", "api-adherence", "client"),
    Page("API journal (client)", "api-journal-list", "client"),
    Page("API lifestyle logs (client)", "api-lifestyle-list", "client"),
    Page("API social activities (client)", "api-social-list", "client"),
    Page("API unread replies (client)", "api-replies-unread", "client"),
    Page("API care plan (client)", "api-plan-detail", "client", plan_of_client),
    Page("API timeline (therapist)", "api-timeline", "therapist25", query=client_query),
    Page("API progress series (client, a year)", "api-progress-series", "client", query="range=1y"),
    Page("API measure responses (client)", "api-measure-response-list", "client"),
    Page("API safety alerts (therapist)", "api-alert-list", "therapist25"),
]
# The pages the page cache serves (accounts.versions): each also measured as the first view
# after a write of its people's data, as "<label>, cold".
CACHED = (
    "client Today",
    "client This week",
    "client journal list",
    "client record and its thread",
    "client care plan",
    "therapist caseload, 3 clients",
    "therapist caseload, 25 clients",
    "therapist caseload, 100 clients",
    "therapist client page",
    "therapist timeline",
    "therapist what waits, one client",
    "therapist record and its thread",
    "therapist weekly review",
    "client Progress, a year",
    "client questionnaires",
    "therapist client progress, a year",
    "therapist safety alerts",
    "API assignments (client)",
    "API completions (client)",
    "API adherence (client)",
    "API journal (client)",
    "API lifestyle logs (client)",
    "API social activities (client)",
    "API progress series (client, a year)",
    "API measure responses (client)",
    "API unread replies (client)",
    "API care plan (client)",
    "API clients (therapist, 100)",
    "API safety alerts (therapist)",
    "API timeline (therapist)",
)


def a_client_of_three_writes(personas: dict) -> None:
    """`bump_client_version`, and one client of the caseload of 3 (where no persona is)
    writes too: each caseload's cold view has one client's row to compute again."""
    from accounts.models import CareRelationship, User

    bump_client_version(personas)
    one = CareRelationship.objects.filter(therapist=personas["therapist3"], status="active")
    client = one.values_list("client_id", flat=True).first()
    User.objects.filter(pk=client).update(**new_versions())


# A cold page's write when it is not `bump_client_version`.
WRITES = {
    "therapist caseload, 3 clients": a_client_of_three_writes,
    "client Progress, a year": log_a_mood,
    "therapist client progress, a year": log_a_mood,
    "API timeline (therapist)": log_a_mood,
}
# Pages measured after a real write (WRITES) whose parts are kept by kind, measured also
# after a write of every kind at once (`bump_client_version`): nothing of them is kept.
EVERY_KIND = ("API timeline (therapist)",)
PAGES += [
    replace(
        page,
        label=f"{page.label}, cold",
        cold=True,
        before_each=WRITES.get(page.label, bump_client_version),
    )
    for page in PAGES
    if page.label in CACHED
] + [
    replace(page, label=f"{page.label}, every kind written, cold", cold=True)
    for page in PAGES
    if page.label in EVERY_KIND
]


def url_of(page: Page, personas: dict) -> str:
    from django.urls import reverse

    url = reverse(page.route, kwargs=page.kwargs(personas) if page.kwargs else None)
    query = page.query(personas) if callable(page.query) else page.query
    return f"{url}?{query}" if query else url
