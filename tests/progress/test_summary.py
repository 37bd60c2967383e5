"""The summary at the top of the therapist's client page, and the grouped lists under it.
Today is Wednesday 25 November 2026, noon UTC; client A lives in London (UTC+0)."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditAction, AuditEvent
from careplans import services as plan_services
from clients.export import VIEWED
from homework import services as homework_services
from homework.models import AssignmentStatus
from measures.instruments import Change
from progress.caseload import build_rows, caseload_rows
from progress.summary import client_summary, recent_check_offs, shared_by_day
from tests.factories import (
    AssignmentFactory,
    CompletionFactory,
    FeedbackFactory,
    JournalEntryFactory,
    MeasureAssignmentFactory,
    MeasureResponseFactory,
    SafetyAlertFactory,
)

from .conftest import NOW, TODAY, at, daily_homework, done, history, journal, lifestyle, social

pytestmark = pytest.mark.django_db


def summary_of(personas):
    return client_summary(
        therapist=personas.therapist_a, relationship=personas.relationship_a, now=NOW
    )


def page(personas, therapist=None) -> str:
    browser = Client()
    browser.force_login(therapist or personas.therapist_a)
    response = browser.get(reverse("therapist_client_detail", args=[personas.client_a.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def part(html: str, name: str) -> str:
    """One part of the summary (a <div> of the list, or the alert's paragraph)."""
    match = re.search(rf'<(div|p)[^>]*data-summary-part="{name}".*?</\1>', html, re.DOTALL)
    assert match, name
    return re.sub(r"\s+", " ", match.group(0))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


# --- Mood -----------------------------------------------------------------------------


def test_the_mood_strip_counts_shared_moods_of_the_last_14_days_only(personas):
    client = personas.client_a
    journal(client, TODAY - timedelta(days=1), 6)
    journal(client, TODAY - timedelta(days=1), 8, hour=20)  # that day's mean: 7
    journal(client, TODAY - timedelta(days=5), 4)
    journal(client, TODAY - timedelta(days=13), 5)  # the first day of the 14
    journal(client, TODAY - timedelta(days=14), 10)  # one day too early
    journal(client, TODAY - timedelta(days=2), 0, shared=False)  # private: never counted
    journal(client, TODAY, None)  # no mood given

    mood = summary_of(personas).mood

    assert len(mood.days) == 14
    assert mood.days[0].day == TODAY - timedelta(days=13) and mood.days[-1].day == TODAY
    assert mood.days_with_mood == 3
    assert mood.average == 5.3  # (7 + 4 + 5) / 3, each day weighing the same
    assert [d.mood for d in mood.days if d.mood is not None] == [5.0, 4.0, 7.0]
    assert mood.days[-3].mood is None  # the private entry's day reads as no mood
    html = part(page(personas), "mood")
    assert "Average <strong data-mood-average>5.3</strong> out of 10" in html
    assert "<span data-mood-days>3</span> days with a mood" in html
    assert html.count("<li") == 14
    assert "Monday 23 November: no mood shared" in html
    assert "Tuesday 24 November: 7" in html
    assert 'data-level="7"' in html and 'data-level="0"' not in html


def test_only_private_moods_read_as_no_mood(personas):
    journal(personas.client_a, TODAY, 2, shared=False)
    html = part(page(personas), "mood")
    assert "No mood shared in the last two weeks." in html
    assert "data-mood-strip" not in html and "Average" not in html


# --- Homework this week, as the caseload counts it --------------------------------------


def test_this_weeks_homework_agrees_with_the_caseload(personas):
    relationship = personas.relationship_a
    walk = daily_homework(relationship, date(2026, 11, 16))
    weekly = AssignmentFactory(
        relationship=relationship,
        title="Call a friend",
        frequency="weekly",
        times_per_week=3,
        start_date=date(2026, 11, 2),
    )
    paused = AssignmentFactory(relationship=relationship, title="Stretch", start_date=TODAY)
    homework_services.assignment_pause(assignment=paused)
    ended = AssignmentFactory(
        relationship=relationship,
        title="Breathe",
        start_date=date(2026, 11, 1),
        status=AssignmentStatus.ENDED,
        ended_at=at(TODAY - timedelta(days=1), 9),
    )
    for day in (TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY):
        done(walk, day)
    done(weekly, TODAY - timedelta(days=1))
    done(ended, TODAY - timedelta(days=2))
    done(walk, TODAY - timedelta(days=8))  # last week: not this week's

    homework = summary_of(personas).homework
    [row] = [r for r in build_rows(therapist=personas.therapist_a) if r.client == personas.client_a]

    assert (homework.done, homework.due) == (row.done, row.due)
    assert (homework.done, homework.due) == (5, 8)  # walk 3/3, weekly 1/3, breathe 1/2, stretch 0
    html = part(page(personas), "homework")
    assert "<strong data-homework-done>5</strong> of <strong data-homework-due>8</strong>" in html
    home = Client()
    home.force_login(personas.therapist_a)
    caseload = home.get(reverse("therapist_home")).content.decode()
    assert '<span class="label">5/8</span>' in caseload


def test_homework_empty_states_say_what_is_true(personas):
    assert "No homework set yet." in part(page(personas), "homework")
    AssignmentFactory(relationship=personas.relationship_a, start_date=TODAY + timedelta(days=3))
    html = part(page(personas), "homework")
    assert "Nothing has been due yet this week." in html
    assert "0 of" not in html


# --- The latest questionnaire --------------------------------------------------------


def test_the_latest_questionnaire_with_its_band_and_reliable_change(personas):
    relationship = personas.relationship_a
    phq9 = MeasureAssignmentFactory(
        relationship=relationship, every_weeks=1, start_date=date(2026, 11, 2)
    )
    MeasureResponseFactory(
        assignment=phq9, period=0, answers=[2] * 9, submitted_at=at(date(2026, 11, 2))
    )
    MeasureResponseFactory(
        assignment=phq9, period=2, answers=[1] * 8 + [0], submitted_at=at(date(2026, 11, 20))
    )
    gad7 = MeasureAssignmentFactory(relationship=relationship, instrument="gad7")
    MeasureResponseFactory(assignment=gad7, submitted_at=at(date(2026, 11, 10)))

    latest = summary_of(personas).questionnaire

    assert (latest.instrument, latest.score, latest.band.key) == ("phq9", 8, "mild")
    assert latest.change == Change.IMPROVED  # 18 then 8: more than PHQ-9's 6 points
    html = part(page(personas), "questionnaire")
    assert "<strong>PHQ-9</strong> 8, Mild · 20 Nov 2026." in html
    assert "Reliable improvement since their first answer." in html


def test_a_first_questionnaire_has_nothing_to_compare_with(personas):
    MeasureResponseFactory(
        assignment=MeasureAssignmentFactory(relationship=personas.relationship_a)
    )
    html = part(page(personas), "questionnaire")
    assert "Their first answer here: nothing to compare it with yet." in html


# --- An open safety alert comes first --------------------------------------------------


def test_an_open_safety_alert_comes_first_with_a_link(personas):
    older = SafetyAlertFactory(
        relationship=personas.relationship_a, raised_at=NOW - timedelta(hours=3)
    )
    SafetyAlertFactory(relationship=personas.relationship_a, raised_at=NOW - timedelta(hours=1))
    SafetyAlertFactory(relationship=personas.relationship_b)  # another therapist's client

    summary = summary_of(personas)
    html = page(personas)

    assert summary.alerts.count == 2 and summary.alerts.oldest_id == str(older.public_id)
    alert = part(html, "alert")
    assert "2 open safety alerts" in alert and "raised 3 hours ago" in alert
    assert f'href="{reverse("therapist_alerts")}#alert-{older.public_id}"' in alert
    assert html.index('data-summary-part="alert"') < html.index('data-summary-part="mood"')
    alerts_page = Client()
    alerts_page.force_login(personas.therapist_a)
    assert (
        f'id="alert-{older.public_id}"'
        in alerts_page.get(reverse("therapist_alerts")).content.decode()
    )


def test_an_acknowledged_alert_is_not_in_the_summary(personas):
    SafetyAlertFactory(relationship=personas.relationship_a, acknowledged_at=NOW, note="Phoned.")
    assert summary_of(personas).alerts is None
    assert 'data-summary-part="alert"' not in page(personas)


# --- Plan changes since the last agreed version ----------------------------------------


def test_plan_changes_since_the_last_agreed_version(personas):
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    therapist = personas.therapist_a
    first = plan_services.item_add(author=therapist, plan=plan, section="needs", text="Rest")
    plan_services.item_add(author=therapist, plan=plan, section="goals", text="Walk daily")
    plan_services.version_agree(therapist=therapist, version=plan.versions.get(number=2))
    plan_services.item_add(author=personas.client_a, plan=plan, section="needs", text="Quiet")
    plan_services.item_edit(author=therapist, item=first, base_version=3, text="Rest more")

    changes = summary_of(personas).plan

    assert (changes.agreed, changes.latest) == (2, 4)
    assert changes.counts == [("added", 1), ("edited", 1)]
    html = part(page(personas), "plan")
    assert "<strong data-plan-changes>2</strong> changes since version 2" in html
    assert "1 added, 1 edited." in html
    url = reverse("plan_history", args=[plan.public_id])
    assert f'href="{url}?from=2&amp;to=4"' in html


def test_plan_states_without_changes(personas):
    html = part(page(personas), "plan")
    assert "Nothing written in the plan yet." in html
    plan = plan_services.plan_for_relationship(personas.relationship_a)
    plan_services.item_add(author=personas.therapist_a, plan=plan, section="needs", text="Rest")
    assert "No version agreed in session yet; the plan has 1 item." in part(page(personas), "plan")
    plan_services.version_agree(therapist=personas.therapist_a, version=plan.versions.get())
    assert "No changes since version 1, agreed on 25 Nov 2026." in part(page(personas), "plan")


# --- What waits --------------------------------------------------------------------------


def test_what_waits_for_this_client_only(personas):
    client = personas.client_a
    three_days_ago = NOW - timedelta(days=3)

    def entry(who, **fields):
        return JournalEntryFactory(
            client=who, occurred_at=three_days_ago, created_at=three_days_ago, **fields
        )

    entry(client, shared=True)  # not viewed yet: waits
    entry(client, shared=False)  # private: never waits
    answered = entry(client, shared=True)
    FeedbackFactory(relationship=personas.relationship_a, journal_entry=answered)
    entry(personas.client_b, shared=True)  # another therapist's client

    waiting = summary_of(personas).waiting

    assert (waiting.shared, waiting.replies, waiting.silent) == (1, 0, 0)
    html = part(page(personas), "waiting")
    assert "1 shared entry not viewed yet" in html
    assert f'href="{reverse("therapist_timeline", args=[client.public_id])}?waiting=1"' in html


# --- Nothing yet: every part says so, never a zero that looks like a fact -----------------


def test_a_new_client_reads_as_nothing_yet(personas):
    html = page(personas)
    summary = text(part(html, "mood") + part(html, "homework") + part(html, "questionnaire"))
    assert "From what Ada Alpha shares with you" in html
    assert "No mood shared in the last two weeks." in summary
    assert "No homework set yet." in summary
    assert "No questionnaire answered yet." in summary
    assert "Nothing waits for you here." in part(html, "waiting")
    assert not re.search(r"\b0\b", summary)
    assert 'data-summary-part="alert"' not in html
    assert "Nothing checked off this week or last." in html
    assert "Nothing shared in the last two weeks." in html


# --- The grouped lists -------------------------------------------------------------------


def test_check_offs_are_one_line_per_homework(personas, django_assert_num_queries):
    reach = daily_homework(personas.relationship_a, TODAY - timedelta(days=14))
    reach.title = "Reach out to someone"
    reach.save()
    for days in (1, 2):  # Tuesday and Monday
        done(reach, TODAY - timedelta(days=days))
    CompletionFactory(assignment=reach, due_date=TODAY, completed_at=NOW - timedelta(minutes=8))
    note = done(reach, TODAY - timedelta(days=7))
    note.note = "Called <b>Sam</b>"
    note.save()
    done(reach, TODAY - timedelta(days=8))
    done(reach, TODAY - timedelta(days=10))  # the week before last: not listed

    # The policy's look-up of the viewer's second factor, and the check-offs with what is
    # shown of each (their notes included).
    with django_assert_num_queries(2):
        [group] = recent_check_offs(
            viewer=personas.therapist_a, client=personas.client_a, today=TODAY
        )
        shown = [(n.public_id, n.due_date, n.note) for n in group.notes]
    assert shown == [(note.public_id, note.due_date, "Called <b>Sam</b>")]
    assert (group.title, group.assignment_id) == (reach.title, str(reach.public_id))
    html = page(personas)

    assert (group.this_week, group.last_week) == (3, 2)
    assert html.count("data-homework-done=") == 1
    assert "Reach out to someone" in html
    assert "done 3 times this week and twice last week, last 8\xa0minutes ago" in html
    assert "Called &lt;b&gt;Sam&lt;/b&gt;" in html


def test_shared_records_are_grouped_by_day_and_kind(personas):
    client = personas.client_a
    yesterday = TODAY - timedelta(days=1)
    journal(client, yesterday, 5)
    journal(client, yesterday, None, hour=21)
    journal(client, yesterday, 3, shared=False)  # private: never counted
    lifestyle(client, yesterday)
    social(client, TODAY)
    social(client, TODAY, shared=False)

    days = shared_by_day(viewer=personas.therapist_a, client=client, today=TODAY)
    html = page(personas)

    assert [(d.day, d.counts) for d in days] == [
        (TODAY, {"social": 1}),
        (yesterday, {"journal": 2, "lifestyle": 1}),
    ]
    timeline = reverse("therapist_timeline", args=[client.public_id])
    assert f'href="{timeline}?kind=journal&amp;from=2026-11-24&amp;to=2026-11-24"' in html
    assert ">2 journal entries</a>" in html and ">1 lifestyle log</a>" in html
    assert ">1 time with people</a>" in html


# --- Access --------------------------------------------------------------------------------


def test_another_therapist_gets_404_and_a_client_is_refused(personas):
    journal(personas.client_a, TODAY, 9)
    url = reverse("therapist_client_detail", args=[personas.client_a.public_id])
    for user, status in ((personas.therapist_b, 404), (personas.client_a, 403)):
        browser = Client()
        browser.force_login(user)
        response = browser.get(url)
        html = response.content.decode()
        assert response.status_code == status
        assert "data-summary" not in html and "Mood, last 14 days" not in html
        if user == personas.therapist_b:
            assert "Ada Alpha" not in html


# --- Query counts: the same for a week and a year of history, little data and much ----------

# The selector: the policy's MFA look-up (memoised in a request), the relationship's
# signals (last activity and open alerts), the moods with the records shared by day (one
# query), the homework (assignments, pauses, done counts), the questionnaires, the plan's two
# versions and what waits: 9.
SUMMARY_QUERIES = 9
# The page: session, user, the MFA check, the relationship, the audit row, the summary (8),
# the grouped check-offs, the sessions (the next ones and the last held, one query) and the
# alert banner: 16.
PAGE_QUERIES = 16


def world(personas, days: int) -> None:
    """`days` of history ending today, with an open alert, a plan with agreed and later
    versions, a questionnaire a week and a reply waiting."""
    history(personas, days)
    relationship = personas.relationship_a
    SafetyAlertFactory(relationship=relationship)
    plan = plan_services.plan_for_relationship(relationship)
    for index in range(min(days, 30)):
        plan_services.item_add(
            author=personas.therapist_a, plan=plan, section="needs", text=f"Need {index}"
        )
        if index % 5 == 0:
            plan_services.version_agree(
                therapist=personas.therapist_a, version=plan.versions.get(number=index + 1)
            )
    weekly = MeasureAssignmentFactory(
        relationship=relationship, every_weeks=1, start_date=TODAY - timedelta(days=days - 1)
    )
    for period in range(days // 7):
        MeasureResponseFactory(
            assignment=weekly,
            period=period,
            submitted_at=at(weekly.start_date + timedelta(weeks=period)),
        )


@pytest.mark.parametrize("days", [7, 365])
def test_the_summary_runs_a_fixed_number_of_queries(personas, django_assert_num_queries, days):
    world(personas, days)
    with django_assert_num_queries(SUMMARY_QUERIES):
        summary = summary_of(personas)
    assert summary.alerts.count == 1
    assert summary.plan.latest == min(days, 30)
    assert summary.mood.days_with_mood == min(days, 14)


@pytest.mark.parametrize("days", [7, 365])
def test_the_page_runs_a_fixed_number_of_queries(personas, django_assert_num_queries, days):
    world(personas, days)
    browser = Client()
    browser.force_login(personas.therapist_a)
    url = reverse("therapist_client_detail", args=[personas.client_a.public_id])
    with django_assert_num_queries(PAGE_QUERIES):
        response = browser.get(url)
    html = response.content.decode()
    assert 'data-summary-part="alert"' in html
    assert html.count("data-homework-done=") == 1  # the daily walk, however often done
    assert html.count("data-shared-day=") == min(days, 14)


def test_the_caseload_and_the_summary_read_the_same_week(personas):
    """The caseload page's row and the summary, for the same client at the same instant."""
    history(personas, 10)
    [row] = [
        r for r in caseload_rows(therapist=personas.therapist_a) if r.client == personas.client_a
    ]
    homework = summary_of(personas).homework
    assert (homework.done, homework.due) == (row.done, row.due) != (0, 0)


def test_a_view_is_one_audit_row_the_client_can_read(personas):
    page(personas)
    [event] = AuditEvent.objects.filter(action=AuditAction.RECORDS_VIEWED)
    assert (event.actor, event.subject, event.detail) == (
        personas.therapist_a,
        personas.client_a,
        {"what": "summary"},
    )
    assert VIEWED["summary"] == "a summary of your homework and of what you share"
