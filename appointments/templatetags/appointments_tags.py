"""Sessions on other apps' pages: the caseload's "Sessions today and tomorrow", and on the
client's Today the next session (with its lines to bring) and "From today's session". One
query each."""

from datetime import timedelta

from django import template

from accounts.clock import local_day, local_days_bounds, local_today

from ..portal import SessionLine, session_line
from ..selectors import next_and_unread_recap, therapist_sessions_between

register = template.Library()


@register.simple_tag
def sessions_today_and_tomorrow(therapist) -> list[tuple[str, object]]:
    """("Today" or "Tomorrow", session) for the therapist's scheduled sessions of their local
    today and tomorrow, soonest first (today's that began but are not marked yet too)."""
    today = local_today(therapist.timezone)
    start, end = local_days_bounds(today, today + timedelta(days=1), therapist.zone)
    return [
        ("Today" if local_day(a.starts_at, therapist.zone) == today else "Tomorrow", a)
        for a in therapist_sessions_between(therapist=therapist, start=start, end=end)
    ]


def _sessions(context) -> tuple:
    """The next session and the unread note of the signed-in person, read once a request
    for both cards."""
    request = context["request"]
    if not hasattr(request, "_next_and_recap"):
        request._next_and_recap = next_and_unread_recap(user=request.user)
    return request._next_and_recap


@register.simple_tag(takes_context=True)
def recap_not_read(context):
    """`{% recap_not_read as recap %}`: the latest "From today's session" not opened yet."""
    return _sessions(context)[1]


@register.simple_tag(takes_context=True)
def next_session(context) -> SessionLine | None:
    """`{% next_session as session %}`: the signed-in person's next session still to come,
    read in their own time zone, its `appointment` with `lines` (how many lines the client
    put aside for it); None when there is none. One query with the unread note."""
    appointment = _sessions(context)[0]
    user = context["request"].user
    return session_line(appointment, user.timezone) if appointment is not None else None
