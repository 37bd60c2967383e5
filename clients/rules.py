"""Which records count for which homework: the one place that decides it.

A record completes the active homework of its kind whose rule it meets on its day
(`homework.models.CompletesBy`): journaling by any entry, an entry with a mood or one with
some words; lifestyle and social homework by their targets. The completion it makes is
linked to it, so that editing, unlinking or deleting the record undoes only what it
completed. Two records of one day share one completion. Every other part of Tandem (Today,
*My week*, the digests, the caseload, progress, the API) reads the completions made here.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from homework import services as homework_services
from homework.models import (
    Assignment,
    AssignmentStatus,
    CompletesBy,
    Completion,
    CompletionSource,
    Kind,
)
from homework.schedules import Frequency

from .models import (
    JournalEntry,
    LifestyleLog,
    Meals,
    Mode,
    RelationshipKind,
    SocialActivity,
    Support,
)

KIND_OF_RECORD = {
    JournalEntry: Kind.JOURNAL,
    LifestyleLog: Kind.LIFESTYLE,
    SocialActivity: Kind.SOCIAL,
}

# Which measure a lifestyle assignment asks for: by the library template it came from,
# else by its unit.
LIFESTYLE_METRIC_BY_TEMPLATE = {
    "sleep-routine": "sleep_hours",
    "exercise-minutes": "exercise_minutes",
    "regular-meals": "meals",
    "time-outdoors": "outdoor_minutes",
}
LIFESTYLE_METRIC_BY_UNIT = {"hours": "sleep_hours", "minutes": "exercise_minutes"}
MEALS_AS_TIMES = {Meals.YES: 3, Meals.PARTLY: 1, Meals.NO: 0}


class NotLinked(ValidationError):
    """Unlinking a record from homework it did not complete (the API answers 409)."""

    def __init__(self, record):
        super().__init__("This record did not complete that homework.", code="not_linked")
        self.completes = [str(c.assignment.public_id) for c in record.completions.all()]

    @property
    def conflict(self) -> dict:
        return {"completes": self.completes}


def _library_slug(assignment: Assignment) -> str:
    template = assignment.template
    return template.slug if template is not None and template.owner_id is None else ""


def lifestyle_target_met(log: LifestyleLog, assignment: Assignment) -> bool:
    slug = _library_slug(assignment)
    metric = LIFESTYLE_METRIC_BY_TEMPLATE.get(slug) or LIFESTYLE_METRIC_BY_UNIT.get(
        assignment.target_unit
    )
    if metric is None:
        return False
    value = MEALS_AS_TIMES.get(log.meals) if metric == "meals" else getattr(log, metric)
    if value is None:
        return False
    if assignment.target_value is None:
        return value > 0
    return Decimal(value) >= assignment.target_value


def social_target_met(activity: SocialActivity, assignment: Assignment) -> bool:
    match _library_slug(assignment):
        case "shared-activity":
            return activity.mode == Mode.IN_PERSON
        case "help-someone":
            return activity.support in (Support.GIVEN, Support.BOTH)
        case "join-group":
            return activity.person is not None and activity.person.kind == RelationshipKind.GROUP
    return True


def journal_rule_met(entry: JournalEntry, assignment: Assignment) -> bool:
    match assignment.rule:
        case CompletesBy.ENTRY:
            return True
        case CompletesBy.MOOD:
            return entry.mood is not None
        case CompletesBy.WORDS:
            return bool((entry.text or "").strip() or (entry.needed or "").strip())
    return False


CHOSEN, UNLINKED = "chosen", "unlinked"


def choice(record, assignment: Assignment) -> str | None:
    return (record.homework_choices or {}).get(str(assignment.public_id))


def _set_choice(record, assignment: Assignment, value: str) -> None:
    record.homework_choices = {**(record.homework_choices or {}), str(assignment.public_id): value}
    type(record).objects.filter(pk=record.pk).update(homework_choices=record.homework_choices)


def record_meets(record, assignment: Assignment) -> bool:
    """Whether `record` completes `assignment` (ignoring the day): by the client's word for
    this record if they gave it, else by the assignment's rule."""
    if assignment.kind != KIND_OF_RECORD.get(type(record)):
        return False
    if (said := choice(record, assignment)) is not None:
        return said == CHOSEN
    if isinstance(record, JournalEntry):
        return journal_rule_met(record, assignment)
    if assignment.rule != CompletesBy.TARGET:
        return False
    if isinstance(record, LifestyleLog):
        return lifestyle_target_met(record, assignment)
    return social_target_met(record, assignment)


def occurrence_day(assignment: Assignment, day: date) -> date | None:
    """The occurrence a record of `day` fulfils: that day, or for once-by-a-date homework its
    due date (it can be done any day from its start)."""
    if assignment.frequency == Frequency.ONCE:
        due = assignment.due_date
        return due if due is not None and assignment.start_date <= day <= due else None
    return day


def record_day(record) -> date:
    return record.day


def active_homework(client: User, kind: str):
    return (
        Assignment.objects.in_care()
        .filter(client=client, status=AssignmentStatus.ACTIVE, kind=kind)
        .select_related("template")
        .prefetch_related("pauses")
    )


def _existing(assignment: Assignment, day: date) -> Completion | None:
    return (
        Completion.objects.select_for_update().filter(assignment=assignment, due_date=day).first()
    )


def completion_for(
    client: User, assignment: Assignment, day: date, *, source: str = CompletionSource.LOG
) -> Completion | None:
    """The completion of `assignment` on `day`: the one already there (a check-off, or one
    another record made), else a new one; None when the homework was not due that day."""
    existing = _existing(assignment, day)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return homework_services.completion_create(
                client=client, assignment=assignment, due_date=day, source=source
            )
    except ValidationError:
        # Not due that day, or another request completed it meanwhile (then it is there).
        return _existing(assignment, day)


def _links(record):
    return type(record).completions.through.objects


def release(record, completion: Completion) -> None:
    """The record no longer counts for `completion`: a completion that records made goes
    when no other record holds it; a check-off the client ticked stays."""
    record.completions.remove(completion)
    locked = Completion.objects.select_for_update().filter(pk=completion.pk).first()
    if locked is None or locked.source != CompletionSource.LOG:
        return
    field = f"{type(record)._meta.model_name}_id"
    others = _links(record).filter(completion_id=locked.pk).exclude(**{field: record.pk})
    if not others.exists():
        locked.delete()


def sync(record) -> None:
    """Link the record to the completion of every homework whose rule it meets on its day,
    and release the ones it completed that it no longer meets (or on another day)."""
    day = record_day(record)
    linked = {c.assignment_id: c for c in record.completions.all()}
    for assignment in active_homework(record.client, KIND_OF_RECORD[type(record)]):
        done = linked.pop(assignment.pk, None)
        occurrence = occurrence_day(assignment, day)
        meets = occurrence is not None and record_meets(record, assignment)
        if done is not None:
            if meets and done.due_date == occurrence:
                continue
            release(record, done)
        if meets and (completion := completion_for(record.client, assignment, occurrence)):
            record.completions.add(completion)
    # Homework no longer active keeps what was done while it was.


def link_chosen(record, assignment: Assignment) -> Completion:
    """The client said this record is for `assignment`: it completes that day's occurrence
    whatever the rule."""
    if assignment.client_id != record.client_id or assignment.kind != KIND_OF_RECORD[type(record)]:
        raise ValidationError({"assignment": "Choose one of your journaling assignments."})
    day = occurrence_day(assignment, record_day(record))
    if day is None:
        raise ValidationError({"assignment": "This homework was not due on that day."})
    completion = _existing(assignment, day)
    if completion is None:
        try:
            with transaction.atomic():
                completion = homework_services.completion_create(
                    client=record.client,
                    assignment=assignment,
                    due_date=day,
                    source=CompletionSource.LOG,
                )
        except ValidationError as exc:
            if (completion := _existing(assignment, day)) is None:
                raise ValidationError({"assignment": exc.messages}) from exc
    _set_choice(record, assignment, CHOSEN)
    record.completions.add(completion)
    return completion


def unlink(record, assignment: Assignment) -> None:
    """The client says the record is not for `assignment`: what it completed there is undone
    (a check-off ticked by hand stays) and the rules leave that homework alone for it."""
    linked = [c for c in record.completions.all() if c.assignment_id == assignment.pk]
    if not linked:
        raise NotLinked(record)
    _set_choice(record, assignment, UNLINKED)
    for completion in linked:
        release(record, completion)


def release_all(record) -> None:
    """Before the record is deleted: undo what it completed."""
    for completion in list(record.completions.all()):
        release(record, completion)
