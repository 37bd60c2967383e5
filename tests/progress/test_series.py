from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from progress.series import (
    DEFAULT_RANGE,
    one_decimal,
    parse_range,
    progress_series,
    trailing_average,
    trailing_averages,
)
from tests.factories import ClientFactory

from .conftest import TODAY, daily_homework, done, history, journal, lifestyle, social

pytestmark = pytest.mark.django_db


def test_the_default_range_is_four_weeks_ending_today(personas):
    series = progress_series(viewer=personas.client_a, client=personas.client_a)
    assert series.range == DEFAULT_RANGE == "4w"
    assert (series.first, series.last) == (TODAY - timedelta(days=27), TODAY)
    assert len(series.days) == 28
    assert not series.has_data


@pytest.mark.parametrize(("key", "days"), [("4w", 28), ("12w", 84), ("1y", 365)])
def test_each_offered_range_has_its_days(personas, key, days):
    series = progress_series(viewer=personas.client_a, client=personas.client_a, range_key=key)
    assert len(series.days) == days
    assert series.days[-1].day == TODAY


@pytest.mark.parametrize("value", ["2w", "1Y", "4W ", "365", "all"])
def test_a_range_that_is_not_offered_is_refused(value):
    with pytest.raises(ValidationError) as error:
        parse_range(value)
    assert "4w" in str(error.value)


def test_no_range_means_the_default():
    assert parse_range(None) == parse_range("") == "4w"
    assert parse_range("1y") == "1y"


def test_mood_is_the_daily_mean_with_a_trailing_seven_day_average(personas):
    client = personas.client_a
    # Ten days ago: 4 and 7 (mean 5.5); nine days ago: 8; three days ago: 2.
    journal(client, TODAY - timedelta(days=10), 4, hour=8)
    journal(client, TODAY - timedelta(days=10), 7, hour=21)
    journal(client, TODAY - timedelta(days=9), 8)
    journal(client, TODAY - timedelta(days=3), 2)
    journal(client, TODAY - timedelta(days=2), None)  # no mood given: not counted
    series = progress_series(viewer=client, client=client)
    by_day = {point.day: point for point in series.days}
    assert by_day[TODAY - timedelta(days=10)].mood == 5.5
    assert by_day[TODAY - timedelta(days=9)].mood == 8.0
    assert by_day[TODAY - timedelta(days=2)].mood is None
    # The average of the daily moods in the 7 days ending each day.
    assert by_day[TODAY - timedelta(days=9)].mood_average == 6.8  # (5.5 + 8) / 2 = 6.75
    assert by_day[TODAY - timedelta(days=4)].mood_average == 6.8  # 10 days ago still counts
    assert by_day[TODAY - timedelta(days=3)].mood_average == 5.0  # (8 + 2) / 2: 10 days ago left
    assert by_day[TODAY - timedelta(days=2)].mood_average == 2.0  # 9 days ago left too
    assert by_day[TODAY].mood_average == 2.0
    assert by_day[TODAY - timedelta(days=20)].mood_average is None


def test_the_seven_day_average_reaches_back_before_the_range(personas):
    client = personas.client_a
    journal(client, TODAY - timedelta(days=29), 9)  # two days before the 4-week range
    journal(client, TODAY - timedelta(days=27), 3)  # the range's first day
    series = progress_series(viewer=client, client=client)
    assert series.days[0].mood == 3.0
    assert series.days[0].mood_average == 6.0


def test_days_are_the_clients_local_days():
    client = ClientFactory(timezone="America/New_York")  # UTC-5 in November
    # 03:00 UTC on the 20th is 22:00 on the 19th in New York.
    journal(client, date(2026, 11, 20), 6, hour=3)
    series = progress_series(viewer=client, client=client)
    by_day = {point.day: point.mood for point in series.days}
    assert by_day[date(2026, 11, 19)] == 6.0
    assert by_day[date(2026, 11, 20)] is None


def test_sleep_exercise_and_social_per_day(personas):
    client = personas.client_a
    day = TODAY - timedelta(days=1)
    lifestyle(client, day, sleep=7.5, exercise=40)
    social(client, day, minutes=30)
    social(client, day, minutes=15)
    social(client, TODAY, minutes=None)
    series = progress_series(viewer=client, client=client)
    point, today = series.days[-2], series.days[-1]
    assert (point.sleep_hours, point.exercise_minutes) == (7.5, 40)
    assert (point.social_contacts, point.social_minutes) == (2, 45)
    assert (today.social_contacts, today.social_minutes) == (1, 0)
    assert (today.sleep_hours, today.exercise_minutes) == (None, None)


def test_weekly_adherence_comes_from_the_homework_schedules(personas):
    # Daily homework since Monday 16 November; done on 3 days that week and 2 this week
    # (this week runs Monday 23 to today, Wednesday 25: 3 days due so far).
    walk = daily_homework(personas.relationship_a, date(2026, 11, 16))
    for day in (16, 18, 20, 23, 25):
        done(walk, date(2026, 11, day))
    series = progress_series(viewer=personas.client_a, client=personas.client_a)
    weeks = {week.monday: week for week in series.weeks}
    assert (weeks[date(2026, 11, 16)].done, weeks[date(2026, 11, 16)].due) == (3, 7)
    assert weeks[date(2026, 11, 16)].percent == 43
    assert (weeks[date(2026, 11, 23)].done, weeks[date(2026, 11, 23)].due) == (2, 3)
    assert weeks[date(2026, 11, 9)].due == 0
    # The 4 weeks from 29 October touch 5 ISO weeks.
    assert series.weeks[0].monday == date(2026, 10, 26)
    assert len(series.weeks) == 5


def test_a_therapist_counts_only_shared_records(personas):
    client = personas.client_a
    day = TODAY - timedelta(days=1)
    journal(client, day, 8, shared=True)
    journal(client, day, 2, shared=False)
    lifestyle(client, day, sleep=8, exercise=30, shared=False)
    social(client, day, shared=True)
    social(client, day, shared=False)
    mine = progress_series(viewer=client, client=client).days[-2]
    theirs = progress_series(viewer=personas.therapist_a, client=client).days[-2]
    assert (mine.mood, mine.sleep_hours, mine.social_contacts) == (5.0, 8.0, 2)
    assert (theirs.mood, theirs.sleep_hours, theirs.social_contacts) == (8.0, None, 1)


def test_another_therapist_sees_nothing(personas):
    history(personas, 7)
    series = progress_series(viewer=personas.therapist_b, client=personas.client_a)
    assert not series.has_data


def test_the_query_count_does_not_grow_with_the_range(personas, django_assert_num_queries):
    history(personas, 7)
    for key in ("4w", "12w", "1y"):
        with django_assert_num_queries(6):
            progress_series(viewer=personas.client_a, client=personas.client_a, range_key=key)


@given(
    st.dictionaries(
        st.integers(min_value=-10, max_value=40),
        st.floats(min_value=0, max_value=10, allow_nan=False),
        max_size=30,
    ),
    st.integers(min_value=0, max_value=30),
)
def test_the_averages_of_a_range_are_each_days_trailing_average(moods_by_offset, length):
    """Worked out in one walk over the range, each day's average is the one of its own
    window, to the last bit (the same values summed in the same order)."""
    first = date(2026, 11, 1)
    moods = {first + timedelta(days=offset): mood for offset, mood in moods_by_offset.items()}
    last = first + timedelta(days=length)
    days = [first + timedelta(days=i) for i in range(length + 1)]
    assert trailing_averages(moods, first, last) == [trailing_average(moods, d) for d in days]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        (7, 7.0),
        (2.25, 2.3),  # half up, as written
        (0.15, 0.2),
        (Decimal("7.45"), 7.5),
        # The exact value of the float 0.15 is a hair under it: a Decimal of it rounds down,
        # even after the float was rounded (the two are equal, so only the type tells them
        # apart in what is kept).
        (Decimal.from_float(0.15), 0.1),
        (-1.25, -1.3),
    ],
)
def test_one_decimal_rounds_half_up_each_value_as_given(value, shown):
    one_decimal(0.15)
    assert one_decimal(value) == shown
    assert one_decimal(value) == shown  # the kept answer is the same


@given(st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_one_decimal_gives_what_it_works_out_afresh(value):
    expected = float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    assert one_decimal(value) == expected
    assert one_decimal(value) == expected
