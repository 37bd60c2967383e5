"""The benchmark's own data: a therapist and a client in an active care relationship, with
n assignments of mixed schedules and n completions over the last four weeks."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, Role, User
from homework.models import Assignment, Completion
from homework.schedules import iso_week_monday


def caseload(label: str) -> CareRelationship:
    """A therapist and their client; no passwords (the benchmark signs in with force_login)."""
    therapist = User.objects.create_user(
        f"therapist-{label}@bench.tandem.localhost", role=Role.THERAPIST, name="Bench Therapist"
    )
    client = User.objects.create_user(
        f"client-{label}@bench.tandem.localhost",
        role=Role.CLIENT,
        name="Bench Client",
        timezone="Europe/London",
    )
    now = timezone.now()
    return CareRelationship.objects.create(
        therapist=therapist,
        client=client,
        status=CareStatus.ACTIVE,
        invited_email=client.email,
        invited_at=now,
        invitation_expires_at=now,
        activated_at=now,
    )


def homework(relationship: CareRelationship, n: int, today: date) -> None:
    """n assignments and n completions, in bulk: the pages read them, nothing here is timed.
    (The services accept completions for the last week only; history is written directly.)"""
    start = today - timedelta(weeks=4)
    schedules = [
        {"frequency": "daily"},
        {"frequency": "weekdays", "weekdays": [0, 2, 4]},
        {"frequency": "weekly", "times_per_week": 3},
        {"frequency": "once", "due_date": today},
    ]
    Assignment.objects.bulk_create(
        Assignment(
            relationship=relationship,
            client=relationship.client,
            therapist=relationship.therapist,
            kind="journal",
            title=f"Homework {i}",
            start_date=start,
            **schedules[i % len(schedules)],
        )
        for i in range(n)
    )
    assignments = list(relationship.assignments.order_by("id"))
    Completion.objects.bulk_create(
        Completion(
            assignment=assignment,
            client=relationship.client,
            due_date=start + timedelta(days=i % 28),
            week=iso_week_monday(start + timedelta(days=i % 28)),
        )
        for i, assignment in enumerate(assignments)
    )
