import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, CareStatus, User

from .schedules import Frequency, Schedule

# Instructions are read on a phone before a few minutes' practice: a page at most.
INSTRUCTIONS_MAX = 5_000
# A note on a completion is a line ("did it after lunch"), not a journal entry.
COMPLETION_NOTE_MAX = 500


class Kind(models.TextChoices):
    JOURNAL = "journal", "Journaling"
    LIFESTYLE = "lifestyle", "Healthy lifestyle"
    SOCIAL = "social", "Social connection"
    CHECKLIST = "checklist", "Checklist"


class CompletesBy(models.TextChoices):
    """What completes one occurrence without a tap: a record the client logs that day. A
    manual check-off completes any homework, whatever its rule."""

    ENTRY = "entry", "Any journal entry that day"
    MOOD = "mood", "A journal entry with a mood"
    WORDS = "words", "A journal entry with some words"
    TARGET = "target", "A log that meets the target"
    CHECK_OFF = "check_off", "Only ticking it off"


# The rules a record of each kind can meet; the first is the kind's default.
RULES_BY_KIND = {
    "journal": (CompletesBy.ENTRY, CompletesBy.MOOD, CompletesBy.WORDS, CompletesBy.CHECK_OFF),
    "lifestyle": (CompletesBy.TARGET, CompletesBy.CHECK_OFF),
    "social": (CompletesBy.TARGET, CompletesBy.CHECK_OFF),
    "checklist": (CompletesBy.CHECK_OFF,),
}


RULE_TEXT = {
    CompletesBy.ENTRY: "Any journal entry today counts",
    CompletesBy.MOOD: "Logging your mood counts",
    CompletesBy.WORDS: "A journal entry with a few words counts",
    CompletesBy.TARGET: "A log that reaches the target counts",
    CompletesBy.CHECK_OFF: "",
}


class FrequencyChoices(models.TextChoices):
    ONCE = Frequency.ONCE.value, "Once, by a due date"
    DAILY = Frequency.DAILY.value, "Every day"
    WEEKDAYS = Frequency.WEEKDAYS.value, "On chosen weekdays"
    WEEKLY = Frequency.WEEKLY.value, "A number of times a week"


class TargetUnit(models.TextChoices):
    NONE = "", "—"
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    CONTACTS = "contacts", "contacts"
    ENTRIES = "entries", "entries"
    TIMES = "times", "times"


class AssignmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Start, due and end dates lie within this many days of today: far enough for any plan,
# near enough that no computation runs into year 9999 (or scans centuries of days).
DATE_WINDOW = timedelta(days=5 * 366)


def date_window(today: date | None = None) -> tuple[date, date]:
    """The first and last date an assignment may name."""
    today = today or timezone.now().date()
    return today - DATE_WINDOW, today + DATE_WINDOW


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _valid_weekdays(days) -> bool:
    return isinstance(days, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days
    )


class ScheduleFields(QuickLoad):
    """What is practised and how often; shared by templates and assignments."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=120)
    instructions = models.TextField(
        max_length=INSTRUCTIONS_MAX,
        blank=True,
        validators=[MaxLengthValidator(INSTRUCTIONS_MAX)],
        help_text="Plain language; a safe subset of Markdown is allowed.",
    )
    target_value = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    target_unit = models.CharField(max_length=16, choices=TargetUnit.choices, blank=True)
    frequency = models.CharField(
        max_length=16, choices=FrequencyChoices.choices, default=FrequencyChoices.DAILY
    )
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday")
    times_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    completes_by = models.CharField(
        "what completes it",
        max_length=16,
        choices=CompletesBy.choices,
        blank=True,
        help_text="A record that meets this completes the day by itself; ticking it off "
        "always works too. Left empty: the kind's usual rule.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        """Drop what belongs to another frequency, then check what the frequency needs."""
        super().clean()
        self.normalise()
        errors = {}
        if not _valid_weekdays(self.weekdays):
            errors["weekdays"] = "Choose days as numbers from 0 (Monday) to 6 (Sunday)."
        elif self.frequency == Frequency.WEEKDAYS and not self.weekdays:
            errors["weekdays"] = "Choose at least one day."
        if self.frequency == Frequency.WEEKLY and not self.times_per_week:
            errors["times_per_week"] = "Say how many times a week (1 to 7)."
        allowed = RULES_BY_KIND.get(self.kind, ())
        if allowed and self.completes_by and self.completes_by not in allowed:
            names = ", ".join(str(rule.label).lower() for rule in allowed)
            errors["completes_by"] = (
                f"No {self.get_kind_display().lower()} record can meet this. Choose: {names}."
            )
        if errors:
            raise ValidationError(errors)

    def normalise(self) -> None:
        """Empty the fields of other frequencies, so that they never mislead."""
        if self.frequency != Frequency.WEEKDAYS:
            self.weekdays = []
        elif _valid_weekdays(self.weekdays):
            self.weekdays = sorted(set(self.weekdays))
        if self.frequency != Frequency.WEEKLY:
            self.times_per_week = None
        if not self.target_value:
            self.target_value, self.target_unit = None, ""

    @property
    def rule(self) -> str:
        """What completes it: the rule set, or the kind's usual one."""
        return self.completes_by or RULES_BY_KIND.get(self.kind, (CompletesBy.CHECK_OFF,))[0]

    @property
    def rule_text(self) -> str:
        """The rule as the client reads it on Today."""
        return RULE_TEXT.get(self.rule, "")

    @property
    def target_text(self) -> str:
        if self.target_value is None:
            return ""
        value = f"{self.target_value:g}" if self.target_value % 1 else f"{int(self.target_value)}"
        return f"≥ {value} {self.target_unit}".strip()

    @property
    def schedule_text(self) -> str:
        match self.frequency:
            case Frequency.ONCE:
                return "Once"
            case Frequency.DAILY:
                return "Every day"
            case Frequency.WEEKDAYS:
                return ", ".join(WEEKDAY_NAMES[d][:3] for d in sorted(self.weekdays or []))
            case Frequency.WEEKLY:
                n = self.times_per_week
                return f"{n} time{'' if n == 1 else 's'} a week"
        return ""


def schedule_constraints(prefix: str) -> list[models.CheckConstraint]:
    """What the frequency needs, for templates and assignments alike (see `clean()`)."""
    rule_fits_kind = Q(completes_by="")
    for kind, rules in RULES_BY_KIND.items():
        rule_fits_kind |= Q(kind=kind, completes_by__in=[str(r) for r in rules])
    return [
        models.CheckConstraint(condition=rule_fits_kind, name=f"{prefix}_rule_fits_kind"),
        models.CheckConstraint(condition=Q(kind__in=Kind.values), name=f"{prefix}_kind_valid"),
        models.CheckConstraint(
            condition=Q(frequency__in=FrequencyChoices.values), name=f"{prefix}_frequency_valid"
        ),
        models.CheckConstraint(
            # isnull=False too: a NULL comparison is UNKNOWN, which a CHECK lets through.
            condition=~Q(frequency="weekly")
            | Q(times_per_week__isnull=False, times_per_week__gte=1, times_per_week__lte=7),
            name=f"{prefix}_weekly_has_n",
        ),
        models.CheckConstraint(
            condition=Q(frequency="weekly") | Q(times_per_week__isnull=True),
            name=f"{prefix}_n_only_for_weekly",
        ),
    ]


class HomeworkTemplateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HomeworkTemplateQuerySet":
        return policy.templates_visible_to(user, self)


class HomeworkTemplate(ScheduleFields):
    """A starting point for an assignment: shared (no owner) or a therapist's own."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=64, blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="homework_templates"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = HomeworkTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(owner__isnull=True) & ~Q(slug=""),
                name="homework_template_shared_slug_unique",
            ),
            models.CheckConstraint(
                condition=Q(times_per_week__isnull=True)
                | Q(times_per_week__gte=1, times_per_week__lte=7),
                name="homework_template_times_per_week_range",
            ),
            *schedule_constraints("homework_template"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None


DATE_FIELDS = ("start_date", "end_date", "due_date")


def assignment_only(path: str, *names: str) -> tuple[str, ...]:
    """For `.only()` of a query that reads homework at `path` ("assignment"): its `names`,
    with the dates a homework read from the database notes of itself (`Assignment.from_db`,
    which would otherwise read each deferred one with a query of its own)."""
    return tuple(f"{path}__{name}" for name in (*names, *DATE_FIELDS))


class AssignmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AssignmentQuerySet":
        return policy.client_records_visible_to(user, self, relationship_field="relationship")

    def current(self) -> "AssignmentQuerySet":
        return self.exclude(status=AssignmentStatus.ENDED)

    def with_effective_status(self) -> "AssignmentQuerySet":
        """`effective_status`: ended once the care relationship has ended, whatever the
        assignment's own status says (ending a relationship does not touch homework rows)."""
        return self.annotate(
            effective_status=models.Case(
                models.When(~Q(relationship__status=CareStatus.ACTIVE), then=models.Value("ended")),
                default=models.F("status"),
                output_field=models.CharField(),
            )
        )

    def in_care(self) -> "AssignmentQuerySet":
        """Homework of a care relationship that is still active: once it ends, nothing is due."""
        return self.filter(relationship__status=CareStatus.ACTIVE)


class Assignment(ScheduleFields):
    """Homework a therapist set for one active care relationship."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="assignments"
    )
    # Denormalised from the relationship, so that a client's homework is one indexed read.
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(
        HomeworkTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    reminder_time = models.TimeField(null=True, blank=True, help_text="In the client's local time.")
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "title", "id"]
        indexes = [models.Index(fields=["client", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="homework_assignment_end_after_start",
            ),
            *schedule_constraints("homework_assignment"),
            models.CheckConstraint(
                condition=~Q(frequency="once") | Q(due_date__isnull=False),
                name="homework_assignment_once_has_due_date",
            ),
            models.CheckConstraint(
                condition=~Q(frequency="once")
                | Q(due_date__gte=models.F("start_date"))
                & (Q(end_date__isnull=True) | Q(due_date__lte=models.F("end_date"))),
                name="homework_assignment_once_due_within_dates",
            ),
            models.CheckConstraint(
                condition=Q(frequency="once") | Q(due_date__isnull=True),
                name="homework_assignment_due_date_only_for_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "ended"]),
                name="homework_assignment_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        # The dates as saved: only a date that changes must lie in today's window. Only
        # those read: a deferred one is read by a query that makes an instance of its own.
        loaded = instance.__dict__
        instance._saved_dates = {name: loaded[name] for name in DATE_FIELDS if name in loaded}
        return instance

    def normalise(self) -> None:
        super().normalise()
        if self.frequency != Frequency.ONCE:
            self.due_date = None

    def clean(self) -> None:
        super().clean()
        errors = {}
        first, last = date_window()
        saved = getattr(self, "_saved_dates", {})
        for name in DATE_FIELDS:
            value = getattr(self, name)
            changed = name not in saved or saved[name] != value
            if changed and isinstance(value, date) and not first <= value <= last:
                errors[name] = f"Choose a date between {_day(first)} and {_day(last)}."
        computable = self.frequency in Frequency and all(
            isinstance(getattr(self, name), date | None) for name in DATE_FIELDS
        )
        if not errors and self.start_date is not None and computable:
            # The schedule's own messages name the field.
            errors = self.schedule().validate()
        if errors:
            raise ValidationError(errors)

    def schedule(self) -> Schedule:
        """The schedule, with pauses; uses prefetched pauses (`pause_list`, or the related
        manager's) when present."""
        pauses = getattr(self, "pause_list", None)
        if pauses is None:
            pauses = self.pauses.all() if self.pk else ()
        return Schedule(
            frequency=Frequency(self.frequency),
            start_date=self.start_date,
            end_date=self.end_date,
            due_date=self.due_date,
            weekdays=tuple(sorted(self.weekdays or ())),
            times_per_week=self.times_per_week,
            pauses=tuple((p.start_date, p.end_date) for p in pauses),
        )


class AssignmentPause(QuickLoad):
    """A span of local dates with nothing due; `end_date` is empty while still paused."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="pauses")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(end_date__isnull=True),
                name="homework_pause_one_open",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="homework_pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"paused {self.start_date} to {self.end_date or 'now'}"


class CompletionSource(models.TextChoices):
    CHECK_OFF = "check_off", "Checked off"
    LOG = "log", "Logged an entry"


class CompletionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CompletionQuerySet":
        return policy.client_records_visible_to(
            user, self, relationship_field="assignment__relationship"
        )


class Completion(QuickLoad):
    """One occurrence done. Records that fulfil it point here; homework never imports them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="completions")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The local date of the occurrence it fulfils (for N-times-a-week: the day it was done).
    due_date = models.DateField()
    # The Monday of the ISO week of `due_date`, so adherence is one GROUP BY.
    week = models.DateField()
    source = models.CharField(
        max_length=16, choices=CompletionSource.choices, default=CompletionSource.CHECK_OFF
    )
    note = models.CharField(max_length=COMPLETION_NOTE_MAX, blank=True)
    completed_at = models.DateTimeField(default=timezone.now)

    objects = CompletionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["client", "due_date"]),
            # The client's last activity (progress.activity): the newest row, not a MAX.
            models.Index(fields=["client", "completed_at"], name="homework_completion_made"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "due_date"], name="homework_completion_one_per_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} on {self.due_date}"


class CalendarFeed(QuickLoad):
    """A client's private, revocable iCalendar feed of their homework."""

    client = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    key = models.UUIDField(default=uuid.uuid4, unique=True)
    show_titles = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar of {self.client}"
