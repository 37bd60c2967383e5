"""Raising a safety alert: in the same transaction as the record that signals risk, so a
sign of risk is never saved without its alert."""

from uuid import UUID

from django.db import IntegrityError, transaction

from accounts.models import AuditAction, CareRelationship, User
from accounts.services import audit

from .models import SafetyAlert


@transaction.atomic
def raise_alert(*, client: User, source: str, reference: UUID) -> list[SafetyAlert]:
    """Open an alert for each of the client's active therapists (once per record and
    relationship). Returns the alerts opened now; none when the client has no therapist."""
    opened = []
    for relationship in CareRelationship.objects.active().filter(client=client):
        try:
            with transaction.atomic():
                alert = SafetyAlert.objects.create(
                    relationship=relationship, source=source, reference=reference
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
    return opened
