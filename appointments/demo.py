"""Demo sessions. With the first demo client: a weekly series whose next session is two days
from now at 17:00 (the therapist's time), and the session held last week at the same time,
with a recap ("From today's session") the client has not read yet. The other demo clients
have one session each, later this week. Idempotent: a relationship with any is left alone."""

from datetime import time, timedelta

from accounts.clock import local_today
from accounts.models import CareRelationship, CareStatus

from . import services
from .models import Appointment, Mode, Status

WEEKLY_AT = time(17)
SERIES_COUNT = 12
RECAP = (
    "We looked at the evenings before a deadline, and at what the walk after work changes. "
    "This week: write the three next steps on paper before you stop for the day, and note in "
    "your journal how the evening went."
)
# The other clients' one session: days from today, the therapist's time, how and where.
OTHERS = [
    (3, time(10), Mode.VIDEO, "https://meet.example.org/tandem-demo"),
    (4, time(9, 30), Mode.PHONE, ""),
]
ROOM = "Room 2, 14 Harbour Street"


def seed_sessions(relationships: list[CareRelationship]) -> int:
    """Give each active demo relationship its sessions once; returns how many got some."""
    active = [r for r in relationships if r.status == CareStatus.ACTIVE and r.client_id]
    seeded = 0
    for index, relationship in enumerate(active):
        if Appointment.objects.filter(relationship=relationship).exists():
            continue
        if index == 0:
            _seed_first(relationship)
        else:
            days, at, mode, place = OTHERS[(index - 1) % len(OTHERS)]
            today = local_today(relationship.therapist.timezone)
            services.appointment_create(
                therapist=relationship.therapist,
                relationship=relationship,
                day=today + timedelta(days=days),
                start_time=at,
                mode=mode,
                location=place,
            )
        seeded += 1
    return seeded


def _seed_first(relationship: CareRelationship) -> None:
    therapist = relationship.therapist
    today = local_today(therapist.timezone)
    next_day = today + timedelta(days=2)
    services.series_create(
        therapist=therapist,
        relationship=relationship,
        first_day=next_day,
        start_time=WEEKLY_AT,
        every_weeks=1,
        count=SERIES_COUNT,
        location=ROOM,
    )
    held = services.appointment_create(
        therapist=therapist,
        relationship=relationship,
        day=next_day - timedelta(weeks=1),
        start_time=WEEKLY_AT,
        location=ROOM,
        status=Status.HELD,
    ).appointments[0]
    services.recap_write(appointment=held, text=RECAP)
