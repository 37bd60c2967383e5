"""Notifications: today is Tuesday 1 December 2026, 09:00 UTC; clients live in London."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from notifications import services
from notifications.models import Preferences

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)


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
