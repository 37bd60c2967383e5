"""Notifications: today is Tuesday 1 December 2026, 09:00 UTC; clients live in London."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import services
from notifications.models import Preferences

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
MINUTE = timedelta(minutes=1)


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
