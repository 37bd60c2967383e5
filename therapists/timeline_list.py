"""The therapist's timeline of a client as one piece of HTML: a heading for each day, then
each record's line (clients.record_lines) and each check-off's, both kept fragments
(accounts.fragments). Joined here rather than looped over in the page's template, where
a hundred items cost as much as drawing the rest of the page."""

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts import fragments
from clients import record_lines

CHECK_OFF = "therapists/_timeline_check_off.html"


def drawn_items(client, items) -> SafeString:
    """`items` (newest first, each with its `kind`, `day` and `record`) as HTML, records'
    lines as the therapist reads them."""
    records = [item for item in items if item.kind != "completion"]
    lines = iter(record_lines.for_therapist(client, records))
    check_offs = iter(
        fragments.drawn(
            CHECK_OFF,
            (
                {
                    "completion": item.record.public_id,
                    "title": item.record.assignment.title,
                    "note": item.record.note,
                }
                for item in items
                if item.kind == "completion"
            ),
        )
    )
    out: list[str] = []
    day = None
    for item in items:
        if item.day != day:
            day = item.day
            out.append(format_html('<h3 class="day-heading">{}</h3>', date_format(day, "l j F")))
        out.append(next(check_offs) if item.kind == "completion" else next(lines))
    # Each piece escaped by the template engine or format_html.
    return mark_safe("".join(out))  # noqa: S308
