"""Reads of safety alerts, for the banner, the alerts page, the API and the caseload."""

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.prepared import prepared

from .models import SafetyAlert

RECENT_DAYS = 30  # acknowledged alerts shown under the open ones


def open_alert_count(therapist: User) -> int:
    """One query: the therapist's open alerts in active care."""
    counted = _open_alerts(viewer=therapist)
    return counted[0] if counted else 0


@prepared
def _open_alerts(*, viewer: User):
    """How many open alerts the viewer sees: one row with the count (no GROUP BY is made)."""
    alerts = SafetyAlert.objects.visible_to(viewer).open().order_by()
    return (
        alerts.annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )


def alerts_for_therapist(therapist: User, *, status: str | None = None) -> QuerySet[SafetyAlert]:
    """Open first (oldest first: the longest wait at the top), then acknowledged, newest
    first; `status` is "open", "acknowledged" or None for both."""
    alerts = SafetyAlert.objects.visible_to(therapist).select_related(
        "relationship__client", "acknowledged_by"
    )
    if status == "open":
        return alerts.open().order_by("raised_at", "id")
    if status == "acknowledged":
        return alerts.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-id")
    return alerts.order_by(F("acknowledged_at").desc(nulls_first=True), "raised_at", "id")


def recently_acknowledged(therapist: User) -> QuerySet[SafetyAlert]:
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return alerts_for_therapist(therapist, status="acknowledged").filter(acknowledged_at__gte=since)


def clients_on_alerts_page(therapist: User) -> list[User]:
    """The clients whose alerts the alerts page shows (open, or acknowledged in the last
    RECENT_DAYS), with their data versions: one query."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    shown = (
        SafetyAlert.objects.visible_to(therapist)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=since))
        .values("relationship__client")
    )
    return list(User.objects.filter(pk__in=shown).only("pk", "data_version"))


def get_alert_for_user(user: User, public_id) -> SafetyAlert:
    return get_object_or_404(
        SafetyAlert.objects.visible_to(user).select_related("relationship__client"),
        public_id=public_id,
    )
