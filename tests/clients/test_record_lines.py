"""The timeline's lines under their days, joined as text: what the page's loops drew."""

from datetime import date, timedelta

from django.template import Context, Template
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from clients.record_lines import under_days

# How the therapist's timeline drew its days and lines before they were joined as text.
LOOPS = Template(
    '{% for day, lines in days %}<h3 class="day-heading">{{ day|date:"l j F" }}</h3>\n'
    "    {% for line in lines %}{{ line }}\n"
    "    {% endfor %}{% endfor %}"
)


def words(html: str) -> list[str]:
    return html.split()


@given(
    st.lists(
        st.tuples(
            st.integers(0, 800),  # days before 3 December 2026
            st.lists(st.text(st.sampled_from("ab <>&'\""), max_size=12), max_size=4),
        ),
        max_size=6,
        unique_by=lambda day: day[0],
    )
)
def test_the_lines_are_those_the_loops_drew_under_the_same_headings(found):
    days = [
        (
            date(2026, 12, 3) - timedelta(days=before),
            [mark_safe(f"<p>{text}</p>") for text in texts],  # drawn lines: kept as drawn
        )
        for before, texts in sorted(found)
    ]
    joined = under_days(days)
    assert words(joined) == words(LOOPS.render(Context({"days": days})))
    assert joined.count('<h3 class="day-heading">') == len(days)


def test_a_heading_names_the_day_and_its_lines_follow_it():
    joined = under_days([(date(2026, 12, 3), [mark_safe("<p>one</p>"), mark_safe("<p>two</p>")])])
    assert joined.startswith('<h3 class="day-heading">Thursday 3 December</h3>')
    assert joined.index("<p>one</p>") < joined.index("<p>two</p>")
    assert under_days([]) == ""
