"""Sessions on the client's pages (Today, the account page)."""

from django import template

from appointments.portal import SessionLine, session_line
from appointments.selectors import next_appointment

register = template.Library()


@register.simple_tag(takes_context=True)
def next_session(context) -> SessionLine | None:
    """`{% next_session as session %}`: the signed-in person's next session still to come,
    read in their own time zone; None when there is none. One query."""
    user = context["request"].user
    appointment = next_appointment(user=user)
    return session_line(appointment, user.timezone) if appointment is not None else None
