"""The caseload page's long lists as HTML. Each caseload row but its last cell is kept in the
page cache under the row's own key (`progress.caseload.caseload_rows`), so a page whose
clients wrote nothing since draws only "last activity" again, a cell made here; the rows of
"Waiting for you" are made here too."""

from datetime import date, datetime
from html import escape  # Django's `escape` gives the same text, through a lazy wrapper
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts.templatetags.dates import date as date_filter
from accounts.templatetags.tandem_ui import ago_at
from clients.record_lines import record_urls
from progress.caseload import CaseloadRow
from progress.waiting import Waiting, WaitingRow

TEMPLATE = "therapists/_caseload_row.html"


def drawn_row(row: CaseloadRow) -> str:
    """A caseload row as HTML but its last cell, drawn from the row alone (nothing of the
    request is in it): `caseload_rows` keeps it with the row."""
    return render_to_string(TEMPLATE, {"row": row})


def drawn_rows(rows: list[CaseloadRow], zone: str) -> SafeString:
    """The table's rows, as HTML, in the rows' order: each as `caseload_rows` kept it, with
    "Last activity" as it is now, in the viewer's time zone `zone`. Joined here, not by a
    loop of the page's template."""
    viewer = ZoneInfo(zone)
    now, language = timezone.now(), get_language()
    # Drawn by the template engine, which escaped what it was given.
    return mark_safe(  # noqa: S308
        "".join(
            f"{row.html}{last_activity_cell(row.last_activity, viewer, now, language)}</tr>\n"
            for row in rows
        )
    )


NONE_YET = '<td data-label="Last activity"><span class="muted">none yet</span></td>'


def last_activity_cell(
    at: datetime | None, zone: ZoneInfo, now: datetime | None = None, language: str | None = None
) -> str:
    """The row's "Last activity" cell: how long ago (as of `now`, in the active language,
    `language`: both looked up here unless given), with the moment in the viewer's time
    `zone` for machines (as `{{ at|date:'c' }}` gives it), or "none yet". Text joined here,
    not a template: a hundred of these cost a third of what reading them from the cache did."""
    if at is None:
        return NONE_YET
    if now is None:
        now, language = timezone.now(), get_language()
    moment = escape(at.astimezone(zone).isoformat())
    words = escape(ago_at(at, now, language))
    return f'<td data-label="Last activity"><time datetime="{moment}">{words}</time></td>'


def drawn_waiting(waiting: Waiting, zone: str) -> SafeString:
    """ "Waiting for you", a row per client or invitation (what has waited longest first),
    in the viewer's time zone `zone`, as HTML. Text joined here, each value escaped, not a
    template: a hundred rows drawn so cost a third of what reading them as kept fragments did."""
    viewer = ZoneInfo(zone)
    timeline = record_urls("therapist_timeline")
    days: dict[date, str] = {}  # "since 2 Dec", by local day: many rows share one

    def since(moment: datetime) -> str:
        day = _local(moment, viewer).date()
        if day not in days:
            days[day] = escape(date_filter(day, "j M"))
        return days[day]

    # Every value that is not a number is escaped where it is joined in.
    return mark_safe(  # noqa: S308
        "".join(
            _invitation_row(row.relationship, viewer)
            if row.invitation
            else _client_row(row, since(row.since), timeline)
            for row in waiting.rows
        )
    )


def _invitation_row(relationship, zone: ZoneInfo) -> str:
    expires = date_filter(_local(relationship.invitation_expires_at, zone), "D j M, H:i")
    return (
        '<li data-waiting-row="invitation"><a href="#pending-heading">Invitation to '
        f"{escape(relationship.invited_email)}</a>: expires {escape(expires)}</li>\n"
    )


def _client_row(row: WaitingRow, since: str, timeline) -> str:
    client = row.relationship.client
    public_id = str(client.public_id)  # hex digits and hyphens
    waits = []
    if row.shared:
        entries = "entry" if row.shared == 1 else "entries"
        waits.append(
            f'<span data-waits="shared">{row.shared:d} shared {entries} not viewed yet</span>'
        )
    if row.replies:
        replies = "reply" if row.replies == 1 else "replies"
        waits.append(f'<span data-waits="reply">{row.replies:d} {replies} not answered</span>')
    if row.silent:
        waits.append('<span data-waits="silent">quiet for a week</span>')
    return (
        f'<li data-waiting-row="{public_id}">'
        f'<a href="{escape(timeline(public_id))}?waiting=1">{escape(str(client))}</a>:\n'
        f"      {' · '.join(waits)}\n"
        f'      <span class="muted small">· since {since}</span></li>\n'
    )


def _local(moment: datetime | None, zone: ZoneInfo):
    """A moment in the viewer's zone, as a template's `{% timezone %}` block shows it."""
    return moment.astimezone(zone) if isinstance(moment, datetime) and moment.tzinfo else moment
