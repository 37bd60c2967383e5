"""Invitation e-mails, through the delivery ledger (kind `invitation`).

`accounts` is the ground floor and may not import the ledger, so it tells: the
`invitation_to_send` signal, inside the transaction that saves or resends an invitation.
The row is made in that same transaction (no invitation is saved without its e-mail row),
handed to the broker after commit, and swept like every other row when the broker was away.

The row is the inviting therapist's: the invitee may have no account (and one who has is
linked only when they accept), and the ledger keeps no address. Its period is the care
relationship's id and how often the invitation was resent, so each resend is one new
e-mail, and a row that a resend replaced is skipped."""

from django.utils import timezone

from accounts.models import CareRelationship, CareStatus
from accounts.services import invitation_sent, invitation_url

from . import emails, ledger
from .models import Delivery, Kind


def period_of(relationship: CareRelationship) -> str:
    return f"{relationship.pk}.{relationship.invitation_resends}"


def on_invitation_to_send(sender, relationship: CareRelationship, **kwargs) -> None:
    """Make the invitation's row in the transaction that saved it; enqueue it after commit."""
    row = ledger.create(
        user_id=relationship.therapist_id,
        kind=Kind.INVITATION,
        period=period_of(relationship),
        now=timezone.now(),
        until=relationship.invitation_expires_at,  # tried again until the link expires
    )
    ledger.enqueue_on_commit(row)


def _relationship(delivery: Delivery) -> tuple[CareRelationship | None, str]:
    pk, _, resends = delivery.period.partition(".")
    relationship = (
        CareRelationship.objects.select_related("therapist")
        .filter(pk=int(pk), therapist_id=delivery.user_id)
        .first()
        if pk.isdigit()
        else None
    )
    return relationship, resends


def build(delivery: Delivery):
    """The invitation for a claimed row, or a reason to skip it."""
    relationship, resends = _relationship(delivery)
    if relationship is None:
        return "no such invitation"
    if relationship.status != CareStatus.INVITED:
        return "no longer pending"  # accepted, withdrawn, or the address was erased
    if resends != str(relationship.invitation_resends):
        return "resent since"
    if relationship.invitation_expired:
        return "expired"
    return emails.invitation_email(
        delivery,
        to=relationship.invited_email,
        therapist_name=relationship.therapist.name,
        url=invitation_url(relationship),
        expires_at=relationship.invitation_expires_at,
    )


def sent(delivery: Delivery) -> None:
    """The therapist's caseload stops saying "not sent yet"."""
    relationship, resends = _relationship(delivery)
    if relationship is not None and resends.isdigit():
        invitation_sent(relationship=relationship, resends=int(resends))


# To an address: the row is its therapist's, and the invitee may have no account yet.
ledger.register(
    (Kind.INVITATION,), ledger.Sender(build=build, on_sent=sent, needs_active_user=False)
)
