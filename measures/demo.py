"""Demo questionnaires for the first demo client: a PHQ-9 every two weeks and a GAD-7 every
four, answered over the past three months with low mood easing (a reliable improvement),
and one WHO-5. The next PHQ-9 and GAD-7 are due today. Question 9 is always "not at all",
so the demo raises no safety alert. Idempotent: a relationship with any is left alone."""

from datetime import time, timedelta

from accounts.clock import local_time_to_utc, local_today
from accounts.models import CareRelationship, CareStatus

from . import services
from .models import MeasureAssignment

PHQ9_ANSWERS = [  # 16, 14, 13, 11, 9, 8
    [2, 2, 2, 2, 2, 2, 2, 2, 0],
    [2, 2, 2, 2, 1, 2, 2, 1, 0],
    [2, 2, 1, 2, 1, 2, 2, 1, 0],
    [1, 2, 1, 2, 1, 2, 1, 1, 0],
    [1, 1, 1, 2, 1, 1, 1, 1, 0],
    [1, 1, 1, 1, 1, 1, 1, 1, 0],
]
GAD7_ANSWERS = [[2, 2, 2, 2, 1, 1, 2], [2, 2, 1, 2, 1, 1, 1], [1, 1, 1, 2, 1, 1, 1]]  # 12, 10, 8
WHO5_ANSWERS = [2, 2, 3, 2, 3]  # 48 of 100


def seed_measures(relationships: list[CareRelationship]) -> int:
    """Give the first active demo relationship its questionnaires once; returns how many
    relationships got them (0 or 1)."""
    active = [r for r in relationships if r.status == CareStatus.ACTIVE and r.client_id]
    if not active:
        return 0
    relationship = active[0]
    if MeasureAssignment.objects.filter(relationship=relationship).exists():
        return 0
    today = local_today(relationship.client.timezone)
    start = today - timedelta(weeks=12)
    _seed(relationship, "phq9", 2, start, PHQ9_ANSWERS)
    _seed(relationship, "gad7", 4, start, GAD7_ANSWERS)
    _seed(relationship, "who5", None, today - timedelta(weeks=2), [WHO5_ANSWERS])
    return 1


def _seed(relationship, instrument, every_weeks, start, answers_by_period) -> None:
    tz = relationship.client.timezone
    assignment = services.measure_assign(
        therapist=relationship.therapist,
        relationship=relationship,
        instrument=instrument,
        every_weeks=every_weeks,
        start_date=local_today(tz),
    )
    # Set in the past, as if it had been running for a while.
    assignment.start_date = start
    assignment.created_at = local_time_to_utc(start, time(9), tz)
    assignment.save(update_fields=["start_date", "created_at"])
    for period, answers in enumerate(answers_by_period):
        day = start + timedelta(weeks=period * (every_weeks or 0))
        submitted = local_time_to_utc(day + timedelta(days=1), time(19, 30), tz)
        services.record_response(
            assignment=assignment, period=period, answers=answers, submitted_at=submitted
        )
