"""Kept fragments (accounts.fragments): drawn once for what they show, never stale."""

from collections import namedtuple
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.safestring import mark_safe

from accounts import fragments, versions
from tests.therapists.test_caseload_table import WAITING_ROW_TEMPLATE

# A fragment of plain values with a link, dates in a time zone and text to escape: the rows
# of "Waiting for you" as a template drew them (tests/therapists/test_caseload_table.py).
TEMPLATE = "tests/waiting_row.html"
AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def row(**changed) -> dict:
    return {
        "zone": "Europe/London",
        "invitation": False,
        "client": CLIENT,
        "name": "Ada <Alpha>",
        "shared": 2,
        "replies": 0,
        "silent": False,
        "since": AT,
    } | changed


CLIENT = uuid4()


@pytest.fixture(autouse=True)
def fragment_template(settings):
    """`TEMPLATE`, found by a loader of the test's own before the project's."""
    engine = settings.TEMPLATES[0]
    loaders = [
        ("django.template.loaders.locmem.Loader", {TEMPLATE: WAITING_ROW_TEMPLATE}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [
        {**engine, "APP_DIRS": False, "OPTIONS": {**engine["OPTIONS"], "loaders": loaders}}
    ]


@pytest.fixture
def drawn(monkeypatch, own_page_cache):
    """The templates the fragments draw (each real drawing), with a page cache of the test's
    own."""
    made = []
    draw = fragments.render_to_string

    def counted(template, context):
        made.append(context["name"])
        return draw(template, context)

    monkeypatch.setattr(fragments, "render_to_string", counted)
    return made


def test_a_fragment_is_drawn_once_for_what_it_shows_and_again_when_that_changes(drawn):
    first = fragments.drawn(TEMPLATE, [row(), row(name="Bo")])
    assert drawn == ["Ada <Alpha>", "Bo"]
    assert "Ada &lt;Alpha&gt;" in first[0]  # escaped when drawn
    assert "2 shared entries not viewed yet" in first[0]
    again = fragments.drawn(TEMPLATE, [row(), row(name="Bo")])
    assert again == first
    assert drawn == ["Ada <Alpha>", "Bo"]  # from the cache

    changed = fragments.drawn(TEMPLATE, [row(shared=3), row(name="Bo")])
    assert drawn == ["Ada <Alpha>", "Bo", "Ada <Alpha>"]
    assert "3 shared entries not viewed yet" in changed[0]
    assert changed[1] == first[1]


def test_a_fragment_is_kept_as_plain_text_and_given_back_safe(drawn):
    """Kept as a plain `str` (a `SafeString` is read back through Python, 5 µs each), and
    marked safe again when read: a template shows it as drawn, not escaped twice."""
    from django.template import Context, Template
    from django.utils.safestring import SafeString

    [first] = fragments.drawn(TEMPLATE, [row()])
    [kept] = versions.read_many([fragments.fragment_key(TEMPLATE, row())]).values()
    assert type(kept) is str and kept == first
    [again] = fragments.drawn(TEMPLATE, [row()])
    assert isinstance(again, SafeString) and drawn == ["Ada <Alpha>"]
    shown = Template("{{ line }}").render(Context({"line": again}))
    assert "Ada &lt;Alpha&gt;" in shown and "&amp;lt;" not in shown


def test_the_same_fragment_twice_in_one_list_is_drawn_once(drawn):
    assert len(set(fragments.drawn(TEMPLATE, [row(), row()]))) == 1
    assert drawn == ["Ada <Alpha>"]


def test_what_a_fragment_is_keyed_on(monkeypatch):
    key = fragments.fragment_key(TEMPLATE, row())
    assert fragments.fragment_key(TEMPLATE, row()) == key
    # Each value, the template, the time zone the dates are drawn in and the code.
    assert fragments.fragment_key(TEMPLATE, row(since=AT.replace(minute=31))) != key
    assert fragments.fragment_key(TEMPLATE, row(zone="UTC")) != key
    assert fragments.fragment_key("therapists/_caseload_row.html", row()) != key
    # The language and the script prefix the links are drawn with.
    with translation.override("de"):
        assert fragments.fragment_key(TEMPLATE, row()) != key
    set_script_prefix("/tandem/")
    try:
        assert fragments.fragment_key(TEMPLATE, row()) != key
    finally:
        set_script_prefix("/")
    assert fragments.fragment_key(TEMPLATE, row()) == key
    monkeypatch.setattr(versions, "release", lambda: "another release")
    assert fragments.fragment_key(TEMPLATE, row()) != key


def test_a_list_works_out_what_it_is_drawn_in_once_to_the_same_keys(monkeypatch):
    one_by_one = [fragments.fragment_key(TEMPLATE, row(shared=n)) for n in range(3)]
    asked = []
    drawn_in = fragments.drawn_in
    monkeypatch.setattr(fragments, "drawn_in", lambda: asked.append(1) or drawn_in())
    setting = fragments.drawn_in()
    together = [fragments.fragment_key(TEMPLATE, row(shared=n), setting=setting) for n in range(3)]
    assert together == one_by_one
    assert len(asked) == 1


Pair = namedtuple("Pair", "first second")


@pytest.mark.parametrize(
    "value", [object(), [1, 2], {"a": 1}, (1, object()), Pair(1, object()), b"bytes"]
)
def test_only_plain_values_can_key_a_fragment(value):
    with pytest.raises(TypeError, match="not a plain value"):
        fragments.fragment_key(TEMPLATE, row(name=value))


@pytest.mark.parametrize(
    "value", [True, mark_safe("<b>kept</b>"), Pair("a", (1, None)), Decimal("1.5"), uuid4()]
)
def test_plain_values_of_a_plain_kind_key_a_fragment_and_differ_from_their_plain_twin(value):
    key = fragments.fragment_key(TEMPLATE, row(name=value))
    assert key == fragments.fragment_key(TEMPLATE, row(name=value))
    assert key != fragments.fragment_key(TEMPLATE, row(name=repr(value)))


def test_fragments_are_drawn_when_the_cache_does_not_answer(drawn, page_cache_down, caplog):
    [html] = fragments.drawn(TEMPLATE, [row()])
    assert "Ada &lt;Alpha&gt;" in html
    assert drawn == ["Ada <Alpha>"]
    assert "page cache unavailable" in caplog.text


def test_a_kept_value_is_made_once_for_its_source_and_by_each_release(own_page_cache, monkeypatch):
    made = []

    def make(value):
        made.append(value)
        return {"value": value}

    assert fragments.kept_value("answer", "(1, 2)", lambda: make(1)) == {"value": 1}
    assert fragments.kept_value("answer", "(1, 2)", lambda: make(2)) == {"value": 1}
    assert fragments.kept_value("answer", "(1, 3)", lambda: make(3)) == {"value": 3}
    assert fragments.kept_value("other", "(1, 2)", lambda: make(4)) == {"value": 4}
    monkeypatch.setattr(versions, "release", lambda: "a later release")
    assert fragments.kept_value("answer", "(1, 2)", lambda: make(5)) == {"value": 5}
    assert made == [1, 3, 4, 5]


def test_a_value_is_made_when_the_cache_does_not_answer(page_cache_down, caplog):
    assert fragments.kept_value("answer", "(1, 2)", lambda: [1, 2]) == [1, 2]
    assert "page cache unavailable" in caplog.text
