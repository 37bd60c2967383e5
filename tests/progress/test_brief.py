"""The pre-session brief's figures on a small fixed data set, worked out by hand; the period;
private records never counted; and its queries, the same whatever the history or caseload."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Status
from careplans import services as plan_services
from progress.brief import session_brief
from tests.factories import (
    AppointmentFactory,
    AssignmentFactory,
    BringItemFactory,
    ClientFactory,
    CompletionFactory,
    FeedbackFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    MeasureAssignmentFactory,
    MeasureResponseFactory,
    PlanItemFactory,
    RelationshipFactory,
    SafetyAlertFactory,
    TriggerLogFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; London is on UTC
HELD = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)
NEXT = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def fixed_data_set(relationship):
    """The fortnight the figures below are worked out from (see each test)."""
    client, therapist = relationship.client, relationship.therapist
    AppointmentFactory(relationship=relationship, starts_at=HELD, status=Status.HELD)
    # An older held session: the period starts at the latest one.
    AppointmentFactory(relationship=relationship, starts_at=at(3, 17), status=Status.HELD)
    session = AppointmentFactory(relationship=relationship, starts_at=NEXT)
    BringItemFactory(appointment=session, text="The argument on Sunday", position=1)
    BringItemFactory(appointment=session, text="Sleep", position=0)

    daily = AssignmentFactory(
        relationship=relationship, title="Breathing", start_date=date(2026, 11, 1)
    )
    for day in (9, 10, 12, 13, 20):
        CompletionFactory(assignment=daily, due_date=date(2026, 11, day))
    weekly = AssignmentFactory(
        relationship=relationship,
        title="Walk",
        frequency="weekly",
        times_per_week=2,
        start_date=date(2026, 11, 1),
    )
    for day in (11, 17):
        CompletionFactory(assignment=weekly, due_date=date(2026, 11, day))

    shared = {"client": client, "shared": True}
    JournalEntryFactory(**shared, occurred_at=at(8), mood=3)  # before the period
    JournalEntryFactory(**shared, occurred_at=at(12, 9), mood=4)
    JournalEntryFactory(**shared, occurred_at=at(12, 20), mood=6)
    fifteenth = JournalEntryFactory(**shared, occurred_at=at(15), mood=7)
    eighteenth = JournalEntryFactory(**shared, occurred_at=at(18), mood=8)
    private = JournalEntryFactory(client=client, shared=False, occurred_at=at(19), mood=2)
    FeedbackFactory(relationship=relationship, journal_entry=fifteenth)
    LifestyleLogFactory(client=client, day=date(2026, 11, 13), sleep_hours=7, shared=True)
    LifestyleLogFactory(client=client, day=date(2026, 11, 14), sleep_hours=3, shared=False)

    plan = plan_services.plan_for_relationship(relationship)
    trains = PlanItemFactory(plan=plan, text="Crowded trains", steps=["Breathe", "Step off"])
    log = {"plan": plan, "item": trains}
    TriggerLogFactory(
        **log,
        steps=["Breathe", "Step off"],
        helped="yes",
        journal_entry=fifteenth,
        created_at=at(15),
    )
    TriggerLogFactory(
        **log, steps=["Breathe"], helped="no", journal_entry=eighteenth, created_at=at(18)
    )
    TriggerLogFactory(
        **log, steps=["Breathe"], helped="yes", journal_entry=private, created_at=at(19)
    )

    phq9 = MeasureAssignmentFactory(relationship=relationship, start_date=date(2026, 10, 1))
    answers = {15: [2, 2, 2, 2, 2, 2, 2, 1, 0], 8: [1, 1, 1, 1, 1, 1, 1, 1, 0]}
    MeasureResponseFactory(assignment=phq9, period=0, answers=answers[15], submitted_at=at(1))
    MeasureResponseFactory(assignment=phq9, period=1, answers=answers[8], submitted_at=at(16))
    gad7 = MeasureAssignmentFactory(
        relationship=relationship, instrument="gad7", start_date=date(2026, 10, 1)
    )
    MeasureResponseFactory(assignment=gad7, submitted_at=datetime(2026, 10, 20, tzinfo=UTC))

    SafetyAlertFactory(relationship=relationship, raised_at=at(5))  # before the period
    SafetyAlertFactory(
        relationship=relationship,
        raised_at=at(14),
        acknowledged_at=at(14, 11),
        acknowledged_by=therapist,
        note="Called; she is safe",
    )
    return session


@pytest.fixture
def brief(personas):
    session = fixed_data_set(personas.relationship_a)
    return session_brief(therapist=personas.therapist_a, appointment=session, now=NOW)


def test_the_period_runs_from_the_last_session_held(brief):
    assert brief.period.start == HELD
    assert brief.period.since_session == HELD
    assert (brief.period.first, brief.period.last) == (date(2026, 11, 10), date(2026, 11, 20))


def test_without_a_session_held_the_period_is_four_weeks(personas):
    session = AppointmentFactory(relationship=personas.relationship_a, starts_at=NEXT)
    AppointmentFactory(relationship=personas.relationship_a, starts_at=HELD, status=Status.MISSED)
    brief = session_brief(therapist=personas.therapist_a, appointment=session, now=NOW)
    assert brief.period.since_session is None
    assert brief.period.start == NOW - timedelta(days=28)
    assert brief.period.first == date(2026, 10, 23)


def test_the_to_bring_lines_come_in_the_clients_order(brief):
    assert [line.text for line in brief.bring] == ["Sleep", "The argument on Sunday"]


def test_homework_done_of_due_with_the_days_missed(brief):
    breathing, walk = sorted(brief.homework, key=lambda line: line.title)
    # Due every day 10..20 (11 days); done 10, 12, 13, 20 (the 9th is before the period);
    # missed: the days before today with nothing done.
    assert (breathing.done, breathing.due) == (4, 11)
    assert [d.day for d in breathing.missed] == [11, 14, 15, 16, 17, 18, 19]
    # Twice a week, in the weeks of the 9th and the 16th: 2 of 4, no single day missed.
    assert (walk.done, walk.due, walk.weekly, walk.missed) == (2, 4, True, ())


def test_the_mood_counts_shared_entries_only(brief):
    mood = brief.mood
    # Days with a shared mood in the period: the 12th (4 and 6: 5), the 15th (7), the 18th
    # (8); the private 2 on the 19th never counts.
    assert mood.days_with_mood == 3
    assert mood.average == 6.7  # (5 + 7 + 8) / 3
    assert mood.last_7 == 7.5  # the 14th to the 20th: 7 and 8
    assert len(mood.days) == 11
    assert {d.day.day: d.mood for d in mood.days if d.mood is not None} == {12: 5, 15: 7, 18: 8}
    # The 7-day average on the 12th reaches back to the 8th's 3 (before the period).
    assert mood.trend[2] == 4.0  # (3 + 5) / 2


def test_what_was_logged_by_kind(brief):
    assert dict((kind, n) for kind, n, _label in brief.logged) == {
        "journal": 4,
        "lifestyle": 1,
        "trigger": 2,
        "homework": 6,
    }
    assert ("journal", 4, "4 journal entries") in brief.logged


def test_triggers_and_the_steps_that_helped(brief):
    (trains,) = brief.triggers
    assert (trains.trigger, trains.logs, trains.rated) == ("Crowded trains", 2, 2)
    assert [(s.step, s.helped) for s in trains.steps] == [("Breathe", 1), ("Step off", 1)]


def test_questionnaires_against_the_result_before(brief):
    (phq9,) = brief.measures  # the GAD-7 was answered before the period
    assert (phq9.score, phq9.previous, phq9.delta_text) == (8, 15, "-7")
    assert phq9.band == "Mild"
    assert phq9.change == "improved"  # 7 points, PHQ-9's reliable change is 6


def test_alerts_raised_in_the_period_and_their_acknowledgement(brief, personas):
    (alert,) = brief.alerts
    assert alert.acknowledged_at == at(14, 11)
    assert alert.acknowledged_by == str(personas.therapist_a)
    assert alert.note == "Called; she is safe"


def test_shared_entries_say_whether_each_has_feedback(brief):
    rows = [(e.day.day, e.kind, e.has_feedback) for e in brief.entries]
    assert rows == [
        (18, "journal", False),
        (15, "journal", True),
        (13, "lifestyle", False),
        (12, "journal", False),
        (12, "journal", False),
    ]
    assert brief.entries[0].text == "Mood 8: A quiet day."
    assert brief.entries[2].text == "Slept 7 h"


def test_plan_changes_since_the_last_agreed_version(personas):
    relationship = personas.relationship_a
    therapist = personas.therapist_a
    plan = plan_services.plan_for_relationship(relationship)
    plan_services.item_add(author=therapist, plan=plan, section="needs", text="Sleep")
    plan.refresh_from_db()
    plan_services.version_agree(therapist=therapist, version=plan.versions.get(number=plan.version))
    plan_services.item_add(author=therapist, plan=plan, section="needs", text="Company")
    session = AppointmentFactory(relationship=relationship, starts_at=NEXT)
    brief = session_brief(therapist=therapist, appointment=session, now=NOW)
    assert (brief.plan.agreed, brief.plan.latest) == (1, 2)
    assert brief.plan.counts == [("added", 1)]


# --- Queries -------------------------------------------------------------------------

# 13 and the policy's MFA look-up (memoised per request: on the page, the middleware's).
BRIEF_QUERIES = 14
# The page: the brief, plus the signed-in session and user, the session asked for, the audit
# row, and the open safety alerts counted for every therapist page's banner.
BRIEF_PAGE_QUERIES = BRIEF_QUERIES + 5


def history(relationship, days: int) -> None:
    client = relationship.client
    daily = AssignmentFactory(relationship=relationship, start_date=date(2025, 11, 1))
    for i in range(days):
        day = NOW - timedelta(days=i + 1)
        JournalEntryFactory(client=client, shared=True, occurred_at=day, mood=i % 11)
        LifestyleLogFactory(client=client, day=day.date(), shared=True)
        CompletionFactory(assignment=daily, due_date=day.date())


def brief_queries(therapist, session) -> int:
    with CaptureQueriesContext(connection) as queries:
        session_brief(therapist=therapist, appointment=session, now=NOW)
    return len(queries)


@pytest.mark.parametrize(("days", "clients"), [(7, 1), (365, 1), (7, 25), (365, 25)])
def test_the_brief_costs_the_same_queries_whatever_the_history(personas, days, clients):
    therapist = personas.therapist_a
    relationship = personas.relationship_a
    for _ in range(clients - 1):
        other = RelationshipFactory(therapist=therapist, client=ClientFactory())
        history(other, 7)
    history(relationship, days)
    AppointmentFactory(
        relationship=relationship, starts_at=NOW - timedelta(days=days), status=Status.HELD
    )
    session = AppointmentFactory(relationship=relationship, starts_at=NEXT)
    BringItemFactory(appointment=session)
    assert brief_queries(therapist, session) == BRIEF_QUERIES
    browser = Client()
    browser.force_login(therapist)
    page = reverse("therapist_session_brief", kwargs={"public_id": session.public_id})
    browser.get(page)  # the session's first request saves it
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(page).status_code == 200
    assert len(queries) == BRIEF_PAGE_QUERIES
