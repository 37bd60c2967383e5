"""Records in lists as HTML, one line each (the client's journal, the therapist's timeline
and what waits of a client): each line a kept fragment (accounts.fragments) drawn from
plain values only, so a list whose records did not change reads its lines in one round
trip instead of drawing them again."""

from datetime import date, datetime

from django.urls import reverse
from django.utils.safestring import SafeString

from accounts import fragments

from .templatetags.records import plain, record_title

TEMPLATE = "clients/partials/record_line.html"


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
        "excerpt": plain(record.text) if journal else (record.note or ""),
    }


def drawn(lines: list[dict]) -> list[SafeString]:
    """The lines as HTML, in order."""
    return fragments.drawn(TEMPLATE, lines)


def for_therapist(client, items) -> list[SafeString]:
    """The lines of `items` (each with `kind` and `record`, and what of it waits when it
    says: `unviewed`, `reply`) as the client's therapist reads them: times in the client's
    time zone, each opening the therapist's view of the record."""
    return drawn(
        [
            line(
                item.record,
                kind=item.kind,
                url=reverse("therapist_record", args=[client.public_id, item.record.public_id]),
                zone=str(client.zone),
                who="therapist",
                unviewed=getattr(item, "unviewed", False),
                reply=getattr(item, "reply", False),
            )
            for item in items
        ]
    )
