"""What the portals and the calendar feeds show of sessions: each one in the reader's own time
zone ("Tuesday 8 December, 17:00"), the client page's sessions, and what a feed lists.

A session is stored in the therapist's zone; every reader sees it at the instant it starts
(`starts_at`) in their own zone, so a client in New York and a therapist in London read the
same session at their own clock's time."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.clock import zone
from accounts.models import CareRelationship, CareStatus
from accounts.prepared import prepared

from .models import Appointment, Mode, Status

MODE_WORDS = {Mode.IN_PERSON: "in person", Mode.VIDEO: "video", Mode.PHONE: "phone"}
# The client page shows this many sessions still to come, and the last one held.
UPCOMING_ON_CLIENT_PAGE = 5
# A feed lists sessions from this long ago on (a calendar keeps what it already has).
FEED_PAST = timedelta(days=92)


def day_text(day: date, today: date | None = None) -> str:
    """ "Tuesday 8 December", with the year when it is not this year's."""
    text = f"{day:%A} {day.day} {day:%B}"
    if today is not None and day.year != today.year:
        text += f" {day.year}"
    return text


def local_start(appointment: Appointment, tz_name: str) -> datetime:
    """When the session starts on the wall clock of zone `tz_name`."""
    return appointment.starts_at.astimezone(zone(tz_name))


@dataclass(frozen=True)
class SessionLine:
    """One session as a person reads it, in their zone."""

    appointment: Appointment
    start: datetime  # local, aware
    when: str  # "Tuesday 8 December, 17:00"
    minutes: int
    mode: str  # "in person", "video", "phone"
    location: str
    status: str

    @property
    def public_id(self):
        return self.appointment.public_id

    @property
    def series(self):
        return self.appointment.series

    @property
    def repeats(self) -> str:
        """ "every week" or "every two weeks" for a session of a series, else ""."""
        series = self.appointment.series
        if series is None:
            return ""
        return "every week" if series.every_weeks == 1 else "every two weeks"


def session_line(
    appointment: Appointment, tz_name: str, now: datetime | None = None
) -> SessionLine:
    start = local_start(appointment, tz_name)
    today = (now or timezone.now()).astimezone(start.tzinfo).date()
    return SessionLine(
        appointment=appointment,
        start=start,
        when=f"{day_text(start.date(), today)}, {start:%H:%M}",
        minutes=appointment.minutes,
        mode=MODE_WORDS.get(appointment.mode, appointment.get_mode_display()),
        location=appointment.location,
        status=appointment.status,
    )


def moved_by_the_clocks(appointment: Appointment, asked: time) -> time | None:
    """The wall time the session really starts at, when `asked` does not exist that day in
    its zone (the clocks went forward over it); None when it starts as asked."""
    start = local_start(appointment, appointment.zone)
    asked = asked.replace(tzinfo=None, second=0, microsecond=0)
    if start.date() == appointment.day and start.time().replace(second=0) == asked:
        return None
    return start.time()


@dataclass(frozen=True)
class RelationshipSessions:
    upcoming: list[SessionLine]
    last_held: SessionLine | None


@prepared
def _sessions_of(*, relationship_id: int, now: datetime) -> QuerySet[Appointment]:
    mine = Appointment.objects.filter(relationship_id=relationship_id)
    upcoming = mine.filter(status=Status.SCHEDULED, starts_at__gt=now).order_by("starts_at", "id")
    held = mine.filter(status=Status.HELD, starts_at__lte=now).order_by("-starts_at", "-id")
    return (
        mine.filter(
            Q(pk__in=upcoming.values("pk")[:UPCOMING_ON_CLIENT_PAGE])
            | Q(pk__in=held.values("pk")[:1])
        )
        .select_related("series")
        .order_by("starts_at", "id")
    )


def relationship_sessions(
    relationship: CareRelationship, tz_name: str, now: datetime | None = None
) -> RelationshipSessions:
    """The therapist's client page: the next sessions still to come and the last one held,
    in the therapist's zone. One query."""
    now = now or timezone.now()
    rows = _sessions_of(relationship_id=relationship.pk, now=now)
    lines = [session_line(row, tz_name, now) for row in rows]
    return RelationshipSessions(
        upcoming=[line for line in lines if line.status == Status.SCHEDULED],
        last_held=next((line for line in lines if line.status == Status.HELD), None),
    )


def feed_sessions(*, now: datetime, **whose) -> QuerySet[Appointment]:
    """What a calendar feed lists: sessions of active care relationships (whose=client=... or
    therapist=...), from FEED_PAST ago on, cancelled ones left out.

    The one read by key rather than by `visible_to(user)`: a feed has no signed-in user."""
    return (
        Appointment.objects.filter(
            **whose,
            relationship__status=CareStatus.ACTIVE,
            starts_at__gte=now - FEED_PAST,
        )
        .exclude(status=Status.CANCELLED)
        .select_related("therapist", "client")
        .order_by("starts_at", "id")
    )
