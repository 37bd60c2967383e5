"""When a person's next reminder and digest fall — pure Python, no database.

Rules (tested in tests/notifications/test_scheduling.py):
- Local wall times become UTC instants through `accounts.clock.local_time_to_utc`: a time
  that does not exist (clocks spring forward) moves to the end of the gap, the first valid
  minute; a time that happens twice (clocks fall back) fires once, on its first occurrence.
- Quiet hours are [start, end) in local time and may wrap midnight (22:00 to 07:00). A reminder
  that falls inside them moves to their end. The period of a reminder is the local date on
  which it is sent, so each local day has at most one.
- A reply's note that falls in quiet hours moves to their end, as a reminder does.
- A session's reminder is planned for the client's local day before the session's local
  date, at their reminder time, out of quiet hours (so it may move to the session's morning).
- A digest covers one ISO week: the week that ends on the digest's local date when that is a
  Sunday, else the week before. Its period is that week's label ("2026-W48").
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts.clock import local_day, local_time_to_utc
from homework.schedules import iso_week_label, iso_week_monday

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, at: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end  # wraps midnight


def reminder_instant(day: date, at: time, tz_name: str, quiet: QuietHours | None) -> datetime:
    """The UTC instant of the reminder planned for local `day` at `at`, out of quiet hours."""
    instant = local_time_to_utc(day, at, tz_name)
    if quiet is None:
        return instant
    local = instant.astimezone(ZoneInfo(tz_name))
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return instant
    end_day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        end_day += ONE_DAY  # inside the evening part of a wrapping window: ends tomorrow
    return local_time_to_utc(end_day, quiet.end, tz_name)


def session_reminder_instant(
    starts_at: datetime, at: time, tz_name: str, quiet: QuietHours | None
) -> datetime:
    """The planned instant of the reminder of a session starting at `starts_at` (aware): the
    day before it in the client's zone `tz_name`, at `at`, out of quiet hours."""
    day_before = local_day(starts_at, ZoneInfo(tz_name)) - ONE_DAY
    return reminder_instant(day_before, at, tz_name, quiet)


def out_of_quiet(instant: datetime, tz_name: str, quiet: QuietHours | None) -> datetime:
    """`instant` itself, or the end of the quiet hours it falls in (a reply's note waits)."""
    if quiet is None:
        return instant
    local = instant.astimezone(ZoneInfo(tz_name))
    moved = reminder_instant(local.date(), local.time().replace(tzinfo=None), tz_name, quiet)
    return max(moved, instant)


def next_reminder_at(
    at: time,
    tz_name: str,
    after: datetime,
    quiet: QuietHours | None = None,
    weekdays: frozenset[int] | None = None,
) -> datetime:
    """The first reminder instant strictly after `after` (aware), on a local day whose
    weekday (0 = Monday) is in `weekdays` when given."""
    tz = ZoneInfo(tz_name)
    day = after.astimezone(tz).date() - ONE_DAY
    if weekdays is not None and not weekdays & set(range(7)):
        raise ValueError("No weekday to send on.")
    while True:
        if weekdays is None or day.weekday() in weekdays:
            instant = reminder_instant(day, at, tz_name, quiet)
            if instant > after:
                return instant
        day += ONE_DAY


def next_digest_at(weekday: int, at: time, tz_name: str, after: datetime) -> datetime:
    """The first digest instant strictly after `after`: local `at` on `weekday` (0 = Monday)."""
    tz = ZoneInfo(tz_name)
    day = after.astimezone(tz).date() - ONE_DAY
    day += timedelta(days=(weekday - day.weekday()) % 7)
    while True:
        instant = local_time_to_utc(day, at, tz_name)
        if instant > after:
            return instant
        day += timedelta(days=7)


def reminder_period(instant: datetime, tz_name: str) -> str:
    return local_day(instant, ZoneInfo(tz_name)).isoformat()


def digest_week(instant: datetime, tz_name: str) -> date:
    """The Monday of the ISO week a digest sent at `instant` covers."""
    day = local_day(instant, ZoneInfo(tz_name))
    monday = iso_week_monday(day)
    return monday if day.weekday() == 6 else monday - timedelta(days=7)


def digest_period(instant: datetime, tz_name: str) -> str:
    return iso_week_label(digest_week(instant, tz_name))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
