"""Records in lists as HTML, one line each (the client's journal, the therapist's timeline
and what waits of a client): each line a kept fragment (accounts.fragments) drawn from
plain values only, so a list whose records did not change reads its lines in one round
trip instead of drawing them again."""

import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime
from html import escape  # Django's `escape` gives the same text, through a lazy wrapper

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from accounts import fragments
from accounts.templatetags.dates import date as date_filter

from .templatetags.records import plain, record_title

TEMPLATE = "clients/partials/record_line.html"
COMPLETION = "clients/partials/completion_line.html"


def line(
    record,
    *,
    kind: str,
    url: str,
    zone: str,
    who: str = "client",
    unviewed: bool = False,
    reply: bool = False,
) -> dict:
    """What one record's line shows: `kind` ("journal", "lifestyle" or "social"), the
    `url` it opens, the time zone its times read in, who reads it ("client" or
    "therapist": only the client sees "shared" or "private") and what of it waits for the
    therapist."""
    journal = kind == "journal"
    at: datetime | None = record.occurred_at if journal else None
    day: date | None = None if journal else record.day
    return {
        "record": record.public_id,
        "kind": kind,
        "url": url,
        "zone": zone,
        "who": who,
        "at": at,
        "day": day,
        "recalled": bool(getattr(record, "recalled", False)),
        "shared": bool(record.shared),
        "seen": record.first_viewed_at,
        "new_reply": bool(getattr(record, "has_new_reply", False)),
        "unviewed": unviewed,
        "reply": reply,
        "title": record_title(record),
        # The words its excerpt is made from (an entry's Markdown, a log's note): made only
        # when the line is drawn.
        "text": (record.text if journal else record.note) or "",
    }


def drawn(lines: list[dict]) -> list[SafeString]:
    """The lines as HTML, in order: each drawn only when it is not kept."""
    return fragments.kept(TEMPLATE, ((line, lambda line=line: _context(line)) for line in lines))


def _context(line: dict) -> dict:
    text = line["text"]
    return {**line, "excerpt": plain(text) if line["kind"] == "journal" else text}


# Stands for a record's public id in a URL reversed once for many records.
_STAND_IN = uuid.UUID(int=0)


def record_urls(name: str, *leading) -> Callable[[uuid.UUID], str]:
    """The URL of route `name` for a record's public id, its last argument (after
    `leading`), reversed once for all the records of a list."""
    prefix, found, suffix = reverse(name, args=[*leading, _STAND_IN]).rpartition(str(_STAND_IN))
    if not found:
        raise ValueError(f"{name}: the record's id is not in its URL")
    return lambda public_id: f"{prefix}{public_id}{suffix}"


def for_therapist(client, items) -> list[SafeString]:
    """The lines of `items` (each with `kind` and `record`, and what of it waits when it
    says: `unviewed`, `reply`) as the client's therapist reads them: times in the client's
    time zone, each opening the therapist's view of the record."""
    url = record_urls("therapist_record", client.public_id)
    return drawn(
        [
            line(
                item.record,
                kind=item.kind,
                url=url(item.record.public_id),
                zone=str(client.zone),
                who="therapist",
                unviewed=getattr(item, "unviewed", False),
                reply=getattr(item, "reply", False),
            )
            for item in items
        ]
    )


def completion_lines(completions) -> list[SafeString]:
    """Homework check-offs (each with its homework) as lines of the therapist's timeline."""
    return fragments.drawn(
        COMPLETION,
        [
            {"completion": c.public_id, "title": c.assignment.title, "note": c.note or ""}
            for c in completions
        ],
    )


def under_days(days: Iterable[tuple[date, list[SafeString]]]) -> SafeString:
    """Lines under a heading a day ("Thursday 3 December"), as HTML: joined here, not by a
    page's loops over a hundred lines."""
    # The lines were drawn by the template engine, which escaped what it was given.
    return mark_safe(  # noqa: S308
        "".join(
            f'<h3 class="day-heading">{escape(date_filter(day, "l j F"))}</h3>\n'
            + "".join(f"    {line}\n" for line in lines)
            for day, lines in days
        )
    )
