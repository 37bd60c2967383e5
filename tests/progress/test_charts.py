import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from progress.charts import Chart, number_text, progress_charts, score_chart
from progress.series import progress_series

from .conftest import TODAY, history, journal

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
PHQ9_BANDS = [
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
]


def plotted(svg: str) -> list[list[str]]:
    """The values each series of a pygal SVG plots, in order, as its value labels say."""
    root = ET.fromstring(svg)
    series = {}
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "series" in classes:
            index = int(next(c for c in classes if c.startswith("serie-"))[6:])
            # pygal draws each series in layers (lines, dots, labels): gather them all.
            series.setdefault(index, []).extend(
                desc.text for desc in group.iter(f"{SVG}desc") if desc.get("class") == "value"
            )
    return [series[i] for i in sorted(series)]


def tabled(chart: Chart) -> list[list[str]]:
    """The table's numbers, column by column, as shown (blanks left out)."""
    return [
        [number_text(values[i]) for _, values in chart.rows if values[i] is not None]
        for i in range(len(chart.columns))
    ]


def charts_of(client, range_key="4w") -> dict[str, Chart]:
    series = progress_series(viewer=client, client=client, range_key=range_key)
    return {chart.key: chart for chart in progress_charts(series)}


def test_no_data_draws_no_chart(personas):
    charts = charts_of(personas.client_a)
    assert list(charts) == ["mood", "sleep", "exercise", "social", "homework"]
    for chart in charts.values():
        assert chart.is_empty
        assert chart.rows == ()
        assert chart.empty_text


def test_one_point_is_drawn_and_tabled(personas):
    journal(personas.client_a, TODAY - timedelta(days=2), 7)
    mood = charts_of(personas.client_a)["mood"]
    assert not mood.is_empty
    day = TODAY - timedelta(days=2)
    # The one mood, and the 7-day average it makes for the days after it.
    assert mood.rows == (
        (f"{day.day} {day:%b}", (7.0, 7.0)),
        ("24 Nov", (None, 7.0)),
        ("25 Nov", (None, 7.0)),
    )
    assert plotted(mood.svg) == [["7.0"], ["7.0", "7.0", "7.0"]]
    assert charts_of(personas.client_a)["sleep"].is_empty


def test_a_year_is_drawn_and_its_tables_hold_the_plotted_numbers(personas):
    history(personas, 365)
    charts = charts_of(personas.client_a, "1y")
    for key, chart in charts.items():
        assert not chart.is_empty, key
        values = plotted(chart.svg)
        if key == "homework":
            # One bar series (the percentage); the table adds done and due.
            assert values == [tabled(chart)[0]]
        else:
            assert values == tabled(chart), key
    assert len(charts["mood"].rows) == 365
    assert len(charts["social"].rows) == 182  # every other day
    assert len(charts["homework"].rows) == 53  # ISO weeks touched by 365 days


def test_charts_carry_no_script_and_no_style_attribute(personas):
    history(personas, 7)
    for chart in charts_of(personas.client_a).values():
        assert "<script" not in chart.svg
        assert ' style="' not in chart.svg
        assert chart.svg.startswith('<svg role="img" aria-label="')


def test_the_style_takes_the_nonce(personas):
    history(personas, 7)
    chart = charts_of(personas.client_a)["mood"]
    assert '<style nonce="abc123" type="text/css">' in chart.svg_with_nonce("abc123")
    assert chart.svg_with_nonce(None) == chart.svg


def test_score_chart_draws_scores_and_band_boundaries():
    points = [(date(2026, 9, 1), 16), (date(2026, 9, 29), 11), (date(2026, 10, 27), 4)]
    chart = score_chart(points, PHQ9_BANDS, title="PHQ-9", y_range=(0, 27))
    assert chart.rows == (
        ("1 Sep", (16, "moderately severe")),
        ("29 Sep", (11, "moderate")),
        ("27 Oct", (4, "minimal")),
    )
    assert chart.columns == ("Score", "Band")
    svg = ET.fromstring(chart.svg)
    legends = [t.text for t in svg.iter(f"{SVG}text") if t.text and " from " in t.text]
    # The boundaries above the bottom of the range, one dashed line each.
    assert legends == [
        "mild from 5",
        "moderate from 10",
        "moderately severe from 15",
        "severe from 20",
    ]
    assert plotted(chart.svg)[0] == ["16", "11", "4"]
    assert "mild: from 5" in chart.note


def test_score_chart_with_one_point_and_with_none():
    one = score_chart(
        [(date(2026, 10, 1), 62)],
        [(0, "likely depression"), (29, "poor"), (51, "good")],
        title="WHO-5",
        y_range=(0, 100),
    )
    assert one.rows == (("1 Oct", (62, "good")),)
    assert not one.is_empty
    none = score_chart([], PHQ9_BANDS, title="PHQ-9", y_range=(0, 27))
    assert none.is_empty
    assert none.rows == ()
