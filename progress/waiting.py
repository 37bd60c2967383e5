"""What waits for a therapist: shared records with no feedback, replies not answered,
invitations about to expire and clients newly quiet. Counts for the reminder e-mail; the
items, which name clients, for the portal's "Waiting for you" only."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Exists, F, OuterRef, Q, Value

from accounts.clock import local_day, local_midnight
from accounts.models import CareRelationship, CareStatus, User
from clients.models import FEEDBACK_FIELD, Feedback

from .activity import QUIET_DAYS, LastActivity, is_quiet, quiet_from, with_last_activity

FEEDBACK_AFTER = timedelta(days=2)
# Older shared records are history, not a to-do: a therapist taking over a client is not
# handed months of entries as "waiting".
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

    # Clients quiet (the caseload's rule), in the first QUIET_WAITS_DAYS of their quiet.
    for relationship in active.values():
        zone = relationship.client.zone
        since = quiet_from(
            last_active_day=LastActivity.read(vars(relationship), zone).day(zone),
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
            items.append(WaitingItem(WaitingKind.SILENT, relationship, local_midnight(since, zone)))

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
