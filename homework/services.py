"""Writes about homework: templates, assignments and their life cycle, completions."""

import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import CareRelationship, CareStatus, User

from .models import (
    Assignment,
    AssignmentPause,
    AssignmentStatus,
    CalendarFeed,
    Completion,
    CompletionSource,
    HomeworkTemplate,
)
from .schedules import Frequency, iso_week_monday, local_today

SCHEDULE_FIELDS = (
    "kind",
    "title",
    "instructions",
    "target_value",
    "target_unit",
    "frequency",
    "weekdays",
    "times_per_week",
)
ASSIGNMENT_FIELDS = (*SCHEDULE_FIELDS, "start_date", "end_date", "due_date", "reminder_time")
OVERDUE_DAYS = 7


def _normalise(obj) -> None:
    """Drop the fields that belong to another frequency, so that they never mislead."""
    if obj.frequency != Frequency.WEEKDAYS:
        obj.weekdays = []
    else:
        obj.weekdays = sorted(set(obj.weekdays or []))
    if obj.frequency != Frequency.WEEKLY:
        obj.times_per_week = None
    if hasattr(obj, "due_date") and obj.frequency != Frequency.ONCE:
        obj.due_date = None
    if not obj.target_value:
        obj.target_value, obj.target_unit = None, ""


def _validate_weekdays(obj) -> None:
    days = obj.weekdays
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise ValidationError({"weekdays": "Choose days as numbers from 0 (Monday) to 6 (Sunday)."})
    if obj.frequency == Frequency.WEEKDAYS and not days:
        raise ValidationError({"weekdays": "Choose at least one day."})
    if obj.frequency == Frequency.WEEKLY and not obj.times_per_week:
        raise ValidationError({"times_per_week": "Say how many times a week (1 to 7)."})


def _full_clean_assignment(assignment: Assignment) -> None:
    _normalise(assignment)
    _validate_weekdays(assignment)
    if assignment.start_date is not None:
        # The schedule's own messages name the field; check them before the constraints.
        errors = assignment.schedule().validate()
        if errors:
            raise ValidationError(errors)
    assignment.full_clean(exclude=["relationship", "client", "therapist", "template"])


# --- Templates ---------------------------------------------------------------------


@transaction.atomic
def template_create(*, owner: User, **fields) -> HomeworkTemplate:
    """A therapist's own template, private to them."""
    template = HomeworkTemplate(
        owner=owner, **{k: fields[k] for k in SCHEDULE_FIELDS if k in fields}
    )
    _normalise(template)
    _validate_weekdays(template)
    template.full_clean(exclude=["owner"])
    template.save()
    return template


@transaction.atomic
def template_update(*, template: HomeworkTemplate, **fields) -> HomeworkTemplate:
    if template.owner_id is None:
        raise ValidationError("Shared templates are edited by staff in the admin.")
    for name in SCHEDULE_FIELDS:
        if name in fields:
            setattr(template, name, fields[name])
    _normalise(template)
    _validate_weekdays(template)
    template.full_clean(exclude=["owner"])
    template.save()
    return template


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
    **fields,
) -> Assignment:
    """Assign homework within an active care relationship of this therapist."""
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.therapist_id != therapist.pk or relationship.status != CareStatus.ACTIVE:
        raise ValidationError("This person is not an active client of yours.")
    values = {**assignment_defaults(template, relationship.client), **fields}
    assignment = Assignment(
        relationship=relationship,
        client=relationship.client,
        therapist=therapist,
        template=template,
        **{k: values[k] for k in ASSIGNMENT_FIELDS if k in values},
    )
    _full_clean_assignment(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def assignment_update(*, assignment: Assignment, **fields) -> Assignment:
    """Edit the assignment; completions already made stay as they were."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status == AssignmentStatus.ENDED:
        raise ValidationError("An ended assignment cannot be edited.")
    for name in ASSIGNMENT_FIELDS:
        if name in fields:
            setattr(assignment, name, fields[name])
    _full_clean_assignment(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def assignment_pause(*, assignment: Assignment) -> Assignment:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError("Only an active assignment can be paused.")
    today = local_today(assignment.client.timezone)
    AssignmentPause.objects.create(assignment=assignment, start_date=today)
    assignment.status = AssignmentStatus.PAUSED
    assignment.save(update_fields=["status", "updated_at"])
    return assignment


@transaction.atomic
def assignment_resume(*, assignment: Assignment) -> Assignment:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
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
        assignment.end_date = max(today, assignment.start_date)
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
    if assignment.status != AssignmentStatus.ACTIVE:
        raise ValidationError(
            {"assignment": f"This homework is {assignment.get_status_display().lower()}."}
        )
    if not CareRelationship.objects.filter(
        pk=assignment.relationship_id, status=CareStatus.ACTIVE
    ).exists():
        raise ValidationError({"assignment": "This homework ended with the care relationship."})
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
    if completion.client_id != client.pk:
        raise ValidationError("This is not yours.")
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
