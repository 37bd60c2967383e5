"""Writes on care plans: items added, edited, moved and removed by the client or their
therapist while the relationship is active; each change is a new numbered version; the
therapist marks a version agreed in session; the client's "I'm triggered" log.

Optimistic concurrency: an edit, move or removal carries the plan version it started
from. If the item (or, for a move, the order of its section) changed after that version,
the change is refused with `PlanConflict`, which holds both texts: nothing is overwritten.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import CareRelationship, Role, User
from accounts.services import lock_active_relationship
from clients import services as record_services
from clients.models import Person
from homework.models import Assignment

from .models import (
    DETAIL_FIELDS,
    SECTION_FIELDS,
    CarePlan,
    Helped,
    HomeworkLink,
    PlanItem,
    PlanVersion,
    Section,
    TriggerLog,
)

SECTION_ITEMS_MAX = 200
NOTE_MAX = 1_000


class PlanConflict(ValidationError):
    """Someone else changed this first. `current` is the item as it is now (None when it was
    removed); `yours` is what this person tried to save."""

    def __init__(self, message: str, *, current: PlanItem | None, yours: dict):
        self.current = current
        self.yours = yours
        now = f" It now says: “{current.text}”." if current is not None else ""
        mine = f" You wrote: “{yours['text']}”." if yours.get("text") else ""
        super().__init__({"base_version": [message + now + mine]})

    @property
    def conflict(self) -> dict:
        """For the API's 409: the item as it is now, and the text that was sent."""
        return {
            "current": item_data(self.current) if self.current is not None else None,
            "yours": {"text": self.yours.get("text", "")},
        }


# --- Reading the plan as data ---------------------------------------------------------


def item_data(item: PlanItem) -> dict:
    return {
        "id": str(item.public_id),
        "section": item.section,
        "text": item.text,
        "signs": item.signs,
        "helps": item.helps,
        "steps": list(item.steps),
        "measure": item.measure,
        "review_date": item.review_date.isoformat() if item.review_date else None,
        "person": item.person.name if item.person_id else "",
    }


def snapshot(plan: CarePlan) -> list[dict]:
    order = {section: i for i, section in enumerate(Section.values)}
    items = plan.items.select_related("person").order_by("position", "id")
    return [item_data(item) for item in sorted(items, key=lambda item: order[item.section])]


# --- The plan -------------------------------------------------------------------------


def plan_for_relationship(relationship: CareRelationship) -> CarePlan:
    """The relationship's plan, made empty on first use."""
    return plan_get_or_create(relationship=relationship)[0]


def plan_get_or_create(*, relationship: CareRelationship) -> tuple[CarePlan, bool]:
    """The relationship's plan, and whether it was made just now (empty). One plan per
    relationship: the one-to-one key settles two requests at once."""
    return CarePlan.objects.get_or_create(
        relationship=relationship, defaults={"client_id": relationship.client_id}
    )


def _author_label(author: User) -> str:
    return "client" if author.role == Role.CLIENT else "therapist"


def _lock(plan: CarePlan, author: User) -> CarePlan:
    """Lock the relationship (it must be active) and the plan; only its two people write."""
    relationship = lock_active_relationship(plan.relationship_id)
    if author.pk not in (relationship.client_id, relationship.therapist_id):
        raise ValidationError("This plan is not yours.")
    return CarePlan.objects.select_for_update().get(pk=plan.pk)


def _record(plan: CarePlan, *, author: User, change: str, section: str, item=None) -> PlanVersion:
    plan.version += 1
    plan.save(update_fields=["version"])
    return PlanVersion.objects.create(
        plan=plan,
        number=plan.version,
        author=author,
        author_label=_author_label(author),
        change=change,
        section=section,
        item_public_id=item.public_id if item is not None else None,
        snapshot=snapshot(plan),
    )


def _steps(value):
    """Steps as typed (one a line) or sent (a list), tidied; `PlanItem` checks the rest."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(step, str) for step in value):
        return value
    steps = [" ".join(step.split()) for step in value]
    return [step for step in steps if step]


def _apply(item: PlanItem, plan: CarePlan, fields: dict) -> None:
    """Set the fields this section uses and clear the others; the item checks them
    (`PlanItem.clean` and its fields' validators)."""
    allowed = SECTION_FIELDS[Section(item.section)]
    for name in allowed:
        if name not in fields:
            continue
        value = fields[name]
        if name == "steps":
            value = _steps(value)
        elif name == "person":
            if value is not None and not isinstance(value, Person):
                raise ValidationError({"person": "Choose someone from your own list."})
        elif name == "review_date":
            if value is not None and not isinstance(value, date):
                raise ValidationError({"review_date": "Give a date."})
        elif isinstance(value, str):
            value = value.strip()
        setattr(item, name, value)
    for name in DETAIL_FIELDS:
        if name not in allowed:
            setattr(
                item,
                name,
                None if name in ("review_date", "person") else ([] if name == "steps" else ""),
            )
    if item.section == Section.CIRCLE and not item.text and item.person is not None:
        item.text = item.person.name
    item.plan = plan  # the locked plan: its client is the one the rules read
    item.full_clean(exclude=["plan", "person"])


def _section(value) -> str:
    if value not in Section.values:
        raise ValidationError({"section": "There is no such section in the plan."})
    return value


@transaction.atomic
def item_add(*, author: User, plan: CarePlan, section: str, **fields) -> PlanItem:
    section = _section(section)
    plan = _lock(plan, author)
    if plan.items.filter(section=section).count() >= SECTION_ITEMS_MAX:
        raise ValidationError({"section": "This section is full: tidy it up first."})
    last = plan.items.filter(section=section).aggregate(last=Max("position"))["last"]
    item = PlanItem(plan=plan, section=section, position=0 if last is None else last + 1)
    _apply(item, plan, fields)
    item.changed_in = plan.version + 1
    item.save()
    _record(plan, author=author, change="add", section=section, item=item)
    return item


def _base(base_version) -> int:
    try:
        base = int(base_version)
    except (TypeError, ValueError):
        raise ValidationError(
            {"base_version": "Say which version of the plan this change starts from."}
        ) from None
    if base < 0:
        raise ValidationError(
            {"base_version": "Say which version of the plan this change starts from."}
        )
    return base


def _check_base(plan: CarePlan, base: int) -> None:
    if base > plan.version:
        raise ValidationError({"base_version": "There is no such version of this plan yet."})


def _locked_item(item: PlanItem, author: User, yours: dict, base: int) -> tuple[CarePlan, PlanItem]:
    plan = _lock(item.plan, author)
    _check_base(plan, base)
    current = PlanItem.objects.select_related("person").filter(pk=item.pk).first()
    if current is None:
        raise PlanConflict("This item was removed meanwhile.", current=None, yours=yours)
    return plan, current


@transaction.atomic
def item_edit(*, author: User, item: PlanItem, base_version, **fields) -> PlanItem:
    base = _base(base_version)
    yours = {"text": fields.get("text", item.text), **fields}
    plan, current = _locked_item(item, author, yours, base)
    if current.changed_in > base:
        raise PlanConflict(
            "Someone changed this item after you opened it, so yours was not saved.",
            current=current,
            yours=yours,
        )
    _apply(current, plan, fields)
    current.changed_in = plan.version + 1
    current.save()
    _record(plan, author=author, change="edit", section=current.section, item=current)
    return current


@transaction.atomic
def item_remove(*, author: User, item: PlanItem, base_version) -> None:
    base = _base(base_version)
    plan, current = _locked_item(item, author, {}, base)
    if current.changed_in > base:
        raise PlanConflict(
            "Someone changed this item after you opened it: look at it again before removing it.",
            current=current,
            yours={},
        )
    section = current.section
    removed = PlanItem(public_id=current.public_id)
    current.delete()
    _record(plan, author=author, change="remove", section=section, item=removed)


def _order_changed_since(plan: CarePlan, section: str, base: int) -> bool:
    return plan.versions.filter(
        number__gt=base, section=section, change__in=("add", "move", "remove")
    ).exists()


@transaction.atomic
def section_reorder(
    *, author: User, plan: CarePlan, section: str, order: list, base_version
) -> None:
    """Put a section's items in the given order (all of them, by public id)."""
    section = _section(section)
    base = _base(base_version)
    plan = _lock(plan, author)
    _check_base(plan, base)
    if _order_changed_since(plan, section, base):
        raise PlanConflict(
            "The order of this section changed after you opened it, so yours was not saved. "
            "Here is the plan as it is now.",
            current=None,
            yours={},
        )
    items = {str(item.public_id): item for item in plan.items.filter(section=section)}
    wanted = [str(public_id) for public_id in order or []]
    if sorted(wanted) != sorted(items):
        raise ValidationError({"order": "Give every item of this section once."})
    moved = [items[public_id] for public_id in wanted]
    for position, item in enumerate(moved):
        item.position = position
    PlanItem.objects.bulk_update(moved, ["position"])
    _record(plan, author=author, change="move", section=section)


@transaction.atomic
def item_move(*, author: User, item: PlanItem, base_version, direction: str) -> None:
    """Move an item one place up or down in its section."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": "Move up or down."})
    order = list(
        PlanItem.objects.filter(plan_id=item.plan_id, section=item.section)
        .order_by("position", "id")
        .values_list("public_id", flat=True)
    )
    if item.public_id not in order:
        raise PlanConflict("This item was removed meanwhile.", current=None, yours={})
    index = order.index(item.public_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return
    order[index], order[other] = order[other], order[index]
    section_reorder(
        author=author, plan=item.plan, section=item.section, order=order, base_version=base_version
    )


@transaction.atomic
def version_agree(*, therapist: User, version: PlanVersion) -> PlanVersion:
    """The therapist marks a version as agreed in session."""
    plan = _lock(version.plan, therapist)
    if therapist.pk != plan.relationship.therapist_id:
        raise ValidationError("Only the therapist marks a version as agreed.")
    version = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if version.agreed_at is None:
        version.agreed_at = timezone.now()
        version.agreed_by = therapist
        version.save(update_fields=["agreed_at", "agreed_by"])
    return version


# --- Homework links -------------------------------------------------------------------


@transaction.atomic
def homework_link(
    *, author: User, item: PlanItem, assignment: Assignment, step=None
) -> HomeworkLink:
    plan = _lock(item.plan, author)
    if item.section not in (Section.GOALS, Section.TRIGGERS):
        raise ValidationError({"item": "Homework can serve a goal or a coping step."})
    if assignment.relationship_id != plan.relationship_id:
        raise ValidationError({"assignment": "Choose homework from this care relationship."})
    if item.section == Section.TRIGGERS:
        if step is None or not 0 <= int(step) < len(item.steps):
            raise ValidationError({"step": "Choose one of the coping steps."})
    else:
        step = None
    link, _created = HomeworkLink.objects.update_or_create(
        item=item, assignment=assignment, defaults={"step": step}
    )
    return link


# --- I'm triggered --------------------------------------------------------------------


@transaction.atomic
def trigger_log_create(
    *,
    client: User,
    plan: CarePlan,
    item: PlanItem | None,
    note: str = "",
    shared: bool | None = None,
) -> TriggerLog:
    """Log a moment of being triggered, with an optional short journal entry tagged with the
    trigger. No alert is raised: this is the client's own tool."""
    if plan.client_id != client.pk:
        raise ValidationError("This plan is not yours.")
    if item is not None and (item.plan_id != plan.pk or item.section != Section.TRIGGERS):
        raise ValidationError({"trigger": "Choose one of the triggers in your plan."})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep it to {NOTE_MAX} characters."})
    entry = None
    if note:
        fields = {"text": note, "triggers": [item.tag] if item is not None else []}
        if shared is not None:
            fields["shared"] = shared
        entry = record_services.journal_create(client=client, **fields)
    log = TriggerLog(
        plan=plan,
        client=client,
        item=item,
        trigger=item.tag if item is not None else "",
        steps=list(item.steps) if item is not None else [],
        journal_entry=entry,
    )
    log.full_clean(exclude=["plan", "client", "item", "journal_entry"])
    log.save()
    return log


@transaction.atomic
def trigger_log_rate(*, client: User, log: TriggerLog, helped: str) -> TriggerLog:
    if log.client_id != client.pk:
        raise ValidationError("This is not yours.")
    if helped not in Helped.values:
        raise ValidationError({"helped": "Answer yes, a little or no."})
    log.helped = helped
    log.rated_at = timezone.now()
    log.save(update_fields=["helped", "rated_at"])
    return log
