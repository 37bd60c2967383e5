"""Charts rendered on the server as SVG with pygal, each with the table of the numbers it
plots (the same numbers: the chart and the table are built from one `Chart`).

No JavaScript: pygal's scripts are left out, and its one `<style>` carries the page's CSP
nonce (see `templatetags/progress_charts.py`). Charts without data are not drawn; the page
shows a kind empty state instead.
"""

import functools
import hashlib
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree

import pygal
import pygal.config
import pygal.etree
import pygal.graph.base
import pygal.state
import pygal.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

from accounts import fragments

from .series import ProgressSeries, WeekValues

# Two drawings of each chart: one at about a phone's width, one filling a desktop card; the
# stylesheet shows the one that fits, so text keeps about its drawn size on both.
NARROW = (420, 320)
WIDE = (880, 340)
# What the stylesheet (progress.css) defines for each scheme: every series colour keeps
# 3:1 contrast against the page and the card, light and dark (tests/progress/test_charts.py).
COLOURS = tuple(f"var(--chart-{index})" for index in range(1, 6))
FONT_SIZE = 15
LEGEND_FONT_SIZE = 16
TITLE_FONT_SIZE = 15
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="currentColor",
    foreground_strong="currentColor",
    foreground_subtle="rgba(128,128,128,0.35)",
    # Full colour: a translucent bar would lose contrast against the card.
    opacity="1",
    opacity_hover="1",
    colors=COLOURS,
    # pygal would otherwise parse the colours to pick value label colours (none are printed).
    value_colors=("currentColor",) * len(COLOURS),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=FONT_SIZE,
    major_label_font_size=FONT_SIZE,
    legend_font_size=LEGEND_FONT_SIZE,
    title_font_size=TITLE_FONT_SIZE,
    value_font_size=14,
    tooltip_font_size=14,
    no_data_font_size=18,
)
MARGIN = 8
# A generous average glyph width (in em) for sizing legends and margins before drawing.
GLYPH_EM = 0.62
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
# The CSP allows no style attributes; the only one pygal writes hides its (script-only)
# tooltip, which progress.css hides instead.
_STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')

Number = float | int | None


class _ValueOnly:
    """pygal writes each point's value, coordinates and x label into the SVG for its tooltip
    script, which is never sent (`js` is empty). Only the value is written here: the
    coordinates and labels were a fifth of every drawing's time and a quarter of its size,
    and nothing reads them (a chart is one image to assistive technology; its table holds the
    numbers). The value stays: it is what the drawing plots, as the tests read it."""

    def _tooltip_data(self, node, value, x, y, classes=None, xlabel=None):
        self.svg.node(node, "desc", class_="value").text = value


class _NoScript:
    """Nor is that script's configuration made: pygal writes it into a `<script>` that
    `_render` cuts out of the SVG, and making it took a tenth of each drawing."""

    def _draw(self):
        super()._draw()
        self.svg.add_scripts = _no_script  # the drawing's last step, `pre_render`, calls it


def _no_script() -> None:
    return None


class _FlatState:
    """pygal keeps a drawing's state (its options, merged with the chart's) apart from the
    chart, and reads every attribute through `BaseGraph.__getattribute__`, which looks in
    the state first: thousands of reads a drawing, each a call in Python, the drawing's
    largest cost. Here the state's values are the chart's own, in one dictionary shared by
    both (`_State`), and attributes are read and written as for any object: the same values
    (no state key names a data descriptor of pygal's charts, as a test checks), a fifth
    less time."""

    __getattribute__ = object.__getattribute__
    __setattr__ = object.__setattr__


class _State(pygal.state.State):
    """pygal's state; for a `_FlatState` chart, its values moved into the chart's own
    dictionary, which the state then shares."""

    def __init__(self, graph, **kwargs):
        super().__init__(graph, **kwargs)
        if isinstance(graph, _FlatState):
            graph.__dict__.update(self.__dict__)
            self.__dict__ = graph.__dict__


# What pygal's charts make their drawing's state with.
pygal.graph.base.State = _State


class _KeptStyles:
    """pygal reads, fills in and shrinks its three stylesheets for every drawing, a sixth of
    its time, and scopes every rule by the drawing's id (`#chart-` and a random UUID): a
    Progress page carried fourteen copies of a few sheets, a third of its size. Here each
    sheet is made once per everything else it is made from (the stylesheets' names, the
    style, the series' colours and strokes), scoped by a class named after its text
    (`SCOPE` and a digest) instead, and each drawing carries it with that class on its root
    and the digest on its `<style>` (`data-chart-styles`): a page keeps one copy of each
    (`one_stylesheet_each`). The same rules apply to the same elements. Anything else pygal
    can put there (a font to fetch) is left to pygal."""

    def _draw(self):
        super()._draw()
        # The drawing's last step, `pre_render`, calls it.
        self.svg.add_styles = functools.partial(_kept_styles, self.svg)


_STAND_IN_UUID = "00000000-0000-0000-0000-000000000000"
SCOPE = "chart-styles-"
# By what a sheet is made from: (its digest, its text scoped by `SCOPE` and the digest), or
# None where its text names the drawing otherwise than as the rules' scope (pygal's own).
_STYLES_KEPT: dict[tuple, tuple[str, str] | None] = {}


def _kept_styles(svg) -> None:
    graph = svg.graph
    real = svg.id
    if graph.style._google_fonts or graph.pretty_print or graph.uuid not in real:
        return pygal.svg.Svg.add_styles(svg)
    svg.id = real.replace(graph.uuid, _STAND_IN_UUID)
    try:
        key = (
            tuple(graph.css),
            repr(sorted(graph.style.to_dict().items())),
            graph.style.get_colors(svg.id, graph._order),
            svg.get_strokes(),
        )
        if key not in _STYLES_KEPT:
            pygal.svg.Svg.add_styles(svg)
            sheet = svg.defs[-1]
            svg.defs.remove(sheet)
            scope = f"#chart-{_STAND_IN_UUID}"
            digest = hashlib.blake2b(sheet.text.encode(), digest_size=6).hexdigest()
            text = sheet.text.replace(scope, f".{SCOPE}{digest}")
            kept = None if _STAND_IN_UUID in text else (digest, text)
            if len(_STYLES_KEPT) < 256:
                _STYLES_KEPT[key] = kept
        else:
            kept = _STYLES_KEPT[key]
    finally:
        svg.id = real
    if kept is None:
        return pygal.svg.Svg.add_styles(svg)
    digest, text = kept
    svg.node(svg.defs, "style", type="text/css", **{"data-chart-styles": digest}).text = text
    svg.root.set("class", f"{svg.root.get('class', '')} {SCOPE}{digest}".strip())
    return None


_SHEET_OPENS = '<style type="text/css" data-chart-styles="'
_SHEET_CLOSES = "</style>"


def one_stylesheet_each(sections: Sequence[str]) -> list[SafeString]:
    """The chart sections of a page with each drawing's stylesheet (`_KeptStyles`) once: the
    first drawing that carries a sheet keeps it, the others lose their copy. A sheet in an
    inline SVG applies to the whole page, and each rule is scoped by the sheet's own class."""
    seen: set[str] = set()
    out = []
    for section in sections:
        pieces, start = [], 0
        at = section.find(_SHEET_OPENS)
        while at != -1:
            digest = section[at + len(_SHEET_OPENS) : section.index('"', at + len(_SHEET_OPENS))]
            end = section.index(_SHEET_CLOSES, at) + len(_SHEET_CLOSES)
            if digest in seen:
                pieces.append(section[start:at])
                start = end
            seen.add(digest)
            at = section.find(_SHEET_OPENS, end)
        if not start:
            out.append(mark_safe(section))  # noqa: S308 - drawn by the template engine
            continue
        pieces.append(section[start:])
        # Drawn by the template engine and pygal; only whole <style> elements are taken out.
        out.append(mark_safe("".join(pieces)))  # noqa: S308
    return out


class _QuickSvg(pygal.svg.Svg):
    """pygal's SVG writer, quicker at its two busiest steps, to the same text: each node
    (a few hundred a drawing) made without asking the ABC machinery whether a size is a
    number or going through pygal's wrapper of the ElementTree module, and the drawing
    written as text at once (`written`) rather than as UTF-8 then decoded (`_render` asks
    for text)."""

    def node(self, parent=None, tag="g", attrib=None, **extras):
        if parent is None:
            parent = self.root
        attrib = attrib or {}
        attrib.update(extras)
        for pos, dim in (("x", "width"), ("y", "height")):
            size = attrib.get(dim)
            if size is not None and isinstance(size, _NUMBER) and size < 0:
                attrib[dim] = -size
                if isinstance(attrib.get(pos), _NUMBER):
                    attrib[pos] = attrib[pos] - attrib[dim]
        # As pygal's own loop: a renamed (or None) attribute moves to the end, in its order.
        for key, value in tuple(attrib.items()):
            if value is None:
                del attrib[key]
            attrib[key] = str(value)
            if key[-1] == "_":
                attrib[key.rstrip("_")] = attrib[key]
                del attrib[key]
            elif key == "href":
                attrib[ElementTree.QName(_XLINK, key)] = attrib[key]
                del attrib[key]
        return _SUB_ELEMENT(parent, tag, attrib)

    def render(self, is_unicode=False, pretty_print=False):
        graph = self.graph
        if not is_unicode or not graph.disable_xml_declaration or graph.xml_filters:
            return super().render(is_unicode=is_unicode, pretty_print=pretty_print)
        return written(self.root)


class _NotPlain(Exception):
    """A part of a tree `written` leaves to ElementTree."""


def written(root) -> str:
    """`ElementTree.tostring(root, encoding="unicode")`, the same text, for the trees pygal
    draws: tags and attribute names without a namespace, text values, comments. ElementTree
    first walks the whole tree for namespaces, then writes it a piece at a time: here each
    element is written at once, in one walk, in a third less time. Any other tree is left to
    ElementTree."""
    out: list[str] = []
    add = out.append

    def walk(element) -> None:
        tag = element.tag
        if tag is ElementTree.Comment:
            add(f"<!--{element.text}-->")
        else:
            if type(tag) is not str or "{" in tag:
                raise _NotPlain
            attributes = "".join([f' {_name(k)}="{_attribute(v)}"' for k, v in element.items()])
            text = element.text
            if text or len(element):
                add(f"<{tag}{attributes}>{_text(text) if text else ''}")
                for child in element:
                    walk(child)
                add(f"</{tag}>")
            else:
                add(f"<{tag}{attributes} />")
        if element.tail:
            add(_text(element.tail))

    try:
        walk(root)
    except _NotPlain:
        return ElementTree.tostring(root, encoding="unicode")
    return "".join(out)


def _name(name) -> str:
    if type(name) is not str or "{" in name:
        raise _NotPlain
    return name


def _text(text) -> str:
    """Character data escaped as ElementTree escapes it."""
    if type(text) is not str:
        raise _NotPlain
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(value) -> str:
    """An attribute's value escaped as ElementTree escapes it."""
    value = _text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#09;")
    return value


_NUMBER = numbers.Number
_XLINK = "http://www.w3.org/1999/xlink"
_SUB_ELEMENT = ElementTree.SubElement


class _QuickNodes:
    """Draws with `_QuickSvg` where pygal writes with Python's ElementTree (with lxml, pygal
    writes as it would)."""

    def _draw(self):
        if not pygal.etree.etree.lxml and type(self.svg) is pygal.svg.Svg:
            self.svg.__class__ = _QuickSvg
        super()._draw()


class _SerieConfig(pygal.config.SerieConfig):
    """pygal's options of one series, listed once: preparing each series asks `dir()` of a
    new one for each of the chart's ninety-odd options, a fifth of a drawing's time. The
    names never change (an instance only ever holds copies of its class's options)."""

    def __dir__(self):
        return _SERIE_OPTIONS


_SERIE_OPTIONS = dir(pygal.config.SerieConfig())
# What pygal's charts make each series' options with.
pygal.graph.base.SerieConfig = _SerieConfig


class Line(_FlatState, _QuickNodes, _KeptStyles, _NoScript, _ValueOnly, pygal.Line):
    pass


class Bar(_FlatState, _QuickNodes, _KeptStyles, _NoScript, _ValueOnly, pygal.Bar):
    pass


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
    svg: str  # drawn for a phone; "" when there is nothing to plot
    empty_text: str = "Nothing logged in this period yet."
    note: str = ""
    svg_wide: str = ""  # the same chart drawn for a desktop card

    @property
    def is_empty(self) -> bool:
        return not self.svg

    def svg_with_nonce(self, nonce, *, wide: bool = False) -> str:
        svg = self.svg_wide if wide else self.svg
        # `is None`, not falsiness: Django's lazy nonce is false until first read.
        if nonce is None:
            return svg
        return svg.replace("<style ", f'<style nonce="{escape(str(nonce))}" ', 1)


@dataclass(frozen=True)
class Planned:
    """A chart before it is drawn: `source` is everything it is drawn and tabled from, as
    its `repr` (the key its section is kept under, accounts.fragments); `make()` draws it."""

    source: str
    make: Callable[[], Chart]


def axis_text(value: Number) -> str:
    """Axis labels: "10", "7.5" (the values themselves use `number_text`)."""
    if value is None:
        return ""
    return f"{value:g}"


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * GLYPH_EM


def _label_every(labels: Sequence[str], width: int) -> int:
    """Show one x label in this many, so that the shown ones never touch (at most 10)."""
    if not labels:
        return 1
    room = width - 100  # the y axis and its title, and the margins
    shown = max(2, min(10, int(room // (max(map(text_width, labels)) + 12))))
    return max(1, -(-len(labels) // shown))


def _nice_step(rough: float, steps: Sequence[int] = (1, 2, 5)) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … (or the steps given) at least `rough`."""
    scale = 1
    while True:
        for step in steps:
            if step * scale >= rough:
                return step * scale
        scale *= 10


def count_ticks(highest: float, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `highest`, at most `most` steps."""
    step = _nice_step(max(highest, 1) / most)
    top = step * max(1, -(-int(highest) // step))
    return list(range(0, top + 1, step))


def _legend_columns(names: Sequence[str], width: int) -> int:
    """Two legend columns when every name fits in half the width, else one."""
    box = LEGEND_FONT_SIZE + 8  # the colour box and the gap before the name
    longest = max((text_width(name, LEGEND_FONT_SIZE) for name in names), default=0)
    return 2 if box + longest <= (width - 2 * MARGIN) / 2 - MARGIN else 1


def _chart(
    kind,
    *,
    size: tuple[int, int],
    labels: list[str],
    y_title: str,
    legends: Sequence[str] = (),
    value_range=None,
    y_labels: Sequence[int] | None = None,
    secondary_range=None,
):
    width, height = size
    many = len(labels) > 90
    columns = _legend_columns(legends, width)
    config = {
        "js": [],
        "style": STYLE,
        "width": width,
        "height": height,
        "explicit_size": False,
        "disable_xml_declaration": True,
        "show_legend": len(legends) > 1,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": columns,
        "show_minor_x_labels": False,
        "x_labels_major_every": _label_every(labels, width),
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
        "margin": MARGIN,
        "spacing": 8,
    }
    if len(legends) > 1:
        # pygal leaves room for `count // columns` legend rows (add the last, part-filled
        # one), and leaves it twice when a series has a second axis (take one away).
        rows = len(legends) // columns
        extra = 1.5 * LEGEND_FONT_SIZE if len(legends) % columns else 0
        if secondary_range:
            extra -= 8 + 1.5 * LEGEND_FONT_SIZE * (rows - 1) + LEGEND_FONT_SIZE
        config["margin_bottom"] = MARGIN + extra
    if labels and not secondary_range:
        # The last label is centred on the plot's last point (or narrow bar), near its right
        # edge: leave room for half of it. A second axis leaves room of its own.
        config["margin_right"] = MARGIN + text_width(labels[-1]) / 2
    if value_range:
        config["range"] = value_range
        config["min_scale"] = 4
    if y_labels:
        config["y_labels"] = list(y_labels)
        config["range"] = (y_labels[0], y_labels[-1])
    if secondary_range:
        config["secondary_range"] = secondary_range
    chart = kind(**config)
    chart.x_labels = labels
    return chart


def _render(chart, title: str) -> str:
    svg = _STYLE_ATTRIBUTE.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))
    return svg.replace(
        "<svg ", f'<svg role="img" aria-label="{escape(title)} (numbers in the table below)" ', 1
    )


def _draw(draw, title: str) -> tuple[str, str]:
    """The chart drawn by `draw(size)` at both sizes. Drawing is most of a Progress page's
    time: the page keeps each chart's section by everything it is drawn from
    (`drawn_sections`), so a chart is drawn only when a write changed it."""
    return _render(draw(NARROW), title), _render(draw(WIDE), title)


@functools.lru_cache(maxsize=1024)
def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _week_label(week: WeekValues) -> str:
    return f"{_day_label(week.first)} to {_day_label(week.last)}"


@dataclass(frozen=True)
class _Measure:
    """One chart's values: a column per value, the first `plotted` of them drawn."""

    key: str
    title: str
    caption: str
    columns: tuple[str, ...]
    row_header: str
    axis_labels: list[str]
    table_labels: list[str]
    values: list[tuple[Number, ...]]
    plotted: int
    y_title: str
    note: str = ""


def _plot(
    measure: _Measure,
    *,
    kind=None,
    value_range=None,
    empty_text: str,
    counts: bool = False,
    series_options: Sequence[dict] = (),
) -> Planned:
    """`measure` to be drawn (rows without any value are left out of the table, and stay
    gaps in the drawing) as a `kind` of chart, bars when None. `counts`: whole-number ticks,
    and a second series on its own axis."""
    kind = kind or Bar
    source = ("plot", measure, kind.__name__, value_range, empty_text, counts, series_options)
    return Planned(
        source=repr(source),
        make=lambda: _drawn_plot(measure, kind, value_range, empty_text, counts, series_options),
    )


def _drawn_plot(measure, kind, value_range, empty_text, counts, series_options) -> Chart:
    rows = tuple(
        (label, values)
        for label, values in zip(measure.table_labels, measure.values, strict=True)
        if any(v is not None for v in values[: measure.plotted])
    )
    names = measure.columns[: measure.plotted]
    y_labels = secondary_range = None
    if counts:
        first = [values[0] or 0 for values in measure.values]
        y_labels = count_ticks(max(first))
        if measure.plotted > 1:
            # The second axis steps as the first, in round minutes.
            second = max(values[1] or 0 for values in measure.values)
            step = _nice_step(second / (len(y_labels) - 1), (1, 2, 3, 5))
            secondary_range = (0, step * (len(y_labels) - 1))
            names = (f"{names[0]} (left axis)", f"{names[1]} (right axis)")

    def draw(size):
        chart = _chart(
            kind,
            size=size,
            labels=measure.axis_labels,
            y_title=measure.y_title,
            legends=names,
            value_range=value_range,
            y_labels=y_labels,
            secondary_range=secondary_range,
        )
        for index, name in enumerate(names):
            chart.add(
                name,
                [values[index] for values in measure.values],
                formatter=number_text,
                secondary=secondary_range is not None and index > 0,
                **(series_options[index] if index < len(series_options) else {}),
            )
        return chart

    svg, svg_wide = _draw(draw, measure.title) if rows else ("", "")
    return Chart(
        key=measure.key,
        title=measure.title,
        caption=measure.caption,
        columns=measure.columns,
        row_header=measure.row_header,
        rows=rows,
        svg=svg,
        svg_wide=svg_wide,
        empty_text=empty_text,
        note=measure.note if rows else "",
    )


WEEKLY_MEAN_NOTE = "Each point is one week: the average of the days logged in it."
WEEKLY_TOTAL_NOTE = "Each bar is one week: the total of the days logged in it."


def _measure(
    series: ProgressSeries,
    *,
    key: str,
    title: str,
    y_title: str,
    daily: tuple[str, Sequence[tuple[str, str]]],  # (caption, (attribute, column) …)
    weekly: tuple[str, Sequence[tuple[str, str]], str],  # (caption, columns, note)
    none_if_zero: bool = False,
) -> _Measure:
    """The daily values for 4 weeks; for longer ranges one row a week, its values followed
    by the days behind them (the last weekly column, never drawn)."""

    def value(point, attribute):
        number = getattr(point, attribute)
        return None if none_if_zero and number == 0 else number

    if series.aggregation == "daily":
        caption, fields = daily
        labels = [_day_label(point.day) for point in series.days]
        return _Measure(
            key=key,
            title=title,
            caption=caption,
            columns=tuple(name for _, name in fields),
            row_header="Day",
            axis_labels=labels,
            table_labels=labels,
            values=[tuple(value(p, a) for a, _ in fields) for p in series.days],
            plotted=len(fields),
            y_title=y_title,
        )
    caption, fields, note = weekly
    weeks = series.weekly
    return _Measure(
        key=key,
        title=title,
        caption=caption,
        columns=tuple(name for _, name in fields),
        row_header="Week",
        axis_labels=[_day_label(week.first) for week in weeks],
        table_labels=[_week_label(week) for week in weeks],
        values=[tuple(value(w, a) for a, _ in fields) for w in weeks],
        plotted=len(fields) - 1,
        y_title=y_title,
        note=note,
    )


def mood_chart(series: ProgressSeries) -> Planned:
    measure = _measure(
        series,
        key="mood",
        title="Mood",
        y_title="Mood (0 to 10)",
        daily=(
            "Mood by day (0 to 10): the day's average and the average of the last 7 days",
            (("mood", "Mood that day"), ("mood_average", "7-day average")),
        ),
        weekly=(
            "Mood by week (0 to 10): the average of the days with a mood, and how many days",
            (("mood", "Average mood"), ("mood_days", "Days")),
            WEEKLY_MEAN_NOTE,
        ),
    )
    return _plot(
        measure,
        kind=Line,
        value_range=(0, 10),
        empty_text="No moods in your journal in this period yet.",
        # The day's mood in big dots, the average in small ones drawn over them: where the
        # two are equal, both stay visible.
        series_options=({"dots_size": 4.5}, {"dots_size": 2}) if measure.plotted > 1 else (),
    )


def sleep_chart(series: ProgressSeries) -> Planned:
    measure = _measure(
        series,
        key="sleep",
        title="Sleep",
        y_title="Hours",
        daily=("Hours of sleep by day", (("sleep_hours", "Hours of sleep"),)),
        weekly=(
            "Hours of sleep by week: the average of the nights logged, and how many nights",
            (("sleep_hours", "Average hours"), ("sleep_days", "Nights")),
            "Each bar is one week: the average of the nights logged in it.",
        ),
    )
    return _plot(measure, empty_text="No sleep logged in this period yet.")


def exercise_chart(series: ProgressSeries) -> Planned:
    measure = _measure(
        series,
        key="exercise",
        title="Exercise",
        y_title="Minutes",
        daily=("Minutes of exercise by day", (("exercise_minutes", "Minutes of exercise"),)),
        weekly=(
            "Minutes of exercise by week: the total, and how many days were logged",
            (("exercise_minutes", "Minutes in all"), ("exercise_days", "Days")),
            WEEKLY_TOTAL_NOTE,
        ),
    )
    return _plot(measure, empty_text="No exercise logged in this period yet.")


def social_chart(series: ProgressSeries) -> Planned:
    measure = _measure(
        series,
        key="social",
        title="Time with others",
        y_title="Contacts",
        daily=(
            "Social contacts and minutes spent with others, by day",
            (("social_contacts", "Contacts"), ("social_minutes", "Minutes")),
        ),
        weekly=(
            "Social contacts and minutes spent with others, by week: the totals, and how "
            "many days had a contact",
            (
                ("social_contacts", "Contacts"),
                ("social_minutes", "Minutes"),
                ("social_days", "Days"),
            ),
            WEEKLY_TOTAL_NOTE,
        ),
        none_if_zero=True,  # a day or week without a contact is no bar, and no row
    )
    # Minutes on their own axis: 1 or 2 contacts would vanish next to 90 minutes.
    return _plot(measure, empty_text="No time with others logged in this period yet.", counts=True)


def adherence_chart(series: ProgressSeries) -> Planned:
    """Homework done of due, per ISO week, in percent (weeks with nothing due are left out)."""
    weeks = [week for week in series.weeks if week.due]
    return Planned(source=repr(("homework", weeks)), make=lambda: _drawn_adherence(weeks))


def _drawn_adherence(weeks) -> Chart:
    rows = tuple(
        (f"Week of {_day_label(week.monday)}", (week.percent, week.done, week.due))
        for week in weeks
    )

    def draw(size):
        chart = _chart(
            Bar,
            size=size,
            labels=[_day_label(week.monday) for week in weeks],
            y_title="% done",
            value_range=(0, 100),
        )
        chart.add("Homework done (%)", [week.percent for week in weeks], formatter=number_text)
        return chart

    svg, svg_wide = _draw(draw, "Homework done each week") if weeks else ("", "")
    return Chart(
        key="homework",
        title="Homework done each week",
        caption="Homework done of due, per week (the chart shows the percentage)",
        columns=("Done (%)", "Done", "Due"),
        row_header="Week",
        rows=rows,
        svg=svg,
        svg_wide=svg_wide,
        empty_text="No homework was due in this period.",
    )


def progress_charts(series: ProgressSeries) -> list[Chart]:
    """Every chart of the Progress page, in the order shown, drawn."""
    return [planned.make() for planned in planned_charts(series)]


def planned_charts(series: ProgressSeries) -> list[Planned]:
    """Every chart of the Progress page, in the order shown, not drawn yet."""
    return [
        mood_chart(series),
        sleep_chart(series),
        exercise_chart(series),
        social_chart(series),
        adherence_chart(series),
    ]


def score_chart(points, bands, **options) -> Chart:
    """`planned_score_chart`, drawn."""
    return planned_score_chart(points, bands, **options).make()


def planned_score_chart(
    points: Sequence[tuple[date, float | int]],
    bands: Sequence[tuple[float | int, str]],
    *,
    title: str,
    y_range: tuple[float | int, float | int],
    key: str = "score",
    y_title: str = "Score",
) -> Planned:
    """A measure's scores over time with its band boundaries drawn as dashed lines.

    `points`: (date, score), oldest first. `bands`: (lowest score of the band, its name),
    lowest band first, e.g. PHQ-9 `[(0, "minimal"), (5, "mild"), (10, "moderate"),
    (15, "moderately severe"), (20, "severe")]`. Each boundary above the bottom of
    `y_range` is drawn; the table gives each score with its band.
    """
    options = {"title": title, "y_range": y_range, "key": key, "y_title": y_title}
    return Planned(
        source=repr(("score", points, bands, options)),
        make=lambda: _drawn_scores(points, bands, **options),
    )


def _drawn_scores(points, bands, *, title, y_range, key, y_title) -> Chart:
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
    names = [title] + [f"{band} from {number_text(lowest)}" for lowest, band in boundaries]

    def draw(size):
        chart = _chart(
            Line,
            size=size,
            labels=[_day_label(day) for day, _ in points],
            y_title=y_title,
            legends=names,
            value_range=y_range,
        )
        chart.add(title, [score for _, score in points], formatter=number_text)
        for (lowest, _), name in zip(boundaries, names[1:], strict=True):
            chart.add(
                name,
                [lowest] * len(points),
                show_dots=False,
                stroke_style={"width": 1.5, "dasharray": "6, 4"},
            )
        return chart

    svg, svg_wide = _draw(draw, title) if points else ("", "")
    return Chart(
        key=key,
        title=title,
        caption=f"{title} by date, with the band of each score",
        columns=(y_title, "Band"),
        row_header="Date",
        rows=tuple((label, (*values, band_of(values[0]))) for label, values in rows),
        svg=svg,
        svg_wide=svg_wide,
        empty_text="No scores yet.",
        note=f"Bands — {note}." if note else "",
    )


SECTION = "progress/_chart.html"


def drawn_sections(planned: Sequence[Planned]) -> list[SafeString]:
    """Each chart's section of the page (its two drawings, its note and its table), kept by
    what it is drawn from: a chart no write has changed is neither drawn nor tabled again.
    Drawn without a CSP nonce (`templatetags.progress_charts.with_nonce` adds the response's)."""
    return fragments.kept(
        SECTION,
        (
            (
                {"chart": chart.source, "pygal": pygal.__version__},
                lambda c=chart: {"chart": c.make()},
            )
            for chart in planned
        ),
    )


def warm_up() -> None:
    """Draw a line and a bar chart once (pygal's first drawing of a kind builds its classes'
    state), as a process's parent does before it forks (config.warmup)."""
    labels = ["Mon", "Tue", "Wed"]
    for kind in (Line, Bar):
        chart = _chart(kind, size=NARROW, labels=labels, y_title="x", legends=("a", "b"))
        chart.add("a", [1, None, 3])
        chart.add("b", [2, 1, 0], secondary=kind is Bar)
        _render(chart, "warm up")
