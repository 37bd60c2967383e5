"""The therapist's page about one client: the homework table's weeks, the days shared and
the mood strip (kept as fragments, held to the loops that drew them). Now is Wednesday
2 December 2026, noon UTC; the client is in London (UTC+0)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homework.schedules import iso_week_monday
from progress.summary import RECORD_LABELS, MoodDay, MoodStrip, SharedDay
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    CompletionFactory,
    JournalEntryFactory,
)
from therapists import client_page

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


# --- The mood strip and the days shared, kept as fragments ------------------------------

# How the page drew both before they were kept (templates/therapists/_summary.html and
# client_detail.html): the oracles.
STRIP = Template(
    '<ol class="mood-strip" aria-labelledby="mood-strip-label" data-mood-strip>'
    "{% for day in mood.days %}<li{% if day.mood is not None %} "
    'data-level="{{ day.level }}"{% endif %}{% if forloop.last %} class="today"{% endif %}>'
    '<span class="bar" aria-hidden="true"></span><span class="value" aria-hidden="true">'
    '{{ day.text|default:"·" }}</span><span class="weekday" aria-hidden="true">'
    '{{ day.day|date:"D"|first }}</span><span class="visually-hidden">'
    '{{ day.day|date:"l j F" }}: {% if day.mood is None %}no mood shared{% else %}'
    "{{ day.text }}{% endif %}</span></li>{% endfor %}</ol>"
)
SHARED = Template(
    '<ul class="notes">{% for shared in shared_days %}{% with day=shared.day.isoformat %}'
    '<li data-shared-day="{{ day }}"><strong>{{ shared.day|date:"l j M" }}</strong>'
    '<span class="small">{% for kind, n, text in shared.kinds %}· <a href="{{ timeline_url }}'
    '?kind={{ kind }}&amp;from={{ day }}&amp;to={{ day }}" data-kind="{{ kind }}">{{ text }}'
    "</a> {% endfor %}</span></li>{% endwith %}{% endfor %}</ul>"
)


def words(html: str) -> str:
    """The HTML without its whitespace."""
    return "".join(html.split())


moods = st.lists(
    st.one_of(st.none(), st.integers(0, 100).map(lambda tenths: tenths / 10)),
    min_size=14,
    max_size=14,
)


@settings(
    deadline=None,
    max_examples=40,
    # The cache keeps fragments by what they show: every example may share it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(found=moods)
def test_the_mood_strip_says_what_the_loop_said(found, own_page_cache):
    days = tuple(MoodDay(TODAY - timedelta(days=13 - i), mood) for i, mood in enumerate(found))
    with_mood = sum(mood is not None for mood in found)
    mood = MoodStrip(days=days, average=None, days_with_mood=with_mood)
    drawn = client_page.mood_strip(mood)
    if not with_mood:
        assert drawn == ""
        return
    assert words(drawn) == words(STRIP.render(Context({"mood": mood})))
    assert drawn.count("<li") == 14 and drawn.count('class="today"') == 1


@settings(
    deadline=None,
    max_examples=40,
    # The cache keeps fragments by what they show: every example may share it.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    found=st.lists(
        st.dictionaries(st.sampled_from(list(RECORD_LABELS)), st.integers(1, 3), min_size=1),
        max_size=14,
    )
)
def test_the_days_shared_say_what_the_loop_said(found, own_page_cache):
    client = ClientFactory.build(public_id="8a6e0a3c-3d3e-4a56-9c6a-1a2b3c4d5e6f")
    days = [SharedDay(TODAY - timedelta(days=i), counts) for i, counts in enumerate(found)]
    drawn = client_page.shared_list(days, client)
    if not days:
        assert drawn == ""
        return
    timeline_url = f"/therapist/clients/{client.public_id}/timeline/"
    context = {"shared_days": days, "timeline_url": timeline_url}
    assert words(drawn) == words(SHARED.render(Context(context)))
    assert drawn.count("<li") == len(days)


# The homework table's rows as the page's loop drew them before they were kept: the oracle.
ROWS = Template(
    "{% load tandem_ui %}{% with labels=report.weeks|week_labels %}"
    "{% for row in report.rows %}{% with assignment=row.assignment %}"
    '<tr data-assignment="{{ assignment.public_id }}">'
    '<th scope="row">{{ assignment.title }} {% if assignment.status == "active" %}{%'
    ' include "components/badge.html" with text="Active" tone="ok" %}{% elif'
    ' assignment.status == "paused" %}{% include "components/badge.html" with'
    ' text="Paused" tone="gentle" %}{% else %}{% include "components/badge.html"'
    ' with text="Ended" %}{% endif %}<br>'
    '<span class="muted small">{{ assignment.get_kind_display }} · {{'
    " assignment.schedule_text }}{% if assignment.target_text %} · {{"
    " assignment.target_text }}{% endif %}</span></th>"
    '{% for cell, label in row.weeks|paired:labels %}<td class="num" data-week="{{'
    ' forloop.counter }}" data-label="{{ label }}">{% if cell.due %}{{ cell.done'
    " }}/{{ cell.due }}{% else %}—{% endif %}</td>{% endfor %}"
    "<td>"
    '{% if assignment.status != "ended" %}<div class="row actions">'
    "<a href=\"{% url 'therapist_assignment_edit' assignment.public_id %}\">Edit<span"
    ' class="visually-hidden"> “{{ assignment.title }}”</span></a>'
    '{% if assignment.status == "active" %}'
    '<form method="post" action="{% url \'therapist_assignment_pause\''
    ' assignment.public_id %}" class="inline">{% csrf_token %}<button type="submit"'
    ' class="link">Pause<span class="visually-hidden"> “{{ assignment.title'
    " }}”</span></button></form>"
    "{% else %}"
    '<form method="post" action="{% url \'therapist_assignment_resume\''
    ' assignment.public_id %}" class="inline">{% csrf_token %}<button type="submit"'
    ' class="link">Resume<span class="visually-hidden"> “{{ assignment.title'
    " }}”</span></button></form>"
    "{% endif %}"
    '<details class="inline confirm"><summary>End…</summary>'
    '<form method="post" action="{% url \'therapist_assignment_end\''
    ' assignment.public_id %}">{% csrf_token %}<button type="submit"'
    ' class="link">Yes, end “{{ assignment.title }}”</button></form>'
    "</details>"
    "</div>{% endif %}"
    "</td>"
    "</tr>"
    "{% endwith %}{% endfor %}"
    "{% endwith %}"
)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def test_the_homework_rows_say_what_the_loop_said_with_the_requests_token(personas, own_page_cache):
    from django.middleware.csrf import get_token
    from django.template import RequestContext
    from django.test import RequestFactory

    from homework.selectors import client_adherence

    relationship = personas.relationship_a
    walk = AssignmentFactory(
        relationship=relationship,
        title='Walk <outside> & "talk"',
        kind="lifestyle",
        target_value=30,
        target_unit="minutes",
        start_date=TODAY - timedelta(days=20),
    )
    AssignmentFactory(relationship=relationship, title="Call", status="paused", start_date=TODAY)
    AssignmentFactory(relationship=relationship, title="Done with", status="ended")
    AssignmentFactory(
        relationship=relationship, title="Twice", frequency="weekly", times_per_week=2
    )
    CompletionFactory(assignment=walk, due_date=TODAY - timedelta(days=1))
    report = client_adherence(viewer=personas.therapist_a, client=personas.client_a, today=TODAY)
    request = RequestFactory().get("/")
    request.user = personas.therapist_a
    get_token(request)  # the request's CSRF secret, as the middleware sets it

    drawn = client_page.homework_rows(report, request)
    again = client_page.homework_rows(report, request)  # read back as kept
    loop = ROWS.render(RequestContext(request, {"report": report}))

    def same(html: str) -> str:
        return words(TOKEN.sub('name="csrfmiddlewaretoken" value="T"', html))

    assert same(drawn) == same(loop) == same(again)
    assert drawn.count("<tr ") == 4 and "Walk &lt;outside&gt; &amp; &quot;talk&quot;" in drawn
    tokens = TOKEN.findall(drawn)
    assert len(tokens) == 6  # pause or resume, and end, for each but the one that ended
    assert "\x00" not in drawn and all(len(token) == 64 for token in tokens)


def test_a_homework_rows_form_carries_a_token_the_csrf_check_takes(personas, own_page_cache):
    """Posted as a browser posts it, with CSRF checks on: from the page drawn now and from
    the page read back from the cache."""
    from django.test import Client

    from homework.models import Assignment

    walk = AssignmentFactory(relationship=personas.relationship_a, title="Walk")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.therapist_a)
    url = reverse("therapist_client_detail", args=[personas.client_a.public_id])
    for action, status in (("pause", "paused"), ("resume", "active")):
        for _ in range(2):  # drawn, then from the page cache
            html = browser.get(url).content.decode()
        row = html[html.index(f'data-assignment="{walk.public_id}"') :]
        form = re.search(r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', row, re.S)
        assert form.group(1) == reverse(f"therapist_assignment_{action}", args=[walk.public_id])
        [token] = TOKEN.findall(form.group(2))
        response = browser.post(form.group(1), {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert Assignment.objects.get(pk=walk.pk).status == status
