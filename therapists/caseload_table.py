"""The caseload page's long lists as HTML. Each caseload row but its last cell is kept in the
page cache under the row's own key (`progress.caseload.caseload_rows`), so a page whose
clients wrote nothing since draws only "last activity" again, a cell made here; each row of
"Waiting for you" is a kept fragment (accounts.fragments), drawn once for what it shows."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from accounts import fragments
from accounts.templatetags.tandem_ui import ago
from progress.caseload import CaseloadRow
from progress.waiting import Waiting, WaitingRow

TEMPLATE = "therapists/_caseload_row.html"
WAITING_ROW = "therapists/_waiting_row.html"


def drawn_row(row: CaseloadRow) -> str:
    """A caseload row as HTML but its last cell, drawn from the row alone (nothing of the
    request is in it): `caseload_rows` keeps it with the row."""
    return render_to_string(TEMPLATE, {"row": row})


def drawn_rows(rows: list[CaseloadRow], zone: str) -> SafeString:
    """The table's rows, as HTML, in the rows' order: each as `caseload_rows` kept it, with
    "Last activity" as it is now, in the viewer's time zone `zone`. Joined here, not by a
    loop of the page's template."""
    viewer = ZoneInfo(zone)
    # Drawn by the template engine, which escaped what it was given.
    return mark_safe(  # noqa: S308
        "".join(f"{row.html}{last_activity_cell(row.last_activity, viewer)}</tr>\n" for row in rows)
    )


NONE_YET = '<td data-label="Last activity"><span class="muted">none yet</span></td>'


def last_activity_cell(at: datetime | None, zone: ZoneInfo) -> str:
    """The row's "Last activity" cell: how long ago, with the moment in the viewer's time
    `zone` for machines (as `{{ at|date:'c' }}` gives it), or "none yet". A format string,
    not a template: a hundred of these cost a third of what reading them from the cache did."""
    if at is None:
        return NONE_YET
    return format_html(
        '<td data-label="Last activity"><time datetime="{}">{}</time></td>',
        at.astimezone(zone).isoformat(),
        ago(at),
    )


def drawn_waiting(waiting: Waiting, zone: str) -> SafeString:
    """ "Waiting for you", a row per client or invitation (what has waited longest first),
    in the viewer's time zone `zone`, as HTML."""
    rows = fragments.drawn(WAITING_ROW, (_waiting_row(row, zone) for row in waiting.rows))
    return mark_safe("".join(rows))  # noqa: S308 - each drawn by the template engine


def _waiting_row(row: WaitingRow, zone: str) -> dict:
    relationship = row.relationship
    if row.invitation:
        return {
            "zone": zone,
            "invitation": True,
            "email": relationship.invited_email,
            "expires": relationship.invitation_expires_at,
        }
    return {
        "zone": zone,
        "invitation": False,
        "client": relationship.client.public_id,
        "name": str(relationship.client),
        "shared": row.shared,
        "replies": row.replies,
        "silent": row.silent,
        "since": row.since,
    }
