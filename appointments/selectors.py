"""Reads about sessions: the next one of a client, a therapist's days, a series."""

from datetime import datetime

from accounts.models import User

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


def appointments_between(*, user: User, start: datetime, end: datetime):
    """Scheduled sessions starting in [start, end), soonest first."""
    return (
        Appointment.objects.visible_to(user)
        .filter(status=Status.SCHEDULED, starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "therapist")
        .order_by("starts_at")
    )


def bring_items(*, user: User, appointment: Appointment) -> list[BringItem]:
    """A session's "to bring" lines the user may see, in the client's order. One query."""
    return list(BringItem.objects.visible_to(user).filter(appointment=appointment))
