import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pygal
import pygal.config
import pygal.graph.base
import pygal.state
import pygal.svg
import pytest

from progress import charts as charts_module
from progress.charts import Chart, count_ticks, number_text, progress_charts, score_chart
from progress.series import progress_series

from .conftest import TODAY, history, journal, lifestyle
from .svgbox import overflowing, plotted, text_boxes, touching

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
PHQ9_BANDS = [
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
]


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


def test_a_year_is_drawn_by_week_and_its_tables_hold_the_plotted_numbers(personas):
    history(personas, 365)
    charts = charts_of(personas.client_a, "1y")
    for key, chart in charts.items():
        assert not chart.is_empty, key
        for svg in (chart.svg, chart.svg_wide):
            values = plotted(svg)
            # The drawn columns come first; the table adds the days behind them (or, for
            # homework, done and due).
            assert values == tabled(chart)[: len(values)], key
        # 365 days ending Wednesday 25 November touch 53 ISO weeks.
        assert len(chart.rows) == 53, key
        assert chart.row_header == "Week"
    assert charts["mood"].columns == ("Average mood", "Days")
    assert charts["social"].columns == ("Contacts", "Minutes", "Days")
    assert charts["mood"].note == "Each point is one week: the average of the days logged in it."
    assert charts["exercise"].note == "Each bar is one week: the total of the days logged in it."
    # The last week, Monday 23 to Wednesday 25 November, is days 362 to 364 of history():
    # moods 5 6 7 (mean 6.0), sleep 8 6 7 (mean 7.0), exercise 30 45 0 (75 in all), and one
    # contact (odd days only) of 20 minutes.
    last = {key: chart.rows[-1] for key, chart in charts.items()}
    assert last["mood"] == ("23 Nov to 25 Nov", (6.0, 3))
    assert last["sleep"] == ("23 Nov to 25 Nov", (7.0, 3))
    assert last["exercise"] == ("23 Nov to 25 Nov", (75, 3))
    assert last["social"] == ("23 Nov to 25 Nov", (1, 20, 1))
    # The first week is cut by the range: it starts on Wednesday 26 November 2025.
    assert charts["mood"].rows[0][0] == "26 Nov to 30 Nov"


def test_four_weeks_stay_daily_and_twelve_weeks_are_weekly(personas):
    history(personas, 84)
    four = charts_of(personas.client_a, "4w")
    assert len(four["mood"].rows) == 28
    assert four["mood"].row_header == "Day"
    assert four["mood"].columns == ("Mood that day", "7-day average")
    assert four["mood"].note == ""
    twelve = charts_of(personas.client_a, "12w")
    # 84 days from Thursday 3 September: a part week, 11 whole ones, and this part week.
    assert [label for label, _ in twelve["sleep"].rows][:2] == ["3 Sep to 6 Sep", "7 Sep to 13 Sep"]
    assert len(twelve["sleep"].rows) == 13
    assert sum(values[1] for _, values in twelve["sleep"].rows) == 84  # nights behind them


def _axis_labels(svg: str, axis: str) -> list[str]:
    root = ET.fromstring(svg)
    for group in root.iter(f"{SVG}g"):
        if group.get("class", "").split()[:2] == ["axis", axis]:
            return [t.text for t in group.iter(f"{SVG}text") if t.text]
    return []


@pytest.mark.parametrize("range_key", ["4w", "1y"])
def test_contacts_tick_in_whole_numbers_and_minutes_in_round_ones(personas, range_key):
    history(personas, 365)
    social = charts_of(personas.client_a, range_key)["social"]
    for svg in (social.svg, social.svg_wide):
        counts = _axis_labels(svg, "y")
        minutes = _axis_labels(svg, "y2")
        assert counts and all(label.isdigit() for label in counts), counts
        assert minutes and all(label.isdigit() for label in minutes), minutes
        assert len(minutes) == len(counts)
        legends = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if "axis)" in t.text]
        assert legends == ["Contacts (left axis)", "Minutes (right axis)"]


@pytest.mark.parametrize(
    "highest,ticks", [(1, [0, 1]), (3, [0, 1, 2, 3]), (9, [0, 2, 4, 6, 8, 10])]
)
def test_count_ticks(highest, ticks):
    assert count_ticks(highest) == ticks


def test_charts_carry_no_script_and_no_style_attribute(personas):
    history(personas, 7)
    for chart in charts_of(personas.client_a).values():
        for svg in (chart.svg, chart.svg_wide):
            assert "<script" not in svg
            assert ' style="' not in svg
            assert svg.startswith('<svg role="img" aria-label="')


def test_each_point_carries_its_value_and_nothing_for_the_tooltip_script(personas):
    """pygal's tooltip data (coordinates, x labels) is for a script never sent: only each
    point's value is written, once per point."""
    history(personas, 7)
    for chart in charts_of(personas.client_a).values():
        for svg in (chart.svg, chart.svg_wide):
            classes = [desc.get("class") for desc in ET.fromstring(svg).iter(f"{SVG}desc")]
            assert classes and set(classes) == {"value"}, chart.key
    mood = charts_of(personas.client_a)["mood"]
    assert plotted(mood.svg) == tabled(mood)[:2]


@pytest.mark.parametrize("range_key", ["4w", "1y"])
def test_the_quicker_drawing_draws_what_pygals_own_does(personas, monkeypatch, range_key):
    """`_FlatState` only reads pygal's attributes faster, `_NoScript` leaves out what
    `_render` cut out, `_KeptStyles` makes each stylesheet once, `_SerieConfig` lists a
    series' options once and `_QuickNodes` writes each node and the drawing quicker: with
    pygal's own look-up, script, stylesheets, options and writer every chart is drawn to the
    same SVG (the drawings' random ids aside)."""
    history(personas, 60)
    monkeypatch.setattr(charts_module, "_STYLES_KEPT", {})
    quick = charts_of(personas.client_a, range_key)  # the stylesheets made
    assert charts_module._STYLES_KEPT
    quick_again = charts_of(personas.client_a, range_key)  # and kept
    monkeypatch.setattr(
        charts_module, "Line", type("Line", (charts_module._ValueOnly, pygal.Line), {})
    )
    monkeypatch.setattr(
        charts_module, "Bar", type("Bar", (charts_module._ValueOnly, pygal.Bar), {})
    )
    monkeypatch.setattr(pygal.graph.base, "SerieConfig", pygal.config.SerieConfig)
    monkeypatch.setattr(pygal.graph.base, "State", pygal.state.State)
    own = charts_of(personas.client_a, range_key)
    quicker = (
        charts_module._FlatState
        | charts_module._NoScript
        | charts_module._KeptStyles
        | charts_module._QuickNodes
    )
    assert not issubclass(charts_module.Line, quicker)
    assert [chart.key for chart in own.values() if not chart.is_empty] == [
        "mood",
        "sleep",
        "exercise",
        "social",
        "homework",
    ]
    for key, chart in own.items():
        for size in ("svg", "svg_wide"):
            drawn = re.sub(r"chart-[0-9a-f-]+", "chart", getattr(chart, size))
            for other in (quick, quick_again):
                assert drawn == as_pygal_scopes(getattr(other[key], size)), (key, size)
            # pygal's rules are scoped by the drawing's id; the kept sheet's by its class.
            own_id = re.search(r'id="chart-([0-9a-f-]+)"', getattr(chart, size))[1]
            assert f"#chart-{own_id} " in getattr(chart, size), key
            quick_drawing = getattr(quick_again[key], size)
            scope = re.search(r'class="pygal-chart (chart-styles-\w+)"', quick_drawing)[1]
            assert f".{scope} " in quick_drawing and "#chart-" not in quick_drawing, key


def as_pygal_scopes(drawing: str) -> str:
    """A drawing with a kept sheet (`_KeptStyles`) as pygal writes it: its rules scoped by
    the drawing's id, no class or digest of ours (ids normalised as the test does)."""
    [digest] = re.findall(r'data-chart-styles="(\w+)"', drawing)
    scope = f"{charts_module.SCOPE}{digest}"
    assert drawing.count(f' class="pygal-chart {scope}"') == 1
    drawing = drawing.replace(f' data-chart-styles="{digest}"', "")
    drawing = drawing.replace(f' class="pygal-chart {scope}"', ' class="pygal-chart"')
    return re.sub(r"chart-[0-9a-f-]+", "chart", drawing.replace(f".{scope}", "#chart"))


def test_the_quicker_writer_writes_each_node_as_pygals_own():
    """`_QuickSvg.node` against pygal's on what pygal's charts pass it: sizes flipped when
    negative, a trailing underscore, a link, a value of None, in pygal's attribute order; and
    the charts draw with it."""
    chart = charts_module.Line(width=300)
    chart.add("a", [1, 2, 3])
    chart.setup()
    try:
        assert type(chart.svg) is charts_module._QuickSvg
        calls = [
            ("rect", {"x": 10, "y": 5.5, "width": -4, "height": -2.25, "class_": "bar"}),
            ("rect", {"x": "1", "width": -3}),
            ("g", {"class_": "dots", "transform": None, "id": "a"}),
            ("a", {"href": "https://example.org/", "target": "_blank", "class_": "link"}),
            ("text", {"x": 1.5, "y": 0, "text-anchor": "end"}),
            ("circle", {"cx": 1, "cy": 2, "r": 3, "class_": "dot reactive tooltip-trigger"}),
            ("path", {"d": "M0 0", "fill": "none", "width": 0}),
        ]
        for tag, attributes in calls:
            own = pygal.svg.Svg.node(chart.svg, chart.svg.root, tag, dict(attributes))
            quick = chart.svg.node(chart.svg.root, tag, dict(attributes))
            assert list(quick.attrib.items()) == list(own.attrib.items()), tag
            assert quick.tag == own.tag
        assert chart.svg.render(is_unicode=True) == pygal.svg.Svg.render(chart.svg, is_unicode=True)
    finally:
        chart.teardown()


def test_a_tree_is_written_as_elementtree_writes_it():
    """`written` against ElementTree: escaping in text, tails and attributes, comments with
    their tails, empty and childless elements, attribute order; a tree with a namespace is
    left to ElementTree."""
    root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "id": "chart-1"})
    root.append(ET.Comment("Generated <here> & there"))
    root[0].tail = "\n"
    defs = ET.SubElement(root, "defs")
    ET.SubElement(defs, "style", {"type": "text/css"}).text = "#a .b > c { x: 'y' } & <z>"
    group = ET.SubElement(root, "g", {"class": "graph", "transform": "translate(1 2)"})
    text = ET.SubElement(group, "text", {"x": "1.5", "title": 'say "<a & b>"\r\n\tnext'})
    text.text, text.tail = "10 < 11 & 12 > 9", " after & <tail>"
    ET.SubElement(group, "path", {"d": "M0 0", "class": ""})
    ET.SubElement(group, "desc", {"class": "value"}).text = ""
    ET.SubElement(group, "g")
    assert charts_module.written(root) == ET.tostring(root, encoding="unicode")
    ET.SubElement(group, "a", {ET.QName("http://www.w3.org/1999/xlink", "href"): "/x"})
    assert charts_module.written(root) == ET.tostring(root, encoding="unicode")
    assert "xmlns:" in charts_module.written(root)


def test_a_drawings_state_is_the_charts_own_and_no_property_hides_it():
    """`_FlatState` reads a drawing's state as the chart's own attributes: a property (any
    data descriptor) of a chart class with the name of a state value would win over it."""
    for kind in (charts_module.Line, charts_module.Bar):
        chart = kind(width=300)
        chart.add("a", [1, 2, 3])
        chart.setup()
        try:
            assert vars(chart.state) is vars(chart)
            names = [name for name in vars(chart) if not name.startswith("__")]
            assert {"width", "style", "series", "svg"} <= set(names)
            assert chart.width == 300
            hidden = [n for n in names if hasattr(getattr(type(chart), n, None), "__set__")]
            assert hidden == []
        finally:
            chart.teardown()


def test_the_table_rows_are_what_the_templates_loop_drew():
    """`chart_table_rows` joins the rows as the template's two loops did, escaped as the
    template engine escapes."""
    from django.template import Context, Template

    from progress.templatetags.progress_charts import chart_table_rows

    rows = (("1 Dec <b>&'\"", (7.25, None, 3)), ("8 Dec", (0, 10.0, None)))
    chart = Chart("mood", "Mood", "caption", ("a", "b", "c"), "Week", rows, svg="<svg/>")
    loop = Template(
        '{% for label, values in rows %}<tr><th scope="row">{{ label }}</th>{% for value in '
        'values %}<td class="num">{{ value }}</td>{% endfor %}</tr>\n      {% endfor %}'
    )
    texts = [(label, [number_text(v) for v in values]) for label, values in rows]
    drawn = chart_table_rows(chart)
    assert drawn == loop.render(Context({"rows": texts}))
    assert "&lt;b&gt;&amp;&#x27;&quot;" in drawn and '<td class="num">—</td>' in drawn


def test_the_style_takes_the_nonce(personas):
    history(personas, 7)
    chart = charts_of(personas.client_a)["mood"]
    assert '<style nonce="abc123" type="text/css" data-chart-styles="' in chart.svg_with_nonce(
        "abc123"
    )
    assert chart.svg_with_nonce(None) == chart.svg
    assert '<style nonce="abc123" ' in chart.svg_with_nonce("abc123", wide=True)
    assert chart.svg_with_nonce(None, wide=True) == chart.svg_wide


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


def _phq9(points) -> Chart:
    return score_chart(
        points,
        [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"), (20, "severe")],
        title="PHQ-9 score",
        y_range=(0, 27),
        key="measure-phq9",
        y_title="PHQ-9 (0 to 27)",
    )


@pytest.mark.parametrize("range_key", ["4w", "12w", "1y"])
def test_no_tick_label_or_legend_leaves_its_chart(personas, range_key):
    history(personas, 365)
    charts = list(charts_of(personas.client_a, range_key).values())
    charts.append(_phq9([(date(2026, 9, 1), 16), (date(2026, 10, 1), 11), (TODAY, 4)]))
    for chart in charts:
        for svg in (chart.svg, chart.svg_wide):
            assert text_boxes(svg)[1], chart.key  # the measuring found the texts
            assert overflowing(svg) == [], chart.key
            assert touching(svg) == [], chart.key


def test_the_measuring_sees_a_label_cut_off():
    # The last date of a line chart drawn without room on its right, as it used to be.
    chart = _phq9([(date(2026, 9, 1), 16), (date(2026, 11, 20), 4)])
    cut = re.sub(
        r'x="([\d.]+)" y="([\d.]+)" class="major">20 Nov', 'x="460" y="\\2">20 Nov', chart.svg
    )
    assert [box.text for box in overflowing(cut)] == ["20 Nov"]


# The stylesheets that set the series colours and the backgrounds behind the charts.
STATIC = Path(__file__).resolve().parents[2] / "static" / "css"


def _custom_properties(css: str) -> tuple[dict[str, str], dict[str, str]]:
    """The custom properties of :root, light and dark (print is left out)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"@media print\s*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    dark_blocks = re.findall(
        r"@media \(prefers-color-scheme: dark\)\s*\{((?:[^{}]*\{[^{}]*\})*[^{}]*)\}", css
    )
    light_css = re.sub(
        r"@media \(prefers-color-scheme: dark\)\s*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css
    )

    def props(text: str) -> dict[str, str]:
        found = {}
        for block in re.findall(r":root\s*\{([^{}]*)\}", text):
            found.update(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", block))
        return {name: value.strip() for name, value in found.items()}

    return props(light_css), props("".join(dark_blocks))


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, two: str) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#1d5f6e", "#121619"), 1) < 3  # the old dark-mode mood line


def test_every_series_colour_keeps_3_to_1_against_the_page_in_both_schemes(personas):
    history(personas, 28)
    svgs = [chart.svg for chart in charts_of(personas.client_a).values()]
    svgs.append(_phq9([(date(2026, 9, 1), 16), (TODAY, 4)]).svg)
    used = set()
    for svg in svgs:
        style = ET.fromstring(svg).find(f"{SVG}defs/{SVG}style").text
        # Each series is coloured by the page's custom properties, never a fixed colour.
        series = re.findall(r"\.color-\d+[^{]*\{\s*stroke:\s*([^;}]+);\s*fill:\s*([^;}]+)", style)
        assert series, "no series colours found"
        for stroke, fill in series:
            assert stroke == fill
            used.add(re.fullmatch(r"var\((--chart-\d)\)", stroke.strip()).group(1))
    base_light, base_dark = _custom_properties((STATIC / "tandem.css").read_text())
    chart_light, chart_dark = _custom_properties((STATIC / "progress.css").read_text())
    for scheme, base, colours in (
        ("light", base_light, chart_light),
        ("dark", {**base_light, **base_dark}, {**chart_light, **chart_dark}),
    ):
        for name in sorted(used):
            for background in ("--bg", "--surface"):
                ratio = contrast(colours[name], base[background])
                assert ratio >= 3, (scheme, name, colours[name], background, round(ratio, 2))
    assert chart_dark, "the dark scheme sets its own series colours"


# --- Chart sections from the page cache -----------------------------------------------------


@pytest.fixture
def drawings(monkeypatch, own_page_cache):
    """Counts the drawings pygal actually makes (each call of the real `_render`), with a
    page cache of the test's own (other tests draw the same charts)."""
    made = []
    render = charts_module._render

    def counted(chart, title):
        made.append(title)
        return render(chart, title)

    monkeypatch.setattr(charts_module, "_render", counted)
    return made


def test_charts_are_drawn_when_the_cache_does_not_answer(
    personas, drawings, page_cache_down, caplog
):
    journal(personas.client_a, TODAY - timedelta(days=2), 7)
    series = progress_series(viewer=personas.client_a, client=personas.client_a)
    sections = charts_module.drawn_sections(charts_module.planned_charts(series))
    assert len(sections) == 5 and drawings == ["Mood", "Mood"]
    mood = next(section for section in sections if 'data-chart="mood"' in section)
    svg = re.search(r"<svg .*?</svg>", mood, re.DOTALL).group(0)
    assert plotted(svg) == [["7.0"], ["7.0", "7.0", "7.0"]]
    assert "page cache unavailable" in caplog.text


def test_a_page_draws_and_tables_only_the_chart_a_write_changed(personas, drawings, monkeypatch):
    """Each chart's section (drawings and table) is kept by what it shows: the view after a
    new sleep log draws the sleep chart alone, and shows every other section as it was."""
    from django.test import Client
    from django.urls import reverse

    from accounts import fragments

    sections = []
    render = fragments.render_to_string

    def counted(template, context):
        if template == charts_module.SECTION:
            sections.append(context["chart"].key)
        return render(template, context)

    monkeypatch.setattr(fragments, "render_to_string", counted)
    journal(personas.client_a, TODAY - timedelta(days=2), 7)
    lifestyle(personas.client_a, TODAY - timedelta(days=1), sleep=7.5)
    browser = Client()
    browser.force_login(personas.client_a)

    def shown(html: str, key: str) -> str:
        section = re.search(rf'<section[^>]*data-chart="{key}".*?</section>', html, re.DOTALL)
        return re.sub(r' nonce="[^"]*"', "", section.group(0))

    first = browser.get(reverse("client_progress")).content.decode()
    assert sorted(sections) == ["exercise", "homework", "mood", "sleep", "social"]
    assert len(drawings) == 4  # mood and sleep, two sizes each

    sections.clear(), drawings.clear()
    lifestyle(personas.client_a, TODAY, sleep=6)
    after = browser.get(reverse("client_progress")).content.decode()
    assert sections == ["sleep"] and drawings == ["Sleep", "Sleep"]
    assert shown(after, "mood") == shown(first, "mood")
    assert shown(after, "sleep") != shown(first, "sleep")
    assert '<td class="num">6.0</td>' in shown(after, "sleep")
    # One copy of each stylesheet on the page, taking this response's nonce.
    sheets = set(re.findall(r'data-chart-styles="(\w+)"', after))
    assert after.count('<style nonce="') == len(sheets)
    assert after.count('<style nonce="') == after.count("<style ") == 2  # a line, bars
