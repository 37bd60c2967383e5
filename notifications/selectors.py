"""Reads: who is due at a tick, and the counts that reminders and digests carry."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from accounts.models import CareRelationship, CareStatus, User
from clients.models import FEEDBACK_FIELD, Feedback, JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, AssignmentStatus, Completion
from homework.schedules import iso_week_monday, local_today
from homework.selectors import adherence_report, assignments_with_pauses, client_today
from therapists import caseload

from .models import Preferences

CATCH_UP_AFTER_DAYS = 3


def anything_due(*, now: datetime) -> bool:
    """One indexed look at each column: most minutes of a small install have nothing due."""
    return Preferences.objects.filter(
        Q(next_reminder_at__lte=now, reminders_enabled=True)
        | Q(next_digest_at__lte=now, digest_enabled=True)
    ).exists()


def due_reminders(*, now: datetime, limit: int) -> QuerySet[Preferences]:
    """Preferences whose reminder instant has come (one indexed range scan)."""
    return (
        Preferences.objects.filter(next_reminder_at__lte=now, reminders_enabled=True)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("next_reminder_at")[:limit]
    )


def due_digests(*, now: datetime, limit: int) -> QuerySet[Preferences]:
    return (
        Preferences.objects.filter(next_digest_at__lte=now, digest_enabled=True)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("next_digest_at")[:limit]
    )


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
        day = moment.astimezone(zone).date()
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


def client_week(*, client: User, monday: date, today: date | None = None) -> ClientWeek:
    """A client's ISO week in counts (and the mood trend, for the portal). Besides the
    homework's adherence, one query per kind of record for the week and the streak's window
    together, whatever the history."""
    monday = iso_week_monday(monday)
    sunday = monday + timedelta(days=6)
    today = today or local_today(client.timezone)
    last = min(sunday, today)
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.filter(client=client).exclude(
                status=AssignmentStatus.ENDED, ended_at__date__lt=monday
            )
        )
    )
    report = adherence_report(client, assignments, [monday], today=today)
    total = report.totals[0] if report.totals else None

    # From the streak's first day (or the week's) to the week's end.
    first = min(monday, last - timedelta(days=STREAK_DAYS))
    logged = set(
        Completion.objects.filter(client=client, due_date__range=(first, sunday))
        .order_by()
        .values_list("due_date", flat=True)
        .distinct()
    )
    minutes = 0
    for day, exercise, outdoor in (
        LifestyleLog.objects.filter(client=client, day__range=(first, sunday))
        .order_by()
        .values_list("day", "exercise_minutes", "outdoor_minutes")
    ):
        logged.add(day)
        if monday <= day <= sunday:
            minutes += (exercise or 0) + (outdoor or 0)
    social = 0
    for (day,) in (
        SocialActivity.objects.filter(client=client, day__range=(first, sunday))
        .order_by()
        .values_list("day")
    ):
        logged.add(day)
        social += monday <= day <= sunday
    zone = client.zone
    in_week = []
    for moment, mood in (
        JournalEntry.objects.filter(
            client=client,
            occurred_at__date__range=(first - timedelta(days=1), sunday + timedelta(days=1)),
        )
        .order_by()
        .values_list("occurred_at", "mood")
    ):
        day = moment.astimezone(zone).date()
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


@dataclass(frozen=True)
class WeekCounts:
    """One client's week in counts, for the therapist's weekly review."""

    homework_done: int
    homework_due: int
    days_logged: int
    journal_entries: int
    active_minutes: int
    social_contacts: int


@dataclass(frozen=True)
class CaseloadRow:
    client: User
    week: WeekCounts
    signals: caseload.CaseloadRow  # flags, shared mood trend and last activity

    @property
    def last_active(self) -> date | None:
        return self.signals.last_active_day

    @property
    def flags(self) -> tuple[caseload.Flag, ...]:
        return self.signals.flags


@dataclass(frozen=True)
class CaseloadWeek:
    monday: date
    rows: tuple[CaseloadRow, ...]

    @property
    def active(self) -> int:
        return sum(1 for r in self.rows if r.week.days_logged)

    @property
    def all_done(self) -> int:
        return sum(
            1
            for r in self.rows
            if r.week.homework_due and r.week.homework_done >= r.week.homework_due
        )

    def flagged(self, flag: caseload.Flag) -> int:
        return sum(1 for r in self.rows if flag in r.flags)

    @property
    def quiet(self) -> int:
        """Clients with no activity for 7 days or more, up to the week's end."""
        return self.flagged(caseload.SILENT)

    @property
    def flag_counts(self) -> dict[str, int]:
        """How many clients carry each flag (by its key): counts only, for the e-mail."""
        return {flag.key: self.flagged(flag) for flag in caseload.FLAGS}


def _week_counts(rows: list[caseload.CaseloadRow], monday: date) -> dict[int, WeekCounts]:
    """Days logged, journal entries, active minutes and time with people of each client in
    the week, from shared records only (that a client wrote a private one is theirs alone),
    and homework check-offs: 4 queries whatever the caseload's size."""
    sunday = monday + timedelta(days=6)
    clients = {row.client.pk: row for row in rows}
    days: dict[int, set[date]] = {pk: set() for pk in clients}
    minutes = dict.fromkeys(clients, 0)
    social = dict.fromkeys(clients, 0)
    journal = dict.fromkeys(clients, 0)
    for client_id, day in (
        Completion.objects.filter(client_id__in=clients, due_date__range=(monday, sunday))
        .values_list("client_id", "due_date")
        .distinct()
    ):
        days[client_id].add(day)
    for client_id, day, exercise, outdoor in LifestyleLog.objects.filter(
        client_id__in=clients, day__range=(monday, sunday), shared=True
    ).values_list("client_id", "day", "exercise_minutes", "outdoor_minutes"):
        days[client_id].add(day)
        minutes[client_id] += (exercise or 0) + (outdoor or 0)
    for row in (
        SocialActivity.objects.filter(
            client_id__in=clients, day__range=(monday, sunday), shared=True
        )
        .values("client_id", "day")
        .annotate(n=Count("id"))
    ):
        days[row["client_id"]].add(row["day"])
        social[row["client_id"]] += row["n"]
    for client_id, moment in JournalEntry.objects.filter(
        client_id__in=clients,
        shared=True,
        occurred_at__date__range=(monday - timedelta(days=1), sunday + timedelta(days=1)),
    ).values_list("client_id", "occurred_at"):
        day = moment.astimezone(clients[client_id].client.zone).date()
        if monday <= day <= sunday:
            days[client_id].add(day)
            journal[client_id] += 1
    return {
        pk: WeekCounts(
            homework_done=row.done,
            homework_due=row.due,
            # Only days up to the client's today (a Sunday's log of a week not over waits).
            days_logged=sum(1 for d in days[pk] if d <= row.day),
            journal_entries=journal[pk],
            active_minutes=minutes[pk],
            social_contacts=social[pk],
        )
        for pk, row in clients.items()
    }


def caseload_week(*, therapist: User, monday: date) -> CaseloadWeek:
    """Each active client of the therapist with their week and flags, as of the week's end
    (or today): names for the portal; the e-mail reads only counts. 9 queries whatever the
    caseload's size (`therapists.caseload.build_rows` and `_week_counts`)."""
    monday = iso_week_monday(monday)
    # As before, the digest is built whether or not the therapist has set up MFA yet: the
    # e-mail carries counts only, and the portal's pages ask for MFA themselves.
    signals = caseload.build_rows(
        therapist=therapist,
        week=monday,
        relationships=CareRelationship.objects.filter(therapist=therapist),
    )
    counts = _week_counts(signals, monday) if signals else {}
    return CaseloadWeek(
        monday=monday,
        rows=tuple(CaseloadRow(row.client, counts[row.client.pk], row) for row in signals),
    )


# --- What waits for a therapist --------------------------------------------------------

FEEDBACK_AFTER = timedelta(days=2)
# Older shared records are history, not a to-do: a therapist taking over a client is not
# handed months of entries as "waiting".
SHARED_WITHIN = timedelta(days=30)
REPLIES_WITHIN = timedelta(days=30)
INVITATION_EXPIRES_WITHIN = timedelta(days=1)
SILENT_AFTER = timedelta(days=7)
# "Once per silence": a silence waits during its second week only, then it is the caseload's
# "needs attention" (a silence that started again after activity waits again).
SILENT_FOR = timedelta(days=7)


class WaitingKind:
    SHARED = "shared"
    REPLY = "reply"
    INVITATION = "invitation"
    SILENT = "silent"


KIND_ORDER = (WaitingKind.SHARED, WaitingKind.REPLY, WaitingKind.INVITATION, WaitingKind.SILENT)


@dataclass(frozen=True)
class WaitingItem:
    kind: str
    relationship: CareRelationship
    since: datetime


@dataclass(frozen=True)
class Waiting:
    """Counts for the e-mail; the items (which name clients) for the portal only."""

    shared: int
    replies: int
    invitations: int
    silent: int
    items: tuple[WaitingItem, ...] = ()

    @property
    def total(self) -> int:
        return self.shared + self.replies + self.invitations + self.silent

    def of(self, kind: str) -> list[WaitingItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def by_kind(self) -> dict[str, list[WaitingItem]]:
        """For the portal's template, which cannot call `of`."""
        return {kind: self.of(kind) for kind in ("shared", "reply", "invitation", "silent")}


# The moment of each kind of activity, for a client's last activity ("silent").
ACTIVITY_MOMENT = (
    (Completion, "completed_at", "last_completion"),
    (JournalEntry, "created_at", "last_journal"),
    (LifestyleLog, "created_at", "last_lifestyle"),
    (SocialActivity, "created_at", "last_social"),
)


def with_last_activity(queryset: QuerySet[CareRelationship]) -> QuerySet[CareRelationship]:
    """`queryset` with each relationship's client and the client's last activity of each
    kind (`last_completion`, `last_journal`, ...), read in the same query."""
    return queryset.select_related("client").annotate(
        **{
            name: Subquery(
                model.objects.filter(client_id=OuterRef("client_id"))
                .order_by()
                .values("client_id")
                .annotate(last=Max(moment))
                .values("last")
            )
            for model, moment, name in ACTIVITY_MOMENT
        }
    )


def _last_activity(relationship: CareRelationship) -> datetime | None:
    moments = [getattr(relationship, name) for _, _, name in ACTIVITY_MOMENT]
    return max((moment for moment in moments if moment is not None), default=None)


def waiting_for_therapist(
    therapist: User, now: datetime, relationships: list[CareRelationship] | None = None
) -> Waiting:
    """What waits for the therapist at `now`, from active relationships and open invitations
    only. Two queries whatever the caseload's size, one when the caller passes the
    therapist's `relationships` (read through `with_last_activity`, with at least the
    active ones and the open invitations)."""
    if relationships is None:
        relationships = list(
            with_last_activity(
                CareRelationship.objects.filter(
                    Q(status=CareStatus.ACTIVE, client__isnull=False)
                    | Q(
                        status=CareStatus.INVITED,
                        invitation_expires_at__gt=now,
                        invitation_expires_at__lte=now + INVITATION_EXPIRES_WITHIN,
                    ),
                    therapist=therapist,
                )
            )
        )
    active = {
        r.client_id: r
        for r in relationships
        if r.status == CareStatus.ACTIVE and r.client_id is not None
    }
    items: list[WaitingItem] = []

    # Invitations about to expire, never accepted (opening a link is not recorded).
    for invitation in relationships:
        if (
            invitation.status == CareStatus.INVITED
            and invitation.invitation_expires_at is not None
            and now < invitation.invitation_expires_at <= now + INVITATION_EXPIRES_WITHIN
        ):
            items.append(
                WaitingItem(WaitingKind.INVITATION, invitation, invitation.invitation_expires_at)
            )

    # Clients silent for SILENT_AFTER, while the silence is in its first SILENT_FOR.
    for relationship in active.values():
        since = _last_activity(relationship) or relationship.activated_at or relationship.invited_at
        if since is not None and now - SILENT_AFTER - SILENT_FOR < since <= now - SILENT_AFTER:
            items.append(WaitingItem(WaitingKind.SILENT, relationship, since))

    if active:
        # One query: shared records with no feedback from this therapist for
        # FEEDBACK_AFTER (one part per kind of record), and threads whose last message is
        # the client's.
        parts = []
        for model, field in FEEDBACK_FIELD.items():
            given = Feedback.objects.filter(author=therapist, **{field: OuterRef("pk")})
            parts.append(
                model.objects.filter(
                    client_id__in=list(active),
                    shared=True,
                    created_at__lte=now - FEEDBACK_AFTER,
                    created_at__gt=now - SHARED_WITHIN,
                )
                .exclude(Exists(given))
                .order_by()
                .annotate(kind=Value(WaitingKind.SHARED, output_field=CharField()))
                .values_list("kind", "client_id", "created_at")
            )
        # A feedback is the last of its thread (its relationship and record) when no
        # other message of the thread is later.
        later = Feedback.objects.filter(
            Q(journal_entry_id=OuterRef("journal_entry_id"))
            | Q(lifestyle_log_id=OuterRef("lifestyle_log_id"))
            | Q(social_activity_id=OuterRef("social_activity_id")),
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id")),
            relationship_id=OuterRef("relationship_id"),
        )
        parts.append(
            Feedback.objects.filter(
                relationship_id__in=[r.pk for r in active.values()],
                client_id__in=list(active),
                author_id=F("client_id"),
                created_at__gt=now - REPLIES_WITHIN,
            )
            .exclude(Exists(later))
            .order_by()
            .annotate(kind=Value(WaitingKind.REPLY, output_field=CharField()))
            .values_list("kind", "client_id", "created_at")
        )
        for kind, client_id, created in parts[0].union(*parts[1:], all=True).order_by():
            items.append(WaitingItem(kind, active[client_id], created))

    def count(kind: str) -> int:
        return sum(1 for item in items if item.kind == kind)

    return Waiting(
        shared=count(WaitingKind.SHARED),
        replies=count(WaitingKind.REPLY),
        invitations=count(WaitingKind.INVITATION),
        silent=count(WaitingKind.SILENT),
        items=tuple(sorted(items, key=lambda item: (item.since, KIND_ORDER.index(item.kind)))),
    )
