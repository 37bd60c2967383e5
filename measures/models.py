"""Standard measures set as homework within a care relationship, and the client's answers.

Answers are immutable once submitted: `save()` refuses an update, the admin is read-only,
and each period of an assignment is answered once (a unique constraint, so even two
submits racing each other leave one row). `visible_to(user)` is the only way to read them:
the client's own, and their active therapist's, within that relationship."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, CareStatus, User
from appointments.models import Appointment

from . import instruments

EVERY_WEEKS_MAX = 12
DAYS_BEFORE_MAX = 7


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9 (low mood)"
    GAD7 = "gad7", "GAD-7 (anxiety)"
    WHO5 = "who5", "WHO-5 (well-being)"


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class MeasureAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeasureAssignmentQuerySet":
        return policy.client_records_visible_to(user, self, relationship_field="relationship")

    def active(self) -> "MeasureAssignmentQuerySet":
        return self.filter(status=MeasureStatus.ACTIVE, relationship__status=CareStatus.ACTIVE)


class MeasureAssignment(QuickLoad):
    """A questionnaire to answer once, every N weeks from the start date, or before each
    session (due from `days_before` days before each session of the relationship)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="measure_assignments"
    )
    # Whose answers they will be (denormalised, so export and erasure find them in one read).
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    # None: once. Else a new period begins every so many weeks from the start date.
    every_weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(EVERY_WEEKS_MAX)],
    )
    before_sessions = models.BooleanField(default=False)
    days_before = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(DAYS_BEFORE_MAX)]
    )
    start_date = models.DateField()
    status = models.CharField(
        max_length=8, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MeasureAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values),
                name="measures_assignment_instrument_valid",
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__isnull=True)
                | Q(every_weeks__gte=1, every_weeks__lte=EVERY_WEEKS_MAX),
                name="measures_assignment_every_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(before_sessions=False) | Q(every_weeks__isnull=True),
                name="measures_assignment_sessions_or_weeks",
            ),
            models.CheckConstraint(
                condition=Q(days_before__lte=DAYS_BEFORE_MAX),
                name="measures_assignment_days_before_range",
            ),
            models.CheckConstraint(
                condition=Q(status=MeasureStatus.ACTIVE, ended_at__isnull=True)
                | Q(status=MeasureStatus.ENDED, ended_at__isnull=False),
                name="measures_assignment_ended_when_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.public_id}"

    def clean(self) -> None:
        super().clean()
        if self.relationship_id and self.client_id != self.relationship.client_id:
            raise ValidationError({"client": "The client must be the relationship's client."})

    @property
    def definition(self) -> instruments.Instrument:
        return instruments.get(self.instrument)

    @property
    def schedule_text(self) -> str:
        if self.before_sessions:
            days = "the day" if self.days_before == 1 else f"{self.days_before} days"
            when = "on the day" if self.days_before == 0 else f"from {days} before"
            return f"Before each session ({when})"
        if self.every_weeks is None:
            return "Once"
        if self.every_weeks == 1:
            return "Every week"
        return f"Every {self.every_weeks} weeks"

    def period_on(self, day) -> int | None:
        """The period `day` falls in (0 for the first), or None before the start. Before each
        session, a period is a session (see `selectors.period_due`), not a span of days."""
        if day < self.start_date or self.before_sessions:
            return None
        if self.every_weeks is None:
            return 0
        return (day - self.start_date).days // (7 * self.every_weeks)


class MeasureResponseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeasureResponseQuerySet":
        """The client's own; their therapist's, within that relationship while it is active.
        Not a private record: the client is told before starting that the therapist sees it."""
        return policy.client_records_visible_to(
            user, self, relationship_field="assignment__relationship"
        )


class MeasureResponse(QuickLoad):
    """One period's answers, scored when submitted. Never changed afterwards."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(
        MeasureAssignment, on_delete=models.CASCADE, related_name="responses"
    )
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=8, choices=Instrument.choices)  # the assignment's
    # Before each session: the session's own id; else the number of the period of days.
    period = models.PositiveIntegerField()
    # The session the answers are for, when the questionnaire is asked before each session.
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField()  # one int per question, in order
    raw_total = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()  # raw total * the instrument's multiplier
    band = models.CharField(max_length=24)
    submitted_at = models.DateTimeField(default=timezone.now)

    objects = MeasureResponseQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(
                fields=["client", "instrument", "submitted_at"], name="measures_response_latest"
            ),
            models.Index(fields=["client", "submitted_at"], name="measures_response_made"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "period"], name="measures_response_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values),
                name="measures_response_instrument_valid",
            ),
            models.CheckConstraint(
                condition=Q(band__in=instruments.ALL_BAND_KEYS), name="measures_response_band_valid"
            ),
            models.CheckConstraint(
                condition=Q(instrument="who5", raw_total__lte=25, score=models.F("raw_total") * 4)
                | Q(instrument="phq9", raw_total__lte=27, score=models.F("raw_total"))
                | Q(instrument="gad7", raw_total__lte=21, score=models.F("raw_total")),
                name="measures_response_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} answers {self.public_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Submitted answers cannot be changed.")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        assignment = self.assignment
        if self.instrument != assignment.instrument or self.client_id != assignment.client_id:
            raise ValidationError("The answers must match their assignment.")
        definition = instruments.get(self.instrument)
        errors = instruments.answer_errors(definition, self.answers)
        if errors:
            raise ValidationError({"answers": errors})
        scored = definition.score(self.answers)
        if (self.raw_total, self.score, self.band) != (scored.raw, scored.score, scored.band.key):
            raise ValidationError("The score does not match the answers.")

    @property
    def definition(self) -> instruments.Instrument:
        return instruments.get(self.instrument)

    @property
    def band_info(self) -> instruments.Band:
        return self.definition.band(self.band)

    def answer_rows(self) -> list[tuple[int, str, int, str]]:
        """(number, question, answer, answer's label) for each question."""
        labels = dict(self.definition.options)
        return [
            (number, item, answer, labels.get(answer, str(answer)))
            for number, (item, answer) in enumerate(
                zip(self.definition.items, self.answers, strict=False), 1
            )
        ]
