"""Client records: today is Wednesday 25 November 2026, noon UTC; clients live in London."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework import services as homework_services
from homework.models import HomeworkTemplate
from tests.factories import PersonFactory

TODAY = date(2026, 11, 25)
MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def assign_from_library(personas, slug: str, *, start: date = date(2026, 11, 16), **fields):
    """Client A's homework from the shared library, set by their therapist."""
    template = HomeworkTemplate.objects.get(slug=slug, owner=None)
    return homework_services.assignment_create(
        therapist=personas.therapist_a,
        relationship=personas.relationship_a,
        template=template,
        start_date=start,
        **fields,
    )


@pytest.fixture
def as_a(client, personas):
    """Client A, signed in."""
    client.force_login(personas.client_a)
    return client


def record_url(record, name: str = "client_record") -> str:
    return reverse(name, kwargs={"public_id": record.public_id})


# Session and user (the session is saved at most once a minute), then the journal: the page
# count, one UNION read of the page, then one read per kind on it (all three here; fewer when
# a page holds fewer kinds; each says in the same read whether a reply waits), and one UNION
# for the months to jump to.
JOURNAL_QUERIES = 8


def many_records(personas, n: int) -> None:
    """n records of client A spread over 50 days, of every kind, all shared."""
    a = personas.client_a
    sam = PersonFactory(client=a, name="Sam")
    JournalEntry.objects.bulk_create(
        JournalEntry(
            client=a,
            text=f"Entry {i}",
            mood=i % 11,
            shared=True,
            occurred_at=NOW - timedelta(hours=i),
        )
        for i in range(n)
    )
    SocialActivity.objects.bulk_create(
        SocialActivity(
            client=a,
            person=sam,
            mode="call",
            minutes=i % 60,
            shared=True,
            day=TODAY - timedelta(days=i % 50),
        )
        for i in range(n)
    )
    LifestyleLog.objects.bulk_create(
        LifestyleLog(client=a, day=TODAY - timedelta(days=i), sleep_hours=7, shared=True)
        for i in range(min(n, 50))
    )


def count_queries(browser, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url, params or {})
    assert response.status_code == 200
    return len(queries)
