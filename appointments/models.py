"""Therapy sessions: the appointments a therapist records with a client, one at a time or as
a weekly or fortnightly series, and the client's "to bring to my session" list.

A session is kept as the therapist's wall-clock time (day, start time, zone) and as the UTC
instant that time means, so that a series keeps its 17:00 across a change of the clocks.
Tandem holds no session notes: the recap is a note *to the client*.
"""

import uuid
from datetime import timedelta

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, User
from accounts.validators import validate_text

MINUTES_MIN, MINUTES_MAX = 10, 240
LOCATION_MAX = 300
RECAP_MAX = 2_000
BRING_TEXT_MAX = 300
BRING_ITEMS_MAX = 20
# A series ends by a date or a count, within this many days of its first session.
SERIES_WINDOW = timedelta(days=5 * 366)
SERIES_COUNT_MAX = 260


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AppointmentQuerySet":
        """The client's own sessions; a therapist's, in their active care relationships."""
        return policy.client_records_visible_to(user, self, relationship_field="relationship")

    def upcoming(self, now=None) -> "AppointmentQuerySet":
        return self.filter(status=Status.SCHEDULED, starts_at__gt=now or timezone.now())


class AppointmentFields(QuickLoad):
    """When, how long and how: what a series and each of its sessions share."""

    start_time = models.TimeField(help_text="The therapist's local time.")
    zone = models.CharField(max_length=64, help_text="The therapist's time zone, when set.")
    minutes = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(MINUTES_MIN), MaxValueValidator(MINUTES_MAX)]
    )
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.IN_PERSON)
    location = models.CharField(
        "place or link",
        max_length=LOCATION_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(LOCATION_MAX)],
    )

    class Meta:
        abstract = True


def _shared_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(minutes__gte=MINUTES_MIN, minutes__lte=MINUTES_MAX),
            name=f"{prefix}_minutes_range",
        ),
        models.CheckConstraint(condition=Q(mode__in=Mode.values), name=f"{prefix}_mode_valid"),
    ]


class Series(AppointmentFields):
    """Sessions every week or every two weeks, until a date or for a number of sessions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="session_series"
    )
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    every_weeks = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    first_day = models.DateField()
    until = models.DateField(null=True, blank=True)
    count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(SERIES_COUNT_MAX)],
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            *_shared_constraints("appointments_series"),
            models.CheckConstraint(
                condition=Q(every_weeks__in=[1, 2]), name="appointments_series_every_1_or_2"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=False) | Q(count__isnull=False),
                name="appointments_series_has_an_end",
            ),
        ]

    def __str__(self) -> str:
        return f"series {self.public_id}"


class Appointment(AppointmentFields):
    """One therapy session. `starts_at` is the instant of `day` at `start_time` in `zone`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="appointments"
    )
    # Denormalised from the relationship, so that a person's sessions are one indexed read.
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointments"
    )
    day = models.DateField(help_text="The therapist's local date.")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # "From today's session": the therapist's note to the client after it, if any.
    recap = models.TextField(
        blank=True, max_length=RECAP_MAX, validators=[validate_text, MaxLengthValidator(RECAP_MAX)]
    )
    recap_at = models.DateTimeField(null=True, blank=True)
    recap_read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["therapist", "starts_at"]),
            models.Index(fields=["client", "starts_at"]),
            # The e-mail tick's look at every session of the next two days, each minute.
            models.Index(
                fields=["starts_at"],
                condition=Q(status="scheduled"),
                name="appointments_scheduled_start",
            ),
        ]
        constraints = [
            *_shared_constraints("appointments_appointment"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="appointments_appointment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.public_id}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.minutes)


class BringItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BringItemQuerySet":
        """The client's own lines; the therapist's, on the sessions of their active care."""
        return policy.client_records_visible_to(
            user, self, relationship_field="appointment__relationship"
        )


class BringItem(QuickLoad):
    """A line on the client's "to bring to my session" list for one session."""

    class Source(models.TextChoices):
        NOTE = "", "A note"
        JOURNAL = "journal", "A journal entry"
        LIFESTYLE = "lifestyle", "A lifestyle log"
        SOCIAL = "social", "Time with people"
        TRIGGER = "trigger", 'An "I\'m triggered" moment'
        PLAN_ITEM = "plan_item", "A care plan item"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="bring_items"
    )
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(
        max_length=BRING_TEXT_MAX, validators=[validate_text, MaxLengthValidator(BRING_TEXT_MAX)]
    )
    # Where the line came from (a record, a trigger log, a plan item), by kind and public id:
    # appointments sits below the apps that hold them.
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    source_id = models.UUIDField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = BringItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    source__in=["", "journal", "lifestyle", "social", "trigger", "plan_item"]
                ),
                name="appointments_bring_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(source="") | Q(source_id__isnull=False),
                name="appointments_bring_source_has_id",
            ),
        ]

    def __str__(self) -> str:
        return f"to bring {self.public_id}"


class TherapistFeed(QuickLoad):
    """A therapist's private, revocable iCalendar feed of all their sessions: the key, signed
    in the URL, is the credential. Titles say "Session" unless the therapist chose names."""

    therapist = models.OneToOneField(User, on_delete=models.CASCADE, related_name="session_feed")
    key = models.UUIDField(default=uuid.uuid4, unique=True)
    show_titles = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"sessions calendar of {self.therapist}"
