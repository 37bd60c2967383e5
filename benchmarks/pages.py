"""The pages `make bench` measures: one line each. To add a page, add a `Page` with its URL
name, the URL parameters taken from the data set's personas, and who signs in.

Personas (benchmarks.data.DataSet.personas): `client` (a client with a year of history, on
the 25-client caseload), `therapist25` (their therapist) and `therapist100`.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    label: str
    route: str  # the URL name
    persona: str  # who is signed in
    kwargs: Callable[[dict], dict] | None = None  # URL parameters from the personas
    query: str = ""  # a query string, without "?"
    baseline: bool = False


def of_client(personas: dict) -> dict:
    return {"public_id": personas["client"].public_id}


def plan_of_client(personas: dict) -> dict:
    from careplans.models import CarePlan

    return {"public_id": CarePlan.objects.get(client=personas["client"]).public_id}


PAGES: list[Page] = [
    # The baseline: a signed-in page on the same base template and middleware that reads
    # nothing but the session.
    Page("baseline: How Tandem works (client)", "help", "client", baseline=True),
    Page("client Today", "client_home", "client"),
    Page("client This week", "client_week", "client"),
    Page("client journal list", "client_journal", "client"),
    Page("client care plan", "plan_detail", "client", plan_of_client),
    Page("therapist caseload, 25 clients", "therapist_home", "therapist25"),
    Page("therapist caseload, 100 clients", "therapist_home", "therapist100"),
    Page("therapist client page", "therapist_client_detail", "therapist25", of_client),
    Page("therapist timeline", "therapist_timeline", "therapist25", of_client),
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
    Page("API journal (client)", "api-journal-list", "client"),
    Page("API lifestyle logs (client)", "api-lifestyle-list", "client"),
    Page("API social activities (client)", "api-social-list", "client"),
    Page("API progress series (client, a year)", "api-progress-series", "client", query="range=1y"),
    Page("API measure responses (client)", "api-measure-response-list", "client"),
    Page("API safety alerts (therapist)", "api-alert-list", "therapist25"),
]


def url_of(page: Page, personas: dict) -> str:
    from django.urls import reverse

    url = reverse(page.route, kwargs=page.kwargs(personas) if page.kwargs else None)
    return f"{url}?{page.query}" if page.query else url
