"""The client's own records: journal entries, lifestyle logs, social activity, the people
in their life, and the feedback thread on what they share. Each record is private unless
the client shares it; `visible_to(user)` is the only way to read them."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, Role, User
from accounts.validators import validate_text
from homework.models import Completion

TEXT_MAX = 20_000
SHORT_TEXT_MAX = 2_000
TAG_MAX = 40
TAGS_MAX = 20


def validate_tags(value) -> None:
    """A short list of short words (emotions, triggers)."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationError("Give a list of words.")
    if len(value) > TAGS_MAX:
        raise ValidationError(f"At most {TAGS_MAX} words.")
    for tag in value:
        validate_text(tag)
        if not tag.strip() or len(tag) > TAG_MAX:
            raise ValidationError(f"Each word must be 1 to {TAG_MAX} characters.")


def tag_key(tag: str) -> str:
    """How tags are compared: "Late  nights", "late nights" and "LateNights" are one tag,
    whatever the case or spacing someone typed."""
    return "".join(str(tag).split()).casefold()


class Emotion(models.TextChoices):
    CALM = "calm", "Calm"
    JOY = "joy", "Joy"
    SADNESS = "sadness", "Sadness"
    ANXIETY = "anxiety", "Anxiety"
    ANGER = "anger", "Anger"
    SHAME = "shame", "Shame"
    LONELINESS = "loneliness", "Loneliness"
    HOPE = "hope", "Hope"


class RelationshipKind(models.TextChoices):
    PARTNER = "partner", "Partner"
    FAMILY = "family", "Family"
    FRIEND = "friend", "Friend"
    COLLEAGUE = "colleague", "Colleague"
    GROUP = "group", "Group or community"
    PROFESSIONAL = "professional", "Professional"


class SupportDirection(models.TextChoices):
    THEY_SUPPORT_ME = "they_support_me", "They support me"
    MUTUAL = "mutual", "We support each other"
    I_SUPPORT_THEM = "i_support_them", "I support them"


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    CALL = "call", "Call"
    VIDEO = "video", "Video"
    MESSAGE = "message", "Message"


class Support(models.TextChoices):
    GIVEN = "given", "I gave support"
    RECEIVED = "received", "I received support"
    BOTH = "both", "Both"
    NEITHER = "neither", "Neither"


class Meals(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


# --- Sharing ---------------------------------------------------------------------------


class SharingPreference(QuickLoad):
    """The client's default for new records, per care relationship: private unless set."""

    relationship = models.OneToOneField(
        CareRelationship, on_delete=models.CASCADE, related_name="sharing_preference"
    )
    share_by_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sharing for {self.relationship_id}: {self.share_by_default}"


# --- People --------------------------------------------------------------------------


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PersonQuerySet":
        """The client's list is theirs alone: nobody else sees it, not even the therapist."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(client=user)


class Person(QuickLoad):
    """Someone in the client's life, by first name or nickname."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=80, validators=[validate_text])
    kind = models.CharField(max_length=16, choices=RelationshipKind.choices)
    support = models.CharField(
        max_length=16, choices=SupportDirection.choices, default=SupportDirection.MUTUAL
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RelationshipKind.values), name="clients_person_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Records -------------------------------------------------------------------------


class RecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RecordQuerySet":
        return policy.shared_records_visible_to(user, self)


class Record(QuickLoad):
    """What every record has: an owner, a public id, and whether it is shared."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    shared = models.BooleanField(default=False)
    # When a therapist first opened it after it was shared (the client sees this).
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    # What the client said about homework (by assignment public id): "chosen" (this record
    # is for it, whatever its rule) or "unlinked" (it is not). See `clients.rules`.
    homework_choices = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def completions_made(self) -> list[Completion]:
        """The homework completions this record made, in their order: as read for a list of
        records at once (`clients.selectors.read_completions_made`), else as the database
        (or a prefetch) has them now."""
        made = self.__dict__.get("_completions_made")
        return list(self.completions.all()) if made is None else made


class JournalEntry(Record):
    occurred_at = models.DateTimeField(default=timezone.now)
    # Logged more than a day after the event: memory colours it, the therapist should know.
    recalled = models.BooleanField(default=False)
    text = models.TextField(
        max_length=TEXT_MAX, blank=True, validators=[validate_text, MaxLengthValidator(TEXT_MAX)]
    )
    mood = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    emotions = models.JSONField(default=list, blank=True, validators=[validate_tags])
    triggers = models.JSONField(default=list, blank=True, validators=[validate_tags])
    needed = models.TextField(
        "what I needed",
        max_length=SHORT_TEXT_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(SHORT_TEXT_MAX)],
    )
    # "I need help now": raises a safety alert to each active therapist (content stays private).
    needs_help = models.BooleanField("I need help now", default=False)
    # The journaling homework this entry completed (see `clients.rules`); homework never
    # imports clients.
    completions = models.ManyToManyField(Completion, blank=True, related_name="+")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["client", "occurred_at"]),
            # The client's last activity (progress.activity): the newest row, not a MAX.
            models.Index(fields=["client", "created_at"], name="clients_journal_made"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(mood__isnull=True) | Q(mood__gte=0, mood__lte=10),
                name="clients_journal_mood_range",
            ),
        ]

    def __str__(self) -> str:
        return f"journal entry {self.public_id}"

    @property
    def day(self):
        return timezone.localtime(self.occurred_at, self.client.zone).date()

    @property
    def completion(self) -> Completion | None:
        """The first homework completion it made (the API's one-field view of it)."""
        return next(iter(self.completions_made), None)


class LifestyleLog(Record):
    """One per client per local day, edited through the day."""

    day = models.DateField()
    sleep_hours = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    sleep_quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    exercise_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(1440)]
    )
    exercise_kind = models.CharField(max_length=80, blank=True, validators=[validate_text])
    meals = models.CharField(max_length=8, choices=Meals.choices, blank=True)
    outdoor_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(1440)]
    )
    alcohol_units = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    note = models.TextField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(SHORT_TEXT_MAX)],
    )
    # The completions this log made, so that editing it undoes only those.
    completions = models.ManyToManyField(Completion, blank=True, related_name="+")

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["client", "created_at"], name="clients_lifestyle_made")]
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="clients_lifestyle_one_per_day"),
            models.CheckConstraint(
                condition=Q(sleep_hours__isnull=True) | Q(sleep_hours__gte=0, sleep_hours__lte=24),
                name="clients_lifestyle_sleep_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(sleep_quality__isnull=True)
                | Q(sleep_quality__gte=1, sleep_quality__lte=5),
                name="clients_lifestyle_sleep_quality_range",
            ),
            models.CheckConstraint(
                condition=Q(alcohol_units__isnull=True) | Q(alcohol_units__gte=0),
                name="clients_lifestyle_alcohol_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"lifestyle log {self.day}"


class SocialActivity(Record):
    day = models.DateField()
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    mode = models.CharField(max_length=16, choices=Mode.choices)
    minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(1440)]
    )
    # How it felt, 0 (very hard) to 10 (very good): the scale of mood, wherever it is asked.
    feeling = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    support = models.CharField(max_length=16, choices=Support.choices, default=Support.NEITHER)
    note = models.TextField(
        max_length=SHORT_TEXT_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(SHORT_TEXT_MAX)],
    )
    completions = models.ManyToManyField(Completion, blank=True, related_name="+")

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name_plural = "social activities"
        indexes = [
            models.Index(fields=["client", "day"]),
            models.Index(fields=["client", "created_at"], name="clients_social_made"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(feeling__isnull=True) | Q(feeling__gte=0, feeling__lte=10),
                name="clients_social_feeling_range",
            ),
        ]

    def __str__(self) -> str:
        return f"social activity {self.day}"


# --- Feedback ------------------------------------------------------------------------


def exactly_one_record() -> Q:
    """A row about one record: a journal entry, a lifestyle log or a social activity."""
    return (
        (
            Q(journal_entry__isnull=False, lifestyle_log__isnull=True)
            & Q(social_activity__isnull=True)
        )
        | (
            Q(journal_entry__isnull=True, lifestyle_log__isnull=False)
            & Q(social_activity__isnull=True)
        )
        | (
            Q(journal_entry__isnull=True, lifestyle_log__isnull=True)
            & Q(social_activity__isnull=False)
        )
    )


class FeedbackQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FeedbackQuerySet":
        """The client sees the threads on their records; a therapist, those of their own
        active relationship on records still shared."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.role == Role.CLIENT:
            return self.filter(client=user)
        if user.role == Role.THERAPIST and policy.mfa_satisfied(user):
            return policy.client_records_visible_to(
                user, self, relationship_field="relationship"
            ).filter(
                Q(journal_entry__shared=True)
                | Q(lifestyle_log__shared=True)
                | Q(social_activity__shared=True)
            )
        return self.none()


class Feedback(QuickLoad):
    """A message in the thread on one shared record, between the client and a therapist."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="feedback"
    )
    # Whose record it is (denormalised, so erasure and export find it in one read).
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    lifestyle_log = models.ForeignKey(
        LifestyleLog, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    social_activity = models.ForeignKey(
        SocialActivity, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    text = models.TextField(
        max_length=SHORT_TEXT_MAX, validators=[validate_text, MaxLengthValidator(SHORT_TEXT_MAX)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the client opened the record after this message came (their own: never needed).
    read_by_client_at = models.DateTimeField(null=True, blank=True)
    # On a client's message: when their therapist marked it as needing no reply, so it no
    # longer waits for them (the client is not told; a later message waits again).
    no_reply_needed_at = models.DateTimeField(null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_record(),
                name="clients_feedback_one_record",
            ),
        ]
        indexes = [
            # What the client has not opened yet (Today, the unread replies): few rows, so
            # PostgreSQL keeps one plan for the read instead of planning it on every view.
            models.Index(
                fields=["client"],
                condition=models.Q(read_by_client_at__isnull=True),
                name="clients_feedback_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"feedback {self.public_id}"

    @property
    def record(self):
        return self.journal_entry or self.lifestyle_log or self.social_activity


class RecordView(QuickLoad):
    """When a therapist first opened a shared record: per therapist, since a client may have
    two (`Record.first_viewed_at` is the first of anyone's, shown to the client)."""

    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # Whose record it is (denormalised, as on `Feedback`): what waits for a therapist from a
    # few clients reads those clients' views, not the thousands a year of a caseload leaves
    # (progress.waiting). Empty only on views a migration made before it was kept (0010
    # fills them).
    client = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    journal_entry = models.ForeignKey(
        JournalEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lifestyle_log = models.ForeignKey(
        LifestyleLog, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    social_activity = models.ForeignKey(
        SocialActivity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "journal_entry"], name="clients_recordview_one_journal"
            ),
            models.UniqueConstraint(
                fields=["therapist", "lifestyle_log"], name="clients_recordview_one_lifestyle"
            ),
            models.UniqueConstraint(
                fields=["therapist", "social_activity"], name="clients_recordview_one_social"
            ),
            models.CheckConstraint(
                condition=exactly_one_record(),
                name="clients_recordview_one_record",
            ),
        ]
        indexes = [models.Index(fields=["client", "therapist"], name="clients_recordview_client")]

    def __str__(self) -> str:
        return f"view by {self.therapist_id}"


# What a client logs about their day, in the order the form asks it.
LIFESTYLE_LOG_FIELDS = (
    "sleep_hours",
    "sleep_quality",
    "exercise_minutes",
    "exercise_kind",
    "meals",
    "outdoor_minutes",
    "alcohol_units",
    "note",
)
RECORD_MODELS = {"journal": JournalEntry, "lifestyle": LifestyleLog, "social": SocialActivity}
FEEDBACK_FIELD = {
    JournalEntry: "journal_entry",
    LifestyleLog: "lifestyle_log",
    SocialActivity: "social_activity",
}


# --- Idempotency keys ------------------------------------------------------------------


class IdempotencyKey(QuickLoad):
    """A record made by a request that carried an `Idempotency-Key` header: the same key from
    the same person again gets the same answer, never a second record (see
    `clients.idempotency`). It keeps which record was made, not what was written in it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path and the body in canonical JSON.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    record_id = models.UUIDField(null=True, blank=True)
    # A journal entry asking for help may be saved with fields left out: their messages.
    not_saved = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="clients_idempotency_key_once"),
        ]

    def __str__(self) -> str:
        return f"idempotency key of {self.user_id}"
