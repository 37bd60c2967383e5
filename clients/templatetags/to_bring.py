"""Today's link to the client's "to bring to my session" list."""

from django import template

from appointments.models import BringItem
from appointments.selectors import next_appointment

register = template.Library()


@register.simple_tag(takes_context=True)
def next_session_lines(context) -> dict | None:
    """The client's next session and how many lines they put aside for it; None without a
    session ahead. Two queries."""
    appointment = next_appointment(user=context["request"].user)
    if appointment is None:
        return None
    count = BringItem.objects.filter(appointment=appointment).count()
    return {"appointment": appointment, "count": count}
