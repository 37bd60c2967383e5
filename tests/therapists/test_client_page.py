"""The therapist's page about one client: the homework table's weeks and the days shared.
Now is Wednesday 2 December 2026, noon UTC; the client is in London (UTC+0)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from homework.schedules import iso_week_monday
from tests.factories import AssignmentFactory, CompletionFactory, JournalEntryFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, personas) -> str:
    client.force_login(personas.therapist_a)
    url = reverse("therapist_client_detail", args=[personas.client_a.public_id])
    return client.get(url).content.decode()


def test_each_week_of_the_homework_table_is_named_in_its_header_and_its_cells(client, personas):
    walk = AssignmentFactory(
        relationship=personas.relationship_a, start_date=TODAY - timedelta(days=40)
    )
    AssignmentFactory(relationship=personas.relationship_a, start_date=TODAY, title="Journal")
    for day in (TODAY - timedelta(days=8), TODAY - timedelta(days=1)):
        CompletionFactory(assignment=walk, due_date=day, week=iso_week_monday(day))
    html = page(client, personas)
    table = html[html.index('<table class="adherence') : html.index("</table>")]
    weeks = ["Week of 2 Nov", "Week of 9 Nov", "Week of 16 Nov", "Week of 23 Nov", "This week"]
    assert re.findall(r'<th scope="col" class="num">([^<]*)</th>', table) == weeks
    rows = re.findall(r"<tr data-(?:assignment=\"[^\"]*\"|total)>(.*?)</tr>", table, re.DOTALL)
    assert len(rows) == 3  # two assignments and the total
    for row in rows:
        assert re.findall(r'<td class="num"[^>]* data-label="([^"]*)"', row) == weeks
    walk_row = next(row for row in rows if walk.title in row)
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)</td>', walk_row)
    # Last week: its Tuesday of seven days; this week: Tuesday of Monday to today.
    assert cells[-2:] == ["1/7", "1/3"]


def test_each_day_shared_links_to_the_timeline_of_that_day_and_kind(client, personas):
    JournalEntryFactory(
        client=personas.client_a, occurred_at=NOW - timedelta(days=3), shared=True, mood=6
    )
    html = page(client, personas)
    timeline = reverse("therapist_timeline", args=[personas.client_a.public_id])
    assert f'href="{timeline}"' in html
    assert '<li data-shared-day="2026-11-29"><strong>Sunday 29 Nov</strong>' in html
    assert f'href="{timeline}?kind=journal&amp;from=2026-11-29&amp;to=2026-11-29"' in html
