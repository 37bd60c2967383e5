import uuid
import zoneinfo
from functools import cache
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from .addresses import normalize_email
from .clock import iana_timezones, zone
from .loading import QuickLoad
from .versions import SHARED, new_part_versions, new_token

REGIONS = (
    "Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
    "Indian/", "Pacific/",
)  # fmt: skip
TZDATA_SOURCE = Path("/usr/share/zoneinfo/tzdata.zi")


@cache
def canonical_timezones() -> tuple[str, ...]:
    """The zones a person picks from: Region/City names, plus UTC, without the old aliases
    ("Zulu", "W-SU", "ROK", "US/Eastern", "Asia/Calcutta" ...). Aliases stay valid values
    (`iana_timezones`) for accounts that chose one before."""
    links: set[str] = set()
    try:  # the tz database's own list of aliases ("L target alias"), where the system has it
        for line in TZDATA_SOURCE.read_text().splitlines():
            if line.startswith("L "):
                links.add(line.split()[2])
    except OSError:
        pass
    names = [n for n in iana_timezones() if n.startswith(REGIONS) and n not in links]
    return ("UTC", *sorted(names))


def validate_timezone(value: str) -> None:
    if value not in iana_timezones():
        raise ValidationError("“%(value)s” is not an IANA time zone.", params={"value": value})


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    THERAPIST = "therapist", "Therapist"
    STAFF = "staff", "Staff"


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """`accounts.addresses.normalize_email`; a ValidationError for a bad address."""
        return normalize_email(email or "")

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("role", Role.CLIENT)
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(role=Role.STAFF, is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)


class User(QuickLoad, AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address: a client, a therapist or staff."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLIENT)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the admin site (operators only)."
    )
    date_joined = models.DateTimeField(default=dj_timezone.now)
    # Changes with every write of this person's data (accounts.versions): the page cache's key.
    data_version = models.BigIntegerField(default=new_token, editable=False)
    # The version of each kind of their data that parts of pages are kept by (the same).
    part_versions = models.JSONField(default=new_part_versions, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="accounts_user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def save(self, *args, **kwargs) -> None:
        # A new version with every change but a sign-in's (accounts.versions); a copy
        # loaded before another write cannot put an old version back, it makes a new one.
        fields = kwargs.get("update_fields")
        changed = fields is None or not set(fields) <= {"last_login"}
        if changed:
            self.data_version = new_token()
            self.part_versions = {**self.part_versions, SHARED: new_token()}
            if fields is not None:
                kwargs["update_fields"] = {*fields, "data_version", "part_versions"}
        super().save(*args, **kwargs)
        if changed and self.role == Role.THERAPIST:
            # Their clients' pages show the therapist's name: those are keyed on the client.
            clients = CareRelationship.objects.filter(therapist=self).values("client_id")
            User.objects.filter(pk__in=clients).update(data_version=new_token())

    def clean(self) -> None:
        super().clean()
        try:
            self.email = normalize_email(self.email)
        except ValidationError as exc:
            raise ValidationError({"email": exc.messages}) from exc

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        # A name saved before validation was strict (say "localtime") reads as UTC.
        return zone(self.timezone)


class CareStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class CareRelationshipQuerySet(models.QuerySet):
    def active(self) -> "CareRelationshipQuerySet":
        return self.filter(status=CareStatus.ACTIVE)


class CareRelationship(QuickLoad):
    """A therapist's care of a client. While `invited`, it is the invitation itself."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="caseload")
    client = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="care_relationships", null=True, blank=True
    )
    status = models.CharField(max_length=16, choices=CareStatus.choices, default=CareStatus.INVITED)
    invited_email = models.EmailField()
    invited_at = models.DateTimeField(default=dj_timezone.now)
    invitation_expires_at = models.DateTimeField()
    # When the invitation's e-mail went out; null until then, and again after a resend.
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    # Each resend is a new e-mail: its ledger period is the id and this count.
    invitation_resends = models.PositiveSmallIntegerField(default=0)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CareRelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            models.UniqueConstraint(
                "therapist",
                Lower("invited_email"),
                condition=models.Q(status="invited"),
                name="accounts_care_one_pending_invitation",
            ),
            models.UniqueConstraint(
                fields=["therapist", "client"],
                condition=models.Q(status__in=["invited", "active"]),
                name="accounts_care_one_open_relationship",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(client__isnull=False),
                name="accounts_care_active_has_client",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["invited", "active", "ended"]),
                name="accounts_care_status_valid",
            ),
        ]

    def __str__(self) -> str:
        other = "client left" if self.client_left else self.client or self.invited_email
        return f"{self.therapist} → {other} ({self.status})"

    @property
    def client_left(self) -> bool:
        """The client erased their account: the row stays, ended, naming nobody."""
        return (
            self.status == CareStatus.ENDED and self.client_id is None and bool(self.activated_at)
        )

    @property
    def invitation_expired(self) -> bool:
        return dj_timezone.now() >= self.invitation_expires_at


class AuditAction(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Signed in"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    LOGIN_BLOCKED = "login_blocked", "Sign-in refused after too many failures"
    LOGOUT = "logout", "Signed out"
    RECORDS_VIEWED = "records_viewed", "Viewed client records"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
    RELATIONSHIP_ACTIVATED = "relationship_activated", "Care relationship started"
    RELATIONSHIP_ENDED = "relationship_ended", "Care relationship ended"
    FEEDBACK = "feedback", "Feedback on a record"
    EXPORT = "export", "Data exported"
    ERASURE = "erasure", "Account erased"
    SAFETY_ALERT_RAISED = "safety_alert_raised", "Safety alert raised"
    SAFETY_ALERT_EMAILED = "safety_alert_emailed", "Safety alert e-mailed"
    SAFETY_ALERT_ACKNOWLEDGED = "safety_alert_acknowledged", "Safety alert acknowledged"


class AuditEvent(QuickLoad):
    """Append-only: who did what to whose records. Holds no clinical content."""

    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    subject = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject", "action", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")
