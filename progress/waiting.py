"""What waits for a therapist: shared records they have not opened yet, replies not answered,
invitations about to expire and clients newly quiet. One definition, read by the portal's
"Waiting for you" (a row per client), the client's timeline filtered to what waits, and the
reminder e-mail (counts only)."""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta

from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Value

from accounts import versions
from accounts.clock import local_day, local_midnight
from accounts.models import CareRelationship, CareStatus, User
from accounts.prepared import Fixed, prepared
from clients.models import FEEDBACK_FIELD, Feedback, RecordView

from .activity import QUIET_DAYS, LastActivity, is_quiet, quiet_from, with_last_activity

# Older shared records are history, not a to-do: a therapist taking over a client is not
# handed months of entries as "waiting"; nor is a reply left for a month.
SHARED_WITHIN = timedelta(days=30)
REPLIES_WITHIN = timedelta(days=30)
INVITATION_EXPIRES_WITHIN = timedelta(days=1)
# "Once per silence": a quiet client waits for QUIET_WAITS_DAYS from the day they become
# quiet, then it is the caseload's "needs attention" (a silence that started again after
# activity waits again).
QUIET_WAITS_DAYS = 7


class WaitingKind:
    SHARED = "shared"
    REPLY = "reply"
    INVITATION = "invitation"
    SILENT = "silent"


KIND_ORDER = (WaitingKind.SHARED, WaitingKind.REPLY, WaitingKind.INVITATION, WaitingKind.SILENT)


@dataclass(frozen=True)
class WaitingItem:
    """What of one kind waits for one client (or invitation): how many, since when."""

    kind: str
    relationship: CareRelationship
    since: datetime  # the oldest of them
    count: int = 1


@dataclass(frozen=True)
class WaitingRow:
    """One client (or one invitation) in "Waiting for you", with what waits by kind."""

    relationship: CareRelationship
    since: datetime  # the oldest thing that waits
    shared: int = 0
    replies: int = 0
    invitation: bool = False
    silent: bool = False


@dataclass(frozen=True)
class Waiting:
    """Counts for the e-mail; the items and rows (which name clients) for the portal only."""

    shared: int
    replies: int
    invitations: int
    silent: int
    items: tuple[WaitingItem, ...] = ()
    # The counts made now of clients whose counts the caller keeps (`kept_counts`), by client
    # id, for the caller to keep: (when, [(kind, how many, the oldest's creation)]).
    counted: Mapping[int, tuple] = dataclass_field(default_factory=dict, compare=False, repr=False)

    @property
    def total(self) -> int:
        return self.shared + self.replies + self.invitations + self.silent

    def of(self, kind: str) -> list[WaitingItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def rows(self) -> list[WaitingRow]:
        """One row per client or invitation; what has waited longest first."""
        # WaitingRow's fields by relationship, summed in one pass over the items.
        grouped: dict[int, list] = {}
        for item in self.items:  # oldest first already: a row's first item is its oldest
            row = grouped.get(item.relationship.pk)
            if row is None:
                row = grouped[item.relationship.pk] = [item.relationship, item.since, 0, 0, 0, 0]
            if item.kind == WaitingKind.SHARED:
                row[2] += item.count
            elif item.kind == WaitingKind.REPLY:
                row[3] += item.count
            elif item.kind == WaitingKind.INVITATION:
                row[4] = True
            elif item.kind == WaitingKind.SILENT:
                row[5] = True
        rows = [
            WaitingRow(relationship, since, shared, replies, bool(invitation), bool(silent))
            for relationship, since, shared, replies, invitation, silent in grouped.values()
        ]
        return sorted(rows, key=lambda row: (row.since, row.relationship.pk))


# --- The one definition of each kind ---------------------------------------------------


def _unviewed(model, therapist: int, client_ids: list[int], after: datetime) -> QuerySet:
    """Shared records of these clients, made after `after` (SHARED_WITHIN ago), that the
    therapist has neither opened nor answered (feedback is written on the open record)."""
    field = FEEDBACK_FIELD[model]
    # A view and a message are on their record's client (`RecordView.client`,
    # `Feedback.client`): naming the clients lets PostgreSQL's kept plan read those clients'
    # views and threads, not every record the therapist ever opened or answered (a year of a
    # caseload: thousands, hashed on every count of one client).
    viewed = RecordView.objects.filter(
        therapist=therapist, client_id__in=client_ids, **{field: OuterRef("pk")}
    )
    answered = Feedback.objects.filter(
        author=therapist, client_id__in=client_ids, **{field: OuterRef("pk")}
    )
    return (
        model.objects.filter(client_id__in=client_ids, shared=True, created_at__gt=after)
        .exclude(Exists(viewed))
        .exclude(Exists(answered))
    )


def _replies(relationship_ids: list[int], after: datetime) -> QuerySet[Feedback]:
    """The client's messages that are the last of their thread (one relationship, one
    record, still shared), made after `after` (REPLIES_WITHIN ago), not marked "no reply
    needed"."""
    later = Feedback.objects.filter(
        Q(journal_entry_id=OuterRef("journal_entry_id"))
        | Q(lifestyle_log_id=OuterRef("lifestyle_log_id"))
        | Q(social_activity_id=OuterRef("social_activity_id")),
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id")),
        relationship_id=OuterRef("relationship_id"),
    )
    return (
        Feedback.objects.filter(
            Q(journal_entry__shared=True)
            | Q(lifestyle_log__shared=True)
            | Q(social_activity__shared=True),
            relationship_id__in=relationship_ids,
            author_id=F("client_id"),
            created_at__gt=after,
            no_reply_needed_at__isnull=True,
        )
        .exclude(Exists(later))
        .order_by()
    )


def quiet_waits_since(
    relationship: CareRelationship, now: datetime, last: LastActivity | None = None
) -> date | None:
    """The local day a client's quiet counts from, while it waits (the caseload's rule, in
    the first QUIET_WAITS_DAYS of the silence); None otherwise. The client's `last`
    activity, or else `relationship` read through `with_last_activity`."""
    zone = relationship.client.zone
    if last is None:
        last = LastActivity.read(vars(relationship), zone)
    since = quiet_from(
        last_active_day=last.day(zone),
        joined=relationship.activated_at,
        at=now,
        zone=zone,
    )
    today = local_day(now, zone)
    if (
        since is not None
        and is_quiet(since, today)
        and (today - since).days < QUIET_DAYS + QUIET_WAITS_DAYS
    ):
        return since
    return None


def _expiring(relationship: CareRelationship, now: datetime) -> bool:
    return (
        relationship.status == CareStatus.INVITED
        and relationship.invitation_expires_at is not None
        and now < relationship.invitation_expires_at <= now + INVITATION_EXPIRES_WITHIN
    )


# --- The therapist's whole caseload ----------------------------------------------------


def _per_client(rows: QuerySet, kind: str) -> QuerySet:
    """(kind, client id, how many, the oldest's creation) for each client of `rows`."""
    return (
        rows.order_by()
        .values("client_id")
        .annotate(
            kind=Value(kind, output_field=CharField()),
            number=Count("pk"),
            oldest=Min("created_at"),
        )
        .values_list("kind", "client_id", "number", "oldest")
    )


@prepared
def _waiting_counts(
    *,
    therapist: int,
    client_ids: list[int],
    relationship_ids: list[int],
    shared_after: datetime,
    replies_after: datetime,
) -> QuerySet:
    """One query: unopened shared records (one part per kind of record) and replies, counted
    per client in SQL (a caseload's hundreds of records come back as a row per client and
    kind), as (kind, client id, how many, the oldest's creation)."""
    parts = [
        _per_client(_unviewed(model, therapist, client_ids, shared_after), WaitingKind.SHARED)
        for model in FEEDBACK_FIELD
    ]
    parts.append(_per_client(_replies(relationship_ids, replies_after), WaitingKind.REPLY))
    return parts[0].union(*parts[1:], all=True).order_by()


def waiting_for_therapist(
    therapist: User,
    now: datetime,
    relationships: list[CareRelationship] | None = None,
    activity: Mapping[int, LastActivity] | None = None,
    kept_counts: Mapping[int, tuple | None] | None = None,
) -> Waiting:
    """What waits for the therapist at `now`, from active relationships and open invitations
    only. Two queries whatever the caseload's size, one when the caller passes the
    therapist's `relationships` (with at least the active ones and the open invitations),
    read through `with_last_activity` or with each active client's last `activity` by
    client id (the caseload's rows have it; a client missing from it is read). The counts
    of clients whose data did not change are kept (`_kept_counts`): one query less when
    none changed. A caller that keeps each client's counts itself passes them as
    `kept_counts` (by client id, None for none) and keeps what `Waiting.counted` gives."""
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
    # Each item waits from the moment it became a to-do: an invitation from the start of
    # its last day, a quiet client from the day they became quiet.
    items: list[WaitingItem] = [
        WaitingItem(WaitingKind.INVITATION, r, r.invitation_expires_at - INVITATION_EXPIRES_WITHIN)
        for r in relationships
        if _expiring(r, now)
    ]
    if activity is not None:
        activity = {**activity, **_last_activity(set(active) - set(activity))}
    for client_id, relationship in active.items():
        since = quiet_waits_since(
            relationship, now, None if activity is None else activity[client_id]
        )
        if since is not None:
            quiet = local_midnight(since + timedelta(days=QUIET_DAYS), relationship.client.zone)
            items.append(WaitingItem(WaitingKind.SILENT, relationship, quiet))

    counted: dict[int, tuple] = {}
    if active:
        if kept_counts is None:
            counts = _kept_counts(therapist, active, now)
        else:
            counts, counted = _counts(therapist, active, now, kept_counts)
        # Shared records of one client come in one row per kind of record: summed here.
        shared: dict[int, tuple[int, datetime]] = {}
        for kind, client_id, number, oldest in counts:
            if kind == WaitingKind.REPLY:
                items.append(WaitingItem(kind, active[client_id], oldest, number))
                continue
            before = shared.get(client_id)
            if before is not None:
                number, oldest = number + before[0], min(oldest, before[1])
            shared[client_id] = (number, oldest)
        for client_id, (number, oldest) in shared.items():
            items.append(WaitingItem(WaitingKind.SHARED, active[client_id], oldest, number))

    def count(kind: str) -> int:
        return sum(item.count for item in items if item.kind == kind)

    return Waiting(
        shared=count(WaitingKind.SHARED),
        replies=count(WaitingKind.REPLY),
        invitations=count(WaitingKind.INVITATION),
        silent=count(WaitingKind.SILENT),
        items=tuple(sorted(items, key=lambda item: (item.since, KIND_ORDER.index(item.kind)))),
        counted=counted,
    )


# How long what waits keeps waiting, by kind of count.
WITHIN = {WaitingKind.SHARED: SHARED_WITHIN, WaitingKind.REPLY: REPLIES_WITHIN}


def _kept_counts(
    therapist: User, active: dict[int, CareRelationship], now: datetime
) -> list[tuple[str, int, int, datetime]]:
    """`_counts` of these clients (by client id, each relationship with its client), each
    client's kept in the page cache under their data version: what waits for a therapist
    changes only by a write of the client's data (a record shared, opened or answered, a
    reply, a "no reply needed", the relationship's end all give the client a new version),
    or as time passes (`_counts` reads those again)."""
    keys = {
        client_id: versions.cache_key(
            "waiting-counts", [r.client], versions.release(), therapist.pk, r.pk
        )
        for client_id, r in active.items()
    }
    kept = versions.read_many(keys.values())
    counts, counted = _counts(therapist, active, now, {c: kept.get(key) for c, key in keys.items()})
    if counted:
        versions.write_many({keys[c]: value for c, value in counted.items()})
    return counts


def _counts(
    therapist: User,
    active: dict[int, CareRelationship],
    now: datetime,
    kept: Mapping[int, tuple | None],
) -> tuple[list[tuple[str, int, int, datetime]], dict[int, tuple]]:
    """`_waiting_counts` of these clients, each client's `kept` counts (when they were
    counted, and the counts) while they still hold at `now`; and the counts made now, by
    client id, to keep. Counts are made again for a client with none kept, with counts kept
    at a later `now` than this one (they may leave out what still waited at this `now`), or
    whose oldest item has grown too old to wait: only those, in one query."""
    counts: list[tuple[str, int, int, datetime]] = []
    missing = []
    for client_id in active:
        counted_at, parts = kept.get(client_id) or (None, ())
        if (
            counted_at is None
            or counted_at > now
            or any(oldest <= now - WITHIN[kind] for kind, _, oldest in parts)
        ):
            missing.append(client_id)
        else:
            counts += [(kind, client_id, number, oldest) for kind, number, oldest in parts]
    if not missing:
        return counts, {}
    fresh = _waiting_counts(
        therapist=therapist.pk,
        client_ids=missing,
        relationship_ids=[active[client_id].pk for client_id in missing],
        shared_after=now - SHARED_WITHIN,
        replies_after=now - REPLIES_WITHIN,
    )
    parts_of: dict[int, list] = {client_id: [] for client_id in missing}
    for kind, client_id, number, oldest in fresh:
        parts_of[client_id].append((kind, number, oldest))
        counts.append((kind, client_id, number, oldest))
    return counts, {client_id: (now, parts) for client_id, parts in parts_of.items()}


def _last_activity(client_ids: set[int]) -> dict[int, LastActivity]:
    """Each of these clients' last activity, by client id (no query for none)."""
    if not client_ids:
        return {}
    # A client's activity is theirs, whichever of their relationships reads it.
    relationships = with_last_activity(CareRelationship.objects.filter(client_id__in=client_ids))
    return {r.client_id: LastActivity.read(vars(r), r.client.zone) for r in relationships}


# --- One client, for the timeline filtered to what waits -------------------------------


@dataclass(frozen=True)
class WaitingRecord:
    kind: str  # "journal", "lifestyle" or "social"
    record: object
    since: datetime
    unviewed: bool = False
    reply: bool = False


@dataclass(frozen=True)
class ClientWaiting:
    records: list[WaitingRecord]  # oldest first
    quiet_since: date | None

    @property
    def empty(self) -> bool:
        return not self.records and self.quiet_since is None


RECORD_KINDS = {
    "journal_entry": "journal",
    "lifestyle_log": "lifestyle",
    "social_activity": "social",
}


@prepared
def _with_activity(*, pk: int) -> QuerySet[CareRelationship]:
    return with_last_activity(CareRelationship.objects.filter(pk=pk))


@prepared
def _unviewed_of_client(*, field: str, therapist: int, client_id: int, after: datetime):
    model = next(m for m, f in FEEDBACK_FIELD.items() if f == field)
    rows = _unviewed(model, therapist, [client_id], after).select_related("client")
    return rows.select_related("person") if field == "social_activity" else rows


@prepared
def _replies_of_relationship(*, relationship_id: int, after: datetime) -> QuerySet[Feedback]:
    return _replies([relationship_id], after).select_related(
        "journal_entry__client",
        "lifestyle_log__client",
        "social_activity__client",
        "social_activity__person",
    )


def waiting_for_client(
    *, therapist: User, relationship: CareRelationship, now: datetime
) -> ClientWaiting:
    """What of one active client waits for the therapist, with the records themselves,
    oldest first: the same rules as `waiting_for_therapist`. Five queries (the client's last
    activity, unopened records of each kind, replies), however much waits."""
    [relationship] = _with_activity(pk=relationship.pk)
    found: dict[tuple[str, int], WaitingRecord] = {}
    for field in FEEDBACK_FIELD.values():
        for record in _unviewed_of_client(
            field=Fixed(field),
            therapist=therapist.pk,
            client_id=relationship.client_id,
            after=now - SHARED_WITHIN,
        ):
            found[(field, record.pk)] = WaitingRecord(
                RECORD_KINDS[field], record, record.created_at, unviewed=True
            )
    replies = _replies_of_relationship(relationship_id=relationship.pk, after=now - REPLIES_WITHIN)
    for reply in replies:
        field = next(f for f in RECORD_KINDS if getattr(reply, f"{f}_id"))
        key = (field, getattr(reply, f"{field}_id"))
        earlier = found.get(key)
        found[key] = WaitingRecord(
            RECORD_KINDS[field],
            reply.record,
            min(reply.created_at, earlier.since) if earlier else reply.created_at,
            unviewed=earlier is not None,
            reply=True,
        )
    return ClientWaiting(
        records=sorted(found.values(), key=lambda w: (w.since, w.kind, w.record.pk)),
        quiet_since=quiet_waits_since(relationship, now),
    )
