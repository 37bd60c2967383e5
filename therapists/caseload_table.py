"""The caseload table's rows as HTML: each row but its last cell is kept in the page cache
under the row's own key (`progress.caseload.caseload_rows`), so a page whose clients wrote
nothing since draws only "last activity" again."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from accounts import versions
from progress.caseload import CaseloadRow

TEMPLATE = "therapists/_caseload_row.html"


def drawn_rows(rows: list[CaseloadRow]) -> list[tuple[CaseloadRow, SafeString]]:
    """(row, its HTML) in the rows' order: one read of the cache for all of them; the rows
    not kept are drawn (from the row alone: nothing of the request is in them) and kept."""
    keys = [f"{row.key}:html" for row in rows]
    kept = versions.read_many(key for row, key in zip(rows, keys, strict=True) if row.key)
    drawn = {}
    out = []
    for row, key in zip(rows, keys, strict=True):
        html = kept.get(key)
        if html is None:
            html = render_to_string(TEMPLATE, {"row": row})
            if row.key:
                drawn[key] = html
        # Drawn by the template engine, which escaped what it was given.
        out.append((row, mark_safe(html)))  # noqa: S308
    if drawn:
        versions.write_many(drawn)
    return out
