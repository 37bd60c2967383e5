"""Charts rendered on the server as SVG with pygal, each with the table of the numbers it
plots (the same numbers: the chart and the table are built from one `Chart`).

No JavaScript: pygal's scripts are left out, and its one `<style>` carries the page's CSP
nonce (see `templatetags/progress_charts.py`). Charts without data are not drawn; the page
shows a kind empty state instead.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pygal
from django.utils.html import escape
from pygal.style import Style

from .series import ProgressSeries

# Drawn at about a phone's width, so the text stays readable when scaled down to 390px.
WIDTH, HEIGHT = 480, 300
# Series colours: the accent, the focus orange, then calm tones; all readable on white and
# on the dark theme's surface.
COLOURS = ("#1d5f6e", "#c45a00", "#2a6b45", "#6a4b00", "#7a3e9d")
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="currentColor",
    foreground_strong="currentColor",
    foreground_subtle="rgba(128,128,128,0.35)",
    opacity="0.85",
    opacity_hover="0.95",
    colors=COLOURS,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=16,
    value_font_size=14,
    tooltip_font_size=14,
    no_data_font_size=18,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
# The CSP allows no style attributes; the only one pygal writes hides its (script-only)
# tooltip, which progress.css hides instead.
_STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')

Number = float | int | None


def number_text(value: Number) -> str:
    """A number as the chart's values and the table show it: "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str  # the data table's caption, saying what the numbers are
    columns: tuple[str, ...]  # the header of each value column
    row_header: str
    rows: tuple[tuple[str, tuple[Number, ...]], ...]  # (label, values) as plotted
    svg: str  # "" when there is nothing to plot
    empty_text: str = "Nothing logged in this period yet."
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.svg

    def svg_with_nonce(self, nonce) -> str:
        # `is None`, not falsiness: Django's lazy nonce is false until first read.
        if nonce is None:
            return self.svg
        return self.svg.replace("<style ", f'<style nonce="{escape(str(nonce))}" ', 1)


def axis_text(value: Number) -> str:
    """Axis labels: "10", "7.5" (the values themselves use `number_text`)."""
    if value is None:
        return ""
    return f"{value:g}"


def _label_every(count: int) -> int:
    """One x label in about six, so labels never overlap at phone width."""
    return max(1, -(-count // 6))


def _chart(
    kind,
    *,
    labels: list[str],
    y_title: str,
    value_range=None,
    many: bool = False,
    legend: bool = True,
):
    config = {
        "js": [],
        "style": STYLE,
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": False,
        "disable_xml_declaration": True,
        "show_legend": legend,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 2,
        "show_minor_x_labels": False,
        "x_labels_major_every": _label_every(len(labels)),
        "truncate_label": -1,
        "truncate_legend": -1,
        "y_title": y_title,
        "value_formatter": axis_text,
        "print_values": False,
        "dots_size": 1.5 if many else 3,
        # A gap in the data stays a gap; counts are measured from zero; few, round ticks.
        "allow_interruptions": True,
        "include_x_axis": True,
        "max_scale": 6,
        "margin": 8,
        "spacing": 8,
    }
    if value_range:
        config["range"] = value_range
        config["min_scale"] = 4
    chart = kind(**config)
    chart.x_labels = labels
    return chart


def _render(chart, title: str) -> str:
    svg = _STYLE_ATTRIBUTE.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title)} (numbers in the table below)" ', 1
    )


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _day_chart(
    series: ProgressSeries,
    *,
    key: str,
    title: str,
    caption: str,
    fields: Sequence[tuple[str, str]],  # (attribute, series name)
    y_title: str,
    kind=pygal.Bar,
    value_range=None,
    empty_text: str = "Nothing logged in this period yet.",
    none_if_zero: bool = False,
    second_axis: bool = False,
) -> Chart:
    def value(point, attribute):
        number = getattr(point, attribute)
        return None if none_if_zero and number == 0 else number

    plotted = [
        (point, [value(point, attribute) for attribute, _ in fields]) for point in series.days
    ]
    rows = tuple(
        (_day_label(point.day), tuple(values))
        for point, values in plotted
        if any(v is not None for v in values)
    )
    svg = ""
    if rows:
        labels = [_day_label(point.day) for point, _ in plotted]
        chart = _chart(
            kind,
            labels=labels,
            y_title=y_title,
            value_range=value_range,
            many=len(labels) > 90,
            legend=len(fields) > 1,
        )
        for index, (_, name) in enumerate(fields):
            chart.add(
                name,
                [values[index] for _, values in plotted],
                formatter=number_text,
                secondary=second_axis and index > 0,
            )
        svg = _render(chart, title)
    return Chart(
        key=key,
        title=title,
        caption=caption,
        columns=tuple(name for _, name in fields),
        row_header="Day",
        rows=rows,
        svg=svg,
        empty_text=empty_text,
    )


def mood_chart(series: ProgressSeries) -> Chart:
    return _day_chart(
        series,
        key="mood",
        title="Mood",
        caption="Mood by day (0 to 10): the day's average and the average of the last 7 days",
        fields=(("mood", "Mood that day"), ("mood_average", "7-day average")),
        y_title="Mood (0 to 10)",
        kind=pygal.Line,
        value_range=(0, 10),
        empty_text="No moods in your journal in this period yet.",
    )


def sleep_chart(series: ProgressSeries) -> Chart:
    return _day_chart(
        series,
        key="sleep",
        title="Sleep",
        caption="Hours of sleep by day",
        fields=(("sleep_hours", "Hours of sleep"),),
        y_title="Hours",
        empty_text="No sleep logged in this period yet.",
    )


def exercise_chart(series: ProgressSeries) -> Chart:
    return _day_chart(
        series,
        key="exercise",
        title="Exercise",
        caption="Minutes of exercise by day",
        fields=(("exercise_minutes", "Minutes of exercise"),),
        y_title="Minutes",
        empty_text="No exercise logged in this period yet.",
    )


def social_chart(series: ProgressSeries) -> Chart:
    return _day_chart(
        series,
        key="social",
        title="Time with others",
        caption="Social contacts and minutes spent with others, by day",
        fields=(("social_contacts", "Contacts"), ("social_minutes", "Minutes")),
        y_title="Contacts (minutes on the right)",
        empty_text="No time with others logged in this period yet.",
        none_if_zero=True,  # a day without a contact is no bar, and no row
        second_axis=True,  # 1 or 2 contacts would vanish next to 90 minutes
    )


def adherence_chart(series: ProgressSeries) -> Chart:
    """Homework done of due, per ISO week, in percent (weeks with nothing due are left out)."""
    weeks = [week for week in series.weeks if week.due]
    rows = tuple(
        (f"Week of {_day_label(week.monday)}", (week.percent, week.done, week.due))
        for week in weeks
    )
    svg = ""
    if weeks:
        chart = _chart(
            pygal.Bar,
            labels=[_day_label(week.monday) for week in weeks],
            y_title="% done",
            value_range=(0, 100),
            legend=False,
        )
        chart.add("Homework done (%)", [week.percent for week in weeks], formatter=number_text)
        svg = _render(chart, "Homework done each week")
    return Chart(
        key="homework",
        title="Homework done each week",
        caption="Homework done of due, per week (the chart shows the percentage)",
        columns=("Done (%)", "Done", "Due"),
        row_header="Week",
        rows=rows,
        svg=svg,
        empty_text="No homework was due in this period.",
    )


def progress_charts(series: ProgressSeries) -> list[Chart]:
    """Every chart of the Progress page, in the order shown."""
    return [
        mood_chart(series),
        sleep_chart(series),
        exercise_chart(series),
        social_chart(series),
        adherence_chart(series),
    ]


def score_chart(
    points: Sequence[tuple[date, float | int]],
    bands: Sequence[tuple[float | int, str]],
    *,
    title: str,
    y_range: tuple[float | int, float | int],
    key: str = "score",
    y_title: str = "Score",
) -> Chart:
    """A measure's scores over time with its band boundaries drawn as dashed lines.

    `points`: (date, score), oldest first. `bands`: (lowest score of the band, its name),
    lowest band first, e.g. PHQ-9 `[(0, "minimal"), (5, "mild"), (10, "moderate"),
    (15, "moderately severe"), (20, "severe")]`. Each boundary above the bottom of
    `y_range` is drawn; the table gives each score with its band.
    """
    ordered = sorted(bands)

    def band_of(score) -> str:
        name = ordered[0][1] if ordered else ""
        for lowest, band in ordered:
            if score >= lowest:
                name = band
        return name

    rows = tuple((_day_label(day), (score,)) for day, score in points)
    boundaries = [(lowest, band) for lowest, band in ordered if lowest > y_range[0]]
    note = "; ".join(f"{band}: from {number_text(lowest)}" for lowest, band in ordered)
    svg = ""
    if points:
        chart = _chart(
            pygal.Line,
            labels=[_day_label(day) for day, _ in points],
            y_title=y_title,
            value_range=y_range,
        )
        chart.add(title, [score for _, score in points], formatter=number_text)
        for lowest, band in boundaries:
            chart.add(
                f"{band} from {number_text(lowest)}",
                [lowest] * len(points),
                show_dots=False,
                stroke_style={"width": 1.5, "dasharray": "6, 4"},
            )
        svg = _render(chart, title)
    return Chart(
        key=key,
        title=title,
        caption=f"{title} by date, with the band of each score",
        columns=(y_title, "Band"),
        row_header="Date",
        rows=tuple((label, (*values, band_of(values[0]))) for label, values in rows),
        svg=svg,
        empty_text="No scores yet.",
        note=f"Bands — {note}." if note else "",
    )
