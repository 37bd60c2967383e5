"""Reads about homework: what is due, what is done, adherence per ISO week."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import User

from .models import Assignment, AssignmentPause, AssignmentStatus, Completion, HomeworkTemplate
from .schedules import Frequency, iso_week_monday, local_today

OVERDUE_DAYS = 7


def assignments_with_pauses(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    return queryset.prefetch_related(
        Prefetch("pauses", queryset=AssignmentPause.objects.order_by("start_date"))
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


def _active_homework(
    client: User, first: date, last: date
) -> tuple[list[Assignment], dict[int, dict[date, Completion]]]:
    """The client's active homework and its completions between two local dates. 3 queries."""
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.in_care().filter(client=client, status=AssignmentStatus.ACTIVE)
        )
    )
    by_assignment: dict[int, dict[date, Completion]] = defaultdict(dict)
    for completion in Completion.objects.filter(
        client=client, due_date__range=(first, last)
    ).order_by("due_date"):
        by_assignment[completion.assignment_id][completion.due_date] = completion
    return assignments, by_assignment


def _today_from(
    assignments: list[Assignment], done: dict[int, dict[date, Completion]], today: date
) -> Today:
    monday = iso_week_monday(today)
    result = Today(today=today, due=[], done=[], overdue=[], weekly=[])
    for assignment in assignments:
        schedule = assignment.schedule()
        completions = done.get(assignment.pk, {})
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
            continue
        for day in schedule.due_dates(today - timedelta(days=OVERDUE_DAYS), today):
            occurrence = Occurrence(assignment, day, completions.get(day))
            if day == today:
                (result.done if occurrence.completion else result.due).append(occurrence)
            elif occurrence.completion is None:
                result.overdue.append(occurrence)
    result.overdue.sort(key=lambda o: (o.due_date, o.assignment.title))
    return result


def client_today(*, client: User, today: date | None = None) -> Today:
    """Due today, done today, overdue in the last 7 days, and N-a-week progress. 3 queries."""
    today = today or local_today(client.timezone)
    first = min(today - timedelta(days=OVERDUE_DAYS), iso_week_monday(today))
    return _today_from(*_active_homework(client, first, today), today)


@dataclass
class WeekDay:
    day: date
    occurrences: list[Occurrence]


def client_week(*, client: User, today: date | None = None) -> tuple[list[WeekDay], Today]:
    """This ISO week, day by day, with the N-a-week progress. 3 queries."""
    today = today or local_today(client.timezone)
    monday = iso_week_monday(today)
    days = [monday + timedelta(days=i) for i in range(7)]
    first = min(today - timedelta(days=OVERDUE_DAYS), monday)
    assignments, done = _active_homework(client, first, days[-1])
    week = [WeekDay(day, []) for day in days]
    for assignment in assignments:
        if assignment.frequency == Frequency.WEEKLY:
            continue
        for due in assignment.schedule().due_dates(monday, days[-1]):
            week[(due - monday).days].occurrences.append(
                Occurrence(assignment, due, done.get(assignment.pk, {}).get(due))
            )
    return week, _today_from(assignments, done, today)


# --- Adherence ---------------------------------------------------------------------


@dataclass
class Adherence:
    done: int
    due: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None


def weeks_ending(today: date, count: int) -> list[date]:
    """The Mondays of the last `count` ISO weeks, oldest first, this week last."""
    monday = iso_week_monday(today)
    return [monday - timedelta(weeks=i) for i in reversed(range(count))]


def adherence(
    assignments: list[Assignment], weeks: list[date], *, today: date | None = None
) -> tuple[dict[tuple[int, date], Adherence], dict[date, Adherence]]:
    """Done / due per (assignment, week) and per week for all of them together.

    Done is one GROUP BY in the database; due comes from the schedules (no rows exist for
    what is due). For the current week only days up to `today` count as due, except for
    N-a-week homework, whose weekly target counts in full.
    """
    counts = {
        (row["assignment"], row["week"]): row["n"]
        for row in Completion.objects.filter(assignment__in=assignments, week__in=weeks)
        .values("assignment", "week")
        .annotate(n=Count("id"))
    }
    per_assignment: dict[tuple[int, date], Adherence] = {}
    per_week = {week: Adherence(0, 0) for week in weeks}
    for assignment in assignments:
        schedule = assignment.schedule()
        last_day = assignment.ended_at.date() if assignment.ended_at else None
        for week in weeks:
            sunday = week + timedelta(days=6)
            if assignment.frequency == Frequency.WEEKLY:
                due = schedule.weekly_target(week)
            else:
                until = min(d for d in (sunday, today, last_day) if d is not None)
                due = len(schedule.due_dates(week, until)) if until >= week else 0
            done = min(counts.get((assignment.pk, week), 0), due) if due else 0
            per_assignment[(assignment.pk, week)] = Adherence(done, due)
            per_week[week].done += done
            per_week[week].due += due
    return per_assignment, per_week


def client_homework_overview(*, viewer: User, client: User, today: date | None = None):
    """A client's homework as the viewer may see it, with this week and the last four."""
    today = today or local_today(client.timezone)
    weeks = weeks_ending(today, 5)
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.visible_to(viewer).filter(client=client).select_related("template")
        ).order_by("status", "title")
    )
    per_assignment, per_week = adherence(assignments, weeks, today=today)
    rows = [
        (assignment, [per_assignment[(assignment.pk, week)] for week in weeks])
        for assignment in assignments
    ]
    return {"weeks": weeks, "rows": rows, "totals": [per_week[w] for w in weeks], "today": today}


def templates_for(user: User) -> QuerySet[HomeworkTemplate]:
    return HomeworkTemplate.objects.visible_to(user).select_related("owner")


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
    return _today_from(assignments, done, today), assignments, done
