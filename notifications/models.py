"""Notification preferences, push devices and the delivery ledger: every e-mail or push is a
row, sent once."""

import uuid
from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from accounts.loading import QuickLoad
from accounts.models import User

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def every_day() -> list[int]:
    return list(range(7))


class Preferences(QuickLoad):
    """What a person wants to hear from Tandem, and when; `next_*_at` are in UTC."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notification_prefs")
    reminders_enabled = models.BooleanField("homework reminders", default=True)
    reminder_time = models.TimeField(
        default=time(18, 0), help_text="Your local time; an assignment's own time comes first."
    )
    # Days (0 = Monday) a therapist's reminder may go on; a client's reminder goes every day.
    reminder_weekdays = models.JSONField(default=every_day, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    digest_enabled = models.BooleanField("weekly summary", default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        default=6,
        choices=list(enumerate(WEEKDAYS)),
        validators=[MaxValueValidator(6)],
    )
    digest_time = models.TimeField(default=time(18, 0))
    # A client's note that their therapist replied: at most one a day, out of quiet hours.
    replies_enabled = models.BooleanField("new replies", default=True)
    # A client's reminder the day before each session, at their reminder time.
    session_reminders_enabled = models.BooleanField("session reminders", default=True)
    # How each kind reaches the person: {"reminder": "push", ...}; a kind not named goes by
    # e-mail (notifications/channels.py reads it).
    channels = models.JSONField(default=dict, blank=True)
    # The zone the instants were computed in; the tick recomputes them when the user's differs.
    zone = models.CharField(max_length=64, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    next_digest_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A reply that came in quiet hours: when they end, the tick makes its e-mail's row.
    next_reply_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_weekday__lte=6),
                name="notifications_prefs_weekday_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | models.Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="notifications_prefs_quiet_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"

    def clean(self) -> None:
        super().clean()
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValidationError({"quiet_end": "Give both the start and the end of quiet hours."})
        days = self.reminder_weekdays
        if not isinstance(days, list) or not days:
            raise ValidationError({"reminder_weekdays": "Choose at least one day."})
        if any(type(d) is not int or not 0 <= d <= 6 for d in days):
            raise ValidationError({"reminder_weekdays": "Days are numbers from 0 (Monday) to 6."})
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValidationError({"quiet_end": "Quiet hours cannot start and end at once."})


class Kind(models.TextChoices):
    REMINDER = "reminder", "Homework reminder"
    CATCH_UP = "catch_up", "Catch-up note"
    CLIENT_DIGEST = "client_digest", "Client weekly summary"
    THERAPIST_DIGEST = "therapist_digest", "Therapist weekly review"
    THERAPIST_REMINDER = "therapist_reminder", "Therapist reminder"
    SAFETY_ALERT = "safety_alert", "Safety alert"
    SAFETY_REALERT = "safety_realert", "Safety alert, still open"
    INVITATION = "invitation", "Invitation"
    REPLY = "reply", "New reply"
    SESSION_REMINDER = "session_reminder", "Session reminder"


# Sent whatever the person's settings say, and retried while the alert is open.
SAFETY_KINDS = (Kind.SAFETY_ALERT, Kind.SAFETY_REALERT)


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PUSH = "push", "Push"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class Delivery(QuickLoad):
    """One e-mail (or one push to a person's devices) for one period. The unique key
    (person, kind, period, channel) is what makes it once:
    claimed (pending -> sending) before sending, marked sent after. Holds no content.

    A temporary failure puts the row back to pending with `next_attempt_at` (backing off);
    the tick's sweep hands it to a worker again when that comes, until `give_up_at`.

    An invitation's row is its therapist's (the invitee may have no account yet), and its
    period is the care relationship's id and how often it was resent: "41.0", "41.1".
    A session reminder's period is the session's public id and the UTC minute it starts
    ("<uuid>@20261208T1700Z"): a session moved after its reminder gets one for its new time.

    After erasure `user` is null: the row stays as a count, naming nobody."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    period = models.CharField(
        max_length=64,
        help_text="Local date (reminders, replies), ISO week, a safety alert's id, an "
        "invitation's id and resends, or a session's id and start.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    message_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a temporary failure is tried again."
    )
    give_up_at = models.DateTimeField(
        null=True, blank=True, help_text="Not sent by then: failed. Empty: never gives up."
    )

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period", "channel"], name="notifications_delivery_once"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]),
                name="notifications_delivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="notif_delivery_status"),
            models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_retry"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} ({self.status})"


class PushSubscription(QuickLoad):
    """One device (a browser's push subscription, RFC 8030) that may show a person's push
    notifications: where to send them and the keys to encrypt them for it (RFC 8291).
    The endpoint is the device's: one person at a time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    name = models.CharField(max_length=60, default="This device")
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"push device {self.public_id} of user {self.user_id}"
