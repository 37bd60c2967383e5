"""The client's "to bring to my session" list, from a free note, a record, an "I'm triggered"
moment or a plan item. It lives here, above the apps that hold those sources: a source is
found as its owner sees it, and a private one is shared only when the client says so, before
the line is added. Nothing private reaches the therapist unseen."""

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.http import Http404

from accounts.clock import local_day
from accounts.models import User
from appointments import services as appointment_services
from appointments.models import Appointment, BringItem
from clients import services as record_services
from clients.models import JournalEntry, LifestyleLog, SocialActivity

from .models import PlanItem, Section, TriggerLog

Kind = BringItem.Source
RECORD_MODELS = {
    Kind.JOURNAL: JournalEntry,
    Kind.LIFESTYLE: LifestyleLog,
    Kind.SOCIAL: SocialActivity,
}
LABELS = {
    Kind.JOURNAL: "journal entry",
    Kind.LIFESTYLE: "lifestyle log",
    Kind.SOCIAL: "note about time with people",
    Kind.TRIGGER: "\u201cI'm triggered\u201d note",
    Kind.PLAN_ITEM: "care plan item",
}


@dataclass(frozen=True)
class Source:
    """Where a line comes from, as its client sees it."""

    kind: str
    public_id: uuid.UUID
    text: str  # the line the client starts from, and can change before saving
    private: bool  # the therapist cannot see it now
    record: object | None  # what "Share it" shares; None when it cannot be shared

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


def get_source_for_client(client: User, kind: str, public_id) -> Source:
    """The client's own record, trigger log or plan item, or 404."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such entry.") from None
    if kind in RECORD_MODELS:
        record = RECORD_MODELS[kind].objects.filter(client=client, public_id=public_id).first()
        if record is None:
            raise Http404("No such entry.")
        text = {
            Kind.JOURNAL: f"My journal entry of {_day(record.day)}",
            Kind.LIFESTYLE: f"My day on {_day(record.day)}",
            Kind.SOCIAL: f"Time with people on {_day(record.day)}",
        }[kind]
        return Source(kind, public_id, text, private=not record.shared, record=record)
    if kind == Kind.TRIGGER:
        log = (
            TriggerLog.objects.filter(client=client, public_id=public_id)
            .select_related("journal_entry")
            .first()
        )
        if log is None:
            raise Http404("No such entry.")
        entry = log.journal_entry
        day = _day(local_day(log.created_at, client.zone))
        what = f"When {log.trigger} got to me" if log.trigger else "What got to me"
        text = f"{what}, on {day}"
        return Source(kind, public_id, text, private=not (entry and entry.shared), record=entry)
    if kind == Kind.PLAN_ITEM:
        item = (
            PlanItem.objects.filter(plan__client=client, public_id=public_id)
            .select_related("plan")
            .first()
        )
        if item is None:
            raise Http404("No such entry.")
        # The plan is written together: the therapist sees every item of it.
        text = f"{Section(item.section).label}: {item.text}"
        return Source(kind, public_id, text[:300], private=False, record=None)
    raise Http404("No such entry.")


def sources_visible_to(viewer: User, items: list[BringItem]) -> set[tuple[str, uuid.UUID]]:
    """The lines' sources the viewer may open (for a therapist, shared ones only): a line
    added from a private entry names only its text. One query per kind present."""
    by_kind: dict[str, set[uuid.UUID]] = {}
    for item in items:
        if item.source:
            by_kind.setdefault(item.source, set()).add(item.source_id)
    visible = set()
    for kind, ids in by_kind.items():
        if kind in RECORD_MODELS:
            queryset = RECORD_MODELS[kind].objects.visible_to(viewer)
        elif kind == Kind.TRIGGER:
            queryset = TriggerLog.objects.visible_to(viewer)
        else:
            queryset = PlanItem.objects.visible_to(viewer)
        found = queryset.filter(public_id__in=ids).values_list("public_id", flat=True)
        visible.update((kind, public_id) for public_id in found)
    return visible


@transaction.atomic
def bring_add_from(
    *,
    client: User,
    appointment: Appointment,
    text: str,
    source: Source | None = None,
    share: bool = False,
) -> BringItem:
    """Add a line; with `share`, a private source is shared first. One transaction: a list
    that has closed shares nothing."""
    if source is not None and share and source.private and source.record is not None:
        record_services.record_sharing_set(record=source.record, shared=True)
    return appointment_services.bring_add(
        client=client,
        appointment=appointment,
        text=text,
        source=source.kind if source else "",
        source_id=source.public_id if source else None,
    )
