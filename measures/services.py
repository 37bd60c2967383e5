"""Writes on measures: the therapist sets and ends them; the client submits answers once per
period. Every write takes the care relationship's lock, so nothing is written after it ends.
A PHQ-9 question 9 answered above "not at all" raises a safety alert in the same
transaction as the answers."""

import uuid
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.clock import local_today
from accounts.models import CareRelationship, User
from accounts.services import lock_active_relationship
from appointments.models import Appointment
from safety.models import SafetyAlert, Source
from safety.services import raise_alert

from . import instruments, selectors
from .models import Instrument, MeasureAssignment, MeasureResponse, MeasureStatus


class NotSavedButHelpAsked(ValidationError):
    """The answers cannot be saved as they are, but PHQ-9 question 9 was answered above
    "not at all": the alert was raised (and committed) all the same."""


class AlreadyAnswered(ValidationError):
    """This period's answers are in already; the API answers 409 and nothing is recorded."""

    def __init__(self, response: MeasureResponse | None):
        self.response = response
        super().__init__(
            {"answers": ["You have already answered this questionnaire for now. Thank you."]}
        )

    @property
    def conflict(self) -> dict:
        return {"response": str(self.response.public_id) if self.response else None}


@transaction.atomic
def measure_assign(
    *,
    therapist: User,
    relationship: CareRelationship,
    instrument: str,
    every_weeks: int | None = None,
    start_date: date | None = None,
    before_sessions: bool = False,
    days_before: int = 2,
) -> MeasureAssignment:
    """Set a questionnaire for the client: once, every N weeks (1 to 12) from the start, or
    before each session (due from `days_before` days before it, 0 to 7)."""
    relationship = lock_active_relationship(relationship.pk)
    if relationship.therapist_id != therapist.pk:
        raise ValidationError("This client is not in your caseload.")
    if instrument not in Instrument.values:
        raise ValidationError({"instrument": "Choose PHQ-9, GAD-7 or WHO-5."})
    today = local_today(relationship.client.timezone)
    start_date = start_date or today
    if start_date < today:
        raise ValidationError({"start_date": "Choose today or a later day."})
    if (start_date - today).days > 366:
        raise ValidationError({"start_date": "Choose a day within the next year."})
    if before_sessions and every_weeks is not None:
        raise ValidationError(
            {"every_weeks": "Choose every few weeks or before each session, not both."}
        )
    assignment = MeasureAssignment(
        relationship=relationship,
        client_id=relationship.client_id,
        instrument=instrument,
        every_weeks=every_weeks,
        start_date=start_date,
        before_sessions=before_sessions,
        days_before=days_before,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def measure_end(*, therapist: User, assignment: MeasureAssignment) -> MeasureAssignment:
    """Stop it: nothing more is due; answers already given stay."""
    lock_active_relationship(assignment.relationship_id)
    assignment = MeasureAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.relationship.therapist_id != therapist.pk:
        raise ValidationError("This questionnaire is not one you set.")
    if assignment.status == MeasureStatus.ENDED:
        raise ValidationError("This questionnaire has already ended.")
    assignment.status = MeasureStatus.ENDED
    assignment.ended_at = timezone.now()
    assignment.full_clean()
    assignment.save(update_fields=["status", "ended_at"])
    return assignment


def record_response(
    *,
    assignment: MeasureAssignment,
    period: int,
    answers: list[int],
    submitted_at: datetime | None = None,
    appointment: Appointment | None = None,
) -> MeasureResponse:
    """Score and save one period's answers (callers hold the relationship's lock); before
    each session, `period` is the session's id and `appointment` the session."""
    definition = assignment.definition
    errors = instruments.answer_errors(definition, answers)
    if errors:
        raise ValidationError({"answers": errors})
    scored = definition.score(list(answers))
    response = MeasureResponse(
        assignment=assignment,
        client_id=assignment.client_id,
        instrument=assignment.instrument,
        period=period,
        appointment=appointment,
        answers=list(answers),
        raw_total=scored.raw,
        score=scored.score,
        band=scored.band.key,
        submitted_at=submitted_at or timezone.now(),
    )
    response.full_clean(exclude=["assignment", "client", "appointment"], validate_unique=False)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # Someone (a second tab, a retried request) got here first.
        raise AlreadyAnswered(
            MeasureResponse.objects.filter(assignment=assignment, period=period).first()
        ) from None
    return response


def response_submit(
    *, client: User, assignment: MeasureAssignment, answers: list[int]
) -> MeasureResponse:
    """The client's answers for the period due today, scored. A PHQ-9 question 9 above 0
    raises a safety alert to their therapist in the same transaction; when the other answers
    cannot be saved, the alert is raised anyway and `NotSavedButHelpAsked` says so."""
    try:
        return _response_submit(client=client, assignment=assignment, answers=answers)
    except AlreadyAnswered:
        raise
    except ValidationError as exc:
        if not _asks_for_help(assignment, answers):
            raise
        with transaction.atomic():
            period = _due_period(client, assignment)
            if period is None:
                raise
            raise_alert(
                client=client,
                source=Source.PHQ9_ITEM9,
                reference=_period_reference(assignment, period),
                level=answers[instruments.PHQ9_SELF_HARM_ITEM],
            )
        raise NotSavedButHelpAsked(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        ) from exc


def _asks_for_help(assignment: MeasureAssignment, answers) -> bool:
    """Question 9 of a PHQ-9 answered with a valid value above 0, whatever the rest is."""
    if assignment.instrument != Instrument.PHQ9 or not isinstance(answers, list | tuple):
        return False
    if len(answers) <= instruments.PHQ9_SELF_HARM_ITEM:
        return False
    answer = answers[instruments.PHQ9_SELF_HARM_ITEM]
    allowed = {value for value, _ in instruments.get(Instrument.PHQ9).options}
    return (
        isinstance(answer, int)
        and not isinstance(answer, bool)
        and answer in allowed
        and answer > 0
    )


def _period_reference(assignment: MeasureAssignment, period: int) -> uuid.UUID:
    """The alert's reference before the answers exist: one per questionnaire and period, so a
    retry, and then the complete answers, raise no second alert."""
    return uuid.uuid5(assignment.public_id, f"period-{period}")


def _due_period(client: User, assignment: MeasureAssignment) -> int | None:
    """The period due today of the client's own active questionnaire (relationship locked)."""
    lock_active_relationship(assignment.relationship_id)
    assignment = MeasureAssignment.objects.get(pk=assignment.pk)
    if assignment.client_id != client.pk or assignment.status != MeasureStatus.ACTIVE:
        return None
    found = selectors.period_due(assignment, client)
    return None if found is None else found[0]


@transaction.atomic
def _response_submit(
    *, client: User, assignment: MeasureAssignment, answers: list[int]
) -> MeasureResponse:
    lock_active_relationship(assignment.relationship_id)
    assignment = MeasureAssignment.objects.select_related("client").get(pk=assignment.pk)
    if assignment.client_id != client.pk:
        raise ValidationError("This questionnaire is not yours.")
    if assignment.status != MeasureStatus.ACTIVE:
        raise ValidationError("This questionnaire has ended; there is nothing to answer.")
    found = selectors.period_due(assignment, client)
    if found is None:
        raise ValidationError("This questionnaire is not due yet.")
    period, session = found
    existing = MeasureResponse.objects.filter(assignment=assignment, period=period).first()
    if existing is not None:
        raise AlreadyAnswered(existing)
    response = record_response(
        assignment=assignment, period=period, answers=answers, appointment=session
    )
    if needs_crisis_page(response):
        # Raised already from incomplete answers for this period: it now points at these.
        early = SafetyAlert.objects.filter(
            relationship__client=client,
            source=Source.PHQ9_ITEM9,
            reference=_period_reference(assignment, period),
        )
        level = response.answers[instruments.PHQ9_SELF_HARM_ITEM]
        if not early.update(reference=response.public_id, level=level):
            raise_alert(
                client=client,
                source=Source.PHQ9_ITEM9,
                reference=response.public_id,
                level=level,
            )
    return response


def needs_crisis_page(response: MeasureResponse) -> bool:
    """PHQ-9 question 9 (thoughts of being better off dead or of self-harm) above 0."""
    return (
        response.instrument == Instrument.PHQ9
        and response.answers[instruments.PHQ9_SELF_HARM_ITEM] > 0
    )
