"""The caseload at a glance: per client last activity, this week's adherence, the mood
trend from shared journal entries and the flags that say who needs attention first.

Everything comes from one bulk computation (`build_rows`) in a fixed number of queries,
whatever the caseload's size; the therapist's weekly digest and review read it too
(`notifications.selectors.caseload_week`)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, User
from accounts.policy import care_relationships_visible_to
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, AssignmentStatus, Completion
from homework.schedules import OVERDUE_DAYS, Frequency, iso_week_monday
from homework.selectors import (
    Adherence,
    _log_bad_row,
    _today_from,
    _weeks_due,
    assignments_with_pauses,
)
from measures.models import MeasureResponse
from measures.selectors import Latest, latest_results

SILENT_DAYS = 7
LOW_ADHERENCE = 50  # percent
MOOD_DROP = 2.0  # points on the 0-10 scale, week on week
MOOD_STEADY = 0.5  # a change this small or smaller either way reads as "steady"
SORTS = {
    "attention": "Needs attention first",
    "name": "Name",
    "adherence": "Adherence this week",
    "activity": "Last activity",
}


@dataclass(frozen=True)
class Flag:
    key: str
    label: str  # short, shown as a badge; never colour alone
    weight: int  # how far it moves a client up "needs attention first"


ALERT = Flag("alert", "Open safety alert", 100)
MOOD_DOWN = Flag("mood_down", "Mood down 2+ points", 4)
SILENT = Flag("silent", "No activity for 7+ days", 3)
OVERDUE = Flag("overdue", "Overdue homework", 2)
LOW_ADHERENCE_FLAG = Flag("low_adherence", "Less than half done", 1)
# Most serious first: the order of badges on a row and of counts in the digest.
FLAGS = (ALERT, MOOD_DOWN, SILENT, OVERDUE, LOW_ADHERENCE_FLAG)


@dataclass
class CaseloadRow:
    """One client as of `day` (their local date: today, or the end of a past week)."""

    relationship: CareRelationship
    client: User
    day: date
    at: datetime  # the instant `day` is seen from: now, or the end of that day
    last_activity: datetime | None = None  # when the client last did something (`ACTIVITY`)
    last_logged_day: date | None = None  # the latest day they logged something for
    done: int = 0
    due: int = 0
    homework: int = 0  # active or paused assignments
    overdue: int = 0  # missed occurrences of the last OVERDUE_DAYS, not checked off
    mood_now: float | None = None  # mean mood of SHARED journal entries, this ISO week
    mood_before: float | None = None  # ... and the ISO week before
    open_alerts: int = 0  # open safety alerts on this relationship (as of now)
    # Done / due of the occurrences whose day is over (today's may still be done): what
    # "Less than half done" judges, so a client who joined minutes ago is not flagged.
    done_past: int = 0
    due_past: int = 0
    # The latest result of each questionnaire, newest first (the caseload page only).
    measures: list[Latest] = field(default_factory=list)

    @property
    def monday(self) -> date:
        return iso_week_monday(self.day)

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None

    @property
    def mood_change(self) -> float | None:
        if self.mood_now is None or self.mood_before is None:
            return None
        return round(self.mood_now - self.mood_before, 1)

    @property
    def mood_trend(self) -> str:
        """ "up", "down" or "steady"; "" without both weeks."""
        change = self.mood_change
        if change is None:
            return ""
        if change > MOOD_STEADY:
            return "up"
        if change < -MOOD_STEADY:
            return "down"
        return "steady"

    @property
    def last_active_day(self) -> date | None:
        """The latest local day the client did something or logged something for."""
        made = (
            self.last_activity.astimezone(self.client.zone).date() if self.last_activity else None
        )
        return max((d for d in (made, self.last_logged_day) if d is not None), default=None)

    @property
    def is_silent(self) -> bool:
        """Nothing done or logged for SILENT_DAYS up to `day`; a client who joined lately
        has time (one who joined after `day` had none then)."""
        last = self.last_active_day
        if last is None:
            joined = self.relationship.activated_at
            if joined is None or joined > self.at:
                return True
            last = joined.astimezone(self.client.zone).date()
        return (self.day - last).days >= SILENT_DAYS

    @property
    def flags(self) -> tuple[Flag, ...]:
        found = set()
        if self.open_alerts:
            found.add(ALERT)
        change = self.mood_change
        if change is not None and change <= -MOOD_DROP:
            found.add(MOOD_DOWN)
        if self.is_silent:
            found.add(SILENT)
        if self.overdue:
            found.add(OVERDUE)
        if self.due_past and 100 * self.done_past / self.due_past < LOW_ADHERENCE:
            found.add(LOW_ADHERENCE_FLAG)
        return tuple(flag for flag in FLAGS if flag in found)

    @property
    def needs_attention(self) -> bool:
        return bool(self.flags)

    @property
    def attention_key(self) -> tuple:
        """Sorts ascending: open safety alerts first of all, then more and more serious
        flags."""
        flags = self.flags
        return (-self.open_alerts, -sum(f.weight for f in flags), -len(flags))

    @property
    def status(self) -> tuple[str, str]:
        """A short label and its badge tone, for a row with no flag."""
        if self.needs_attention:
            return "Needs attention", "gentle"
        if not self.homework:
            return "No homework yet", ""
        if self.percent is None:
            return "Nothing due yet", ""
        return "On track", "ok"


# --- The bulk computation -------------------------------------------------------------


@dataclass(frozen=True)
class _Bounds:
    """One time zone's view of the week: instants for the SQL, the local day for Python."""

    day: date
    before: datetime  # start of the ISO week before
    start: datetime  # start of this ISO week
    end: datetime  # start of the next ISO week
    at: datetime  # now, or the end of `day`


def _midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _bounds(zone, now: datetime, week: date | None) -> _Bounds:
    today = now.astimezone(zone).date()
    day = today if week is None else min(iso_week_monday(week) + timedelta(days=6), today)
    monday = iso_week_monday(day)
    return _Bounds(
        day=day,
        before=_midnight(monday - timedelta(days=7), zone),
        start=_midnight(monday, zone),
        end=_midnight(monday + timedelta(days=7), zone),
        at=min(now, _midnight(day + timedelta(days=1), zone)),
    )


def _per_zone(bounds: dict[str, _Bounds], name: str, output_field=None) -> Case:
    """The client's own bound, chosen by their time zone in SQL (one WHEN a zone)."""
    return Case(
        *[When(timezone=tz, then=Value(getattr(b, name))) for tz, b in bounds.items()],
        output_field=output_field or DateTimeField(),
    )


def _latest(model, moment: str, until: str) -> Subquery:
    """The latest `moment` of the client's rows of `model`, up to the outer `until`."""
    lookup = "lte" if until == "day" else "lt"
    rows = model.objects.filter(client=OuterRef("pk"), **{f"{moment}__{lookup}": OuterRef(until)})
    return Subquery(
        rows.order_by().values("client").annotate(last=Max(moment)).values("last"),
        output_field=model._meta.get_field(moment),
    )


def _mood(start: str, end: str) -> Subquery:
    """Mean mood of the client's SHARED entries in [start, end): private ones never count."""
    rows = JournalEntry.objects.filter(
        client=OuterRef("pk"),
        shared=True,
        mood__isnull=False,
        occurred_at__gte=OuterRef(start),
        occurred_at__lt=OuterRef(end),
    )
    return Subquery(
        rows.order_by().values("client").annotate(mean=Avg("mood")).values("mean"),
        output_field=FloatField(),
    )


# Activity is anything the client did in the portal, shared or not (as "Waiting for you"
# counts silence): when they did it, and the day it was for (a check-off made late, or a
# log filled in after the day, still says the client was there that day).
ACTIVITY = (
    (Completion, "completed_at", "at"),
    (JournalEntry, "created_at", "at"),
    (LifestyleLog, "created_at", "at"),
    (SocialActivity, "created_at", "at"),
    (MeasureResponse, "submitted_at", "at"),
)
LOGGED = (
    (Completion, "due_date", "day"),
    (JournalEntry, "occurred_at", "at"),
    (LifestyleLog, "day", "day"),
    (SocialActivity, "day", "day"),
)


def _signals(clients: Iterable[User], bounds: dict[str, _Bounds]) -> dict[int, dict]:
    """Last activity and both weeks' mean shared mood for every client. One query."""
    rows = (
        User.objects.filter(pk__in=[c.pk for c in clients])
        .annotate(
            at=_per_zone(bounds, "at"),
            day=_per_zone(bounds, "day", DateField()),
            before=_per_zone(bounds, "before"),
            start=_per_zone(bounds, "start"),
            end=_per_zone(bounds, "end"),
        )
        .annotate(
            **{f"made_{i}": _latest(*columns) for i, columns in enumerate(ACTIVITY)},
            **{f"for_{i}": _latest(*columns) for i, columns in enumerate(LOGGED)},
            mood_now=_mood("start", "end"),
            mood_before=_mood("before", "start"),
        )
        .values(
            "pk",
            "mood_now",
            "mood_before",
            *[f"made_{i}" for i in range(len(ACTIVITY))],
            *[f"for_{i}" for i in range(len(LOGGED))],
        )
    )
    return {row["pk"]: row for row in rows}


def build_rows(
    *,
    therapist: User,
    week: date | None = None,
    relationships: QuerySet[CareRelationship] | None = None,
) -> list[CaseloadRow]:
    """Every active client of the therapist, as of today (or the end of `week`), in name
    order. 5 queries whatever the caseload's size: relationships (with their open safety
    alerts), signals (last activity and shared mood), homework, its pauses, and the
    completions of the last two weeks.
    `relationships` defaults to the caseload the access policy lets the therapist see."""
    now = timezone.now()
    if relationships is None:
        relationships = care_relationships_visible_to(therapist)
    relationships = list(
        relationships.filter(status=CareStatus.ACTIVE, client__isnull=False)
        .select_related("client")
        .annotate(open_alerts=Count("safety_alerts", filter=Q(safety_alerts__acknowledged_at=None)))
        .order_by("client__name", "client__email")
    )
    if not relationships:
        return []
    # Keyed by the stored name: a name that does not resolve reads as UTC (`User.zone`).
    bounds = {r.client.timezone: _bounds(r.client.zone, now, week) for r in relationships}
    signals = _signals([r.client for r in relationships], bounds)
    rows: dict[int, CaseloadRow] = {}
    for r in relationships:
        b = bounds[r.client.timezone]
        got = signals.get(r.client_id, {})
        made = [got.get(f"made_{i}") for i in range(len(ACTIVITY))]
        logged = [got.get(f"for_{i}") for i in range(len(LOGGED))]
        logged = [
            v.astimezone(r.client.zone).date() if isinstance(v, datetime) else v for v in logged
        ]
        rows[r.pk] = CaseloadRow(
            relationship=r,
            client=r.client,
            day=b.day,
            at=b.at,
            last_activity=max((m for m in made if m is not None), default=None),
            last_logged_day=max((d for d in logged if d is not None), default=None),
            mood_now=_rounded(got.get("mood_now")),
            mood_before=_rounded(got.get("mood_before")),
            open_alerts=r.open_alerts,
        )
    _add_homework(rows)
    return [rows[r.pk] for r in relationships]


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _add_homework(rows: dict[int, CaseloadRow]) -> None:
    """Adherence of each row's week and overdue occurrences, from the schedules (as
    `homework.selectors` computes them for the client) and one query for completions."""
    earliest = min(row.monday for row in rows.values())
    assignments = list(
        assignments_with_pauses(
            Assignment.objects.filter(relationship_id__in=list(rows)).exclude(
                status=AssignmentStatus.ENDED, ended_at__lt=_midnight(earliest, UTC)
            )
        )
    )
    counts: dict[tuple[int, date], int] = defaultdict(int)
    done: dict[int, dict[date, Completion]] = defaultdict(dict)
    weeks = {row.monday for row in rows.values()}
    first = min(min(row.day - timedelta(days=OVERDUE_DAYS), row.monday) for row in rows.values())
    for completion in (
        Completion.objects.filter(assignment__in=assignments)
        .filter(Q(week__in=weeks) | Q(due_date__gte=first))
        .only("id", "assignment_id", "due_date", "week")
    ):
        counts[(completion.assignment_id, completion.week)] += 1
        done[completion.assignment_id][completion.due_date] = completion
    active: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        row = rows[assignment.relationship_id]
        if assignment.status in (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED):
            row.homework += 1
        if assignment.status == AssignmentStatus.ACTIVE:
            active[assignment.relationship_id].append(assignment)
        try:
            [cell] = _weeks_due(assignment, [row.monday], counts, row.day, row.client.zone)
        except (ValueError, OverflowError):
            _log_bad_row(assignment)
            continue
        row.due += cell.due
        row.done += cell.done
        past = _past_cell(assignment, row, counts)
        row.due_past += past.due
        row.done_past += past.done
    for pk, own in active.items():
        row = rows[pk]
        in_reach = {a.pk: done[a.pk] for a in own if a.pk in done}
        row.overdue = len(_today_from(own, in_reach, row.day).overdue)


def _past_cell(assignment: Assignment, row: CaseloadRow, counts: dict):
    """The week's done / due up to the last day that is over. N-a-week homework is judged
    when its week is over: until then there is still time."""
    zone = row.client.zone
    over = row.day if row.at >= _midnight(row.day + timedelta(days=1), zone) else None
    through = over or row.day - timedelta(days=1)
    if assignment.frequency == Frequency.WEEKLY and through < row.monday + timedelta(days=6):
        return Adherence(0, 0)
    [cell] = _weeks_due(assignment, [row.monday], counts, through, zone)
    return cell


def caseload_rows(*, therapist: User, sort: str = "attention") -> list[CaseloadRow]:
    """The therapist's home page: today's rows with the latest questionnaire results,
    sorted. 6 queries (`build_rows` and one for the results)."""
    rows = build_rows(therapist=therapist)
    latest = latest_results([row.client.pk for row in rows], viewer=therapist)
    for row in rows:
        row.measures = sorted(
            latest.get(row.client.pk, {}).values(), key=lambda m: m.submitted_at, reverse=True
        )
    return sort_rows(rows, sort)


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
    # Needs attention first (more and more serious flags first); then the lowest
    # adherence; then the longest silence.
    return sorted(rows, key=lambda r: (r.attention_key, adherence(r), activity(r), name(r)))


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
