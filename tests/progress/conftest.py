"""Progress: today is Wednesday 25 November 2026, noon UTC; clients live in London (UTC+0
in November) unless a test says otherwise."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from careplans.models import TriggerLog
from homework.models import Assignment
from homework.schedules import iso_week_monday
from tests.factories import (
    AssignmentFactory,
    CarePlanFactory,
    CompletionFactory,
    JournalEntryFactory,
    LifestyleLogFactory,
    SocialActivityFactory,
    TriggerLogFactory,
)

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: date, hour: int = 19) -> datetime:
    """A moment of a London day in November (UTC+0)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def day_of(index: int, length: int) -> date:
    """Day `index` of `length` days ending today."""
    return TODAY - timedelta(days=length - 1 - index)


def journal(client, day: date, mood: int | None, *, shared: bool = True, hour: int = 19):
    return JournalEntryFactory(client=client, occurred_at=at(day, hour), mood=mood, shared=shared)


def lifestyle(client, day: date, *, sleep=None, exercise=None, shared: bool = True):
    return LifestyleLogFactory(
        client=client, day=day, sleep_hours=sleep, exercise_minutes=exercise, shared=shared
    )


def social(client, day: date, *, minutes: int = 20, shared: bool = True):
    return SocialActivityFactory(client=client, day=day, minutes=minutes, shared=shared)


def daily_homework(relationship, start: date) -> Assignment:
    return AssignmentFactory(relationship=relationship, start_date=start, title="Daily walk")


def done(assignment: Assignment, day: date):
    return CompletionFactory(
        assignment=assignment, due_date=day, week=iso_week_monday(day), completed_at=at(day, 20)
    )


def coping(relationship, day: date, *, entry=None) -> TriggerLog:
    plan = CarePlanFactory(relationship=relationship)
    return TriggerLogFactory(plan=plan, created_at=at(day, 10), journal_entry=entry)


def history(personas, days: int, *, shared: bool = True) -> None:
    """Client A's records every day for `days` days ending today, and daily homework."""
    client = personas.client_a
    walk = daily_homework(personas.relationship_a, TODAY - timedelta(days=days - 1))
    for index in range(days):
        day = day_of(index, days)
        journal(client, day, 3 + index % 6, shared=shared)
        lifestyle(client, day, sleep=6 + index % 3, exercise=15 * (index % 4), shared=shared)
        if index % 2:
            social(client, day, shared=shared)
        if index % 3:
            done(walk, day)


# "What helps" on a small fixed data set: 20 days of client A's records, whose figures
# test_insights works out by hand.
DAYS = 20
MOODS = [7, 4, 6, 5, 8, 3, 7, 5, 6, 4, 7, 5, 4, 8, 5, 6, 3, 4, 7, 6]
EXERCISE = [40, 0, 30, 10, 60, 0, 45, 0, 35, 20, 30, 0, 0, 50, 15, 30, 0, 0, 40, 5]
SLEEP_KNOWN = 13  # sleep logged on the first 13 days only: one short of the threshold
SOCIAL_DAYS = (0, 4, 8, 13)  # 4 days: one short of a comparable group
HOMEWORK_DAYS = (0, 2, 4, 6, 13)
COPING_DAYS = (1, 5, 9, 11, 16)


@pytest.fixture
def fixed(personas) -> list:
    """The 20 days; returns client A's journal entries, oldest first."""
    client = personas.client_a
    walk = daily_homework(personas.relationship_a, day_of(0, DAYS))
    entries = []
    for index in range(DAYS):
        day = day_of(index, DAYS)
        entries.append(journal(client, day, MOODS[index]))
        sleep = 7 if index < SLEEP_KNOWN else None
        lifestyle(client, day, sleep=sleep, exercise=EXERCISE[index])
        if index in SOCIAL_DAYS:
            social(client, day)
        if index in HOMEWORK_DAYS:
            done(walk, day)
        if index in COPING_DAYS:
            coping(personas.relationship_a, day, entry=entries[-1])
    return entries
