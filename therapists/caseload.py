"""The caseload at a glance: per client this week's adherence, last activity and a status,
with who needs attention first. A fixed number of queries, whatever the caseload's size."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, User
from accounts.policy import care_relationships_visible_to
from homework.models import Assignment, AssignmentStatus, Completion
from homework.schedules import Frequency, iso_week_monday, local_today
from homework.selectors import assignments_with_pauses

SILENT_DAYS = 7
LOW_ADHERENCE = 50  # percent
SORTS = {
    "attention": "Needs attention first",
    "name": "Name",
    "adherence": "Adherence this week",
    "activity": "Last activity",
}


@dataclass
class CaseloadRow:
    relationship: CareRelationship
    client: User
    done: int
    due: int
    last_activity: datetime | None
    homework: int  # active or paused assignments

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None

    @property
    def silent_days(self) -> int | None:
        if self.last_activity is None:
            return None
        return (timezone.now() - self.last_activity).days

    @property
    def needs_attention(self) -> bool:
        if not self.homework:
            return False
        low = self.percent is not None and self.percent < LOW_ADHERENCE
        since = self.last_activity or self.relationship.activated_at
        silent = since is not None and timezone.now() - since > timedelta(days=SILENT_DAYS)
        return low or silent

    @property
    def status(self) -> tuple[str, str]:
        """A short label and its badge tone."""
        if not self.homework:
            return "No homework yet", ""
        if self.needs_attention:
            return "Needs attention", "gentle"
        if self.percent is None:
            return "Nothing due yet", ""
        return "On track", "ok"


def _due_this_week(assignment: Assignment, today: date) -> int:
    """As in `homework.selectors.adherence`: this week's days up to today, N-a-week in full."""
    schedule = assignment.schedule()
    monday = iso_week_monday(today)
    if assignment.frequency == Frequency.WEEKLY:
        return schedule.weekly_target(monday)
    return len(schedule.due_dates(monday, today))


def caseload_rows(*, therapist: User, sort: str = "attention") -> list[CaseloadRow]:
    """5 queries: relationships, homework, pauses, this week's done counts, last activity."""
    relationships = list(
        care_relationships_visible_to(therapist)
        .filter(status=CareStatus.ACTIVE)
        .select_related("client")
        .order_by("client__name", "client__email")
    )
    by_id = {r.pk: r for r in relationships}
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.visible_to(therapist).filter(
                relationship__in=relationships,
                status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED],
            )
        )
    )
    todays = {r.pk: local_today(r.client.timezone) for r in relationships}
    weeks = {iso_week_monday(day) for day in todays.values()}
    counts = {
        (row["assignment"], row["week"]): row["n"]
        for row in Completion.objects.filter(assignment__in=assignments, week__in=weeks)
        .values("assignment", "week")
        .annotate(n=Count("id"))
    }
    last = {
        row["assignment__relationship"]: row["last"]
        for row in Completion.objects.filter(assignment__relationship__in=relationships)
        .values("assignment__relationship")
        .annotate(last=Max("completed_at"))
    }
    rows = {r.pk: CaseloadRow(r, r.client, 0, 0, last.get(r.pk), homework=0) for r in relationships}
    for assignment in assignments:
        row = rows[assignment.relationship_id]
        row.homework += 1
        if assignment.status != AssignmentStatus.ACTIVE:
            continue
        today = todays[assignment.relationship_id]
        due = _due_this_week(assignment, today)
        done = min(counts.get((assignment.pk, iso_week_monday(today)), 0), due)
        row.due += due
        row.done += done
    return sort_rows([rows[pk] for pk in by_id], sort)


def sort_rows(rows: list[CaseloadRow], sort: str) -> list[CaseloadRow]:
    oldest = datetime.min.replace(tzinfo=UTC)

    def name(row: CaseloadRow) -> str:
        return str(row.client).lower()

    def adherence(row: CaseloadRow) -> float:
        return row.percent if row.percent is not None else 101.0

    def activity(row: CaseloadRow) -> datetime:
        return row.last_activity or oldest

    match sort:
        case "name":
            return sorted(rows, key=name)
        case "adherence":
            return sorted(rows, key=lambda r: (adherence(r), name(r)))
        case "activity":
            return sorted(rows, key=lambda r: (activity(r), name(r)))
    # Needs attention first; then the lowest adherence; then the longest silence.
    return sorted(rows, key=lambda r: (not r.needs_attention, adherence(r), activity(r), name(r)))


def recent_completions(*, viewer: User, client: User, limit: int = 10) -> list[Completion]:
    """The client's latest check-offs that the viewer may see, with their notes."""
    return list(
        Completion.objects.visible_to(viewer)
        .filter(client=client)
        .select_related("assignment")
        .order_by("-completed_at")[:limit]
    )


LEFT_SHOWN_DAYS = 30


def clients_left(*, therapist: User, days: int = LEFT_SHOWN_DAYS) -> list[CareRelationship]:
    """Care relationships whose client deleted their account lately: no name is left to
    show, only that someone left and when. One query."""
    return list(
        care_relationships_visible_to(therapist)
        .filter(
            client__isnull=True,
            status=CareStatus.ENDED,
            activated_at__isnull=False,
            ended_at__gte=timezone.now() - timedelta(days=days),
        )
        .order_by("-ended_at")
    )
