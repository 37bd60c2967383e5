"""Writes about people: accounts, care relationships, invitations, the audit log."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .addresses import normalize_email, same_address
from .errors import InvitationError
from .models import AuditAction, AuditEvent, CareRelationship, CareStatus, Role, User
from .signals import invitation_to_send, relationship_ended

INVITATION_SALT = "tandem.accounts.invitation"
ALREADY_PENDING = "An invitation to this address is already pending. Resend it instead."


def audit(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    detail: dict | None = None,
    ip_address: str | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. `detail` holds ids and counts, never clinical content."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else ""),
        subject=subject,
        detail=detail or {},
        ip_address=ip_address,
    )


def sign_in_refused(*, attempted: str, ip_address: str | None, blocked: bool = False) -> None:
    """Audit a failed sign-in, or one refused unchecked because of too many failures."""
    attempted = attempted[:254]
    actor = User.objects.filter(email__iexact=_lenient_normalize(attempted)).first()
    audit(
        action=AuditAction.LOGIN_BLOCKED if blocked else AuditAction.LOGIN_FAILED,
        actor=actor,
        actor_label=attempted,
        ip_address=ip_address,
    )


def _normalize(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc


@transaction.atomic
def therapist_create(*, email: str, password: str, name: str = "", timezone: str = "UTC") -> User:
    """Create a therapist; a taken address or a weak password is a ValidationError."""
    email = _normalize(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this e-mail address already exists."})
    user = User(email=email, name=name, timezone=timezone, role=Role.THERAPIST)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


# --- Invitations ------------------------------------------------------------------


def invitation_token(relationship: CareRelationship) -> str:
    return signing.dumps(str(relationship.public_id), salt=INVITATION_SALT, compress=True)


def invitation_url(relationship: CareRelationship) -> str:
    path = reverse("invitation_accept", kwargs={"token": invitation_token(relationship)})
    return f"{settings.SITE_URL}{path}"


def invitation_from_token(token: str) -> CareRelationship:
    """The pending invitation behind a link, or InvitationError saying why it cannot be used."""
    max_age = timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    try:
        public_id = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvitationError("expired") from exc
    except signing.BadSignature as exc:
        raise InvitationError("invalid") from exc
    relationship = (
        CareRelationship.objects.select_related("therapist", "client")
        .filter(public_id=public_id)
        .first()
    )
    if relationship is None:
        raise InvitationError("invalid")
    if relationship.status != CareStatus.INVITED:
        if relationship.activated_at:
            raise InvitationError("used", relationship)
        raise InvitationError("revoked")
    if relationship.invitation_expired:
        raise InvitationError("expired")
    return relationship


@transaction.atomic
def invitation_create(*, therapist: User, email: str) -> CareRelationship:
    """Invite a client by e-mail; the e-mail goes out through the ledger after commit."""
    email = _normalize(email)
    if email == therapist.email:
        raise ValidationError({"email": "You cannot invite yourself."})
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and existing.role != Role.CLIENT:
        raise ValidationError({"email": "This address belongs to a staff or therapist account."})
    if (
        existing is not None
        and therapist.caseload.filter(client=existing, status=CareStatus.ACTIVE).exists()
    ):
        raise ValidationError({"email": "This person is already your client."})
    pending_invitations = therapist.caseload.filter(
        status=CareStatus.INVITED, invited_email__iexact=email
    )
    pending = pending_invitations.select_for_update().first()
    if pending is not None:
        if not pending.invitation_expired:
            raise ValidationError({"email": ALREADY_PENDING})
        _end(pending)
    now = timezone.now()
    relationship = CareRelationship(
        therapist=therapist,
        client=None,
        invited_email=email,
        invited_at=now,
        invitation_expires_at=now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    # The one-pending rule was checked just above; a request for the same address that
    # lands in between is caught by the database, and gets the same answer.
    relationship.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            relationship.save()
    except IntegrityError:
        if not pending_invitations.exists():
            raise
        raise ValidationError({"email": ALREADY_PENDING}) from None
    audit(
        action=AuditAction.INVITATION_SENT,
        actor=therapist,
        subject=existing,
        detail={"relationship": str(relationship.public_id)},
    )
    _send_invitation(relationship)
    return relationship


def _send_invitation(relationship: CareRelationship) -> None:
    # Told inside the transaction: the e-mail's ledger row is saved with the invitation.
    invitation_to_send.send(sender=CareRelationship, relationship=relationship)


def invitation_sent(*, relationship: CareRelationship, resends: int) -> None:
    """The invitation's e-mail went out (unless it was resent since, which waits again)."""
    CareRelationship.objects.filter(
        pk=relationship.pk, status=CareStatus.INVITED, invitation_resends=resends
    ).update(invitation_sent_at=timezone.now())


@transaction.atomic
def invitation_resend(*, relationship: CareRelationship) -> CareRelationship:
    """Send a pending invitation again, with a fresh expiry: a new e-mail, once."""
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.status != CareStatus.INVITED:
        raise ValidationError("Only a pending invitation can be resent.")
    relationship.invitation_expires_at = timezone.now() + timedelta(
        days=settings.INVITATION_MAX_AGE_DAYS
    )
    relationship.invitation_sent_at = None
    relationship.invitation_resends += 1
    relationship.save(
        update_fields=["invitation_expires_at", "invitation_sent_at", "invitation_resends"]
    )
    _send_invitation(relationship)
    return relationship


@transaction.atomic
def invitation_revoke(*, actor: User, relationship: CareRelationship) -> CareRelationship:
    # Read under the lock: an invitation accepted a moment ago must not be ended here.
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.status != CareStatus.INVITED:
        raise ValidationError("Only a pending invitation can be revoked.")
    _end(relationship)
    audit(
        action=AuditAction.INVITATION_REVOKED,
        actor=actor,
        detail={"relationship": str(relationship.public_id)},
    )
    return relationship


@transaction.atomic
def invitation_accept_as_new_client(
    *, relationship: CareRelationship, name: str, password: str, timezone_name: str
) -> User:
    """Create the invitee's client account and start the care relationship."""
    relationship = _lock_pending(relationship)
    email = relationship.invited_email
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this address exists: sign in to accept.")
    user = User(email=email, name=name.strip(), timezone=timezone_name, role=Role.CLIENT)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    _activate(relationship, user)
    return user


@transaction.atomic
def invitation_accept_as_existing_client(
    *, relationship: CareRelationship, client: User
) -> CareRelationship:
    """Link a signed-in client to the therapist who invited their address."""
    relationship = _lock_pending(relationship)
    if client.role != Role.CLIENT or not same_address(client.email, relationship.invited_email):
        raise InvitationError("wrong_account")
    _activate(relationship, client)
    return relationship


def _lock_pending(relationship: CareRelationship) -> CareRelationship:
    """Lock the invitation row so that one link is accepted once, even by two requests."""
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.status != CareStatus.INVITED or relationship.invitation_expired:
        raise InvitationError("used")
    return relationship


def _activate(relationship: CareRelationship, client: User) -> None:
    relationship.client = client
    relationship.status = CareStatus.ACTIVE
    relationship.activated_at = timezone.now()
    relationship.full_clean()
    relationship.save(update_fields=["client", "status", "activated_at"])
    audit(
        action=AuditAction.RELATIONSHIP_ACTIVATED,
        actor=client,
        subject=client,
        detail={"relationship": str(relationship.public_id)},
    )


def _end(relationship: CareRelationship) -> None:
    relationship.status = CareStatus.ENDED
    relationship.ended_at = timezone.now()
    relationship.save(update_fields=["status", "ended_at"])
    relationship_ended.send(sender=CareRelationship, relationship=relationship)


def lock_active_relationship(relationship_id: int) -> CareRelationship:
    """Lock an active care relationship row until the surrounding transaction ends.

    Every write that is only allowed while the relationship is active takes this lock, and
    `relationship_end` takes it too: on PostgreSQL the end then waits for writes in flight
    (or they wait for it and see it ended), so nothing is written after `ended_at`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_active_relationship() must run inside a transaction")
    relationship = CareRelationship.objects.select_for_update().filter(pk=relationship_id).first()
    if relationship is None or relationship.status != CareStatus.ACTIVE:
        raise ValidationError("This care relationship is not active.")
    return relationship


@transaction.atomic
def relationship_end(*, actor: User, relationship: CareRelationship) -> CareRelationship:
    """End a care relationship; the therapist loses access at their next request."""
    relationship = CareRelationship.objects.select_for_update().get(pk=relationship.pk)
    if relationship.status != CareStatus.ACTIVE:
        raise ValidationError("This care relationship is not active.")
    _end(relationship)
    audit(
        action=AuditAction.RELATIONSHIP_ENDED,
        actor=actor,
        subject=relationship.client,
        detail={"relationship": str(relationship.public_id)},
    )
    return relationship


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=_lenient_normalize(email)).exists()


def _lenient_normalize(email: str) -> str:
    try:
        return normalize_email(email)
    except ValidationError:
        return email


def records_viewed(*, viewer: User, client: User, what: str) -> None:
    """Log a read of a client's records by someone other than the client."""
    if viewer.pk != client.pk:
        audit(
            action=AuditAction.RECORDS_VIEWED, actor=viewer, subject=client, detail={"what": what}
        )


def records_viewed_of_each(*, viewer: User, clients: Iterable[User], what: str) -> None:
    """`records_viewed` for each of several clients shown on one page: one statement."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=AuditAction.RECORDS_VIEWED,
            actor=viewer,
            actor_label=viewer.email,
            subject=client,
            detail={"what": what},
        )
        for client in clients
        if client.pk != viewer.pk
    )
