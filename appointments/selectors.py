"""Reads about sessions: the next one of a client, a therapist's days, a series."""

from datetime import datetime

from django.db.models import Count, Q, Subquery
from django.utils import timezone

from accounts.models import User
from accounts.prepared import prepared

from .models import Appointment, BringItem, Status


def next_appointment(*, user: User, now: datetime | None = None) -> Appointment | None:
    """The person's next session still to come (a client's, or a therapist's). One query."""
    return (
        Appointment.objects.visible_to(user)
        .upcoming(now)
        .select_related("therapist", "client")
        .first()
    )


def unread_recap(*, client: User) -> Appointment | None:
    """The latest "From today's session" the client has not opened yet. One query."""
    return (
        Appointment.objects.visible_to(client)
        .filter(status=Status.HELD, recap_at__isnull=False, recap_read_at__isnull=True)
        .select_related("therapist")
        .order_by("-starts_at")
        .first()
    )


def next_and_unread_recap(*, user: User) -> tuple[Appointment | None, Appointment | None]:
    """The person's next session still to come (with `lines`: how many lines the client put
    aside for it) and the latest "From today's session" not opened yet. One query."""
    found = {row.status: row for row in _next_and_recap(user=user, now=timezone.now())}
    return found.get(Status.SCHEDULED), found.get(Status.HELD)


@prepared
def _next_and_recap(*, user: User, now: datetime):
    visible = Appointment.objects.visible_to(user)
    upcoming = visible.upcoming(now).order_by("starts_at", "id").values("pk")[:1]
    recap = (
        visible.filter(status=Status.HELD, recap_at__isnull=False, recap_read_at__isnull=True)
        .order_by("-starts_at", "-id")
        .values("pk")[:1]
    )
    # Each a scalar subquery (one id or none): the two rows are then read by their key.
    # `pk__in` made PostgreSQL filter every session of the practice by the two lists.
    return (
        Appointment.objects.filter(Q(pk=Subquery(upcoming)) | Q(pk=Subquery(recap)))
        .select_related("therapist", "series")
        .annotate(lines=Count("bring_items"))
        .order_by("starts_at", "id")  # a GROUP BY query drops the model's ordering
    )


@prepared
def therapist_sessions_between(*, therapist: User, start: datetime, end: datetime):
    """The therapist's scheduled sessions starting in [start, end), soonest first (a
    list)."""
    # Within what the policy shows, matched on the session's own therapist too: PostgreSQL
    # then reads them by that column's index and keeps one plan for the query. Through the
    # relationship alone it planned the query again on every caseload view (0.5 ms, for a
    # query that runs in 0.05 ms).
    return (
        Appointment.objects.visible_to(therapist)
        .filter(
            therapist=therapist, status=Status.SCHEDULED, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("client", "therapist")
        .order_by("starts_at")
    )


def bring_items(*, user: User, appointment: Appointment) -> list[BringItem]:
    """A session's "to bring" lines the user may see, in the client's order. One query."""
    return list(BringItem.objects.visible_to(user).filter(appointment=appointment))
