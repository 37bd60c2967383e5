""" "What helps" on the small fixed data set of conftest (`fixed`), with every figure worked
out by hand below."""

import pytest

from accounts.models import User
from clients.models import JournalEntry
from progress.insights import MIN_DAYS, MIN_DIFFERENCE, MIN_GROUP_DAYS, what_helps
from progress.series import progress_series

from .conftest import DAYS, day_of, journal, lifestyle

pytestmark = pytest.mark.django_db


def insights_of(viewer, client):
    # Read again, as each request reads them: what is kept is kept by their versions now.
    viewer, client = (User.objects.get(pk=person.pk) for person in (viewer, client))
    series = progress_series(viewer=viewer, client=client)
    return {insight.key: insight for insight in what_helps(viewer=viewer, series=series)}


def test_the_thresholds_are_named():
    assert (MIN_DAYS, MIN_GROUP_DAYS, MIN_DIFFERENCE) == (14, 5, 0.5)


def test_figures_match_the_hand_computed_ones(personas, fixed):
    found = insights_of(personas.client_a, personas.client_a)
    assert set(found) == {"exercise", "homework"}

    # Exercise >= 30 min on days 0 2 4 6 8 10 13 15 18: moods 7 6 8 7 6 7 8 6 7 = 62 / 9
    # = 6.89; the other 11 days: 4 5 3 5 4 5 4 5 3 4 6 = 48 / 11 = 4.36.
    exercise = found["exercise"]
    assert (exercise.mean_with, exercise.days_with) == (6.9, 9)
    assert (exercise.mean_without, exercise.days_without) == (4.4, 11)
    assert exercise.text == (
        "On days with 30+ minutes of exercise your mood was higher: 6.9 on average (9 days), "
        "against 4.4 on other days (11 days)."
    )
    assert exercise.direction == "higher"

    # Homework done on days 0 2 4 6 13: 7 6 8 7 8 = 36 / 5 = 7.2; the other 15 days:
    # (110 - 36) / 15 = 4.93.
    homework = found["homework"]
    assert (homework.mean_with, homework.days_with) == (7.2, 5)
    assert (homework.mean_without, homework.days_without) == (4.9, 15)

    # Next-day mood after coping steps on days 1 5 9 11 16: days 2 6 10 12 17 had
    # 6 7 7 4 4 = 28 / 5 = 5.6. Known: every day whose next day has a mood, i.e. the day
    # before day 0 and days 0..18 (today, day 19, has no next day yet): 20 days. The other
    # 15: moods of days 0..19 (110) less 28 = 82 / 15 = 5.47, shown 5.5: 0.1 apart, too
    # little to mention.
    assert "coping" not in found


def test_nothing_is_shown_below_the_thresholds(personas, fixed):
    found = insights_of(personas.client_a, personas.client_a)
    # 13 days of sleep with a mood: below 14. Social contacts on 4 days: a group below 5.
    assert "sleep" not in found
    assert "social" not in found


def test_one_more_day_crosses_the_threshold(personas, fixed):
    # A fourteenth day of sleep (this one 6 h) makes the sleep insight appear: 13 days of
    # 7 h and 1 day below, but a group of 1 is still too small.
    from clients.models import LifestyleLog

    LifestyleLog.objects.filter(client=personas.client_a, day=day_of(13, DAYS)).update(
        sleep_hours=6
    )
    assert "sleep" not in insights_of(personas.client_a, personas.client_a)
    LifestyleLog.objects.filter(
        client=personas.client_a, day__in=[day_of(i, DAYS) for i in (14, 15, 16, 17)]
    ).update(sleep_hours=5)
    # Both groups are big enough now, but 7 h on days 0..12 (7 4 6 5 8 3 7 5 6 4 7 5 4 =
    # 71 / 13 = 5.5) and under 7 h on days 13..17 (8 5 6 3 4 = 26 / 5 = 5.2) are 0.3 apart.
    assert "sleep" not in insights_of(personas.client_a, personas.client_a)
    # Day 13 (mood 8) back to 7 h, and today (day 19, mood 6) under 7 h: 7 h on days 0..13
    # is 79 / 14 = 5.6; under 7 h on days 14..17 and 19 is 5 6 3 4 6 = 24 / 5 = 4.8.
    LifestyleLog.objects.filter(client=personas.client_a, day=day_of(13, DAYS)).update(
        sleep_hours=7
    )
    LifestyleLog.objects.filter(client=personas.client_a, day=day_of(19, DAYS)).update(
        sleep_hours=5
    )
    sleep = insights_of(personas.client_a, personas.client_a)["sleep"]
    assert (sleep.mean_with, sleep.days_with, sleep.mean_without, sleep.days_without) == (
        5.6,
        14,
        4.8,
        5,
    )


def test_no_data_no_insights(personas):
    assert insights_of(personas.client_a, personas.client_a) == {}


def test_the_therapist_reads_the_same_figures_from_shared_records(personas, fixed):
    found = insights_of(personas.therapist_a, personas.client_a)
    assert set(found) == {"exercise", "homework"}
    assert found["exercise"].text.startswith(
        "On days with 30+ minutes of exercise their mood was higher"
    )
    assert (found["exercise"].mean_with, found["exercise"].mean_without) == (6.9, 4.4)


def test_unsharing_changes_what_the_therapist_sees(personas, fixed):
    # Seven days of journal un-shared: 13 moods left for the therapist, below 14.
    JournalEntry.objects.filter(pk__in=[entry.pk for entry in fixed[:7]]).update(shared=False)
    assert insights_of(personas.therapist_a, personas.client_a) == {}
    # The client still sees all of theirs.
    assert set(insights_of(personas.client_a, personas.client_a)) == {"exercise", "homework"}


def test_another_therapist_gets_nothing(personas, fixed):
    assert insights_of(personas.therapist_b, personas.client_a) == {}


def sleep_and_moods(client, rested: list[int], short: list[int]) -> None:
    """A day with 8 hours of sleep for each mood in `rested`, then one with 5 hours for each
    in `short`, ending today; nothing else is logged."""
    moods = [(8, mood) for mood in rested] + [(5, mood) for mood in short]
    for index, (hours, mood) in enumerate(moods):
        day = day_of(index, len(moods))
        journal(client, day, mood)
        lifestyle(client, day, sleep=hours)


def test_a_lower_mood_is_worded_as_lower(personas):
    # The finding that once sat under "what seems to go with a better mood".
    sleep_and_moods(personas.client_a, [5] * 9, [6] * 5)
    found = insights_of(personas.client_a, personas.client_a)
    assert set(found) == {"sleep"}
    assert found["sleep"].direction == "lower"
    assert found["sleep"].text == (
        "On days with 7+ hours of sleep your mood was lower: 5.0 on average (9 days), "
        "against 6.0 on other days (5 days)."
    )


def test_a_higher_mood_is_worded_as_higher(personas):
    sleep_and_moods(personas.client_a, [7] * 9, [5] * 5)
    sleep = insights_of(personas.client_a, personas.client_a)["sleep"]
    assert sleep.direction == "higher"
    assert sleep.text == (
        "On days with 7+ hours of sleep your mood was higher: 7.0 on average (9 days), "
        "against 5.0 on other days (5 days)."
    )


@pytest.mark.parametrize(
    "short,shown",
    [
        # 5.6 against 5.1: half a point as shown (5.6 - 5.1 is 0.4999… in floating point).
        ([5] * 9 + [6], True),
        # 5.6 against 5.2: 0.4, too little to mention.
        ([5] * 8 + [6] * 2, False),
        # 5.6 against 6.1: half a point the other way.
        ([6] * 9 + [7], True),
    ],
)
def test_a_difference_under_half_a_point_is_not_mentioned(personas, short, shown):
    sleep_and_moods(personas.client_a, [6, 6, 5, 6, 5], short)  # 28 / 5 = 5.6
    found = insights_of(personas.client_a, personas.client_a)
    assert ("sleep" in found) is shown
