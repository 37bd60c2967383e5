"""The weekly review's rows as HTML: each a kept fragment (accounts.fragments), drawn once
for what it shows, so a week in which one client wrote draws only that client's row."""

from django.utils.safestring import SafeString

from accounts import fragments
from progress.caseload import CaseloadWeek, CaseloadWeekRow

ROW = "notifications/_review_row.html"


def drawn_review_rows(caseload: CaseloadWeek) -> list[SafeString]:
    """Each client's row, in the caseload's order."""
    return fragments.drawn(ROW, (_row(row) for row in caseload.rows))


def _row(row: CaseloadWeekRow) -> dict:
    week = row.week
    return {
        "client": row.client.public_id,
        "name": str(row.client),
        "flags": tuple((flag.key, flag.label) for flag in row.flags),
        "homework_done": week.homework_done,
        "homework_due": week.homework_due,
        "days_logged": week.days_logged,
        "journal_entries": week.journal_entries,
        "active_minutes": week.active_minutes,
        "social_contacts": week.social_contacts,
        "last_active": row.last_active,
    }
