"""Notifications: today is Tuesday 1 December 2026, 09:00 UTC; clients live in London."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Min, Q

from notifications import selectors, services
from notifications.models import Preferences
from safety.models import SafetyAlert

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
MINUTE = timedelta(minutes=1)
# A walk ticks at least this often, and at every minute this close to an instant of interest.
WALK_GRID = timedelta(minutes=30)
WALK_NEAR = timedelta(minutes=2)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due_now(user, *, digest: bool = False, **fields) -> None:
    """Make the user's reminder (or with digest=True, their digest alone) due at NOW."""
    services.preferences_update(
        user=user, quiet_start=None, quiet_end=None, reminder_time=time(9, 0), **fields
    )
    due = {"next_digest_at": NOW} if digest else {"next_reminder_at": NOW}
    Preferences.objects.filter(user=user).update(**due)


def transitions_2026(zone: str) -> list[date]:
    """Local dates in 2026 on which the UTC offset changes; for a zone without DST, the
    dates London changes on (the same walk, nothing special expected)."""
    tz = ZoneInfo(zone)
    days = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        start = datetime.combine(day, time(0), tz)
        end = datetime.combine(day + timedelta(days=1), time(0), tz)
        if start.utcoffset() != end.utcoffset():
            days.append(day)
        day += timedelta(days=1)
    return days or transitions_2026("Europe/London")


def expected_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first UTC minute of local date `day` at or after wall time `at`."""
    moment = datetime.combine(day, time(0), UTC) - timedelta(hours=15)
    while True:
        local = moment.astimezone(tz)
        if local.date() == day and local.time() >= at:
            return moment
        moment += MINUTE


def _earliest_due() -> datetime | None:
    """The first instant at which `selectors.anything_due` turns true."""
    found = Preferences.objects.aggregate(
        reminder=Min("next_reminder_at", filter=Q(reminders_enabled=True)),
        digest=Min("next_digest_at", filter=Q(digest_enabled=True)),
    )
    instants = [i for i in found.values() if i is not None]
    return min(instants) if instants else None


def _offset_changes(first: datetime, last: datetime, tz: ZoneInfo) -> list[datetime]:
    """The UTC minutes in [first, last] whose offset differs from the minute before's."""
    changes = []
    moment = first + MINUTE
    while moment <= last:
        if moment.astimezone(tz).utcoffset() != (moment - MINUTE).astimezone(tz).utcoffset():
            changes.append(moment)
        moment += MINUTE
    return changes


def walk(clock, first, last, step, *, tz: ZoneInfo, around=()) -> None:
    """Run the minutely beat from `first` to `last` (both ticked): move the clock to each minute
    and call `step(now)`, skipping only the minutes at which the tick has nothing to do.

    A tick with no safety alert and no Preferences row due (`selectors.anything_due`) changes
    nothing, so the walk visits every minute at which a row is due (its instant rounded up to
    the minute, as the beat meets it), and besides, as a check that the other minutes are
    quiet, every WALK_GRID and every minute within WALK_NEAR of each local offset change and
    of each instant in `around`. Afterwards it asserts that nothing due by `last` was missed.
    """
    assert not SafetyAlert.objects.exists(), "a walk skips minutes: only without safety alerts"
    checks = [*_offset_changes(first, last, tz), *around]
    assert checks, "a walk around nothing"
    wanted = set()
    for instant in checks:
        moment = instant - WALK_NEAR
        while moment <= instant + WALK_NEAR:
            wanted.add(moment)
            moment += MINUTE
    now = first
    while now <= last:
        clock.move_to(now)
        step(now)
        after = now + MINUTE
        candidates = [now + WALK_GRID, last + MINUTE if after > last else last]
        candidates += [m for m in wanted if m >= after]
        due = _earliest_due()
        if due is not None:
            # The first minute of the beat at or after the instant, but never before `after`.
            minutes = -((first - due) // MINUTE)  # ceiling division
            candidates.append(max(after, first + minutes * MINUTE))
        now = min(candidates)
    assert not selectors.anything_due(now=last), "the walk missed an instant"
