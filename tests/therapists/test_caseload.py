"""The caseload at a glance: adherence, last activity, needs attention first, fixed queries."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from homework import services
from tests.conftest import make_active_relationship
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

NOW = "2026-11-26 10:00:00+00:00"  # Thursday
# Session, user, the MFA check (once per request), relationships, homework,
# pauses, done counts, last activity, invitations, clients who left, and saving the session;
# "Waiting for you" (WAITING_QUERIES in tests/notifications/test_waiting.py) and the
# reminder preferences; the open safety alerts counted for the banner: the same for 3 or 30.
CASELOAD_QUERIES = 25


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def add_client(therapist, name: str, *, done_days: int):
    client = ClientFactory(name=name, email=f"{name.lower().replace(' ', '.')}@example.org")
    relationship = make_active_relationship(therapist, client)
    daily = services.assignment_create(
        therapist=therapist,
        relationship=relationship,
        kind="journal",
        title="Mood",
        frequency="daily",
        start_date=date(2026, 11, 1),
    )
    for i in range(done_days):
        services.completion_create(
            client=client, assignment=daily, due_date=date(2026, 11, 23) + timedelta(days=i)
        )
    return client


def caseload(personas, **params) -> str:
    browser = Client()
    browser.force_login(personas.therapist_a)
    return browser.get(reverse("therapist_home"), params).content.decode()


def test_it_shows_this_weeks_adherence_and_puts_who_needs_attention_first(personas):
    add_client(personas.therapist_a, "Cleo Steady", done_days=4)
    add_client(personas.therapist_a, "Dan Quiet", done_days=0)
    page = caseload(personas)
    assert page.index("Dan Quiet") < page.index("Cleo Steady")
    assert "4/4" in page and "0/4" in page
    assert "Needs attention" in page and "On track" in page


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


@pytest.mark.parametrize("clients", [3, 30])
def test_the_caseload_runs_a_fixed_number_of_queries(personas, clients):
    for i in range(clients - 1):  # Ada Alpha is already one
        add_client(personas.therapist_a, f"Client {i:02d}", done_days=i % 4)
    browser = Client()
    browser.force_login(personas.therapist_a)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(reverse("therapist_home"))
    assert response.status_code == 200
    assert response.content.decode().count("data-client=") == clients
    assert len(queries) == CASELOAD_QUERIES, [q["sql"] for q in queries]


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
    assert "Recent check-offs" in page
    assert "Slept &lt;b&gt;well&lt;/b&gt;" in page
