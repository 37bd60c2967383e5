"""Reads: who is due at a tick, and the counts that the client's reminders and digest carry
(what the therapist's e-mails count lives in `progress.caseload` and `progress.waiting`)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q, QuerySet

from accounts.clock import local_day, local_midnight, local_today, zone
from accounts.models import CareStatus, User
from accounts.prepared import prepared
from appointments.models import Appointment
from appointments.models import Status as SessionStatus
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, AssignmentStatus, Completion
from homework.schedules import iso_week_monday
from homework.selectors import (
    adherence_report,
    client_today,
    completion_counts,
    not_ended_before,
)

from .models import Preferences

CATCH_UP_AFTER_DAYS = 3


@dataclass(frozen=True)
class NextReminder:
    """When a person's next reminder e-mail may go, and the zone it was worked out in."""

    next_reminder_at: datetime | None
    zone: str


def next_reminder(user: User) -> NextReminder | None:
    """What the caseload's "Waiting for you" says of the next reminder; None before the tick
    made the person's preferences. One query, of these two columns only."""
    rows = _next_reminder(user_id=user.pk)
    return NextReminder(*rows[0]) if rows else None


@prepared
def _next_reminder(*, user_id: int) -> QuerySet:
    return Preferences.objects.filter(user_id=user_id).values_list("next_reminder_at", "zone")


def anything_due(*, now: datetime) -> bool:
    """One indexed look at each column: most minutes of a small install have nothing due."""
    return Preferences.objects.filter(
        Q(next_reminder_at__lte=now, reminders_enabled=True)
        | Q(next_digest_at__lte=now, digest_enabled=True)
        | Q(next_reply_at__lte=now, replies_enabled=True)
    ).exists()


def _locked(manager, claim: bool) -> QuerySet[Preferences]:
    # Only the preferences rows: their users are read, not claimed.
    return manager.select_for_update(skip_locked=True, of=("self",)) if claim else manager.all()


def due_reminders(*, now: datetime, limit: int, claim: bool = False) -> QuerySet[Preferences]:
    """Preferences whose reminder instant has come (one indexed range scan). With `claim`,
    the rows are locked for the caller's transaction, and rows another tick holds skipped."""
    return (
        _locked(Preferences.objects, claim)
        .filter(next_reminder_at__lte=now, reminders_enabled=True)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("next_reminder_at")[:limit]
    )


def due_digests(*, now: datetime, limit: int, claim: bool = False) -> QuerySet[Preferences]:
    return (
        _locked(Preferences.objects, claim)
        .filter(next_digest_at__lte=now, digest_enabled=True)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("next_digest_at")[:limit]
    )


def due_replies(*, now: datetime, limit: int, claim: bool = False) -> QuerySet[Preferences]:
    """Reply notes held back by quiet hours that have ended."""
    return (
        _locked(Preferences.objects, claim)
        .filter(next_reply_at__lte=now, replies_enabled=True)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("next_reply_at")[:limit]
    )


def sessions_tomorrow(*, therapist: User, now: datetime) -> int:
    """How many sessions still scheduled the therapist has on their local day after `now`'s,
    in their active care relationships (a brief to read for each)."""
    tz = zone(therapist.timezone)
    tomorrow = local_day(now, tz) + timedelta(days=1)
    return Appointment.objects.filter(
        therapist=therapist,
        relationship__status=CareStatus.ACTIVE,
        status=SessionStatus.SCHEDULED,
        starts_at__gte=local_midnight(tomorrow, tz),
        starts_at__lt=local_midnight(tomorrow + timedelta(days=1), tz),
    ).count()


@dataclass(frozen=True)
class ReminderCounts:
    waiting: int  # due today and not done, plus N-a-week homework short of its target
    done: int


def reminder_counts(*, client: User, today: date) -> ReminderCounts:
    page = client_today(client=client, today=today)
    weekly = sum(1 for w in page.weekly if w.done < w.target and w.done_today is None)
    return ReminderCounts(waiting=len(page.due) + weekly, done=len(page.done))


def has_active_homework(client: User, since: date) -> bool:
    """Homework active and begun by `since`: a new assignment is no reason for a nudge."""
    return (
        Assignment.objects.in_care()
        .filter(client=client, status=AssignmentStatus.ACTIVE, start_date__lte=since)
        .exists()
    )


def logged_days(client: User, first: date, last: date) -> set[date]:
    """Local days in first..last on which the client logged anything."""
    days = set(
        Completion.objects.filter(client=client, due_date__range=(first, last)).values_list(
            "due_date", flat=True
        )
    )
    days |= set(
        LifestyleLog.objects.filter(client=client, day__range=(first, last)).values_list(
            "day", flat=True
        )
    )
    days |= set(
        SocialActivity.objects.filter(client=client, day__range=(first, last)).values_list(
            "day", flat=True
        )
    )
    zone = client.zone
    for moment in JournalEntry.objects.filter(
        client=client,
        occurred_at__date__range=(first - timedelta(days=1), last + timedelta(days=1)),
    ).values_list("occurred_at", flat=True):
        day = local_day(moment, zone)
        if first <= day <= last:
            days.add(day)
    return days


def needs_catch_up(*, client: User, today: date) -> bool:
    """Nothing logged for the last 3 days (today included) while homework is active."""
    first = today - timedelta(days=CATCH_UP_AFTER_DAYS - 1)
    return has_active_homework(client, first) and not logged_days(client, first, today)


# --- Weekly summaries ----------------------------------------------------------------


@dataclass(frozen=True)
class ClientWeek:
    monday: date
    homework_done: int
    homework_due: int
    days_logged: int
    journal_entries: int
    active_minutes: int
    social_contacts: int
    streak: int  # consecutive days with a log, ending on the week's last day (or today)
    moods: tuple[tuple[date, float | None], ...]  # portal only, never in an e-mail

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


STREAK_DAYS = 60  # how far back a streak is counted


def _streak(days: set[date], last: date) -> int:
    """Consecutive days in `days` ending on `last`, looking back STREAK_DAYS at most."""
    streak, day = 0, last
    while day in days and day >= last - timedelta(days=STREAK_DAYS):
        streak += 1
        day -= timedelta(days=1)
    return streak


def client_week_summary(*, client: User, monday: date, today: date | None = None) -> ClientWeek:
    """A client's ISO week in counts (and the mood trend, for the portal)."""
    return client_week_summaries([(client, monday)], today=today)[0]


def client_week_summaries(
    weeks: list[tuple[User, date]], *, today: date | None = None
) -> list[ClientWeek]:
    """Each (client, Monday)'s ISO week in counts, in order: a batch of weekly digests at
    once. Seven queries for the whole batch (one more per further distinct week), whatever
    the clients' histories: their homework with its pauses and its adherence, then one query
    per kind of record over every client's week and streak window together, sorted out here.
    `today` (default: each client's local date) bounds what counts as due."""
    plans = []
    for client, monday in weeks:
        monday = iso_week_monday(monday)
        sunday = monday + timedelta(days=6)
        own_today = today or local_today(client.timezone)
        last = min(sunday, own_today)
        # From the streak's first day (or the week's) to the week's end.
        first = min(monday, last - timedelta(days=STREAK_DAYS))
        plans.append((client, monday, sunday, own_today, last, first))
    if not plans:
        return []
    client_ids = {client.pk for client, *_ in plans}

    assignments: dict[tuple[int, date], list[Assignment]] = defaultdict(list)
    for monday in {plan[1] for plan in plans}:
        for assignment in _homework_of(
            client_ids=sorted({c.pk for c, m, *_ in plans if m == monday}),
            ended_after=local_midnight(monday, UTC),
        ):
            assignments[assignment.client_id, monday].append(assignment)
    counts = completion_counts(
        [a for found in assignments.values() for a in found], sorted({p[1] for p in plans})
    )

    start = min(plan[5] for plan in plans)
    end = max(plan[2] for plan in plans)
    ids = sorted(client_ids)
    completed = defaultdict(set)
    for client_id, day in _days_done(client_ids=ids, start=start, end=end):
        completed[client_id].add(day)
    lifestyle = defaultdict(list)
    for client_id, *row in _lifestyle_days(client_ids=ids, start=start, end=end):
        lifestyle[client_id].append(row)
    social = defaultdict(list)
    for client_id, day in _social_days(client_ids=ids, start=start, end=end):
        social[client_id].append(day)
    journal = defaultdict(list)
    # A day either side in UTC: each client's local days are sorted out in `_client_week`.
    after = local_midnight(start - timedelta(days=1), UTC)
    before = local_midnight(end + timedelta(days=2), UTC)
    for client_id, *row in _journal_moods(client_ids=ids, after=after, before=before):
        journal[client_id].append(row)

    return [
        _client_week(
            plan,
            adherence_report(
                plan[0],
                assignments[plan[0].pk, plan[1]],
                [plan[1]],
                today=plan[3],
                counts=counts,
            ),
            completed[plan[0].pk],
            lifestyle[plan[0].pk],
            social[plan[0].pk],
            journal[plan[0].pk],
        )
        for plan in plans
    ]


@prepared
def _homework_of(*, client_ids: list[int], ended_after: datetime) -> QuerySet[Assignment]:
    """Their homework but what ended before `ended_after`, with its pauses."""
    return not_ended_before(Assignment.objects.filter(client_id__in=client_ids), ended_after)


@prepared
def _days_done(*, client_ids: list[int], start: date, end: date) -> QuerySet:
    return (
        Completion.objects.filter(client_id__in=client_ids, due_date__range=(start, end))
        .order_by()
        .values_list("client_id", "due_date")
        .distinct()
    )


@prepared
def _lifestyle_days(*, client_ids: list[int], start: date, end: date) -> QuerySet:
    return (
        LifestyleLog.objects.filter(client_id__in=client_ids, day__range=(start, end))
        .order_by()
        .values_list("client_id", "day", "exercise_minutes", "outdoor_minutes")
    )


@prepared
def _social_days(*, client_ids: list[int], start: date, end: date) -> QuerySet:
    return (
        SocialActivity.objects.filter(client_id__in=client_ids, day__range=(start, end))
        .order_by()
        .values_list("client_id", "day")
    )


@prepared
def _journal_moods(*, client_ids: list[int], after: datetime, before: datetime) -> QuerySet:
    """Their entries' moments and moods from `after` until `before`: a range of the
    (client, moment) index."""
    return (
        JournalEntry.objects.filter(
            client_id__in=client_ids, occurred_at__gte=after, occurred_at__lt=before
        )
        .order_by()
        .values_list("client_id", "occurred_at", "mood")
    )


def _client_week(plan, report, completed, lifestyle, social_days, journal) -> ClientWeek:
    """One client's week from their rows of the batch (which may reach beyond their window)."""
    client, monday, sunday, _, last, first = plan
    total = report.totals[0] if report.totals else None
    logged = {day for day in completed if first <= day <= sunday}
    minutes = 0
    for day, exercise, outdoor in lifestyle:
        if not first <= day <= sunday:
            continue
        logged.add(day)
        if monday <= day <= sunday:
            minutes += (exercise or 0) + (outdoor or 0)
    social = 0
    for day in social_days:
        if not first <= day <= sunday:
            continue
        logged.add(day)
        social += monday <= day <= sunday
    zone = client.zone
    in_week = []
    for moment, mood in journal:
        day = local_day(moment, zone)
        if first <= day <= sunday:
            logged.add(day)
        if monday <= day <= sunday:
            in_week.append((day, mood))
    moods = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        values = [mood for d, mood in in_week if d == day and mood is not None]
        moods.append((day, round(sum(values) / len(values), 1) if values else None))
    return ClientWeek(
        monday=monday,
        homework_done=total.done if total else 0,
        homework_due=total.due if total else 0,
        days_logged=sum(1 for day in logged if monday <= day <= last),
        journal_entries=len(in_week),
        active_minutes=minutes,
        social_contacts=social,
        streak=_streak(logged, last) if last >= monday else 0,
        moods=tuple(moods),
    )
