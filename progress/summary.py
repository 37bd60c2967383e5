"""The top of the therapist's page for one client: how the client is doing, from what they
share, in a fixed number of queries whatever the length of the history; and the detail
lists under it, grouped (one line per homework, one per day of shared records).

Every figure comes through `visible_to(therapist)`: a private entry never counts, not even
as a day without a mood."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncDate

from accounts.clock import local_day, local_days_bounds
from accounts.clock import zone as named_zone
from accounts.models import CareRelationship, User
from accounts.prepared import Fixed, prepared
from careplans.diff import Change, diff
from careplans.models import CarePlan, PlanVersion
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Completion, assignment_only
from homework.schedules import iso_week_monday
from homework.selectors import Adherence, AdherenceReport, client_adherence
from measures.selectors import Latest, latest_results
from safety.models import SafetyAlert, Source

from .activity import with_last_activity
from .series import one_decimal
from .waiting import Waiting, waiting_for_therapist

SUMMARY_DAYS = 14  # the mood strip and the shared records listed under the summary


@dataclass(frozen=True)
class MoodDay:
    day: date
    mood: float | None  # the mean of the day's shared moods, one decimal

    @property
    def level(self) -> int | None:
        """The mood rounded half up to a whole point (0 to 10): the bar's height."""
        if self.mood is None:
            return None
        return int(Decimal(str(self.mood)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def text(self) -> str:
        return "" if self.mood is None else f"{self.mood:g}"


@dataclass(frozen=True)
class MoodStrip:
    """The last SUMMARY_DAYS local days, oldest first, with the mean of the days with a mood
    (each day weighs the same, however many entries it has)."""

    days: tuple[MoodDay, ...]
    average: float | None
    days_with_mood: int


@dataclass(frozen=True)
class OpenAlerts:
    count: int
    # The one waiting longest: the summary links to it.
    oldest_id: str
    oldest_source: str
    oldest_raised_at: datetime

    @property
    def source_label(self) -> str:
        return Source(self.oldest_source).label


@dataclass(frozen=True)
class PlanChanges:
    """The plan's changes since its last agreed version (from the empty plan if none is)."""

    plan_id: str  # the plan's public id
    latest: int  # the number of the latest version
    agreed: int  # the number of the last agreed version; 0 when none is agreed
    agreed_at: datetime | None
    changes: tuple[Change, ...]
    items: int  # in the latest version

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(kind of change, how many) in the order they are read: added, edited, moved,
        removed; kinds with none are left out."""
        tally: dict[str, int] = defaultdict(int)
        for change in self.changes:
            tally[change.change] += 1
        return [
            (kind, tally[kind]) for kind in ("added", "edited", "moved", "removed") if tally[kind]
        ]


@dataclass(frozen=True)
class ClientSummary:
    relationship: CareRelationship
    today: date  # the client's local day
    mood: MoodStrip
    homework: Adherence  # this ISO week, as the caseload counts it
    adherence: AdherenceReport  # the weeks the page's homework table shows
    questionnaire: Latest | None  # the latest answer to any questionnaire
    questionnaires: dict[str, Latest]  # the latest answer to each, for the panel
    alerts: OpenAlerts | None
    plan: PlanChanges | None  # None: nobody has written in the plan yet
    waiting: Waiting  # this client's part of "Waiting for you"
    shared_days: "list[SharedDay]"  # what they shared, day by day (the list under it)


def _mood_strip(moods: dict[date, float], today: date) -> MoodStrip:
    first = today - timedelta(days=SUMMARY_DAYS - 1)
    days = tuple(
        MoodDay(day, one_decimal(moods.get(day)))
        for day in (first + timedelta(days=i) for i in range(SUMMARY_DAYS))
    )
    values = [moods[day.day] for day in days if day.day in moods]
    return MoodStrip(
        days=days,
        average=one_decimal(sum(values) / len(values)) if values else None,
        days_with_mood=len(values),
    )


def _signals(therapist: User, relationship: CareRelationship) -> CareRelationship:
    """The relationship again, with the client's last activity (what "Waiting for you"
    reads) and its open safety alerts, the oldest first. One query."""
    found = _signal_rows(therapist=therapist, relationship_id=relationship.pk)
    if not found:
        raise CareRelationship.DoesNotExist
    return found[0]


@prepared
def _signal_rows(*, therapist: User, relationship_id: int) -> QuerySet[CareRelationship]:
    alerts = (
        SafetyAlert.objects.visible_to(therapist)
        .open()
        .filter(relationship=OuterRef("pk"))
        .order_by("raised_at", "id")
    )
    count = alerts.order_by().values("relationship").annotate(n=Count("id")).values("n")
    return with_last_activity(CareRelationship.objects.filter(pk=relationship_id)).annotate(
        open_alerts=Subquery(count),
        alert_id=Subquery(alerts.values("public_id")[:1]),
        alert_source=Subquery(alerts.values("source")[:1]),
        alert_raised_at=Subquery(alerts.values("raised_at")[:1]),
    )


@prepared
def _plan_versions(*, therapist: User, relationship_id: int) -> QuerySet[PlanVersion]:
    last_agreed = (
        PlanVersion.objects.filter(plan=OuterRef("plan"), agreed_at__isnull=False)
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        PlanVersion.objects.filter(
            plan__in=CarePlan.objects.visible_to(therapist).filter(relationship_id=relationship_id)
        )
        .filter(Q(number=F("plan__version")) | Q(number=Subquery(last_agreed)))
        .select_related("plan")
        .only("number", "snapshot", "agreed_at", "plan__public_id", "plan__version")
    )


def _plan_changes(therapist: User, relationship: CareRelationship) -> PlanChanges | None:
    """The latest version of the plan and its last agreed one, in one query."""
    versions = _plan_versions(therapist=therapist, relationship_id=relationship.pk)
    if not versions:
        return None
    latest = max(versions, key=lambda v: v.number)
    agreed = max((v for v in versions if v.agreed_at), key=lambda v: v.number, default=None)
    return PlanChanges(
        plan_id=str(latest.plan.public_id),
        latest=latest.number,
        agreed=agreed.number if agreed else 0,
        agreed_at=agreed.agreed_at if agreed else None,
        changes=tuple(diff(agreed.snapshot if agreed else [], latest.snapshot)),
        items=len(latest.snapshot),
    )


def client_summary(
    *, therapist: User, relationship: CareRelationship, now: datetime
) -> ClientSummary:
    """How the client of `relationship` is doing at `now`, as their therapist may see it.
    8 queries whatever the history (and the policy's MFA look-up, memoised per request): the
    relationship's signals, the moods with the days shared (the list under the summary),
    the homework (3), the questionnaires, the plan's two versions and what waits."""
    client = relationship.client
    today = local_day(now, client.zone)
    signals = _signals(therapist, relationship)
    moods, shared_days = _days_shared(therapist, client, today)
    report = client_adherence(viewer=therapist, client=client, today=today)
    latest = latest_results([client.pk], viewer=therapist).get(client.pk, {})
    return ClientSummary(
        relationship=relationship,
        today=today,
        mood=_mood_strip(moods, today),
        shared_days=shared_days,
        homework=report.totals[-1],
        adherence=report,
        questionnaire=max(latest.values(), key=lambda m: m.submitted_at, default=None),
        questionnaires=latest,
        alerts=OpenAlerts(
            count=signals.open_alerts,
            oldest_id=str(signals.alert_id),
            oldest_source=signals.alert_source,
            oldest_raised_at=signals.alert_raised_at,
        )
        if signals.open_alerts
        else None,
        plan=_plan_changes(therapist, relationship),
        waiting=waiting_for_therapist(therapist, now, [signals]),
    )


# --- The detail lists under the summary ------------------------------------------------


@dataclass
class HomeworkDone:
    """One homework's check-offs of this ISO week and the one before."""

    title: str
    assignment_id: str  # public id
    this_week: int = 0
    last_week: int = 0
    last_at: datetime | None = None
    notes: list[Completion] = field(default_factory=list)  # newest first

    @property
    def done_text(self) -> str:
        """ "done 4 times this week", "done twice this week and once last week"."""
        parts = [
            f"{times(n)} {week}"
            for n, week in ((self.this_week, "this week"), (self.last_week, "last week"))
            if n
        ]
        return "done " + " and ".join(parts)


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


@prepared
def _check_offs(*, viewer: User, client_id: int, first: date, last: date) -> QuerySet[Completion]:
    return (
        Completion.objects.visible_to(viewer)
        .filter(client_id=client_id, week__gte=first, week__lte=last)
        .select_related("assignment")
        # What `recent_check_offs` and its notes show: not the whole homework of each.
        .only(*CHECK_OFF_SHOWN)
        .order_by("-completed_at", "-id")
    )


CHECK_OFF_SHOWN = (
    "public_id",
    *assignment_only("assignment", "public_id", "title"),
    "due_date",
    "week",
    "note",
    "completed_at",
)


def recent_check_offs(*, viewer: User, client: User, today: date) -> list[HomeworkDone]:
    """The client's check-offs of this ISO week and last, one entry per homework, the
    latest done first. One query."""
    monday = iso_week_monday(today)
    groups: dict[int, HomeworkDone] = {}
    for completion in _check_offs(
        viewer=viewer, client_id=client.pk, first=monday - timedelta(days=7), last=monday
    ):
        group = groups.get(completion.assignment_id)
        if group is None:
            group = groups[completion.assignment_id] = HomeworkDone(
                title=completion.assignment.title,
                assignment_id=str(completion.assignment.public_id),
                last_at=completion.completed_at,
            )
        if completion.week == monday:
            group.this_week += 1
        else:
            group.last_week += 1
        if completion.note:
            group.notes.append(completion)
    return list(groups.values())


RECORD_LABELS = {
    "journal": ("journal entry", "journal entries"),
    "lifestyle": ("lifestyle log", "lifestyle logs"),
    "social": ("time with people", "times with people"),
}


@dataclass
class SharedDay:
    day: date
    counts: dict[str, int]  # by kind, only kinds with records

    @property
    def kinds(self) -> list[tuple[str, int, str]]:
        """(kind, count, "2 journal entries") for each kind shared that day."""
        return [
            (kind, n, f"{n} {RECORD_LABELS[kind][n != 1]}")
            for kind in RECORD_LABELS
            if (n := self.counts.get(kind, 0))
        ]


def shared_by_day(*, viewer: User, client: User, today: date) -> list[SharedDay]:
    """How many records of each kind the client shared for each of the last SUMMARY_DAYS
    local days, newest first; days with none are left out. One query."""
    return _days_shared(viewer, client, today)[1]


@prepared
def _shared_rows(
    *,
    viewer: User,
    client_id: int,
    zone: str,
    start: datetime,
    end: datetime,
    first: date,
    today: date,
) -> QuerySet:
    """(kind, local day, how many, mean mood) of what `_days_shared` reads, in one query."""

    def part(queryset, kind: str, day, mean):
        return (
            queryset.order_by()
            .annotate(kind=Value(kind, output_field=CharField()), local=day)
            .values("kind", "local")
            .annotate(n=Count("id"), mean=mean)
            .values_list("kind", "local", "n", "mean")
        )

    nothing = Value(None, output_field=FloatField())
    journal = part(
        JournalEntry.objects.visible_to(viewer).filter(
            client_id=client_id, occurred_at__gte=start, occurred_at__lt=end
        ),
        "journal",
        TruncDate("occurred_at", tzinfo=named_zone(zone)),
        Avg("mood", output_field=FloatField()),
    )
    lifestyle = part(
        LifestyleLog.objects.visible_to(viewer).filter(
            client_id=client_id, day__range=(first, today)
        ),
        "lifestyle",
        F("day"),
        nothing,
    )
    social = part(
        SocialActivity.objects.visible_to(viewer).filter(
            client_id=client_id, day__range=(first, today)
        ),
        "social",
        F("day"),
        nothing,
    )
    return journal.union(lifestyle, social, all=True).order_by()


def _days_shared(
    viewer: User, client: User, today: date
) -> tuple[dict[date, float], list[SharedDay]]:
    """The mean journal mood of each of the last SUMMARY_DAYS local days (unrounded), and
    `shared_by_day`: one query for both."""
    first = today - timedelta(days=SUMMARY_DAYS - 1)
    start, end = local_days_bounds(first, today, client.zone)
    rows = _shared_rows(
        viewer=viewer,
        client_id=client.pk,
        zone=Fixed(client.timezone),
        start=start,
        end=end,
        first=first,
        today=today,
    )
    days: dict[date, dict[str, int]] = defaultdict(dict)
    moods: dict[date, float] = {}
    for kind, day, n, mean in rows:
        if isinstance(day, datetime):  # a database without a date type hands back an instant
            day = day.date()
        elif isinstance(day, str):
            day = date.fromisoformat(day[:10])
        days[day][kind] = days[day].get(kind, 0) + n
        if mean is not None:
            moods[day] = float(mean)
    return moods, [SharedDay(day, days[day]) for day in sorted(days, reverse=True)]
