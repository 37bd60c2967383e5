"""The caseload at a glance: per client last activity, this week's adherence, the mood
trend from shared journal entries and the flags that say who needs attention first.

Everything comes from one bulk computation (`build_rows`) in a fixed number of queries,
whatever the caseload's size; the therapist's portal reads it (`caseload_rows`, each row
kept in the page cache until its client writes), and so do the weekly digest
(`caseload_weeks`) and the weekly review (`review_week`, kept the same way)."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    FloatField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.base import ModelState
from django.utils import timezone

from accounts import versions
from accounts.clock import local_day, local_midnight, zone
from accounts.fragments import plain_text
from accounts.models import CareRelationship, CareStatus, User
from accounts.policy import care_relationships_visible_to
from accounts.prepared import prepared
from clients.models import JournalEntry, LifestyleLog, SocialActivity
from homework.models import Assignment, AssignmentStatus, Completion
from homework.schedules import OVERDUE_DAYS, Frequency, iso_week_monday
from homework.selectors import (
    Adherence,
    log_bad_row,
    not_ended_before,
    today_from,
    weeks_due,
)
from measures import instruments
from measures.instruments import Change
from measures.selectors import Latest, latest_results

from .activity import (
    LOGGED_NAMES,
    MADE_NAMES,
    QUIET_DAYS,
    LastActivity,
    is_quiet,
    last_activity_annotations,
    quiet_from,
)

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
SILENT = Flag("silent", f"No activity for {QUIET_DAYS}+ days", 3)
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
    last_activity: datetime | None = None  # when the client last did something
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
    # What the row shows is kept in the page cache under this key (the caseload page only),
    # with the row drawn as HTML, but its last cell (`caseload_rows`' `draw`).
    key: str = ""
    html: str = ""
    # `attention_key` as worked out when the row was kept with its HTML (whose badges show
    # the same flags): None for a row computed now.
    kept_attention: tuple | None = None
    # What of the client waits for the therapist, as `progress.waiting` counted it (when, and
    # the counts), kept with the row (`keep_rows`): None while not counted.
    waiting_counts: tuple | None = None
    # Computed, drawn or counted again since it was read from the page cache: to be kept.
    changed: bool = False

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
        return LastActivity(self.last_activity, self.last_logged_day).day(self.client.zone)

    @property
    def is_quiet(self) -> bool:
        since = quiet_from(
            last_active_day=self.last_active_day,
            joined=self.relationship.activated_at,
            at=self.at,
            zone=self.client.zone,
        )
        return is_quiet(since, self.day)

    @property
    def flags(self) -> tuple[Flag, ...]:
        found = set()
        if self.open_alerts:
            found.add(ALERT)
        change = self.mood_change
        if change is not None and change <= -MOOD_DROP:
            found.add(MOOD_DOWN)
        if self.is_quiet:
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
        if self.kept_attention is not None:
            return self.kept_attention
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


def _bounds(zone, now: datetime, week: date | None) -> _Bounds:
    today = local_day(now, zone)
    day = today if week is None else min(iso_week_monday(week) + timedelta(days=6), today)
    monday = iso_week_monday(day)
    return _Bounds(
        day=day,
        before=local_midnight(monday - timedelta(days=7), zone),
        start=local_midnight(monday, zone),
        end=local_midnight(monday + timedelta(days=7), zone),
        at=min(now, local_midnight(day + timedelta(days=1), zone)),
    )


def _per_zone(zones: list[str], values: list, output_field=None) -> Case:
    """The client's own bound, chosen by their time zone in SQL (one WHEN a zone)."""
    return Case(
        *[When(timezone=tz, then=Value(v)) for tz, v in zip(zones, values, strict=True)],
        output_field=output_field or DateTimeField(),
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


def _signals(clients: Iterable[User], bounds: dict[str, _Bounds]) -> dict[int, dict]:
    """Last activity and both weeks' mean shared mood for every client. One query."""
    zones = list(bounds)
    rows = _signal_rows(
        client_ids=[c.pk for c in clients],
        zones=zones,
        **{
            name: [getattr(bounds[tz], name) for tz in zones]
            for name in ("at", "day", "before", "start", "end")
        },
    )
    return {row["pk"]: row for row in rows}


@prepared
def _signal_rows(
    *,
    client_ids: list[int],
    zones: list[str],
    at: list[datetime],
    day: list[date],
    before: list[datetime],
    start: list[datetime],
    end: list[datetime],
) -> QuerySet:
    """`_signals`' query, with each time zone's bounds in the zones' order."""
    return (
        User.objects.filter(pk__in=client_ids)
        .annotate(
            at=_per_zone(zones, at),
            day=_per_zone(zones, day, DateField()),
            before=_per_zone(zones, before),
            start=_per_zone(zones, start),
            end=_per_zone(zones, end),
        )
        .annotate(
            **last_activity_annotations("pk", bounded=True),
            mood_now=_mood("start", "end"),
            mood_before=_mood("before", "start"),
        )
        .values("pk", "mood_now", "mood_before", *MADE_NAMES, *LOGGED_NAMES)
    )


def build_rows(
    *,
    therapist: User | None,
    week: date | None = None,
    relationships: QuerySet[CareRelationship] | None = None,
) -> list[CaseloadRow]:
    """Every active client of the therapist, as of today (or the end of `week`), in name
    order. 5 queries whatever the caseload's size: relationships (with their open safety
    alerts), signals (last activity and shared mood), homework, its pauses, and the
    completions of the last two weeks.
    `relationships` defaults to the caseload the access policy lets the therapist see; given,
    they may be several therapists' (a row for each)."""
    if relationships is None:
        relationships = care_relationships_visible_to(therapist)
    return rows_of(list(_with_open_alerts(relationships)), week)


def _with_open_alerts(relationships: QuerySet[CareRelationship]) -> QuerySet[CareRelationship]:
    """The active ones, with their clients and open safety alerts, in name order."""
    return (
        relationships.filter(status=CareStatus.ACTIVE, client__isnull=False)
        .select_related("client")
        .annotate(open_alerts=Count("safety_alerts", filter=Q(safety_alerts__acknowledged_at=None)))
        .order_by("client__name", "client__email")
    )


@prepared
def _caseload_relationships(*, therapist: User, pks: list[int]) -> QuerySet[CareRelationship]:
    return _with_open_alerts(care_relationships_visible_to(therapist).filter(pk__in=pks))


def rows_of(relationships: list[CareRelationship], week: date | None = None) -> list[CaseloadRow]:
    """`build_rows` of these relationships (read by `_with_open_alerts`). 4 queries."""
    now = timezone.now()
    if not relationships:
        return []
    # Keyed by the stored name: a name that does not resolve reads as UTC (`User.zone`).
    bounds = {r.client.timezone: _bounds(r.client.zone, now, week) for r in relationships}
    signals = _signals([r.client for r in relationships], bounds)
    rows: dict[int, CaseloadRow] = {}
    for r in relationships:
        b = bounds[r.client.timezone]
        got = signals.get(r.client_id, {})
        last = LastActivity.read(got, r.client.zone)
        rows[r.pk] = CaseloadRow(
            relationship=r,
            client=r.client,
            day=b.day,
            at=b.at,
            last_activity=last.at,
            last_logged_day=last.logged_day,
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
    assignments = _assignments(
        relationship_ids=list(rows), ended_after=local_midnight(earliest, UTC)
    )
    counts: dict[tuple[int, date], int] = defaultdict(int)
    # By homework and due date, each check-off's row: `today_from` reads only whether one
    # was made.
    done: dict[int, dict[date, tuple]] = defaultdict(dict)
    weeks = sorted({row.monday for row in rows.values()})
    first = min(min(row.day - timedelta(days=OVERDUE_DAYS), row.monday) for row in rows.values())
    found = (
        _completions(assignment_ids=[a.pk for a in assignments], weeks=weeks, first=first)
        if assignments
        else []
    )
    for row in found:
        assignment_id, due_date, week = row
        counts[(assignment_id, week)] += 1
        done[assignment_id][due_date] = row
    active: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        row = rows[assignment.relationship_id]
        if assignment.status in (AssignmentStatus.ACTIVE, AssignmentStatus.PAUSED):
            row.homework += 1
        if assignment.status == AssignmentStatus.ACTIVE:
            active[assignment.relationship_id].append(assignment)
        try:
            [cell] = weeks_due(assignment, [row.monday], counts, row.day, row.client.zone)
        except (ValueError, OverflowError):
            log_bad_row(assignment)
            continue
        row.due += cell.due
        row.done += cell.done
        past = _past_cell(assignment, row, counts, cell)
        row.due_past += past.due
        row.done_past += past.done
    for pk, own in active.items():
        row = rows[pk]
        in_reach = {a.pk: done[a.pk] for a in own if a.pk in done}
        row.overdue = len(today_from(own, in_reach, row.day).overdue)


@prepared
def _assignments(*, relationship_ids: list[int], ended_after: datetime) -> QuerySet[Assignment]:
    """The homework of these relationships but what ended before `ended_after`."""
    return not_ended_before(
        Assignment.objects.filter(relationship_id__in=relationship_ids), ended_after
    )


@prepared
def _completions(*, assignment_ids: list[int], weeks: list[date], first: date) -> QuerySet:
    """Their check-offs of these weeks or due from `first` on, as (homework id, due date,
    week) rows: models cost a therapist's digest a fifth of its time."""
    return (
        Completion.objects.filter(assignment_id__in=assignment_ids)
        .filter(Q(week__in=weeks) | Q(due_date__gte=first))
        .order_by()
        .values_list("assignment_id", "due_date", "week")
    )


def _past_cell(assignment: Assignment, row: CaseloadRow, counts: dict, cell: Adherence):
    """The week's done / due up to the last day that is over. N-a-week homework is judged
    when its week is over: until then there is still time. `cell` is the week's done / due
    up to the row's day: the same when that day is over (a past week's, as the digest reads)."""
    zone = row.client.zone
    over = row.day if row.at >= local_midnight(row.day + timedelta(days=1), zone) else None
    through = over or row.day - timedelta(days=1)
    if assignment.frequency == Frequency.WEEKLY and through < row.monday + timedelta(days=6):
        return Adherence(0, 0)
    if through == row.day:
        return cell
    [past] = weeks_due(assignment, [row.monday], counts, through, zone)
    return past


@dataclass(frozen=True)
class OnCaseload:
    """An active client on the caseload, as the page cache keys on them (`pk` and
    `data_version` are the client's, as `versions.cache_key` reads a person)."""

    relationship: int  # its primary key
    pk: int
    data_version: int
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)


def on_caseload(therapist: User) -> list[OnCaseload]:
    """The active clients the access policy shows the therapist, with their data versions.
    One query."""
    return [OnCaseload(*values) for values in _on_caseload(therapist=therapist)]


@prepared
def _on_caseload(*, therapist: User) -> QuerySet:
    return (
        care_relationships_visible_to(therapist)
        .filter(status=CareStatus.ACTIVE, client__isnull=False)
        .order_by("client__name", "client__email")
        .values_list("pk", "client_id", "client__data_version", "client__timezone")
    )


def caseload_rows(
    *,
    therapist: User,
    sort: str = "attention",
    shown: list[OnCaseload] | None = None,
    draw: Callable[[CaseloadRow], str] | None = None,
    keep: bool = True,
) -> list[CaseloadRow]:
    """The therapist's home page: today's rows with the latest questionnaire results,
    sorted. Who is on it comes from `on_caseload` (read again unless given); each client's
    row is kept in the page cache until they write something or their day turns
    (`_row_key`), and only the rows not kept are computed: `build_rows` and one query for
    the results, 6 queries when any row is missing, none when none is. With `draw`, each
    row's `html` is what `draw` made of it, kept with the row: drawn once, read back in the
    same round trip. Without `keep`, the caller keeps the rows (`keep_rows`)."""
    now = timezone.now()
    if shown is None:
        shown = on_caseload(therapist)
    keys = {
        entry.relationship: _row_key(therapist, entry, local_day(now, entry.zone))
        for entry in shown
    }
    kept = versions.read_many(keys.values())
    rows = [_unkept(kept[key], key) for key in keys.values() if key in kept]
    missing = [pk for pk, key in keys.items() if key not in kept]
    fresh = []
    if missing:
        fresh = rows_of(_caseload_relationships(therapist=therapist, pks=missing))
        latest = latest_results([row.client.pk for row in fresh], viewer=therapist)
        for row in fresh:
            row.measures = sorted(
                latest.get(row.client.pk, {}).values(), key=lambda m: m.submitted_at, reverse=True
            )
            row.key = keys[row.relationship.pk]
    new = fresh
    if draw is not None:
        # A row kept without its HTML (by a call without `draw`) is drawn and kept again.
        new = [row for row in [*rows, *fresh] if not row.html]
        for row in new:
            row.html = draw(row)
    for row in new:
        row.changed = True
    rows = sort_rows([*rows, *fresh], sort)
    if keep:
        keep_rows(rows)
    return rows


def waiting_counts_of(rows: list[CaseloadRow]) -> dict[int, tuple | None]:
    """What waits of each row's client as kept with the row, by client id (for
    `progress.waiting.waiting_for_therapist`'s `kept_counts`)."""
    return {row.client.pk: row.waiting_counts for row in rows}


def keep_rows(rows: list[CaseloadRow], counted: Mapping[int, tuple] | None = None) -> None:
    """Keeps in the page cache the rows `caseload_rows` computed or drew, and those whose
    client's waiting counts were `counted` again (`Waiting.counted`), each with its counts:
    one write for all of them, none when nothing changed."""
    for row in rows:
        if counted and row.client.pk in counted:
            row.waiting_counts = counted[row.client.pk]
            row.changed = True
    changed = {row.key: _kept(row) for row in rows if row.changed}
    if changed:
        versions.write_many(changed)
    for row in rows:
        row.changed = False


def _row_key(therapist: User, entry: OnCaseload, day: date, *parts) -> str:
    """A row shows the client's data (their version changes with any write of it, the
    relationship's and their alerts' included) as the therapist may see it, on the client's
    local day; "3 minutes ago" is drawn from it when the page is. The code's release is in
    the key: a row kept by older code is never read."""
    return versions.cache_key(
        "caseload-row", [entry], versions.release(), therapist.pk, entry.relationship, day, *parts
    )


# What the caseload page shows of a client and of their relationship, and the client's data
# version (what "Waiting for you" keeps their counts under).
_CLIENT_SHOWN = ("id", "public_id", "name", "email", "role", "timezone", "data_version")
_RELATIONSHIP_SHOWN = (
    "id",
    "public_id",
    "therapist_id",
    "client_id",
    "status",
    "invited_email",
    "invited_at",
    "invitation_expires_at",
    "activated_at",
    "ended_at",
)
# A row's own values, in the order `_kept` keeps them.
_ROW_VALUES = tuple(
    name
    for name in CaseloadRow.__dataclass_fields__
    if name
    not in (
        "relationship",
        "client",
        "measures",
        "key",
        "html",
        "kept_attention",
        "waiting_counts",
        "changed",
    )
)


def _kept(row: CaseloadRow) -> tuple:
    """What the cache keeps of a row, as plain values (`_unkept` reads it back): the fields of
    the client and of the relationship that the page shows (a password hash is never kept),
    the row's counts, each result by its instrument and band, the row's HTML, its sort key
    and what of the client waits for the therapist (`waiting_counts`). A hundred
    rows of plain values read back in a third of the time their models and bands took to
    unpickle."""
    return (
        tuple(getattr(row.client, name) for name in _CLIENT_SHOWN),
        tuple(getattr(row.relationship, name) for name in _RELATIONSHIP_SHOWN),
        row.relationship.open_alerts,
        tuple(getattr(row, name) for name in _ROW_VALUES),
        tuple(
            (m.instrument, m.score, m.band.key, m.change.value, m.submitted_at)
            for m in row.measures
        ),
        plain_text(row.html),
        row.attention_key,
        row.waiting_counts,
    )


def _unkept(kept: tuple, key: str = "") -> CaseloadRow:
    """The row `_kept` kept, its client and relationship holding only what the page shows."""
    client_values, relationship_values, open_alerts, values, measures, html, attention, waiting = (
        kept
    )
    client = _loaded(User, _CLIENT_SHOWN, client_values)
    client.password = ""
    relationship = _loaded(CareRelationship, _RELATIONSHIP_SHOWN, relationship_values)
    relationship._state.fields_cache["client"] = client
    relationship.open_alerts = open_alerts
    results = [
        Latest(name, score, instruments.get(name).band(band), Change(change), submitted_at)
        for name, score, band, change, submitted_at in measures
    ]
    return CaseloadRow(
        relationship,
        client,
        *values,
        measures=results,
        key=key,
        html=html,
        kept_attention=attention,
        waiting_counts=waiting,
    )


def _loaded(model: type[Model], names: tuple[str, ...], values: tuple) -> Model:
    """An instance of `model` with these fields' values, as a read of the database gives one,
    made as unpickling makes one (not by `__init__`, which took twice as long as reading the
    rows back). Any other field is deferred: read from the database if asked for."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance


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


LEFT_SHOWN_DAYS = 30


@dataclass(frozen=True)
class HomeRelationships:
    """The therapist's pending invitations and the clients who left lately."""

    invited: list[CareRelationship]
    left: list[CareRelationship]


@prepared
def _home_relationships(*, therapist: User, left_after: datetime) -> QuerySet[CareRelationship]:
    return care_relationships_visible_to(therapist).filter(
        Q(status=CareStatus.INVITED)
        | Q(
            client__isnull=True,
            status=CareStatus.ENDED,
            activated_at__isnull=False,
            ended_at__gte=left_after,
        )
    )


def activity_of(rows: list[CaseloadRow]) -> dict[int, LastActivity]:
    """Each row's client's last activity, by client id (for "Waiting for you")."""
    return {row.client.pk: LastActivity(row.last_activity, row.last_logged_day) for row in rows}


def relationships_of(rows: list[CaseloadRow]) -> list[CareRelationship]:
    """Each row's relationship, with its client (for "Waiting for you", with `activity_of`):
    the active ones, as the caseload read them, instead of reading them again."""
    return [row.relationship for row in rows]


def home_relationships(*, therapist: User, now: datetime) -> HomeRelationships:
    """One query: pending invitations (newest first) and relationships whose client deleted
    their account in the last LEFT_SHOWN_DAYS (latest first): no name is left to show, only
    that someone left and when. The active relationships are the caseload rows'
    (`relationships_of`)."""
    relationships = _home_relationships(
        therapist=therapist, left_after=now - timedelta(days=LEFT_SHOWN_DAYS)
    )
    return HomeRelationships(
        invited=[r for r in relationships if r.status == CareStatus.INVITED],
        left=sorted(
            (r for r in relationships if r.status == CareStatus.ENDED),
            key=lambda r: r.ended_at,
            reverse=True,
        ),
    )


# --- The caseload's week, for the therapist's weekly digest and review -----------------


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
class CaseloadWeekRow:
    client: User
    week: WeekCounts
    signals: CaseloadRow  # flags, shared mood trend and last activity

    @property
    def last_active(self) -> date | None:
        return self.signals.last_active_day

    @cached_property
    def flags(self) -> tuple[Flag, ...]:
        # Read for each flag and each count of the week: worked out once (the row is made
        # when its week's rows are complete, and never changed).
        return self.signals.flags


@dataclass(frozen=True)
class CaseloadWeek:
    monday: date
    rows: tuple[CaseloadWeekRow, ...]

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

    def flagged(self, flag: Flag) -> int:
        return sum(1 for r in self.rows if flag in r.flags)

    @property
    def quiet(self) -> int:
        """Clients with no activity for QUIET_DAYS or more, up to the week's end."""
        return self.flagged(SILENT)

    @property
    def flag_counts(self) -> dict[str, int]:
        """How many clients carry each flag (by its key): counts only, for the e-mail."""
        return {flag.key: self.flagged(flag) for flag in FLAGS}


def _week_counts(rows: list[CaseloadRow], monday: date) -> dict[int, WeekCounts]:
    """Days logged, journal entries, active minutes and time with people of each row's
    client in the week, from shared records only (that a client wrote a private one is theirs
    alone), and homework check-offs, by relationship: 4 queries whatever the number of rows
    (a client with two therapists has a row with each)."""
    sunday = monday + timedelta(days=6)
    clients = {row.client.pk: row for row in rows}
    days: dict[int, set[date]] = {pk: set() for pk in clients}
    minutes = dict.fromkeys(clients, 0)
    social = dict.fromkeys(clients, 0)
    journal = dict.fromkeys(clients, 0)
    ids = list(clients)
    for client_id, day in _checked_off(client_ids=ids, monday=monday, sunday=sunday):
        days[client_id].add(day)
    for client_id, day, exercise, outdoor in _lifestyle_week(
        client_ids=ids, monday=monday, sunday=sunday
    ):
        days[client_id].add(day)
        minutes[client_id] += (exercise or 0) + (outdoor or 0)
    for row in _social_week(client_ids=ids, monday=monday, sunday=sunday):
        days[row["client_id"]].add(row["day"])
        social[row["client_id"]] += row["n"]
    for client_id, moment in _journal_week(
        client_ids=ids, first=monday - timedelta(days=1), last=sunday + timedelta(days=1)
    ):
        day = local_day(moment, clients[client_id].client.zone)
        if monday <= day <= sunday:
            days[client_id].add(day)
            journal[client_id] += 1
    return {
        row.relationship.pk: WeekCounts(
            homework_done=row.done,
            homework_due=row.due,
            # Only days up to the client's today (a Sunday's log of a week not over waits).
            days_logged=sum(1 for d in days[row.client.pk] if d <= row.day),
            journal_entries=journal[row.client.pk],
            active_minutes=minutes[row.client.pk],
            social_contacts=social[row.client.pk],
        )
        for row in rows
    }


@prepared
def _checked_off(*, client_ids: list[int], monday: date, sunday: date) -> QuerySet:
    return (
        Completion.objects.filter(client_id__in=client_ids, due_date__gte=monday)
        .filter(due_date__lte=sunday)
        .values_list("client_id", "due_date")
        .distinct()
    )


@prepared
def _lifestyle_week(*, client_ids: list[int], monday: date, sunday: date) -> QuerySet:
    return LifestyleLog.objects.filter(
        client_id__in=client_ids, day__gte=monday, day__lte=sunday, shared=True
    ).values_list("client_id", "day", "exercise_minutes", "outdoor_minutes")


@prepared
def _social_week(*, client_ids: list[int], monday: date, sunday: date) -> QuerySet:
    return (
        SocialActivity.objects.filter(
            client_id__in=client_ids, day__gte=monday, day__lte=sunday, shared=True
        )
        .values("client_id", "day")
        .annotate(n=Count("id"))
    )


@prepared
def _journal_week(*, client_ids: list[int], first: date, last: date) -> QuerySet:
    """Shared entries of these UTC days (the week in any client's zone lies within them)."""
    return JournalEntry.objects.filter(
        client_id__in=client_ids,
        shared=True,
        occurred_at__date__gte=first,
        occurred_at__date__lte=last,
    ).values_list("client_id", "occurred_at")


def caseload_week(*, therapist: User, monday: date) -> CaseloadWeek:
    """Each active client of the therapist with their week and flags, as of the week's end
    (or today): names for the portal; the e-mail reads only counts. 9 queries whatever the
    caseload's size (`build_rows` and `_week_counts`)."""
    return caseload_weeks([(therapist, monday)])[0]


def review_week(
    *, therapist: User, monday: date, shown: list[OnCaseload] | None = None
) -> CaseloadWeek:
    """`caseload_week` for the portal's weekly review: who is on it from the access policy
    (`on_caseload`, read again unless given), each client's row kept as `caseload_rows` keeps
    its own (under the week too), and only the rows not kept computed, in the 9 queries of
    `caseload_week`. In name order, as `build_rows` gives them."""
    now = timezone.now()
    monday = iso_week_monday(monday)
    if shown is None:
        shown = on_caseload(therapist)
    keys = {
        entry.relationship: _row_key(therapist, entry, local_day(now, entry.zone), "week", monday)
        for entry in shown
    }
    kept = versions.read_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in kept]
    fresh: dict[int, CaseloadWeekRow] = {}
    if missing:
        signals = rows_of(_caseload_relationships(therapist=therapist, pks=missing), monday)
        counts = _week_counts(signals, monday) if signals else {}
        for row in signals:
            fresh[row.relationship.pk] = CaseloadWeekRow(
                row.client, counts[row.relationship.pk], row
            )
        versions.write_many({keys[pk]: _kept_week(row) for pk, row in fresh.items()})
    rows = [_unkept_week(kept[key]) if key in kept else fresh.get(pk) for pk, key in keys.items()]
    return CaseloadWeek(monday=monday, rows=tuple(row for row in rows if row is not None))


def _kept_week(row: CaseloadWeekRow) -> tuple:
    return row.week, _kept(row.signals)


def _unkept_week(kept: tuple) -> CaseloadWeekRow:
    week, signals = kept
    signals = _unkept(signals)
    return CaseloadWeekRow(signals.client, week, signals)


def caseload_weeks(weeks: list[tuple[User, date]]) -> list[CaseloadWeek]:
    """Each (therapist, Monday)'s `caseload_week`, in order: a batch of weekly digests at
    once, in 9 queries per distinct week whatever the number of therapists and clients."""
    therapists: dict[date, set[int]] = defaultdict(set)
    for therapist, monday in weeks:
        therapists[iso_week_monday(monday)].add(therapist.pk)
    found: dict[tuple[int, date], list[CaseloadWeekRow]] = defaultdict(list)
    for monday, ids in therapists.items():
        # As before, the digest is built whether or not the therapist has set up MFA yet:
        # the e-mail carries counts only, and the portal's pages ask for MFA themselves.
        signals = build_rows(
            therapist=None,
            week=monday,
            relationships=CareRelationship.objects.filter(therapist_id__in=ids),
        )
        counts = _week_counts(signals, monday) if signals else {}
        for row in signals:
            found[row.relationship.therapist_id, monday].append(
                CaseloadWeekRow(row.client, counts[row.relationship.pk], row)
            )
    return [
        CaseloadWeek(
            monday=iso_week_monday(monday),
            rows=tuple(found[therapist.pk, iso_week_monday(monday)]),
        )
        for therapist, monday in weeks
    ]
