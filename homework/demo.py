"""Demo homework for `make run`: a few assignments per demo client, with weeks of history."""

import random
from datetime import timedelta

from accounts.clock import local_today
from accounts.models import CareRelationship, CareStatus

from . import services
from .models import Assignment, Completion, CompletionSource, HomeworkTemplate
from .schedules import Frequency, iso_week_monday

DEMO_PLAN = [
    ("daily-mood-journal", {}),
    ("exercise-minutes", {}),
    ("reach-out", {}),
    ("sleep-routine", {"frequency": Frequency.WEEKDAYS, "weekdays": [0, 1, 2, 3, 4]}),
]
HISTORY_WEEKS = 4


def seed_homework(relationships: list[CareRelationship]) -> int:
    """Give each active demo relationship its assignments once; returns how many were made."""
    made = 0
    for index, relationship in enumerate(relationships):
        if relationship.status != CareStatus.ACTIVE or relationship.assignments.exists():
            continue
        client = relationship.client
        today = local_today(client.timezone)
        start = iso_week_monday(today) - timedelta(weeks=HISTORY_WEEKS)
        rng = random.Random(client.email)  # noqa: S311 - demo data, not security
        diligence = (0.85, 0.6, 0.35)[index % 3]
        for slug, overrides in DEMO_PLAN[: 3 + index % 2]:
            template = HomeworkTemplate.objects.get(slug=slug, owner=None)
            assignment = services.assignment_create(
                therapist=relationship.therapist,
                relationship=relationship,
                template=template,
                start_date=start,
                reminder_time=None,
                **overrides,
            )
            _history(assignment, today, rng, diligence)
            made += 1
    return made


def _history(assignment: Assignment, today, rng: random.Random, diligence: float) -> None:
    schedule = assignment.schedule()
    if assignment.frequency == Frequency.WEEKLY:
        days = [
            assignment.start_date + timedelta(days=i)
            for i in range((today - assignment.start_date).days)
            if rng.random() < diligence * (assignment.times_per_week or 1) / 7
        ]
    else:
        days = [
            d
            for d in schedule.due_dates(assignment.start_date, today - timedelta(days=1))
            if rng.random() < diligence
        ]
    Completion.objects.bulk_create(
        Completion(
            assignment=assignment,
            client=assignment.client,
            due_date=day,
            week=iso_week_monday(day),
            source=CompletionSource.CHECK_OFF,
        )
        for day in days
    )
