"""When homework is due — computed from an assignment's schedule, never stored.

All dates here are local dates in the CLIENT's time zone; nothing is pre-created for future
days. The only instants (aware UTC datetimes) are reminders, made by `local_time_to_utc`,
which settles DST gaps (a wall time that does not exist moves to the end of the gap) and
repeats (a wall time that happens twice means its first occurrence).

Pure Python: no Django, no database.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, WEEKLY
from dateutil.rrule import rrule as RRule

# Dropped at integration, once notifications/selectors.py, notifications/views.py and the e2e
# tests import it from accounts.clock.
from accounts.clock import local_time_to_utc, require_aware

# RFC 5545 BYDAY codes, indexed like date.weekday() (0 = Monday).
RFC5545_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

ONE_DAY = timedelta(days=1)

# How far back a missed occurrence counts as overdue, and can still be checked off.
OVERDUE_DAYS = 7


class Frequency(StrEnum):
    ONCE = "once"
    DAILY = "daily"
    WEEKDAYS = "weekdays"  # on chosen days of the week
    WEEKLY = "weekly"  # N times a week, on any days the client likes


@dataclass(frozen=True)
class Schedule:
    """An assignment's schedule.

    Fields that belong to another frequency (say `weekdays` on a DAILY schedule) are ignored.
    Every method except `validate()` and `is_paused_on()` raises ValueError on an invalid
    schedule rather than guess.
    """

    frequency: Frequency
    start_date: date  # first day it may be due
    end_date: date | None = None  # inclusive
    due_date: date | None = None  # ONCE only
    weekdays: tuple[int, ...] = ()  # WEEKDAYS only: 0 = Monday … 6 = Sunday
    times_per_week: int | None = None  # WEEKLY only: N in 1..7
    # [start, end) ranges with nothing due; end None = still paused.
    pauses: tuple[tuple[date, date | None], ...] = ()

    def validate(self) -> dict[str, str]:
        """Field name -> message; empty when the schedule is valid."""
        errors: dict[str, str] = {}
        if self.end_date is not None and self.end_date < self.start_date:
            errors["end_date"] = "The end date cannot be before the start date."
        match self.frequency:
            case Frequency.ONCE:
                if self.due_date is None:
                    errors["due_date"] = "A one-off assignment needs a due date."
                elif self.due_date < self.start_date:
                    errors["due_date"] = "The due date cannot be before the start date."
                elif self.end_date is not None and self.due_date > self.end_date:
                    errors["due_date"] = "The due date cannot be after the end date."
            case Frequency.WEEKDAYS:
                if not self.weekdays:
                    errors["weekdays"] = "Choose at least one day of the week."
                elif any(not 0 <= day <= 6 for day in self.weekdays):
                    errors["weekdays"] = "Days of the week go from 0 (Monday) to 6 (Sunday)."
            case Frequency.WEEKLY:
                n = self.times_per_week
                if n is None or not 1 <= n <= 7:
                    errors["times_per_week"] = "Choose between 1 and 7 times a week."
        if any(end is not None and end < start for start, end in self.pauses):
            errors["pauses"] = "A pause cannot end before it starts."
        return errors

    def is_paused_on(self, day: date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in self.pauses)

    def is_due_on(self, day: date) -> bool:
        """Whether an occurrence falls on this local day; always False for WEEKLY, which is
        due per week (see `weekly_target`)."""
        self._require_valid()
        return self._is_due_on(day)

    def due_dates(self, first: date, last: date) -> list[date]:
        """The due days in first..last (inclusive); [] for WEEKLY."""
        self._require_valid()
        return list(self._days(first, last, self._is_due_on))

    def weekly_target(self, week_monday: date) -> int:
        """How many completions are due in the ISO week of `week_monday` (any day of the week
        is accepted).

        WEEKLY: N, lowered to the number of days of the week that are inside start..end and
        not paused, so a partial first or last week or a pause never asks for more than the
        client can do. Others: the number of due days that week.
        """
        self._require_valid()
        monday = iso_week_monday(week_monday)
        sunday = monday + timedelta(days=6)
        if self.frequency is Frequency.WEEKLY:
            assert self.times_per_week is not None  # guaranteed by _require_valid
            return min(self.times_per_week, self._active_days(monday, sunday))
        return self.due_count(monday, sunday)

    def due_count(self, first: date, last: date) -> int:
        """len(due_dates(first, last)), counted without listing the days: a year of weeks
        is counted for each assignment on every Progress page."""
        self._require_valid()
        match self.frequency:
            case Frequency.ONCE:
                assert self.due_date is not None  # guaranteed by _require_valid
                return int(first <= self.due_date <= last and self._is_active_on(self.due_date))
            case Frequency.DAILY:
                return self._active_days(first, last)
            case Frequency.WEEKDAYS:
                return self._active_days(first, last, frozenset(self.weekdays))
        return 0

    def _active_days(self, first: date, last: date, weekdays: frozenset[int] | None = None) -> int:
        """How many days of first..last are active (`_is_active_on`), on `weekdays` only
        when given."""
        day = max(first, self.start_date)
        if self.end_date is not None:
            last = min(last, self.end_date)
        if day > last:
            return 0
        if weekdays is None and not self.pauses:
            return (last - day).days + 1
        pauses = self.pauses
        count = 0
        while day <= last:
            if (weekdays is None or day.weekday() in weekdays) and not any(
                start <= day and (end is None or day < end) for start, end in pauses
            ):
                count += 1
            day += ONE_DAY
        return count

    def rrule(self) -> RRule:
        """The RFC 5545 recurrence of the local due dates, at naive midnight.

        DTSTART is the first date the rule yields (for WEEKDAYS the first chosen day on or
        after start_date, for ONCE the due date), because RFC 5545 counts DTSTART itself as
        an occurrence. UNTIL is end_date when set. Pauses are left out: a feed subtracts
        `exdates()`.

        WEEKLY (N times a week) cannot be expressed: a calendar has no "any N days of the
        week". It becomes one occurrence a week on the start date's weekday, as a nudge.
        """
        self._require_valid()
        until = _naive_midnight(self.end_date) if self.end_date is not None else None
        match self.frequency:
            case Frequency.ONCE:
                assert self.due_date is not None
                # COUNT and UNTIL may not both be set (RFC 5545), and the due date is
                # inside start..end anyway.
                return RRule(DAILY, dtstart=_naive_midnight(self.due_date), count=1)
            case Frequency.DAILY:
                return RRule(DAILY, dtstart=_naive_midnight(self.start_date), until=until)
            case Frequency.WEEKDAYS:
                days = self._weekdays()
                first = min(
                    self.start_date + timedelta(days=(day - self.start_date.weekday()) % 7)
                    for day in days
                )
                return RRule(WEEKLY, dtstart=_naive_midnight(first), byweekday=days, until=until)
            case Frequency.WEEKLY:
                return RRule(
                    WEEKLY,
                    dtstart=_naive_midnight(self.start_date),
                    byweekday=self.start_date.weekday(),
                    until=until,
                )

    def first_occurrence(self) -> date | None:
        """The DTSTART to pair with `to_rfc5545()` in a feed (all-day, VALUE=DATE); None when
        the rule yields nothing at all, and then the feed should publish no event."""
        first = next(iter(self.rrule()), None)
        return first.date() if first is not None else None

    def exdates(self, first: date, last: date) -> list[date]:
        """The dates the rrule yields in first..last (inclusive) that fall in a pause."""
        occurrences = self.rrule().between(_naive_midnight(first), _naive_midnight(last), inc=True)
        return [moment.date() for moment in occurrences if self.is_paused_on(moment.date())]

    def to_rfc5545(self) -> str:
        """The RRULE line of `rrule()`, e.g. "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231".

        UNTIL is a DATE, so the feed's DTSTART must be a DATE too (RFC 5545 requires the
        same value type); use `first_occurrence()`.
        """
        self._require_valid()
        match self.frequency:
            case Frequency.ONCE:
                return "RRULE:FREQ=DAILY;COUNT=1"
            case Frequency.DAILY:
                parts = ["FREQ=DAILY"]
            case Frequency.WEEKDAYS:
                byday = ",".join(RFC5545_DAYS[day] for day in self._weekdays())
                parts = ["FREQ=WEEKLY", f"BYDAY={byday}"]
            case Frequency.WEEKLY:
                parts = ["FREQ=WEEKLY", f"BYDAY={RFC5545_DAYS[self.start_date.weekday()]}"]
        if self.end_date is not None:
            parts.append(f"UNTIL={self.end_date:%Y%m%d}")
        return "RRULE:" + ";".join(parts)

    # Internals: these assume a valid schedule.

    def _require_valid(self) -> None:
        if errors := self.validate():
            raise ValueError(f"Invalid schedule: {errors}")

    def _weekdays(self) -> tuple[int, ...]:
        return tuple(sorted(set(self.weekdays)))

    def _is_active_on(self, day: date) -> bool:
        """Inside start..end and not paused: a day on which homework may be due."""
        if day < self.start_date or (self.end_date is not None and day > self.end_date):
            return False
        return not self.is_paused_on(day)

    def _is_due_on(self, day: date) -> bool:
        match self.frequency:
            case Frequency.ONCE:
                return day == self.due_date and self._is_active_on(day)
            case Frequency.DAILY:
                return self._is_active_on(day)
            case Frequency.WEEKDAYS:
                return day.weekday() in self.weekdays and self._is_active_on(day)
            case Frequency.WEEKLY:
                return False

    def _days(self, first: date, last: date, keep: Callable[[date], bool]) -> Iterator[date]:
        """The days in first..last, clipped to start..end, for which keep(day) holds."""
        day = max(first, self.start_date)
        if self.end_date is not None:
            last = min(last, self.end_date)
        while day <= last:
            if keep(day):
                yield day
            day += ONE_DAY

    def _reminder_days(self, first: date) -> Iterator[date]:
        """The days from `first` on that get a reminder: due days, or for WEEKLY every
        active day (the caller knows whether the week's target is met)."""
        if self.end_date is not None:
            last = self.end_date
        elif self.frequency is Frequency.ONCE:
            assert self.due_date is not None
            last = self.due_date
        else:
            # Open-ended: a week past the last pause boundary every weekday has come up
            # unpaused, unless an open-ended pause began — then nothing is due ever again.
            boundaries = [end or start for start, end in self.pauses]
            last = max([first, self.start_date, *boundaries]) + timedelta(days=7)
        if self.frequency is Frequency.WEEKLY:
            return self._days(first, last, self._is_active_on)
        return self._days(first, last, self._is_due_on)


def iso_week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week_label(day: date) -> str:
    """E.g. "2026-W53" — the ISO year, which near New Year may differ from day.year."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def next_reminder_at(
    schedule: Schedule, at: time, tz_name: str, after: datetime
) -> datetime | None:
    """The first UTC instant strictly after `after` (aware) when a reminder fires, at local
    time `at` (see `local_time_to_utc`).

    ONCE/DAILY/WEEKDAYS: on the next due day (today included if `at` is still ahead).
    WEEKLY: on every day inside start..end that is not paused — whether the week's target
    is already met is the caller's business. None when nothing will be due any more.
    """
    require_aware(after, "after")
    schedule._require_valid()
    tz = ZoneInfo(tz_name)
    # Start a day early: cheap insurance against a DST gap or repeat around midnight putting
    # yesterday's reminder after `after`. Later days' reminders are always later instants.
    first = after.astimezone(tz).date() - ONE_DAY
    for day in schedule._reminder_days(first):
        instant = local_time_to_utc(day, at, tz_name)
        if instant > after:
            return instant
    return None


def _naive_midnight(day: date) -> datetime:
    """Naive midnight of `day`: rrule counts local dates, so no zone belongs here."""
    return datetime.combine(day, time())
