"""Writes about homework: templates, assignments and their life cycle, completions."""

import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from enum import Enum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.clock import local_today
from accounts.models import CareRelationship, User
from accounts.services import lock_active_relationship

from .models import (
    RULES_BY_KIND,
    Assignment,
    AssignmentPause,
    AssignmentStatus,
    CalendarFeed,
    Completion,
    CompletionSource,
    HomeworkTemplate,
)
from .schedules import OVERDUE_DAYS, Frequency, iso_week_monday

SCHEDULE_FIELDS = (
    "kind",
    "title",
    "instructions",
    "target_value",
    "target_unit",
    "frequency",
    "weekdays",
    "times_per_week",
    "completes_by",
)
ASSIGNMENT_FIELDS = (*SCHEDULE_FIELDS, "start_date", "end_date", "due_date", "reminder_time")


class Unset(Enum):
    """A field left out: keep the current value (or the template's, or the default)."""

    UNSET = "unset"


UNSET = Unset.UNSET


def _given(values: dict) -> dict:
    return {name: value for name, value in values.items() if value is not UNSET}


def _rule_follows_kind(instance, changes: dict) -> None:
    """Another kind keeps the rule set only when a record of that kind can meet it; else
    the new kind's usual rule."""
    new_kind = changes.get("kind")
    if new_kind is None or "completes_by" in changes:
        return
    if instance.completes_by not in RULES_BY_KIND.get(new_kind, ()):
        changes["completes_by"] = ""


def _full_clean_assignment(assignment: Assignment) -> None:
    # The rules live in the model (`clean()` and constraints), where the admin meets them too.
    assignment.full_clean(exclude=["relationship", "client", "therapist", "template"])


def _lock_for_write(assignment: Assignment) -> Assignment:
    """Lock the assignment's care relationship, then the assignment, and read it again.

    Writes that are only allowed while the relationship is active take the relationship's
    lock first (as `relationship_end` does), so an end waits for them or they see it ended.
    Always relationship before assignment, so two writes never wait for each other.
    """
    try:
        lock_active_relationship(assignment.relationship_id)
    except ValidationError:
        raise ValidationError(
            {"assignment": "This homework ended with the care relationship."}
        ) from None
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("client")
        .prefetch_related("pauses")
        .get(pk=assignment.pk)
    )


# --- Templates ---------------------------------------------------------------------


@transaction.atomic
def template_create(
    *,
    owner: User,
    kind: str,
    title: str,
    instructions: str = "",
    target_value: Decimal | None = None,
    target_unit: str = "",
    frequency: str = Frequency.DAILY,
    weekdays: list[int] | None = None,
    times_per_week: int | None = None,
    completes_by: str = "",
) -> HomeworkTemplate:
    """A therapist's own template, private to them."""
    template = HomeworkTemplate(
        owner=owner,
        kind=kind,
        title=title,
        instructions=instructions,
        target_value=target_value,
        target_unit=target_unit,
        frequency=frequency,
        weekdays=weekdays if weekdays is not None else [],
        times_per_week=times_per_week,
        completes_by=completes_by,
    )
    template.full_clean(exclude=["owner"])
    template.save()
    return template


@transaction.atomic
def template_update(
    *,
    template: HomeworkTemplate,
    kind: str | Unset = UNSET,
    title: str | Unset = UNSET,
    instructions: str | Unset = UNSET,
    target_value: Decimal | Unset | None = UNSET,
    target_unit: str | Unset = UNSET,
    frequency: str | Unset = UNSET,
    weekdays: list[int] | Unset = UNSET,
    times_per_week: int | Unset | None = UNSET,
    completes_by: str | Unset = UNSET,
) -> HomeworkTemplate:
    """Change the fields given; the others stay as they are."""
    if template.owner_id is None:
        raise ValidationError("Shared templates are edited by staff in the admin.")
    changes = _given(
        {
            "kind": kind,
            "title": title,
            "instructions": instructions,
            "target_value": target_value,
            "target_unit": target_unit,
            "frequency": frequency,
            "weekdays": weekdays,
            "times_per_week": times_per_week,
            "completes_by": completes_by,
        }
    )
    _rule_follows_kind(template, changes)
    for name, value in changes.items():
        setattr(template, name, value)
    template.full_clean(exclude=["owner"])
    template.save()
    return template


@transaction.atomic
def template_delete(*, template: HomeworkTemplate) -> None:
    """Delete one's own template; assignments made from it keep their copy of the fields."""
    if template.owner_id is None:
        raise ValidationError("Shared templates are edited by staff in the admin.")
    template.delete()


# --- Assignments -------------------------------------------------------------------


def assignment_defaults(template: HomeworkTemplate | None, client: User) -> dict:
    """Initial values for a new assignment, from a template, in the client's calendar."""
    today = local_today(client.timezone)
    values = {"start_date": today, "frequency": Frequency.DAILY, "weekdays": []}
    if template is not None:
        values.update({name: getattr(template, name) for name in SCHEDULE_FIELDS})
        if template.frequency == Frequency.ONCE:
            values["due_date"] = today + timedelta(days=7)
    return values


@transaction.atomic
def assignment_create(
    *,
    therapist: User,
    relationship: CareRelationship,
    template: HomeworkTemplate | None = None,
    kind: str | Unset = UNSET,
    title: str | Unset = UNSET,
    instructions: str | Unset = UNSET,
    target_value: Decimal | Unset | None = UNSET,
    target_unit: str | Unset = UNSET,
    frequency: str | Unset = UNSET,
    weekdays: list[int] | Unset = UNSET,
    times_per_week: int | Unset | None = UNSET,
    completes_by: str | Unset = UNSET,
    start_date: date | Unset = UNSET,
    end_date: date | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
    reminder_time: time | Unset | None = UNSET,
) -> Assignment:
    """Assign homework within an active care relationship of this therapist. Fields left
    out come from the template, if any (see `assignment_defaults`)."""
    not_yours = ValidationError("This person is not an active client of yours.")
    if relationship.therapist_id != therapist.pk:
        raise not_yours
    try:
        relationship = lock_active_relationship(relationship.pk)
    except ValidationError:
        raise not_yours from None
    values = assignment_defaults(template, relationship.client) | _given(
        {
            "kind": kind,
            "title": title,
            "instructions": instructions,
            "target_value": target_value,
            "target_unit": target_unit,
            "frequency": frequency,
            "weekdays": weekdays,
            "times_per_week": times_per_week,
            "completes_by": completes_by,
            "start_date": start_date,
            "end_date": end_date,
            "due_date": due_date,
            "reminder_time": reminder_time,
        }
    )
    assignment = Assignment(
        relationship=relationship,
        client=relationship.client,
        therapist=therapist,
        template=template,
        **values,
    )
    _full_clean_assignment(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def assignment_update(
    *,
    assignment: Assignment,
    kind: str | Unset = UNSET,
    title: str | Unset = UNSET,
    instructions: str | Unset = UNSET,
    target_value: Decimal | Unset | None = UNSET,
    target_unit: str | Unset = UNSET,
    frequency: str | Unset = UNSET,
    weekdays: list[int] | Unset = UNSET,
    times_per_week: int | Unset | None = UNSET,
    completes_by: str | Unset = UNSET,
    start_date: date | Unset = UNSET,
    end_date: date | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
    reminder_time: time | Unset | None = UNSET,
) -> Assignment:
    """Edit the fields given; completions already made stay as they were."""
    assignment = _lock_for_write(assignment)
    if assignment.status == AssignmentStatus.ENDED:
        raise ValidationError("An ended assignment cannot be edited.")
    changes = _given(
        {
            "kind": kind,
            "title": title,
            "instructions": instructions,
            "target_value": target_value,
            "target_unit": target_unit,
            "frequency": frequency,
            "weekdays": weekdays,
            "times_per_week": times_per_week,
            "completes_by": completes_by,
            "start_date": start_date,
            "end_date": end_date,
            "due_date": due_date,
            "reminder_time": reminder_time,
        }
    )
    _rule_follows_kind(assignment, changes)
    for name, value in changes.items():
        setattr(assignment, name, value)
    _full_clean_assignment(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def assignment_pause(*, assignment: Assignment) -> Assignment:
    assignment = _lock_for_write(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError("Only an active assignment can be paused.")
    today = local_today(assignment.client.timezone)
    AssignmentPause.objects.create(assignment=assignment, start_date=today)
    assignment.status = AssignmentStatus.PAUSED
    assignment.save(update_fields=["status", "updated_at"])
    return assignment


@transaction.atomic
def assignment_resume(*, assignment: Assignment) -> Assignment:
    assignment = _lock_for_write(assignment)
    if assignment.status != AssignmentStatus.PAUSED:
        raise ValidationError("Only a paused assignment can be resumed.")
    today = local_today(assignment.client.timezone)
    pause = assignment.pauses.filter(end_date__isnull=True).first()
    if pause is not None:
        if pause.start_date >= today:
            pause.delete()  # paused and resumed on the same day: nothing was skipped
        else:
            pause.end_date = today
            pause.save(update_fields=["end_date"])
    assignment.status = AssignmentStatus.ACTIVE
    assignment.save(update_fields=["status", "updated_at"])
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment) -> Assignment:
    """End it: nothing is due after today; past completions and adherence remain."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == AssignmentStatus.ENDED:
        raise ValidationError("This assignment has already ended.")
    today = local_today(assignment.client.timezone)
    assignment.pauses.filter(end_date__isnull=True).update(end_date=today)
    if assignment.end_date is None or assignment.end_date > today:
        last = max(today, assignment.start_date)
        if assignment.frequency == Frequency.ONCE and assignment.due_date > last:
            # A one-off keeps its due date inside start..end, so the row stays valid; the
            # ended status and `ended_at` are what say nothing is due any more.
            last = assignment.due_date
        assignment.end_date = last
    assignment.status = AssignmentStatus.ENDED
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["status", "ended_at", "end_date", "updated_at"])
    return assignment


# --- Completions -------------------------------------------------------------------


@transaction.atomic
def completion_create(
    *,
    client: User,
    assignment: Assignment,
    due_date: date | None = None,
    note: str = "",
    source: str = CompletionSource.CHECK_OFF,
) -> Completion:
    """Mark one occurrence done. Only the client does this, for their own active homework."""
    if assignment.client_id != client.pk:
        raise ValidationError("This homework is not yours.")
    # Read again under the lock: what counts is the state once no end or pause is in flight.
    assignment = _lock_for_write(assignment)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError(
            {"assignment": f"This homework is {assignment.get_status_display().lower()}."}
        )
    today = local_today(client.timezone)
    day = due_date or today
    # Once-by-a-date homework may be done early, from its start date: it counts for its due date.
    early = (
        assignment.frequency == Frequency.ONCE
        and day == assignment.due_date
        and assignment.start_date <= today < day
    )
    if day > today and not early:
        raise ValidationError({"due_date": "You cannot complete homework in advance."})
    if day < today - timedelta(days=OVERDUE_DAYS):
        raise ValidationError({"due_date": "That day is too long ago to log now."})
    schedule = assignment.schedule()
    if assignment.frequency == Frequency.WEEKLY:
        in_range = assignment.start_date <= day and (
            assignment.end_date is None or day <= assignment.end_date
        )
        if not in_range or schedule.is_paused_on(day):
            raise ValidationError({"due_date": "This homework was not due on that day."})
    elif not schedule.is_due_on(day):
        raise ValidationError({"due_date": "This homework was not due on that day."})
    completion = Completion(
        assignment=assignment,
        client=client,
        due_date=day,
        week=iso_week_monday(day),
        note=note.strip(),
        source=source,
        # Stamped under the lock, so it can never fall after the relationship's `ended_at`.
        completed_at=timezone.now(),
    )
    completion.full_clean(exclude=["assignment", "client"], validate_unique=False)
    try:
        with transaction.atomic():
            completion.save()
    except IntegrityError as exc:
        raise ValidationError({"due_date": "Already done for that day."}) from exc
    return completion


@transaction.atomic
def completion_undo(*, client: User, completion: Completion) -> None:
    """Remove a check-off. Only while the care relationship is active: once it ends, the
    homework log stays as the therapist last saw it (erasing the account removes it)."""
    if completion.client_id != client.pk:
        raise ValidationError("This is not yours.")
    _lock_for_write(completion.assignment)
    completion.delete()


# --- Calendar feed ----------------------------------------------------------------


def feed_enable(*, client: User) -> CalendarFeed:
    """The client's feed, created if it does not exist yet (titles hidden by default)."""
    feed, _created = CalendarFeed.objects.get_or_create(client=client)
    return feed


def feed_set_titles(*, feed: CalendarFeed, show_titles: bool) -> CalendarFeed:
    feed.show_titles = show_titles
    feed.save(update_fields=["show_titles"])
    return feed


def feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    """A new key: every URL made from the old one stops working at once."""
    feed.key = uuid.uuid4()
    feed.save(update_fields=["key"])
    return feed


def feed_disable(*, feed: CalendarFeed) -> None:
    feed.delete()
