""" "3 days ago": how long ago a moment was, in its largest unit, the same words the page
said when it worked out two units and kept the first."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.timesince import timesince
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.templatetags.tandem_ui import ago

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
NBSP = "\xa0"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (timedelta(seconds=59), "just now"),
        (timedelta(seconds=90), f"1{NBSP}minute ago"),
        (timedelta(days=3, hours=4), f"3{NBSP}days ago"),
        (timedelta(days=13, hours=23), f"1{NBSP}week ago"),
        (timedelta(days=430), f"1{NBSP}year ago"),
    ],
)
def test_how_long_ago_in_the_largest_unit(before, said):
    assert ago(NOW - before) == said


def test_nothing_for_no_moment():
    assert ago(None) == ""


@given(st.integers(min_value=60, max_value=20 * 366 * 86400))
def test_the_same_words_as_the_first_of_two_units(seconds):
    with time_machine.travel(NOW, tick=False):
        moment = NOW - timedelta(seconds=seconds)
        assert ago(moment) == f"{timesince(moment).split(',')[0]} ago"


@given(st.integers(min_value=60 * 1_000_000, max_value=40 * 86400 * 1_000_000))
@example(30 * 86400 * 1_000_000)  # a month: 3 Nov to 3 Dec
@example(28 * 86400 * 1_000_000 - 1)
def test_the_first_four_weeks_read_as_timesince_reads_them_to_the_microsecond(microseconds):
    """Under four weeks `ago` works the unit out itself (no month can have passed): the
    same words as `timesince` for any moment, around each unit's edge too."""
    with time_machine.travel(NOW, tick=False):
        moment = NOW - timedelta(microseconds=microseconds)
        assert ago(moment) == f"{timesince(moment, depth=1)} ago"


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (timedelta(minutes=1), f"1{NBSP}minute ago"),
        (timedelta(hours=1) - timedelta(microseconds=1), f"59{NBSP}minutes ago"),
        (timedelta(hours=1), f"1{NBSP}hour ago"),
        (timedelta(days=7) - timedelta(microseconds=1), f"6{NBSP}days ago"),
        (timedelta(days=28) - timedelta(microseconds=1), f"3{NBSP}weeks ago"),
        (timedelta(days=28), f"4{NBSP}weeks ago"),
        (timedelta(days=30), f"1{NBSP}month ago"),  # 3 Nov to 3 Dec
    ],
)
def test_each_unit_from_its_first_moment(before, said):
    assert ago(NOW - before) == said


def test_a_month_as_short_as_february_reads_as_timesince_reads_it():
    """From 1 to 29 February is four weeks; from 1 February to 1 March a month, 28 days."""
    march = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    with time_machine.travel(march, tick=False):
        for before in (timedelta(days=28) - timedelta(microseconds=1), timedelta(days=28)):
            assert ago(march - before) == f"{timesince(march - before, depth=1)} ago"
        assert ago(march - timedelta(days=28)) == f"1{NBSP}month ago"


def test_the_words_are_those_of_the_active_language():
    """The words are made once per language: a page in another language reads its own."""
    from django.utils import translation

    moment = NOW - timedelta(days=3)
    with translation.override("de"):
        german = ago(moment)
        assert german == f"{timesince(moment, depth=1)} ago"
    assert german != ago(moment) == f"3{NBSP}days ago"


@given(
    before=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
@example(before=timedelta(days=27, hours=23), later=timedelta(hours=2))
def test_seen_at_a_given_moment_it_says_what_the_filter_says_then(before, later):
    """A list looks "now" and the language up once (`ago_at`): what it says of each moment
    is what `ago` says at that moment, months and years included."""
    from django.utils.translation import get_language

    from accounts.templatetags.tandem_ui import ago_at

    moment = NOW - before
    with time_machine.travel(NOW + later, tick=False):
        said = ago(moment)
    assert ago_at(moment, NOW + later, get_language()) == said
