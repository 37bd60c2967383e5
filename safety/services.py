"""Raising a safety alert: in the same transaction as the record that signals risk, so a
sign of risk is never saved without its alert."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditAction, CareRelationship, CareStatus, User
from accounts.services import audit

from .models import SafetyAlert
from .signals import alerts_raised

NOTE_MAX = 2_000


class AlreadyAcknowledged(Exception):
    """Someone acknowledged this alert first; nothing was written."""

    def __init__(self, alert: SafetyAlert):
        super().__init__("This alert was already acknowledged.")
        self.alert = alert


@transaction.atomic
def raise_alert(
    *, client: User, source: str, reference: UUID, level: int | None = None
) -> list[SafetyAlert]:
    """Open an alert for each of the client's active therapists (once per record and
    relationship). `level` is the answer's value for an alert raised by a questionnaire.
    Returns the alerts opened now; none when the client has no therapist."""
    opened = []
    for relationship in CareRelationship.objects.active().filter(client=client):
        try:
            with transaction.atomic():
                alert = SafetyAlert.objects.create(
                    relationship=relationship, source=source, reference=reference, level=level
                )
        except IntegrityError:
            continue  # this record has already raised its alert here
        audit(
            action=AuditAction.SAFETY_ALERT_RAISED,
            actor=client,
            subject=client,
            detail={"alert": str(alert.public_id), "source": source},
        )
        opened.append(alert)
    if opened:
        ids = [a.pk for a in opened]
        transaction.on_commit(lambda: alerts_raised.send(sender=SafetyAlert, alert_ids=ids))
    return opened


@transaction.atomic
def acknowledge(*, alert: SafetyAlert, therapist: User, note: str) -> SafetyAlert:
    """Close an open alert with the therapist's note, once: of two acknowledgements at the
    same moment exactly one is written; the other raises AlreadyAcknowledged."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write a short note on what you did."})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX} characters."})
    if "\x00" in note:
        raise ValidationError({"note": "The note must not contain NUL characters."})
    relationship = alert.relationship
    if relationship.therapist_id != therapist.pk or relationship.status != CareStatus.ACTIVE:
        raise ValidationError("This alert is not one of yours.")
    now = timezone.now()
    # The conditional UPDATE is the claim: whoever changes the row acknowledged it.
    won = SafetyAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=therapist, note=note
    )
    alert.refresh_from_db()
    if not won:
        raise AlreadyAcknowledged(alert)
    audit(
        action=AuditAction.SAFETY_ALERT_ACKNOWLEDGED,
        actor=therapist,
        subject=relationship.client,
        detail={"alert": str(alert.public_id), "source": alert.source},
    )
    return alert
