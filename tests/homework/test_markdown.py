"""The safe Markdown subset: the same HTML for the same words, whether made or kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homework import markdown


@pytest.fixture(autouse=True)
def nothing_kept():
    markdown._kept.cache_clear()
    yield
    markdown._kept.cache_clear()


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("Walk **briskly**.", "<p>Walk <strong>briskly</strong>.</p>"),
        ("- woke up\n- *walked*", "<ul><li>woke up</li><li><em>walked</em></li></ul>"),
        ("1. one\n2) two", "<ol><li>one</li><li>two</li></ol>"),
        ("<script>x</script>\nnext", "<p>&lt;script&gt;x&lt;/script&gt;<br>next</p>"),
        ("", ""),
        (None, ""),
    ],
)
def test_the_subset(source, html):
    assert markdown.render(source) == html
    assert markdown.render(source) == html  # kept


@given(st.text(alphabet="ab *-_1.)\n<>&\"'", max_size=60))
def test_kept_html_is_the_html_made(source):
    made = markdown._render(source)
    assert markdown.render(source) == made
    assert markdown.render(source) == made


def test_only_short_texts_are_kept():
    long = "word " * (markdown.KEPT_LONGEST // 5 + 1)
    assert markdown.render(long) == markdown._render(long)
    assert markdown._kept.cache_info().currsize == 0
    markdown.render("short")
    assert markdown._kept.cache_info().currsize == 1
