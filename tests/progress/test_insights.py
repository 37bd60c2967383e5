""" "What helps" on a small fixed data set, with every figure worked out by hand below."""

import pytest

from clients.models import JournalEntry
from progress.insights import MIN_DAYS, MIN_GROUP_DAYS, what_helps
from progress.series import progress_series

from .conftest import coping, daily_homework, day_of, done, journal, lifestyle, social

pytestmark = pytest.mark.django_db

DAYS = 20
MOODS = [7, 4, 6, 5, 8, 3, 7, 5, 6, 4, 7, 5, 4, 8, 5, 6, 3, 4, 7, 6]
EXERCISE = [40, 0, 30, 10, 60, 0, 45, 0, 35, 20, 30, 0, 0, 50, 15, 30, 0, 0, 40, 5]
SLEEP_KNOWN = 13  # sleep logged on the first 13 days only: one short of the threshold
SOCIAL_DAYS = (0, 4, 8, 13)  # 4 days: one short of a comparable group
HOMEWORK_DAYS = (0, 2, 4, 6, 13)
COPING_DAYS = (1, 5, 9, 11, 16)


@pytest.fixture
def fixed(personas):
    client = personas.client_a
    walk = daily_homework(personas.relationship_a, day_of(0, DAYS))
    entries = []
    for index in range(DAYS):
        day = day_of(index, DAYS)
        entries.append(journal(client, day, MOODS[index]))
        sleep = 7 if index < SLEEP_KNOWN else None
        lifestyle(client, day, sleep=sleep, exercise=EXERCISE[index])
        if index in SOCIAL_DAYS:
            social(client, day)
        if index in HOMEWORK_DAYS:
            done(walk, day)
        if index in COPING_DAYS:
            coping(personas.relationship_a, day, entry=entries[-1])
    return entries


def insights_of(viewer, client):
    series = progress_series(viewer=viewer, client=client)
    return {insight.key: insight for insight in what_helps(viewer=viewer, series=series)}


def test_the_thresholds_are_named():
    assert (MIN_DAYS, MIN_GROUP_DAYS) == (14, 5)


def test_figures_match_the_hand_computed_ones(personas, fixed):
    found = insights_of(personas.client_a, personas.client_a)
    assert set(found) == {"exercise", "homework", "coping"}

    # Exercise >= 30 min on days 0 2 4 6 8 10 13 15 18: moods 7 6 8 7 6 7 8 6 7 = 62 / 9
    # = 6.89; the other 11 days: 4 5 3 5 4 5 4 5 3 4 6 = 48 / 11 = 4.36.
    exercise = found["exercise"]
    assert (exercise.mean_with, exercise.days_with) == (6.9, 9)
    assert (exercise.mean_without, exercise.days_without) == (4.4, 11)
    assert exercise.text == (
        "On days with 30+ minutes of exercise your mood averaged 6.9 (9 days); "
        "on other days 4.4 (11 days)."
    )

    # Homework done on days 0 2 4 6 13: 7 6 8 7 8 = 36 / 5 = 7.2; the other 15 days:
    # (110 - 36) / 15 = 4.93.
    homework = found["homework"]
    assert (homework.mean_with, homework.days_with) == (7.2, 5)
    assert (homework.mean_without, homework.days_without) == (4.9, 15)

    # Next-day mood after coping steps on days 1 5 9 11 16: days 2 6 10 12 17 had
    # 6 7 7 4 4 = 28 / 5 = 5.6. Known: every day whose next day has a mood, i.e. the day
    # before day 0 and days 0..18 (today, day 19, has no next day yet): 20 days. The other
    # 15: moods of days 0..19 (110) less 28 = 82 / 15 = 5.47.
    steps = found["coping"]
    assert (steps.mean_with, steps.days_with) == (5.6, 5)
    assert (steps.mean_without, steps.days_without) == (5.5, 15)
    assert steps.text.startswith("On the day after using coping steps from the plan, your mood")


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
    sleep = insights_of(personas.client_a, personas.client_a)["sleep"]
    # 7 h on days 0..12: 7 4 6 5 8 3 7 5 6 4 7 5 4 = 71 / 13 = 5.46; under 7 h on days
    # 13..17: 8 5 6 3 4 = 26 / 5 = 5.2.
    assert (sleep.mean_with, sleep.days_with, sleep.mean_without, sleep.days_without) == (
        5.5,
        13,
        5.2,
        5,
    )


def test_no_data_no_insights(personas):
    assert insights_of(personas.client_a, personas.client_a) == {}


def test_the_therapist_reads_the_same_figures_from_shared_records(personas, fixed):
    found = insights_of(personas.therapist_a, personas.client_a)
    assert set(found) == {"exercise", "homework", "coping"}
    assert found["exercise"].text.startswith("On days with 30+ minutes of exercise their mood")
    assert (found["exercise"].mean_with, found["exercise"].mean_without) == (6.9, 4.4)


def test_unsharing_changes_what_the_therapist_sees(personas, fixed):
    # Seven days of journal un-shared: 13 moods left for the therapist, below 14.
    JournalEntry.objects.filter(pk__in=[entry.pk for entry in fixed[:7]]).update(shared=False)
    assert insights_of(personas.therapist_a, personas.client_a) == {}
    # The client still sees all of theirs.
    assert set(insights_of(personas.client_a, personas.client_a)) == {
        "exercise",
        "homework",
        "coping",
    }


def test_another_therapist_gets_nothing(personas, fixed):
    assert insights_of(personas.therapist_b, personas.client_a) == {}
