"""Reminders and digests across both 2026 DST transitions, the clock stepped as the minutely
beat steps it (`conftest.walk`: every minute at which something is due, and a grid between).

The expected instant of a wall time `t` on local date `d` is defined independently of the
code: the first UTC minute whose local date is `d` and whose local time is `t` or later. So a
time in the spring gap fires at the end of the gap, a time that happens twice fires on its
first occurrence, and every local day gets exactly one reminder.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import scheduling, services
from notifications.models import Delivery, Kind, Preferences
from tests.factories import ClientFactory

from .conftest import expected_instant, transitions_2026, walk

ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham")
TIMES = (time(1, 30), time(2, 30), time(9, 0))


CASES = [
    pytest.param(zone, day, id=f"{zone}-{day}") for zone in ZONES for day in transitions_2026(zone)
]


def test_every_zone_changes_its_offset_twice_in_2026_except_kolkata():
    assert all(len(transitions_2026(zone)) == 2 for zone in ZONES)
    assert transitions_2026("America/New_York") == [date(2026, 3, 8), date(2026, 11, 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "day"), CASES)
def test_one_reminder_per_local_day_and_one_digest_a_week_across_a_transition(zone, day):
    tz = ZoneInfo(zone)
    # From noon the day before to noon the day after, local time.
    first = datetime.combine(day - timedelta(days=1), time(12), tz).astimezone(UTC)
    last = datetime.combine(day + timedelta(days=1), time(12), tz).astimezone(UTC)
    people = {}
    with time_machine.travel(first, tick=False) as clock:
        for at in TIMES:
            person = ClientFactory(timezone=zone)
            services.preferences_update(
                user=person,
                reminder_time=at,
                quiet_start=None,
                quiet_end=None,
                digest_weekday=day.weekday(),
                digest_time=at,
            )
            people[person.pk] = at
        days = (day - timedelta(days=1), day, day + timedelta(days=1))
        around = [expected_instant(d, at, tz) for d in days for at in TIMES]
        walk(clock, first, last, lambda now: services.tick(now=now), tz=tz, around=around)

    for user_id, at in people.items():
        reminders = list(
            Delivery.objects.filter(user_id=user_id, kind=Kind.REMINDER).order_by("created_at")
        )
        expected = {
            d: expected_instant(d, at, tz)
            for d in (day - timedelta(days=1), day, day + timedelta(days=1))
        }
        # Preferences were saved at `first`: what fell due after it, up to `last`.
        expected = {d: i for d, i in expected.items() if first < i <= last}
        got = {date.fromisoformat(r.period): r.created_at for r in reminders}
        assert len(reminders) == len(got), f"{at}: two reminders on one day"
        assert got == expected, f"{zone} {at}"
        assert day in got, f"{at}: no reminder on the transition day"
        digests = Delivery.objects.filter(user_id=user_id, kind=Kind.CLIENT_DIGEST)
        assert digests.count() == 1
        assert digests.get().created_at == expected[day]


def test_a_time_in_the_spring_gap_moves_to_the_end_of_the_gap():
    instant = scheduling.next_reminder_at(
        time(2, 30), "America/New_York", datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    )
    assert instant == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT


def test_a_time_that_happens_twice_fires_on_its_first_occurrence():
    after = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    first = scheduling.next_reminder_at(time(1, 30), "America/New_York", after)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    # Right after it, the next one is the next day's, not the second 01:30 (EST).
    following = scheduling.next_reminder_at(time(1, 30), "America/New_York", first)
    assert following == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


QUIET = scheduling.QuietHours(time(22, 0), time(7, 0))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (time(21, 59), datetime(2026, 12, 1, 21, 59, tzinfo=UTC)),
        (time(22, 0), datetime(2026, 12, 2, 7, 0, tzinfo=UTC)),  # moved past midnight
        (time(23, 30), datetime(2026, 12, 2, 7, 0, tzinfo=UTC)),
        (time(6, 59), datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),  # after midnight: same day
        (time(7, 0), datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_that_wrap_midnight_move_a_reminder_to_their_end(at, expected):
    assert scheduling.reminder_instant(date(2026, 12, 1), at, "UTC", QUIET) == expected


def test_quiet_hours_within_one_day():
    quiet = scheduling.QuietHours(time(12, 0), time(14, 0))
    assert scheduling.reminder_instant(date(2026, 12, 1), time(13, 0), "UTC", quiet) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )
    assert not quiet.contains(time(14, 0))


def test_a_reminder_moved_by_quiet_hours_still_comes_once_a_day():
    after = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    instants = []
    for _ in range(5):
        after = scheduling.next_reminder_at(time(23, 0), "UTC", after, QUIET)
        instants.append(after)
    assert [i.date() for i in instants] == [date(2026, 12, d) for d in range(1, 6)]
    assert all(i.time() == time(7, 0) for i in instants)


def test_a_digest_covers_the_week_that_ends_on_its_sunday_or_the_week_before():
    sunday = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert scheduling.digest_period(sunday, "UTC") == "2026-W48"
    assert scheduling.digest_period(monday, "UTC") == "2026-W48"


@pytest.mark.django_db
def test_an_unknown_time_zone_in_old_data_is_scheduled_in_utc():
    person = ClientFactory()
    type(person).objects.filter(pk=person.pk).update(timezone="localtime")
    person.refresh_from_db()
    with time_machine.travel(datetime(2026, 12, 1, 0, 0, tzinfo=UTC), tick=False):
        prefs = services.preferences_for(person)
    assert prefs.next_reminder_at == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert Preferences.objects.count() == 1
