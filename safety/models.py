"""Safety alerts: a sign of risk from a client, raised to each of their active therapists.

An alert holds no clinical content: where it came from, a reference to the record, and who
acknowledged it, when, with what note. It stays open until a therapist acknowledges it."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.loading import QuickLoad
from accounts.models import CareRelationship, CareStatus, Role, User


class Source(models.TextChoices):
    JOURNAL = "journal", "“I need help now” in the journal"
    PHQ9_ITEM9 = "phq9_item9", "PHQ-9 question 9 answered above “not at all”"


class SafetyAlertQuerySet(models.QuerySet):
    def open(self) -> "SafetyAlertQuerySet":
        return self.filter(acknowledged_at__isnull=True)

    def in_care(self) -> "SafetyAlertQuerySet":
        """Alerts of active relationships: once care ends, nothing there needs action."""
        return self.filter(relationship__status=CareStatus.ACTIVE)

    def visible_to(self, user) -> "SafetyAlertQuerySet":
        """A therapist (with MFA) sees the alerts of their own active relationships; a
        client is shown the crisis page, not the alert; staff see none."""
        if not user.is_authenticated or user.role != Role.THERAPIST:
            return self.none()
        return policy.client_records_visible_to(
            user, self, client_field="relationship__client", relationship_field="relationship"
        )


class SafetyAlert(QuickLoad):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    relationship = models.ForeignKey(
        CareRelationship, on_delete=models.CASCADE, related_name="safety_alerts"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    # The public id of the record that raised it (a journal entry, a measure's answers).
    reference = models.UUIDField()
    # How often, for a questionnaire's answer (PHQ-9: 1 several days … 3 nearly every day);
    # kept here because answers saved incomplete are not stored anywhere else.
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    objects = SafetyAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "source", "reference"], name="safety_alert_once"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, note="")
                | Q(acknowledged_at__isnull=False) & ~Q(note=""),
                name="safety_alert_acknowledged_with_note",
            ),
        ]
        indexes = [
            models.Index(
                fields=["relationship"],
                condition=Q(acknowledged_at__isnull=True),
                name="safety_alert_open",
            )
        ]

    def __str__(self) -> str:
        state = "acknowledged" if self.acknowledged_at else "open"
        return f"{self.get_source_display()} ({state})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
