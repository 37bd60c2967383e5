"""The care plan of one care relationship: short lists in sections, written by the
therapist and the client together, with every change kept as a numbered version, and the
client's "I'm triggered" log. `visible_to(user)` is the only way to read them."""

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.clock import local_today
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, Role, User
from accounts.validators import validate_text
from clients.models import JournalEntry, Person
from homework.models import Assignment

ITEM_TEXT_MAX = 300
DETAIL_MAX = 1_000
STEP_MAX = 200
STEPS_MAX = 12
TAG_MAX = 40  # a trigger or emotion is also a journal tag (clients.models.TAG_MAX)
# A goal's review date: within the next two years of the client's day (a year back, for
# plans written before a long break).
REVIEW_AHEAD = timedelta(days=2 * 366)
REVIEW_BEHIND = timedelta(days=366)


class Section(models.TextChoices):
    NEEDS = "needs", "What I need"
    EMOTIONS = "emotions", "Emotions to notice"
    TRIGGERS = "triggers", "Triggers"
    EMPOWERS = "empowers", "What empowers me"
    CIRCLE = "circle", "My circle"
    GOALS = "goals", "Goals"


# The fields each section's items use; the others stay empty.
SECTION_FIELDS = {
    Section.NEEDS: ("text",),
    Section.EMOTIONS: ("text", "signs", "helps"),
    Section.TRIGGERS: ("text", "signs", "steps"),
    Section.EMPOWERS: ("text",),
    Section.CIRCLE: ("text", "person"),
    Section.GOALS: ("text", "measure", "review_date"),
}
DETAIL_FIELDS = ("signs", "helps", "steps", "measure", "review_date", "person")


def validate_steps(value) -> None:
    """A trigger's coping steps: a few short sentences."""
    if not isinstance(value, list) or not all(isinstance(step, str) for step in value):
        raise ValidationError("Give the steps as a list of short sentences.")
    if len(value) > STEPS_MAX:
        raise ValidationError(f"At most {STEPS_MAX} steps: keep it short.")
    if any(len(step) > STEP_MAX for step in value):
        raise ValidationError(f"Each step can be at most {STEP_MAX} characters.")


class Helped(models.TextChoices):
    YES = "yes", "Yes"
    A_LITTLE = "a_little", "A little"
    NO = "no", "No"


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PlanQuerySet":
        """The client's own plans; a therapist's, while their relationship is active."""
        return policy.client_records_visible_to(user, self, relationship_field="relationship")


class CarePlan(QuickLoad):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.OneToOneField(
        CareRelationship, on_delete=models.CASCADE, related_name="care_plan"
    )
    # Whose plan it is (denormalised, so export and erasure find it in one read).
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The number of the latest version; 0 for a plan nobody has written in yet.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"care plan {self.public_id}"


class PlanItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PlanItemQuerySet":
        return policy.client_records_visible_to(
            user, self, client_field="plan__client", relationship_field="plan__relationship"
        )


class PlanItem(QuickLoad):
    """One line of a section. Which of the detail fields apply depends on the section."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(max_length=16, choices=Section.choices)
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(
        max_length=ITEM_TEXT_MAX,
        validators=[validate_text],
        error_messages={"blank": "Write a few words."},
    )
    # Emotions: early signs; triggers: warning signs.
    signs = models.TextField(
        max_length=DETAIL_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(DETAIL_MAX)],
    )
    # Emotions: what helps.
    helps = models.TextField(
        max_length=DETAIL_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(DETAIL_MAX)],
    )
    # Triggers: coping steps, in order.
    steps = models.JSONField(default=list, blank=True, validators=[validate_steps])
    # Goals: how I will know, in the client's words, and when to look again.
    measure = models.TextField(
        max_length=DETAIL_MAX,
        blank=True,
        validators=[validate_text, MaxLengthValidator(DETAIL_MAX)],
    )
    review_date = models.DateField(null=True, blank=True)
    # My circle: someone from the client's own list.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_items"
    )
    # The plan version that last changed this item (its text, details or place).
    changed_in = models.PositiveIntegerField(default=0)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        ordering = ["section", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(section__in=Section.values), name="careplans_item_section_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        """The section's rules: someone from the client's own list in My circle, a trigger
        or emotion short enough to be a journal tag, and a review date near the client's day."""
        if self.section == Section.CIRCLE and self.person is None:
            raise ValidationError({"person": "Choose someone from your list of people."})
        if self.person is not None and self.person.client_id != self.plan.client_id:
            raise ValidationError({"person": "Choose someone from your own list."})
        if self.section in (Section.TRIGGERS, Section.EMOTIONS) and (
            TAG_MAX < len(self.text) <= ITEM_TEXT_MAX
        ):
            raise ValidationError(
                {
                    "text": f"Name it in a few words (at most {TAG_MAX} characters): it is also "
                    "a tag for your journal. The details have their own place."
                }
            )
        if self.review_date is not None:
            today = local_today(self.plan.client.timezone)  # the client's day, as everywhere
            if not today - REVIEW_BEHIND <= self.review_date <= today + REVIEW_AHEAD:
                raise ValidationError({"review_date": "Choose a date within the next two years."})

    @property
    def tag(self) -> str:
        """The word a journal entry is tagged with."""
        return self.text.strip()[:TAG_MAX].strip()


class PlanVersion(QuickLoad):
    """The whole plan after one change, with who made it and what it touched."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    change = models.CharField(max_length=16)  # add, edit, move, remove
    section = models.CharField(max_length=16, choices=Section.choices)
    item_public_id = models.UUIDField(null=True, blank=True)
    snapshot = models.JSONField(default=list)  # the items, in order, after the change
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="careplans_version_unique"),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.plan_id}"


class HomeworkLink(QuickLoad):
    """Homework that serves a goal or a trigger's coping step (kept here, so homework
    never imports care plans)."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="links")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField(null=True, blank=True)  # index into item.steps
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "assignment"], name="careplans_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} → {self.item_id}"


class TriggerLogQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TriggerLogQuerySet":
        """The client sees all of theirs; a therapist, those whose journal entry is shared."""
        queryset = self
        if user.is_authenticated and user.role == Role.THERAPIST:
            queryset = queryset.filter(journal_entry__shared=True)
        return policy.client_records_visible_to(
            user, queryset, relationship_field="plan__relationship"
        )


class TriggerLog(QuickLoad):
    """One "I'm triggered" moment: which trigger, the steps shown, and later if it helped."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="trigger_logs")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(
        PlanItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="logs"
    )
    trigger = models.CharField(max_length=TAG_MAX, blank=True)  # "" for "something else"
    steps = models.JSONField(default=list, blank=True)  # as shown at the time
    journal_entry = models.OneToOneField(
        JournalEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="trigger_log"
    )
    helped = models.CharField(max_length=8, choices=Helped.choices, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TriggerLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(helped__in=["", *Helped.values]), name="careplans_log_helped_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"trigger log {self.public_id}"
