"""homework.schedules: what is due when, in the client's local time. No database."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from accounts.clock import local_time_to_utc, local_today
from homework.schedules import (
    Frequency,
    Schedule,
    iso_week_label,
    iso_week_monday,
    next_reminder_at,
)

NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
KIRITIMATI = "Pacific/Kiritimati"  # UTC+14
PAGO_PAGO = "Pacific/Pago_Pago"  # UTC-11


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily(start: date, end: date | None = None, **kwargs) -> Schedule:
    return Schedule(Frequency.DAILY, start, end, **kwargs)


def weekly(n: int, start: date, end: date | None = None, **kwargs) -> Schedule:
    return Schedule(Frequency.WEEKLY, start, end, times_per_week=n, **kwargs)


def step_reminders(
    schedule: Schedule, at: time, tz_name: str, after: datetime, count: int
) -> list[datetime | None]:
    """Feed each reminder back in as `after`, the way a scheduler would."""
    found: list[datetime | None] = []
    for _ in range(count):
        nxt = next_reminder_at(schedule, at, tz_name, after)
        found.append(nxt)
        if nxt is None:
            break
        after = nxt
    return found


# --- DST weeks of 2026 -------------------------------------------------------------------

# (zone, Monday of the ISO week holding the transition day, the transition day)
DST_WEEKS = [
    pytest.param(NEW_YORK, date(2026, 3, 2), date(2026, 3, 8), id="new-york-spring-forward"),
    pytest.param(NEW_YORK, date(2026, 10, 26), date(2026, 11, 1), id="new-york-fall-back"),
    pytest.param(SYDNEY, date(2026, 3, 30), date(2026, 4, 5), id="sydney-dst-ends"),
    pytest.param(SYDNEY, date(2026, 9, 28), date(2026, 10, 4), id="sydney-dst-starts"),
]


@pytest.mark.parametrize(("tz_name", "monday", "transition"), DST_WEEKS)
def test_a_daily_assignment_is_due_every_local_day_once_across_a_dst_change(
    tz_name, monday, transition
):
    schedule = daily(date(2026, 1, 1))
    fortnight = days(monday, monday + timedelta(days=13))
    assert schedule.due_dates(fortnight[0], fortnight[-1]) == fortnight
    assert schedule.weekly_target(monday) == 7
    assert schedule.weekly_target(monday + timedelta(days=7)) == 7

    # Walk the real clock through the fortnight: every due date is a local day that
    # happens, and the transition day is 23 or 25 hours long rather than skipped or doubled.
    tz = ZoneInfo(tz_name)
    start = datetime.combine(monday, time(), tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=14), time(), tz).astimezone(UTC)
    quarter_hours: dict[date, int] = {}
    moment = start
    while moment < end:
        today = local_today(tz_name, moment)
        quarter_hours[today] = quarter_hours.get(today, 0) + 1
        moment += timedelta(minutes=15)
    assert list(quarter_hours) == fortnight
    assert quarter_hours[transition] in (23 * 4, 25 * 4)
    assert all(n == 24 * 4 for day, n in quarter_hours.items() if day != transition)


@pytest.mark.parametrize(
    ("tz_name", "now", "expected"),
    [
        # New York, spring forward: 2026-03-08 starts in EST and ends in EDT.
        (NEW_YORK, utc(2026, 3, 8, 4, 59, 59), date(2026, 3, 7)),
        (NEW_YORK, utc(2026, 3, 8, 5, 0), date(2026, 3, 8)),
        (NEW_YORK, utc(2026, 3, 9, 3, 59, 59), date(2026, 3, 8)),
        (NEW_YORK, utc(2026, 3, 9, 4, 0), date(2026, 3, 9)),
        # New York, fall back: 2026-11-01 starts in EDT and ends in EST.
        (NEW_YORK, utc(2026, 11, 1, 3, 59, 59), date(2026, 10, 31)),
        (NEW_YORK, utc(2026, 11, 1, 4, 0), date(2026, 11, 1)),
        (NEW_YORK, utc(2026, 11, 2, 4, 59, 59), date(2026, 11, 1)),
        (NEW_YORK, utc(2026, 11, 2, 5, 0), date(2026, 11, 2)),
        # Sydney, DST ends: 2026-04-05 starts in AEDT (+11) and ends in AEST (+10).
        (SYDNEY, utc(2026, 4, 4, 12, 59, 59), date(2026, 4, 4)),
        (SYDNEY, utc(2026, 4, 4, 13, 0), date(2026, 4, 5)),
        (SYDNEY, utc(2026, 4, 5, 13, 59, 59), date(2026, 4, 5)),
        (SYDNEY, utc(2026, 4, 5, 14, 0), date(2026, 4, 6)),
        # Sydney, DST starts: 2026-10-04 starts in AEST (+10) and ends in AEDT (+11).
        (SYDNEY, utc(2026, 10, 3, 13, 59, 59), date(2026, 10, 3)),
        (SYDNEY, utc(2026, 10, 3, 14, 0), date(2026, 10, 4)),
        (SYDNEY, utc(2026, 10, 4, 12, 59, 59), date(2026, 10, 4)),
        (SYDNEY, utc(2026, 10, 4, 13, 0), date(2026, 10, 5)),
    ],
)
def test_local_today_turns_over_at_local_midnight_on_dst_days(tz_name, now, expected):
    assert local_today(tz_name, now) == expected


@pytest.mark.parametrize(
    ("tz_name", "day", "at", "expected"),
    [
        # In the spring-forward gap: the first valid minute after it.
        (NEW_YORK, date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        (NEW_YORK, date(2026, 3, 8), time(2, 0), utc(2026, 3, 8, 7, 0)),
        (NEW_YORK, date(2026, 3, 8), time(2, 59), utc(2026, 3, 8, 7, 0)),
        (SYDNEY, date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 16, 0)),  # 03:00 AEDT
        # In the repeated hour: the first occurrence, still on summer time.
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),  # 01:30 EDT
        (SYDNEY, date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),  # 02:30 AEDT
        # Right around the changes.
        (NEW_YORK, date(2026, 3, 8), time(1, 59), utc(2026, 3, 8, 6, 59)),  # 01:59 EST
        (NEW_YORK, date(2026, 3, 8), time(3, 0), utc(2026, 3, 8, 7, 0)),  # 03:00 EDT
        (NEW_YORK, date(2026, 11, 1), time(2, 0), utc(2026, 11, 1, 7, 0)),  # 02:00 EST
        (SYDNEY, date(2026, 4, 5), time(3, 0), utc(2026, 4, 4, 17, 0)),  # 03:00 AEST
    ],
)
def test_a_local_time_maps_to_one_utc_instant_even_in_a_gap_or_a_repeat(tz_name, day, at, expected):
    result = local_time_to_utc(day, at, tz_name)
    assert result == expected
    assert result.tzinfo is UTC


def test_a_reminder_asking_for_the_second_pass_of_a_repeated_hour_still_gets_the_first():
    assert local_time_to_utc(date(2026, 11, 1), time(1, 30, fold=1), NEW_YORK) == utc(
        2026, 11, 1, 5, 30
    )


def test_a_local_time_with_a_time_zone_attached_is_refused():
    with pytest.raises(ValueError, match="naive"):
        local_time_to_utc(date(2026, 3, 8), time(8, tzinfo=UTC), NEW_YORK)


# (zone, reminder time, stepping starts after, the expected reminders in UTC, one per day)
DST_REMINDERS = [
    pytest.param(
        NEW_YORK,
        time(2, 30),
        utc(2026, 3, 6, 12),
        [
            utc(2026, 3, 7, 7, 30),  # Sat 02:30 EST
            utc(2026, 3, 8, 7, 0),  # Sun: 02:30 does not exist -> 03:00 EDT
            utc(2026, 3, 9, 6, 30),  # Mon 02:30 EDT
            utc(2026, 3, 10, 6, 30),
        ],
        id="new-york-spring-forward-in-the-gap",
    ),
    pytest.param(
        NEW_YORK,
        time(8, 0),
        utc(2026, 3, 6, 14),
        [
            utc(2026, 3, 7, 13, 0),  # EST
            utc(2026, 3, 8, 12, 0),  # EDT from here on
            utc(2026, 3, 9, 12, 0),
            utc(2026, 3, 10, 12, 0),
        ],
        id="new-york-spring-forward-at-eight",
    ),
    pytest.param(
        NEW_YORK,
        time(1, 30),
        utc(2026, 10, 30, 12),
        [
            utc(2026, 10, 31, 5, 30),  # Sat 01:30 EDT
            utc(2026, 11, 1, 5, 30),  # Sun: first 01:30 (EDT); not again at 06:30 UTC
            utc(2026, 11, 2, 6, 30),  # Mon 01:30 EST
            utc(2026, 11, 3, 6, 30),
        ],
        id="new-york-fall-back-in-the-repeat",
    ),
    pytest.param(
        SYDNEY,
        time(2, 30),
        utc(2026, 4, 3),
        [
            utc(2026, 4, 3, 15, 30),  # Sat 02:30 AEDT
            utc(2026, 4, 4, 15, 30),  # Sun: first 02:30 (AEDT); not again at 16:30 UTC
            utc(2026, 4, 5, 16, 30),  # Mon 02:30 AEST
            utc(2026, 4, 6, 16, 30),
        ],
        id="sydney-dst-ends-in-the-repeat",
    ),
    pytest.param(
        SYDNEY,
        time(2, 30),
        utc(2026, 10, 2),
        [
            utc(2026, 10, 2, 16, 30),  # Sat 02:30 AEST
            utc(2026, 10, 3, 16, 0),  # Sun: 02:30 does not exist -> 03:00 AEDT
            utc(2026, 10, 4, 15, 30),  # Mon 02:30 AEDT
            utc(2026, 10, 5, 15, 30),
        ],
        id="sydney-dst-starts-in-the-gap",
    ),
]


@pytest.mark.parametrize(("tz_name", "at", "after", "expected"), DST_REMINDERS)
def test_stepping_through_a_dst_change_gives_one_reminder_per_local_day(
    tz_name, at, after, expected
):
    schedule = daily(date(2026, 1, 1))
    reminders = step_reminders(schedule, at, tz_name, after, len(expected))
    assert reminders == expected
    tz = ZoneInfo(tz_name)
    local_days = [r.astimezone(tz).date() for r in reminders if r is not None]
    assert local_days == days(local_days[0], local_days[-1])


@pytest.mark.parametrize(("tz_name", "at", "after", "expected"), DST_REMINDERS)
def test_asking_at_any_moment_of_a_dst_change_gives_the_next_of_those_reminders(
    tz_name, at, after, expected
):
    # A scheduler may wake up at any time, e.g. between the two passes of a repeated hour.
    schedule = daily(date(2026, 1, 1))
    moment = after
    while moment < expected[-1]:
        assert next_reminder_at(schedule, at, tz_name, moment) == next(
            r for r in expected if r > moment
        )
        moment += timedelta(minutes=10)


def test_a_reminder_on_a_day_the_country_skipped_fires_at_the_first_minute_after_it():
    # Samoa jumped from 2011-12-29 23:59 (UTC-10) to 2011-12-31 00:00 (UTC+14).
    schedule = daily(date(2011, 12, 1))
    assert step_reminders(schedule, time(8), "Pacific/Apia", utc(2011, 12, 29, 12), 3) == [
        utc(2011, 12, 29, 18, 0),  # 29th, 08:00 UTC-10
        utc(2011, 12, 30, 10, 0),  # the 30th never happened: 31st 00:00 UTC+14
        utc(2011, 12, 30, 18, 0),  # 31st, 08:00 UTC+14
    ]


# --- Clients a day away from the therapist ------------------------------------------------


def test_at_the_same_instant_two_clients_can_be_two_calendar_dates_apart():
    now = utc(2026, 11, 26, 10, 30)
    assert local_today(KIRITIMATI, now) == date(2026, 11, 27)  # 00:30 on the 27th
    assert local_today(PAGO_PAGO, now) == date(2026, 11, 25)  # 23:30 on the 25th
    assert local_today("UTC", now) == date(2026, 11, 26)


def test_a_daily_assignment_is_due_today_for_one_client_and_not_yet_for_the_other():
    now = utc(2026, 11, 26, 10, 30)
    schedule = daily(date(2026, 11, 27))
    assert schedule.is_due_on(local_today(KIRITIMATI, now))
    assert not schedule.is_due_on(local_today(PAGO_PAGO, now))
    # The 27th begins at 10:00 UTC on the 26th in Kiritimati, 25 hours later in Pago Pago.
    assert local_today(KIRITIMATI, utc(2026, 11, 26, 10)) == date(2026, 11, 27)
    assert not schedule.is_due_on(local_today(PAGO_PAGO, utc(2026, 11, 27, 10, 59, 59)))
    assert schedule.is_due_on(local_today(PAGO_PAGO, utc(2026, 11, 27, 11)))


def test_eight_oclock_reminders_fall_25_hours_apart_in_utc():
    assert local_time_to_utc(date(2026, 11, 27), time(8), KIRITIMATI) == utc(2026, 11, 26, 18)
    assert local_time_to_utc(date(2026, 11, 27), time(8), PAGO_PAGO) == utc(2026, 11, 27, 19)

    schedule = daily(date(2026, 11, 27))
    now = utc(2026, 11, 26, 10, 30)
    assert step_reminders(schedule, time(8), KIRITIMATI, now, 2) == [
        utc(2026, 11, 26, 18),
        utc(2026, 11, 27, 18),
    ]
    assert step_reminders(schedule, time(8), PAGO_PAGO, now, 2) == [
        utc(2026, 11, 27, 19),
        utc(2026, 11, 28, 19),
    ]


def test_local_today_defaults_to_the_current_time():
    with time_machine.travel(utc(2026, 11, 26, 10, 30), tick=False):
        assert local_today(KIRITIMATI) == date(2026, 11, 27)
        assert local_today(PAGO_PAGO) == date(2026, 11, 25)


@pytest.mark.parametrize("bad", [datetime(2026, 11, 26, 10, 30)])
def test_naive_instants_are_refused(bad):
    with pytest.raises(ValueError, match="aware"):
        local_today(KIRITIMATI, bad)
    with pytest.raises(ValueError, match="aware"):
        next_reminder_at(daily(date(2026, 1, 1)), time(8), KIRITIMATI, bad)


# --- ISO weeks and N times a week ---------------------------------------------------------

THURSDAY = date(2026, 11, 26)


@pytest.mark.parametrize(("n", "target"), [(1, 1), (3, 3), (4, 4), (5, 4), (7, 4)])
def test_a_first_week_starting_on_a_thursday_asks_for_at_most_four(n, target):
    schedule = weekly(n, THURSDAY)
    assert schedule.weekly_target(date(2026, 11, 23)) == target
    assert schedule.weekly_target(date(2026, 11, 30)) == n  # the first full week
    assert schedule.weekly_target(date(2026, 11, 16)) == 0  # before it started


@pytest.mark.parametrize(("n", "target"), [(1, 1), (2, 2), (3, 2), (7, 2)])
def test_a_last_week_ending_on_a_tuesday_asks_for_at_most_two(n, target):
    schedule = weekly(n, THURSDAY, end=date(2026, 12, 15))
    assert schedule.weekly_target(date(2026, 12, 14)) == target
    assert schedule.weekly_target(date(2026, 12, 21)) == 0  # after it ended


def test_weekly_target_accepts_any_day_of_the_week():
    schedule = weekly(5, THURSDAY)
    assert schedule.weekly_target(date(2026, 11, 29)) == schedule.weekly_target(date(2026, 11, 23))


def test_2026_has_an_iso_week_53_that_ends_in_2027():
    for day in days(date(2026, 12, 28), date(2027, 1, 3)):
        assert iso_week_label(day) == "2026-W53"
        assert iso_week_monday(day) == date(2026, 12, 28)
    assert iso_week_label(date(2026, 12, 27)) == "2026-W52"
    assert iso_week_label(date(2027, 1, 4)) == "2027-W01"
    # And the other way round: 2026-W01 began in 2025.
    assert iso_week_label(date(2025, 12, 29)) == "2026-W01"
    assert iso_week_label(date(2026, 11, 26)) == "2026-W48"


def test_a_week_split_across_new_year_counts_both_years_days():
    week53 = date(2026, 12, 28)
    assert weekly(3, date(2026, 12, 1)).weekly_target(week53) == 3
    assert weekly(7, date(2026, 12, 1)).weekly_target(week53) == 7
    # Ending on New Year's Day leaves Monday..Friday of week 53.
    assert weekly(7, date(2026, 12, 1), end=date(2027, 1, 1)).weekly_target(week53) == 5
    # Starting on New Year's Day leaves Friday..Sunday.
    assert weekly(5, date(2027, 1, 1)).weekly_target(week53) == 3
    assert weekly(5, date(2027, 1, 1)).weekly_target(date(2027, 1, 3)) == 3
    # A daily assignment ending on New Year's Eve: Monday..Thursday.
    to_new_years_eve = daily(date(2026, 12, 1), end=date(2026, 12, 31))
    assert to_new_years_eve.weekly_target(week53) == 4
    assert daily(date(2026, 12, 1)).due_dates(week53, date(2027, 1, 3)) == days(
        week53, date(2027, 1, 3)
    )


def test_a_weekly_assignment_is_never_due_on_a_particular_day():
    schedule = weekly(3, THURSDAY)
    assert not schedule.is_due_on(THURSDAY)
    assert schedule.due_dates(THURSDAY, date(2026, 12, 31)) == []


def test_a_weekly_assignment_reminds_on_every_active_day():
    schedule = weekly(
        3,
        THURSDAY,
        end=date(2026, 12, 4),
        pauses=((date(2026, 11, 28), date(2026, 12, 2)),),
    )
    reminders = step_reminders(schedule, time(8), NEW_YORK, utc(2026, 11, 20), 10)
    assert reminders == [
        utc(2026, 11, 26, 13),  # Thu
        utc(2026, 11, 27, 13),  # Fri; paused Sat 28th .. Tue 1st
        utc(2026, 12, 2, 13),  # Wed
        utc(2026, 12, 3, 13),
        utc(2026, 12, 4, 13),  # the end date
        None,
    ]


# --- End dates, one-offs, chosen weekdays, pauses -----------------------------------------


def test_the_end_date_is_the_last_day_due_and_nothing_comes_after():
    schedule = daily(date(2026, 6, 1), end=date(2026, 6, 30))
    assert schedule.is_due_on(date(2026, 6, 30))
    assert not schedule.is_due_on(date(2026, 7, 1))
    assert not schedule.is_due_on(date(2026, 5, 31))
    assert schedule.due_dates(date(2026, 6, 28), date(2026, 7, 5)) == days(
        date(2026, 6, 28), date(2026, 6, 30)
    )
    assert step_reminders(schedule, time(20), NEW_YORK, utc(2026, 6, 29, 12), 3) == [
        utc(2026, 6, 30, 0),  # 29th, 20:00 EDT
        utc(2026, 7, 1, 0),  # 30th, 20:00 EDT
        None,
    ]


def test_todays_reminder_counts_while_it_is_still_ahead():
    schedule = daily(date(2026, 6, 1))
    assert next_reminder_at(schedule, time(20), NEW_YORK, utc(2026, 6, 10, 23, 59)) == utc(
        2026, 6, 11, 0
    )
    assert next_reminder_at(schedule, time(20), NEW_YORK, utc(2026, 6, 11, 0)) == utc(
        2026, 6, 12, 0
    )


def test_a_reminder_before_the_start_date_waits_for_it():
    schedule = daily(date(2026, 6, 10))
    assert next_reminder_at(schedule, time(8), NEW_YORK, utc(2026, 5, 1)) == utc(2026, 6, 10, 12)


def test_a_one_off_is_due_on_its_date_only():
    schedule = Schedule(Frequency.ONCE, date(2026, 6, 1), due_date=date(2026, 6, 12))
    assert schedule.is_due_on(date(2026, 6, 12))
    assert not schedule.is_due_on(date(2026, 6, 11))
    assert not schedule.is_due_on(date(2026, 6, 13))
    assert schedule.due_dates(date(2026, 1, 1), date(2026, 12, 31)) == [date(2026, 6, 12)]
    assert schedule.weekly_target(date(2026, 6, 8)) == 1
    assert schedule.weekly_target(date(2026, 6, 15)) == 0
    assert step_reminders(schedule, time(9), NEW_YORK, utc(2026, 6, 1), 2) == [
        utc(2026, 6, 12, 13),
        None,
    ]
    assert next_reminder_at(schedule, time(9), NEW_YORK, utc(2026, 6, 12, 13)) is None


def test_a_weekdays_assignment_is_due_on_the_chosen_days_only():
    schedule = Schedule(Frequency.WEEKDAYS, THURSDAY, weekdays=(0, 2, 4))  # Mon, Wed, Fri
    assert schedule.due_dates(date(2026, 11, 23), date(2026, 12, 6)) == [
        date(2026, 11, 27),  # Fri; Mon 23rd and Wed 25th were before the start
        date(2026, 11, 30),
        date(2026, 12, 2),
        date(2026, 12, 4),
    ]
    assert schedule.weekly_target(date(2026, 11, 23)) == 1
    assert schedule.weekly_target(date(2026, 11, 30)) == 3
    assert not schedule.is_due_on(date(2026, 12, 1))  # a Tuesday
    assert step_reminders(schedule, time(8), NEW_YORK, utc(2026, 11, 27, 14), 2) == [
        utc(2026, 11, 30, 13),
        utc(2026, 12, 2, 13),
    ]


def test_nothing_is_due_while_paused_and_it_is_due_again_on_the_resume_date():
    schedule = daily(date(2026, 6, 1), pauses=((date(2026, 6, 10), date(2026, 6, 13)),))
    assert [d for d in days(date(2026, 6, 8), date(2026, 6, 14)) if schedule.is_paused_on(d)] == [
        date(2026, 6, 10),
        date(2026, 6, 11),
        date(2026, 6, 12),
    ]
    assert schedule.due_dates(date(2026, 6, 8), date(2026, 6, 14)) == [
        date(2026, 6, 8),
        date(2026, 6, 9),
        date(2026, 6, 13),
        date(2026, 6, 14),
    ]
    assert schedule.weekly_target(date(2026, 6, 8)) == 4
    # The reminder after the 9th's is the 13th's.
    assert next_reminder_at(schedule, time(8), NEW_YORK, utc(2026, 6, 9, 12)) == utc(
        2026, 6, 13, 12
    )


def test_a_pause_mid_week_lowers_the_weekly_target_only_below_the_days_left():
    wed_to_fri = ((date(2026, 12, 2), date(2026, 12, 5)),)
    assert weekly(5, THURSDAY, pauses=wed_to_fri).weekly_target(date(2026, 11, 30)) == 4
    assert weekly(3, THURSDAY, pauses=wed_to_fri).weekly_target(date(2026, 11, 30)) == 3
    mon_to_fri = ((date(2026, 11, 30), date(2026, 12, 5)),)
    assert weekly(3, THURSDAY, pauses=mon_to_fri).weekly_target(date(2026, 11, 30)) == 2
    # Several pauses add up.
    two = ((date(2026, 11, 30), date(2026, 12, 2)), (date(2026, 12, 4), date(2026, 12, 7)))
    assert weekly(7, THURSDAY, pauses=two).weekly_target(date(2026, 11, 30)) == 2


def test_an_open_ended_pause_stops_everything_from_its_first_day():
    pauses = ((date(2026, 6, 10), None),)
    schedule = daily(date(2026, 6, 1), pauses=pauses)
    assert schedule.is_paused_on(date(2030, 1, 1))
    assert not schedule.is_paused_on(date(2026, 6, 9))
    assert schedule.due_dates(date(2026, 6, 8), date(2027, 6, 8)) == [
        date(2026, 6, 8),
        date(2026, 6, 9),
    ]
    assert next_reminder_at(schedule, time(8), NEW_YORK, utc(2026, 6, 9, 12)) is None
    assert weekly(3, date(2026, 6, 1), pauses=pauses).weekly_target(date(2026, 6, 15)) == 0
    assert (
        next_reminder_at(
            weekly(3, date(2026, 6, 1), pauses=pauses), time(8), NEW_YORK, utc(2026, 6, 9, 12)
        )
        is None
    )


# --- Validation ---------------------------------------------------------------------------

D = date(2026, 6, 10)


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        (daily(D, end=D - timedelta(days=1)), "end_date"),
        (Schedule(Frequency.ONCE, D), "due_date"),
        (Schedule(Frequency.ONCE, D, due_date=D - timedelta(days=1)), "due_date"),
        (
            Schedule(Frequency.ONCE, D, end_date=D + timedelta(days=5), due_date=D + timedelta(6)),
            "due_date",
        ),
        (Schedule(Frequency.WEEKDAYS, D), "weekdays"),
        (Schedule(Frequency.WEEKDAYS, D, weekdays=(0, 7)), "weekdays"),
        (Schedule(Frequency.WEEKDAYS, D, weekdays=(-1,)), "weekdays"),
        (Schedule(Frequency.WEEKLY, D), "times_per_week"),
        (weekly(0, D), "times_per_week"),
        (weekly(8, D), "times_per_week"),
        (daily(D, pauses=((D, D - timedelta(days=1)),)), "pauses"),
    ],
)
def test_an_invalid_schedule_says_which_field_is_wrong(schedule, field):
    errors = schedule.validate()
    assert list(errors) == [field]
    assert errors[field]
    # Nothing is computed from it.
    with pytest.raises(ValueError, match="Invalid schedule"):
        schedule.due_dates(D, D + timedelta(days=7))
    with pytest.raises(ValueError, match="Invalid schedule"):
        schedule.weekly_target(D)
    with pytest.raises(ValueError, match="Invalid schedule"):
        schedule.rrule()
    with pytest.raises(ValueError, match="Invalid schedule"):
        next_reminder_at(schedule, time(8), NEW_YORK, utc(2026, 6, 1))


@pytest.mark.parametrize(
    "schedule",
    [
        daily(D),
        daily(D, end=D),  # a single day
        Schedule(Frequency.ONCE, D, due_date=D),
        Schedule(Frequency.ONCE, D, end_date=D + timedelta(days=5), due_date=D + timedelta(5)),
        Schedule(Frequency.WEEKDAYS, D, weekdays=(0, 6)),
        weekly(1, D),
        weekly(7, D),
        daily(D, pauses=((D, D), (D, None))),  # a pause resumed the day it began is empty
    ],
)
def test_a_valid_schedule_has_no_errors(schedule):
    assert schedule.validate() == {}


def test_both_the_end_date_and_the_frequency_can_be_wrong_at_once():
    schedule = Schedule(Frequency.WEEKDAYS, D, end_date=D - timedelta(days=1))
    assert set(schedule.validate()) == {"end_date", "weekdays"}


# --- RFC 5545 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "line"),
    [
        (Schedule(Frequency.ONCE, D, due_date=date(2026, 6, 12)), "RRULE:FREQ=DAILY;COUNT=1"),
        (daily(D), "RRULE:FREQ=DAILY"),
        (daily(D, end=date(2026, 12, 31)), "RRULE:FREQ=DAILY;UNTIL=20261231"),
        (
            Schedule(Frequency.WEEKDAYS, D, date(2026, 12, 31), weekdays=(2, 0, 2)),
            "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231",
        ),
        (Schedule(Frequency.WEEKDAYS, D, weekdays=(6, 5)), "RRULE:FREQ=WEEKLY;BYDAY=SA,SU"),
        (weekly(3, THURSDAY), "RRULE:FREQ=WEEKLY;BYDAY=TH"),
        (weekly(3, THURSDAY, end=date(2027, 1, 3)), "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20270103"),
    ],
)
def test_the_rrule_line(schedule, line):
    assert schedule.to_rfc5545() == line
    # Read back with its DTSTART, the line means what rrule() means.
    dtstart = datetime.combine(schedule.first_occurrence(), time())
    window = (datetime(2026, 1, 1), datetime(2027, 6, 30))
    assert list(rrulestr(line, dtstart=dtstart).between(*window, inc=True)) == list(
        schedule.rrule().between(*window, inc=True)
    )


def test_dtstart_is_the_first_occurrence_not_necessarily_the_start_date():
    # RFC 5545 counts DTSTART as an occurrence, so a Thursday start of a Mon/Wed rule must
    # not put an event on that Thursday.
    schedule = Schedule(Frequency.WEEKDAYS, THURSDAY, weekdays=(0, 2))
    assert schedule.first_occurrence() == date(2026, 11, 30)
    assert schedule.rrule()[0] == datetime(2026, 11, 30)
    once = Schedule(Frequency.ONCE, D, due_date=date(2026, 6, 12))
    assert once.first_occurrence() == date(2026, 6, 12)
    assert list(once.rrule()) == [datetime(2026, 6, 12)]
    assert daily(D).first_occurrence() == D
    # No occurrence at all: nothing to publish.
    empty = Schedule(Frequency.WEEKDAYS, THURSDAY, end_date=date(2026, 11, 29), weekdays=(0,))
    assert empty.first_occurrence() is None


def test_a_weekly_rrule_is_a_once_a_week_nudge_on_the_start_weekday():
    schedule = weekly(3, THURSDAY, end=date(2026, 12, 17))
    assert [d.date() for d in schedule.rrule()] == [
        date(2026, 11, 26),
        date(2026, 12, 3),
        date(2026, 12, 10),
        date(2026, 12, 17),
    ]


PAUSES = ((date(2026, 3, 10), date(2026, 3, 24)), (date(2026, 5, 30), date(2026, 6, 2)))


@pytest.mark.parametrize(
    "schedule",
    [
        pytest.param(daily(date(2026, 2, 11)), id="daily"),
        pytest.param(daily(date(2026, 2, 11), end=date(2026, 5, 31)), id="daily-until"),
        pytest.param(daily(date(2026, 2, 11), pauses=PAUSES), id="daily-paused"),
        pytest.param(
            Schedule(Frequency.WEEKDAYS, date(2026, 2, 12), weekdays=(0, 3, 5)), id="weekdays"
        ),
        pytest.param(
            Schedule(
                Frequency.WEEKDAYS,
                date(2026, 2, 12),
                date(2026, 5, 15),
                weekdays=(1, 6),
                pauses=PAUSES,
            ),
            id="weekdays-until-paused",
        ),
        pytest.param(
            Schedule(Frequency.ONCE, date(2026, 2, 1), due_date=date(2026, 4, 17)), id="once"
        ),
        pytest.param(
            Schedule(
                Frequency.ONCE,
                date(2026, 2, 1),
                due_date=date(2026, 3, 17),
                pauses=PAUSES,
            ),
            id="once-paused",
        ),
    ],
)
def test_the_rrule_minus_exdates_agrees_with_due_dates_over_months(schedule):
    # DST changes fall inside the window; the rule is in naive local dates, so they don't
    # matter to it.
    first, last = date(2026, 1, 1), date(2026, 6, 30)
    from_rule = [
        moment.date()
        for moment in schedule.rrule().between(
            datetime.combine(first, time()), datetime.combine(last, time()), inc=True
        )
    ]
    exdates = schedule.exdates(first, last)
    assert [d for d in from_rule if d not in exdates] == schedule.due_dates(first, last)
    assert all(schedule.is_paused_on(d) for d in exdates)
    if not schedule.pauses:
        assert exdates == []
        assert from_rule == schedule.due_dates(first, last)


@st.composite
def schedules(draw):
    """Any valid schedule within a few months, with up to three pauses (one may be open)."""
    start = draw(st.dates(date(2026, 1, 1), date(2026, 3, 31)))
    end = draw(st.none() | st.dates(start, date(2026, 6, 30)))
    frequency = draw(st.sampled_from(list(Frequency)))
    fields = {}
    if frequency == Frequency.ONCE:
        fields["due_date"] = draw(st.dates(start, end or date(2026, 6, 30)))
    elif frequency == Frequency.WEEKDAYS:
        fields["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), min_size=1)))
    elif frequency == Frequency.WEEKLY:
        fields["times_per_week"] = draw(st.integers(1, 7))
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begins = draw(st.dates(date(2026, 1, 1), date(2026, 6, 30)))
        pauses.append((begins, draw(st.none() | st.dates(begins, date(2026, 7, 31)))))
    return Schedule(frequency, start, end, pauses=tuple(pauses), **fields)


def _active(schedule: Schedule, day: date) -> bool:
    ended = schedule.end_date is not None and day > schedule.end_date
    return schedule.start_date <= day and not ended and not schedule.is_paused_on(day)


@given(schedules(), st.dates(date(2025, 12, 1), date(2026, 7, 31)), st.integers(0, 80))
def test_due_count_is_how_many_due_dates_there_are(schedule, first, length):
    last = first + timedelta(days=length)
    assert schedule.due_count(first, last) == len(schedule.due_dates(first, last))


@given(schedules(), st.dates(date(2025, 12, 1), date(2026, 7, 31)))
def test_the_weekly_target_counts_the_weeks_days_one_by_one(schedule, day):
    monday = iso_week_monday(day)
    week = days(monday, monday + timedelta(days=6))
    if schedule.frequency == Frequency.WEEKLY:
        expected = min(schedule.times_per_week, sum(_active(schedule, d) for d in week))
    else:
        expected = sum(schedule.is_due_on(d) for d in week)
    assert schedule.weekly_target(day) == expected
