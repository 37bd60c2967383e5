"""Today's link to the client's "to bring to my session" list."""

from django import template
from django.db.models import Count

from appointments.models import Appointment

register = template.Library()


@register.simple_tag(takes_context=True)
def next_session_lines(context) -> Appointment | None:
    """The client's next session, with `lines`: how many lines they put aside for it; None
    without a session ahead. One query."""
    return (
        Appointment.objects.visible_to(context["request"].user)
        .upcoming()
        .annotate(lines=Count("bring_items"))
        .first()
    )
