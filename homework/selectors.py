"""Reads about homework: what is due, what is done, adherence per ISO week."""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.clock import local_today
from accounts.models import User
from accounts.prepared import prepared

from .models import Assignment, AssignmentPause, AssignmentStatus, Completion, HomeworkTemplate
from .schedules import OVERDUE_DAYS, Frequency, iso_week_monday

logger = logging.getLogger(__name__)


def log_bad_row(assignment: Assignment) -> None:
    """Log that `assignment` is left out because its schedule cannot be computed: one bad
    row never takes a page down (callers catch ValueError and OverflowError, then call this)."""
    logger.exception("assignment %s left out: its schedule cannot be computed", assignment.pk)


def not_ended_before(queryset: QuerySet[Assignment], ended_after: datetime) -> QuerySet[Assignment]:
    """The homework of `queryset` but what ended before `ended_after`, with its pauses."""
    return assignments_with_pauses(
        queryset.exclude(status=AssignmentStatus.ENDED, ended_at__lt=ended_after)
    )


def assignments_with_pauses(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """With each one's pauses as a list (`pause_list`, which `Assignment.schedule` reads):
    a list is set on each row, where the related manager's cache made a queryset for each."""
    return queryset.prefetch_related(
        Prefetch(
            "pauses",
            queryset=AssignmentPause.objects.order_by("start_date"),
            to_attr="pause_list",
        )
    )


@dataclass
class Occurrence:
    assignment: Assignment
    due_date: date
    completion: Completion | None = None


@dataclass
class WeeklyProgress:
    assignment: Assignment
    done: int
    target: int
    completions: list[Completion] = field(default_factory=list)
    done_today: Completion | None = None


@dataclass
class Today:
    today: date
    due: list[Occurrence]
    done: list[Occurrence]
    overdue: list[Occurrence]
    weekly: list[WeeklyProgress]


@prepared
def _active_of_client(*, client_id: int) -> QuerySet[Assignment]:
    return assignments_with_pauses(
        Assignment.objects.in_care().filter(client_id=client_id, status=AssignmentStatus.ACTIVE)
    )


@prepared
def _completions_between(*, client_id: int, first: date, last: date) -> QuerySet[Completion]:
    return Completion.objects.filter(client_id=client_id, due_date__range=(first, last)).order_by(
        "due_date"
    )


def _active_homework(
    client: User, first: date, last: date
) -> tuple[list[Assignment], dict[int, dict[date, Completion]]]:
    """The client's active homework and its completions between two local dates. 3 queries."""
    assignments = _active_of_client(client_id=client.pk)
    by_assignment: dict[int, dict[date, Completion]] = defaultdict(dict)
    for completion in _completions_between(client_id=client.pk, first=first, last=last):
        by_assignment[completion.assignment_id][completion.due_date] = completion
    return assignments, by_assignment


def _add_to_today(
    result: Today,
    assignment: Assignment,
    completions: dict[date, Completion],
    today: date,
    monday: date,
) -> None:
    schedule = assignment.schedule()
    if assignment.frequency == Frequency.WEEKLY:
        this_week = [c for d, c in completions.items() if monday <= d <= today]
        target = schedule.weekly_target(monday)
        if target or this_week:
            result.weekly.append(
                WeeklyProgress(
                    assignment,
                    done=len(this_week),
                    target=target,
                    completions=this_week,
                    done_today=completions.get(today),
                )
            )
        return
    # Computed before anything is added, so a schedule that fails adds nothing.
    occurrences = [
        Occurrence(assignment, day, completions.get(day))
        for day in schedule.due_dates(today - timedelta(days=OVERDUE_DAYS), today)
    ]
    for occurrence in occurrences:
        if occurrence.due_date == today:
            (result.done if occurrence.completion else result.due).append(occurrence)
        elif occurrence.completion is None:
            result.overdue.append(occurrence)


def today_from(
    assignments: list[Assignment], done: dict[int, dict[date, Completion]], today: date
) -> Today:
    """`Today` for `today` from active `assignments` and their completions by assignment
    id and due date (those from OVERDUE_DAYS back, or the ISO week's Monday if earlier)."""
    monday = iso_week_monday(today)
    result = Today(today=today, due=[], done=[], overdue=[], weekly=[])
    for assignment in assignments:
        try:
            _add_to_today(result, assignment, done.get(assignment.pk, {}), today, monday)
        except (ValueError, OverflowError):
            log_bad_row(assignment)
    result.overdue.sort(key=lambda o: (o.due_date, o.assignment.title))
    return result


def client_today(*, client: User, today: date | None = None) -> Today:
    """Due today, done today, overdue in the last 7 days, and N-a-week progress. 3 queries."""
    today = today or local_today(client.timezone)
    first = min(today - timedelta(days=OVERDUE_DAYS), iso_week_monday(today))
    return today_from(*_active_homework(client, first, today), today)


@dataclass
class WeekDay:
    day: date
    occurrences: list[Occurrence]


def week_days_and_today(*, client: User, today: date | None = None) -> tuple[list[WeekDay], Today]:
    """This ISO week's days with their occurrences, and `Today` (with the N-a-week
    progress). 3 queries."""
    today = today or local_today(client.timezone)
    monday = iso_week_monday(today)
    days = [monday + timedelta(days=i) for i in range(7)]
    first = min(today - timedelta(days=OVERDUE_DAYS), monday)
    assignments, done = _active_homework(client, first, days[-1])
    week = [WeekDay(day, []) for day in days]
    for assignment in assignments:
        if assignment.frequency == Frequency.WEEKLY:
            continue
        try:
            dues = assignment.schedule().due_dates(monday, days[-1])
        except (ValueError, OverflowError):
            log_bad_row(assignment)
            continue
        for due in dues:
            week[(due - monday).days].occurrences.append(
                Occurrence(assignment, due, done.get(assignment.pk, {}).get(due))
            )
    return week, today_from(assignments, done, today)


# --- Adherence ---------------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    """Done of due in one ISO week."""

    done: int
    due: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None

    def __add__(self, other: "Adherence") -> "Adherence":
        return Adherence(self.done + other.done, self.due + other.due)


@dataclass(frozen=True)
class AssignmentAdherence:
    assignment: Assignment
    weeks: tuple[Adherence, ...]  # in the order of `AdherenceReport.weeks`


@dataclass(frozen=True)
class AdherenceReport:
    """A client's adherence, oldest week first and this week last; what the portal shows
    and the API serialises."""

    client: User
    today: date
    weeks: tuple[date, ...]  # Mondays
    rows: tuple[AssignmentAdherence, ...]
    totals: tuple[Adherence, ...]


def weeks_ending(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` ISO weeks, oldest first, this week last."""
    monday = iso_week_monday(today)
    return [monday - timedelta(weeks=i) for i in reversed(range(count))]


def weeks_due(
    assignment: Assignment,
    weeks: list[date],
    counts: dict,
    today: date | None,
    zone: tzinfo,
) -> tuple[Adherence, ...]:
    """Done / due of `assignment` in each of `weeks` (Mondays), with `counts` of completions
    by (assignment id, week) and days up to `today` counted as due; raises ValueError or
    OverflowError for a schedule that cannot be computed."""
    schedule = assignment.schedule()
    # The day it ended, in the client's zone (its UTC date may be the day before or after).
    last_day = timezone.localtime(assignment.ended_at, zone).date() if assignment.ended_at else None
    cells = []
    for week in weeks:
        sunday = week + timedelta(days=6)
        if assignment.frequency == Frequency.WEEKLY:
            due = schedule.weekly_target(week)
        else:
            until = min(d for d in (sunday, today, last_day) if d is not None)
            due = schedule.due_count(week, until) if until >= week else 0
        done = min(counts.get((assignment.pk, week), 0), due) if due else 0
        cells.append(Adherence(done, due))
    return tuple(cells)


def completion_counts(assignments: list[Assignment], weeks: list[date]) -> dict:
    """Completions by (assignment id, week) of these `weeks` (Mondays): one GROUP BY, for any
    number of clients. The query asks for the span from the first week to the last, two
    values where a year's weeks were fifty-three."""
    if not weeks:
        return {}
    wanted = set(weeks)
    rows = _completion_counts(
        assignment_ids=[a.pk for a in assignments], first=min(wanted), last=max(wanted)
    )
    return {(row["assignment"], row["week"]): row["n"] for row in rows if row["week"] in wanted}


@prepared
def _completion_counts(*, assignment_ids: list[int], first: date, last: date) -> QuerySet:
    return (
        Completion.objects.filter(assignment_id__in=assignment_ids, week__range=(first, last))
        .values("assignment", "week")
        .annotate(n=Count("id"))
    )


def adherence_report(
    client: User,
    assignments: list[Assignment],
    weeks: list[date],
    *,
    today: date | None = None,
    counts: dict | None = None,
) -> AdherenceReport:
    """Done / due per assignment and week, and per week for all of them together.

    Done is one GROUP BY in the database (`counts`, when the caller read them for many
    clients at once); due comes from the schedules (no rows exist for what is due). For the
    current week only days up to `today` count as due, except for N-a-week homework, whose
    weekly target counts in full. A row whose schedule cannot be computed is logged and left
    out.
    """
    if counts is None:
        counts = completion_counts(assignments, weeks)
    rows = []
    for assignment in assignments:
        try:
            cells = weeks_due(assignment, weeks, counts, today, client.zone)
        except (ValueError, OverflowError):
            log_bad_row(assignment)
            continue
        rows.append(AssignmentAdherence(assignment, cells))
    totals = tuple(sum((row.weeks[i] for row in rows), Adherence(0, 0)) for i in range(len(weeks)))
    return AdherenceReport(
        client=client, today=today, weeks=tuple(weeks), rows=tuple(rows), totals=totals
    )


def client_adherence(
    *, viewer: User, client: User, weeks: int = 5, today: date | None = None
) -> AdherenceReport:
    """A client's homework as the viewer may see it, this week and the ones before. 3 queries."""
    today = today or local_today(client.timezone)
    assignments = _assignments_of(viewer=viewer, client_id=client.pk)
    return adherence_report(client, assignments, weeks_ending(today, weeks), today=today)


@prepared
def _assignments_of(*, viewer: User, client_id: int) -> QuerySet[Assignment]:
    return assignments_with_pauses(
        Assignment.objects.visible_to(viewer).filter(client_id=client_id).select_related("template")
    ).order_by("status", "title", "id")


def templates_for(user: User) -> QuerySet[HomeworkTemplate]:
    return HomeworkTemplate.objects.visible_to(user).select_related("owner")


# --- One object for one user: strangers (and malformed ids) get 404 -----------------


def _get_or_404(queryset: QuerySet, public_id):
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(queryset, public_id=public_id)


def get_assignment_for_user(user: User, public_id) -> Assignment:
    """Homework the user may see (theirs, or set in their active care), with its pauses."""
    return _get_or_404(
        assignments_with_pauses(Assignment.objects.visible_to(user)).select_related("client"),
        public_id,
    )


def get_template_for_user(user: User, public_id) -> HomeworkTemplate:
    """A template the user may read: the shared library or their own."""
    return _get_or_404(templates_for(user), public_id)


def get_own_template_for_user(user: User, public_id) -> HomeworkTemplate:
    """A template the user may change: only their own (shared ones are kept by staff)."""
    return _get_or_404(templates_for(user).filter(owner=user), public_id)


# --- For the client's Today page ------------------------------------------------------

# Completions of once-by-a-date homework done early carry its (future) due date.
ONCE_LOOKAHEAD_DAYS = 400


def client_today_page(
    *, client: User, today: date | None = None
) -> tuple[Today, list[Assignment], dict[int, dict[date, Completion]]]:
    """`client_today`, plus the active homework and its completions (including once-by-a-date
    homework done ahead of its due date), for the page that groups them. 3 queries."""
    today = today or local_today(client.timezone)
    first = min(today - timedelta(days=OVERDUE_DAYS), iso_week_monday(today))
    assignments, done = _active_homework(client, first, today + timedelta(days=ONCE_LOOKAHEAD_DAYS))
    return today_from(assignments, done, today), assignments, done
