""" "3 days ago": how long ago a moment was, in its largest unit, the same words the page
said when it worked out two units and kept the first."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.timesince import timesince
from hypothesis import given
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
