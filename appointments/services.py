"""Writes about sessions: record one or a series, move, cancel, mark held or missed, the
recap to the client, and the client's "to bring" list."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.clock import local_time_to_utc, local_today
from accounts.models import CareRelationship, User
from accounts.services import lock_active_relationship

from .models import (
    BRING_ITEMS_MAX,
    SERIES_COUNT_MAX,
    SERIES_WINDOW,
    Appointment,
    BringItem,
    Mode,
    Series,
    Status,
)

# Sessions are recorded within five years either way of today.
WINDOW = timedelta(days=5 * 366)
CANCELLED_OR_DONE = (Status.CANCELLED, Status.HELD, Status.MISSED)


@dataclass
class Saved:
    """What was saved, and what the therapist should know about it (not errors)."""

    appointments: list[Appointment]
    series: Series | None = None
    warnings: list[str] = field(default_factory=list)


def _day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _in_window(day: date, today: date, name: str) -> None:
    if not today - WINDOW <= day <= today + WINDOW:
        raise ValidationError(
            {
                name: f"Choose a date between {_day_label(today - WINDOW)} and "
                f"{_day_label(today + WINDOW)}."
            }
        )


def _own_active(therapist: User, relationship: CareRelationship) -> CareRelationship:
    not_yours = ValidationError("This person is not an active client of yours.")
    if relationship.therapist_id != therapist.pk:
        raise not_yours
    try:
        return lock_active_relationship(relationship.pk)
    except ValidationError:
        raise not_yours from None


def _overlaps(therapist: User, appointments: list[Appointment]) -> list[str]:
    """Another session of the therapist at the same time: allowed (a couple, a group), said."""
    warnings = []
    for appointment in appointments:
        clash = (
            Appointment.objects.filter(
                therapist=therapist,
                status=Status.SCHEDULED,
                starts_at__lt=appointment.ends_at,
            )
            .exclude(pk=appointment.pk)
            .exclude(series_id=appointment.series_id, series__isnull=False)
            .filter(starts_at__gt=appointment.starts_at - timedelta(minutes=240))
            .select_related("client")
        )
        for other in clash:
            if other.ends_at > appointment.starts_at:
                warnings.append(
                    f"{_day_label(appointment.day)} at {appointment.start_time:%H:%M} overlaps "
                    f"your session with {other.client}."
                )
    return warnings


def _build(
    *,
    relationship: CareRelationship,
    therapist: User,
    day: date,
    start_time: time,
    minutes: int,
    mode: str,
    location: str,
    status: str = Status.SCHEDULED,
    series: Series | None = None,
) -> Appointment:
    zone = therapist.timezone
    appointment = Appointment(
        relationship=relationship,
        therapist=therapist,
        client=relationship.client,
        series=series,
        day=day,
        start_time=start_time.replace(tzinfo=None, fold=0),
        zone=zone,
        # A wall time that does not exist on a DST day moves to the end of the gap.
        starts_at=local_time_to_utc(day, start_time.replace(tzinfo=None, fold=0), zone),
        minutes=minutes,
        mode=mode,
        location=(location or "").strip(),
        status=status,
        status_changed_at=timezone.now() if status != Status.SCHEDULED else None,
    )
    appointment.full_clean(exclude=["relationship", "therapist", "client", "series"])
    return appointment


@transaction.atomic
def appointment_create(
    *,
    therapist: User,
    relationship: CareRelationship,
    day: date,
    start_time: time,
    minutes: int = 50,
    mode: str = Mode.IN_PERSON,
    location: str = "",
    status: str = Status.SCHEDULED,
) -> Saved:
    """One session, in the therapist's time zone. A session in the past is recorded only as
    held or missed; one still to come only as scheduled."""
    relationship = _own_active(therapist, relationship)
    _in_window(day, local_today(therapist.timezone), "day")
    appointment = _build(
        relationship=relationship,
        therapist=therapist,
        day=day,
        start_time=start_time,
        minutes=minutes,
        mode=mode,
        location=location,
        status=status,
    )
    past = appointment.starts_at <= timezone.now()
    if past and status == Status.SCHEDULED:
        raise ValidationError(
            {"status": "This time has passed: record the session as held or missed."}
        )
    if not past and status != Status.SCHEDULED:
        raise ValidationError({"status": "A session still to come can only be scheduled."})
    appointment.save()
    return Saved([appointment], warnings=_overlaps(therapist, [appointment]))


def series_days(first_day: date, every_weeks: int, until: date | None, count: int | None):
    """The days of a series: every `every_weeks` weeks from `first_day`, up to `until`
    (inclusive) or `count` sessions, whichever comes first."""
    day, n = first_day, 0
    while (until is None or day <= until) and (count is None or n < count):
        yield day
        day += timedelta(weeks=every_weeks)
        n += 1


@transaction.atomic
def series_create(
    *,
    therapist: User,
    relationship: CareRelationship,
    first_day: date,
    start_time: time,
    every_weeks: int = 1,
    until: date | None = None,
    count: int | None = None,
    minutes: int = 50,
    mode: str = Mode.IN_PERSON,
    location: str = "",
) -> Saved:
    """Sessions every week or every two weeks from `first_day`, until a date or for a
    number of sessions (one of them is needed, within five years), at the same local time."""
    relationship = _own_active(therapist, relationship)
    today = local_today(therapist.timezone)
    _in_window(first_day, today, "first_day")
    errors = {}
    if until is None and count is None:
        errors["until"] = "Say when the series ends: a date or a number of sessions."
    if until is not None and not first_day <= until <= first_day + SERIES_WINDOW:
        errors["until"] = "Choose an end within five years of the first session."
    if count is not None and not 1 <= count <= SERIES_COUNT_MAX:
        errors["count"] = f"Choose between 1 and {SERIES_COUNT_MAX} sessions."
    if every_weeks not in (1, 2):
        errors["every_weeks"] = "Every week or every two weeks."
    if errors:
        raise ValidationError(errors)
    series = Series(
        relationship=relationship,
        therapist=therapist,
        client=relationship.client,
        every_weeks=every_weeks,
        first_day=first_day,
        until=until,
        count=count,
        start_time=start_time.replace(tzinfo=None, fold=0),
        zone=therapist.timezone,
        minutes=minutes,
        mode=mode,
        location=(location or "").strip(),
    )
    series.full_clean(exclude=["relationship", "therapist", "client"])
    series.save()
    now = timezone.now()
    appointments = [
        _build(
            relationship=relationship,
            therapist=therapist,
            day=day,
            start_time=start_time,
            minutes=minutes,
            mode=mode,
            location=location,
            series=series,
        )
        for day in series_days(first_day, every_weeks, until, count)
    ]
    if any(a.starts_at <= now for a in appointments):
        raise ValidationError({"first_day": "A series starts with a session still to come."})
    Appointment.objects.bulk_create(appointments)
    return Saved(appointments, series=series, warnings=_overlaps(therapist, appointments))


class SessionClosed(ValidationError):
    """The session has started or is no longer scheduled: it cannot be moved or cancelled.
    The API answers 409 with the session's state now."""

    def __init__(self, appointment: Appointment):
        self.appointment = appointment
        if appointment.status == Status.CANCELLED:
            message = "This session was cancelled already."
        elif appointment.status != Status.SCHEDULED:
            message = "This session is over: it can no longer be moved or cancelled."
        else:
            message = "This session has started: it can no longer be moved or cancelled."
        super().__init__(message, code="closed")

    @property
    def conflict(self) -> dict:
        return {
            "current": {
                "status": self.appointment.status,
                "starts_at": self.appointment.starts_at.isoformat(),
            }
        }


def _lock_for_change(appointment: Appointment) -> Appointment:
    """The session again under its relationship's lock; only one still to come changes."""
    lock_active_relationship(appointment.relationship_id)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Status.SCHEDULED or appointment.starts_at <= timezone.now():
        raise SessionClosed(appointment)
    return appointment


@transaction.atomic
def appointment_move(
    *, appointment: Appointment, day: date, start_time: time, minutes: int | None = None
) -> Saved:
    """Move one session (of a series too: the others stay)."""
    appointment = _lock_for_change(appointment)
    therapist = appointment.therapist
    _in_window(day, local_today(therapist.timezone), "day")
    moved = _build(
        relationship=appointment.relationship,
        therapist=therapist,
        day=day,
        start_time=start_time,
        minutes=minutes or appointment.minutes,
        mode=appointment.mode,
        location=appointment.location,
        series=appointment.series,
    )
    if moved.starts_at <= timezone.now():
        raise ValidationError({"day": "Move it to a time still to come."})
    for name in ("day", "start_time", "zone", "starts_at", "minutes"):
        setattr(appointment, name, getattr(moved, name))
    appointment.save()
    return Saved([appointment], warnings=_overlaps(therapist, [appointment]))


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, rest_of_series: bool = False) -> int:
    """Cancel one session, or it and every later one of its series. Returns how many."""
    appointment = _lock_for_change(appointment)
    targets = Appointment.objects.filter(pk=appointment.pk)
    if rest_of_series and appointment.series_id:
        targets = Appointment.objects.filter(
            series_id=appointment.series_id,
            status=Status.SCHEDULED,
            starts_at__gte=appointment.starts_at,
        )
    return targets.update(status=Status.CANCELLED, status_changed_at=timezone.now())


@transaction.atomic
def appointment_mark(*, appointment: Appointment, status: str) -> Appointment:
    """After its start: the session was held, or missed (a second click changes nothing)."""
    if status not in (Status.HELD, Status.MISSED):
        raise ValidationError({"status": "Mark it as held or missed."})
    lock_active_relationship(appointment.relationship_id)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.starts_at > timezone.now():
        raise ValidationError({"status": "This session has not started yet."})
    if appointment.status == Status.CANCELLED:
        raise ValidationError({"status": "This session was cancelled."})
    if appointment.status != status:
        appointment.status = status
        appointment.status_changed_at = timezone.now()
        appointment.save(update_fields=["status", "status_changed_at", "updated_at"])
    return appointment


@transaction.atomic
def recap_write(*, appointment: Appointment, text: str) -> Appointment:
    """The therapist's note to the client after a held session ("From today's session")."""
    lock_active_relationship(appointment.relationship_id)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Status.HELD:
        raise ValidationError({"recap": "Mark the session as held first."})
    appointment.recap = (text or "").strip()
    appointment.full_clean(exclude=["relationship", "therapist", "client", "series"])
    appointment.recap_at = timezone.now() if appointment.recap else None
    appointment.recap_read_at = None
    appointment.save(update_fields=["recap", "recap_at", "recap_read_at", "updated_at"])
    return appointment


def recap_read(*, client: User, appointment: Appointment) -> None:
    """The client opened the recap: it leaves Today."""
    Appointment.objects.filter(
        pk=appointment.pk, client=client, recap_at__isnull=False, recap_read_at__isnull=True
    ).update(recap_read_at=timezone.now())


def cancel_future(relationship: CareRelationship, now: datetime | None = None) -> int:
    """A care relationship ended: its sessions still to come are cancelled."""
    return Appointment.objects.filter(
        relationship=relationship, status=Status.SCHEDULED, starts_at__gt=now or timezone.now()
    ).update(status=Status.CANCELLED, status_changed_at=timezone.now())


# --- "To bring to my session" ----------------------------------------------------------


class ListClosed(ValidationError):
    """The session has started (or will not take place): its list is read-only now. The API
    answers 409, and nothing is saved."""

    def __init__(self, appointment: Appointment):
        self.appointment = appointment
        what = {
            Status.CANCELLED: "This session was cancelled",
            Status.SCHEDULED: "This session has started",
        }.get(appointment.status, "This session has taken place")
        super().__init__(f"{what}, so its list can no longer change.", code="closed")

    @property
    def conflict(self) -> dict:
        return {"session": str(self.appointment.public_id)}


def bring_open(appointment: Appointment, now: datetime | None = None) -> bool:
    """Can the client still change this session's list? Until it starts."""
    return appointment.status == Status.SCHEDULED and appointment.starts_at > (
        now or timezone.now()
    )


def _open_for_lines(client: User, appointment: Appointment) -> Appointment:
    if appointment.client_id != client.pk:
        raise ValidationError("This session is not yours.")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not bring_open(appointment):
        raise ListClosed(appointment)
    return appointment


@transaction.atomic
def bring_add(
    *,
    client: User,
    appointment: Appointment,
    text: str,
    source: str = "",
    source_id=None,
) -> BringItem:
    """Add a line to bring to a session still to come, at the end of its list."""
    appointment = _open_for_lines(client, appointment)
    lines = BringItem.objects.filter(appointment=appointment)
    if lines.count() >= BRING_ITEMS_MAX:
        raise ValidationError(
            {"text": f"At most {BRING_ITEMS_MAX} lines: keep it to what matters."}
        )
    last = lines.aggregate(last=Max("position"))["last"]
    item = BringItem(
        appointment=appointment,
        client=client,
        text=(text or "").strip(),
        source=source or "",
        source_id=source_id,
        position=0 if last is None else last + 1,
    )
    item.full_clean(exclude=["appointment", "client"])
    item.save()
    return item


@transaction.atomic
def bring_move(*, client: User, item: BringItem, position: int) -> list[BringItem]:
    """Put a line at `position` (0 = first); the others keep their order."""
    _open_for_lines(client, item.appointment)
    lines = list(BringItem.objects.select_for_update().filter(appointment=item.appointment))
    lines = [line for line in lines if line.pk != item.pk]
    position = max(0, min(position, len(lines)))
    lines.insert(position, item)
    for index, line in enumerate(lines):
        line.position = index
    BringItem.objects.bulk_update(lines, ["position"])
    return lines


@transaction.atomic
def bring_remove(*, client: User, item: BringItem) -> None:
    _open_for_lines(client, item.appointment)
    BringItem.objects.filter(pk=item.pk, client=client).delete()
