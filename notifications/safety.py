"""Safety alerts by e-mail (and push beside it, where the therapist chose both), through the
delivery ledger: one `safety_alert` per open alert
and therapist, and one `safety_realert` when it is still open TANDEM_SAFETY_REALERT_HOURS
after the first e-mail went out. The period is the alert's id, so the ledger's unique key
makes each of them once. Found by the minutely tick (the safety net when the broker was
away) and, sooner, right after the alert's transaction commits.

These ignore quiet hours and unsubscribes: a safety notice cannot be turned off."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import AuditAction, CareStatus
from accounts.services import audit
from safety.models import SafetyAlert

from . import emails, ledger
from .channels import channels_for
from .models import SAFETY_KINDS, Channel, Delivery, Kind, Status

logger = logging.getLogger(__name__)

BATCH = 500


def _without(kind: str):
    """Open alerts in active care with no ledger row of this kind for their therapist."""
    sent = Delivery.objects.filter(
        user=OuterRef("relationship__therapist"),
        kind=kind,
        period=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return (
        SafetyAlert.objects.open()
        .in_care()
        .filter(relationship__therapist__is_active=True)
        .exclude(Exists(sent))
        .values_list("pk", "relationship__therapist_id")
    )


def safety_deliveries(*, now: datetime, alert_ids: list[int] | None = None) -> list[int]:
    """Make the ledger rows that are due: first e-mails for new alerts, re-alerts for those
    open too long. Two queries when there is nothing to do."""
    first = _without(Kind.SAFETY_ALERT)
    if alert_ids is not None:
        first = first.filter(pk__in=alert_ids)
    due = [(Kind.SAFETY_ALERT, pk, therapist) for pk, therapist in first[:BATCH]]
    if alert_ids is None:
        # Counted from the first e-mail, not from the alert: an alert first e-mailed a day
        # late (the broker was down) must not get its re-alert in the same tick.
        cutoff = now - timedelta(hours=settings.TANDEM_SAFETY_REALERT_HOURS)
        first_sent = Delivery.objects.filter(
            user=OuterRef("relationship__therapist"),
            kind=Kind.SAFETY_ALERT,
            period=Cast(OuterRef("pk"), output_field=CharField()),
            status=Status.SENT,
            finished_at__lte=cutoff,
        )
        again = _without(Kind.SAFETY_REALERT).filter(Exists(first_sent))
        due += [(Kind.SAFETY_REALERT, pk, therapist) for pk, therapist in again[:BATCH]]
    rows = []
    therapists = [therapist for _, _, therapist in due]
    routes = {kind: channels_for(therapists, kind) for kind in {kind for kind, _, _ in due}}
    for kind, pk, therapist in due:
        rows += ledger.create(
            user_id=therapist, kind=kind, period=str(pk), now=now, channels=routes[kind][therapist]
        )
    return rows


def on_alerts_raised(sender, alert_ids, **kwargs) -> None:
    """Right after an alert commits: its e-mail rows, handed to the broker. If the broker is
    away the rows wait for the sweep; if this fails outright the next tick makes them."""
    try:
        with transaction.atomic():
            ledger.enqueue_on_commit(safety_deliveries(now=timezone.now(), alert_ids=alert_ids))
    except Exception:
        # The client's request must not fail for this: the tick is the safety net.
        logger.exception("safety alert e-mails left for the tick")


def build(delivery: Delivery):
    """The content-free message for a claimed safety row, or a reason to skip it."""
    alert = (
        SafetyAlert.objects.select_related("relationship").filter(pk=int(delivery.period)).first()
        if delivery.period.isdigit()
        else None
    )
    if alert is None:
        return "no such alert"
    relationship = alert.relationship
    if relationship.therapist_id != delivery.user_id:
        return "not this therapist's alert"
    if relationship.status != CareStatus.ACTIVE:
        return "care has ended"
    if not alert.is_open:
        return "acknowledged"
    return emails.safety_email(delivery, again=delivery.kind == Kind.SAFETY_REALERT)


def audit_sent(delivery: Delivery) -> None:
    """Who was e-mailed about whose alert: the therapist is named in the detail, the client
    is the subject (so erasure pseudonymises the row with the rest of theirs)."""
    alert = (
        SafetyAlert.objects.select_related("relationship__client")
        .filter(pk=int(delivery.period))
        .first()
    )
    by = "push" if delivery.channel == Channel.PUSH else "e-mail"
    audit(
        action=AuditAction.SAFETY_ALERT_EMAILED,
        actor_label=f"Tandem ({by})",
        subject=alert.relationship.client if alert else None,
        detail={
            "alert": str(alert.public_id) if alert else None,
            "kind": delivery.kind,
            "therapist": str(delivery.user.public_id),
            "channel": delivery.channel,
        },
    )


ledger.register(SAFETY_KINDS, ledger.Sender(build=build, on_sent=audit_sent))
