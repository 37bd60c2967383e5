"""The `date` filter every template loads (accounts.templatetags.dates): Django's own text,
kept once made, for any day or moment, zone, format and language."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.template import Context, Engine, Template, defaultfilters
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from accounts.templatetags import dates

ZONES = [UTC, zoneinfo.ZoneInfo("America/New_York"), zoneinfo.ZoneInfo("Asia/Kolkata")]
# Every format character Django knows, and a few that are not.
CHARACTERS = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTuUwWyYzZ -:/,.x\\"
LANGUAGES = ["en", "de", "fr"]


@pytest.fixture(autouse=True)
def nothing_kept():
    dates._kept.cache_clear()
    yield
    dates._kept.cache_clear()


def test_the_templates_date_filter_is_the_kept_one():
    node = Template('{{ day|date:"j F" }}').nodelist[0]
    assert node.filter_expression.filters[0][0] is dates.date


values = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 12, 31)),
        st.sampled_from(ZONES),
    ),
)


@given(values, st.text(CHARACTERS, min_size=1, max_size=12), st.sampled_from(LANGUAGES))
def test_the_same_text_as_djangos_filter_made_and_kept(value, fmt, language):
    """Or the same error: a day has no hours (Django refuses "H" for a `date`)."""
    with translation.override(language):
        try:
            expected = defaultfilters.date(value, fmt)
        except TypeError:
            for _ in range(2):
                with pytest.raises(TypeError):
                    dates.date(value, fmt)
            return
        assert dates.date(value, fmt) == expected  # made
        assert dates.date(value, fmt) == expected  # kept


def test_one_moment_in_two_zones_reads_as_each():
    """Moments compare by the instant: the kept text of one zone is not the other's."""
    moment = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    new_york = moment.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert dates.date(moment, "D j H:i e") == "Thu 3 01:30 UTC"
    assert dates.date(new_york, "D j H:i e") == "Wed 2 20:30 EST"


def test_two_zones_of_one_offset_keep_their_names():
    here = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=1), "Here"))
    there = here.replace(tzinfo=timezone(timedelta(hours=1), "There"))
    assert here == there
    assert dates.date(here, "H:i T") == "09:00 Here"
    assert dates.date(there, "H:i T") == "09:00 There"


def test_a_day_in_another_language():
    day = date(2026, 12, 3)
    assert dates.date(day, "l j F") == "Thursday 3 December"
    with translation.override("de"):
        assert dates.date(day, "l j F") == "Donnerstag 3 Dezember"
    assert dates.date(day, "l j F") == "Thursday 3 December"


@pytest.mark.parametrize("arg", [None, "DATE_FORMAT", "SHORT_DATE_FORMAT"])
def test_a_settings_format_is_read_each_time(arg):
    """A setting's name is read each time, never kept (a setting may change)."""
    day = date(2026, 12, 3)
    for language in LANGUAGES:
        with translation.override(language):
            assert dates.date(day, arg) == defaultfilters.date(day, arg)
    assert dates._kept.cache_info().currsize == 0


@pytest.mark.parametrize("value", [None, "", "not a day", 7])
def test_what_is_not_a_day_reads_as_django_reads_it(value):
    assert dates.date(value, "j F") == defaultfilters.date(value, "j F")


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Pacific/Chatham"])
def test_a_page_in_a_zone_reads_as_with_djangos_filter(zone):
    """Through a template, the moment turned to the page's zone first, as Django does."""
    source = (
        "{% load tz %}{% timezone zone %}{{ moment|date:'c' }} {{ moment|date:'l j F H:i e' }}"
        " {{ day|date:'D j M' }}{% endtimezone %}"
    )
    context = {"zone": zone, "moment": datetime(2026, 3, 29, 1, 30, tzinfo=UTC)}
    context["day"] = date(2026, 3, 29)
    djangos = (
        Engine(libraries={"tz": "django.templatetags.tz"})
        .from_string(source)
        .render(Context(context))
    )
    assert Template(source).render(Context(context)) == djangos
    assert Template(source).render(Context(context)) == djangos  # kept
    assert ("T01:30:00+00:00" in djangos) == (zone == "UTC")  # turned to the zone
