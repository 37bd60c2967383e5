"""Sessions on other apps' pages: the caseload's "Sessions today and tomorrow" and the
client's "From today's session" on Today. One query each."""

from datetime import timedelta

from django import template

from accounts.clock import local_day, local_days_bounds, local_today

from ..selectors import appointments_between, unread_recap

register = template.Library()


@register.simple_tag
def sessions_today_and_tomorrow(therapist) -> list[tuple[str, object]]:
    """("Today" or "Tomorrow", session) for the therapist's scheduled sessions of their local
    today and tomorrow, soonest first (today's that began but are not marked yet too)."""
    today = local_today(therapist.timezone)
    start, end = local_days_bounds(today, today + timedelta(days=1), therapist.zone)
    return [
        ("Today" if local_day(a.starts_at, therapist.zone) == today else "Tomorrow", a)
        for a in appointments_between(user=therapist, start=start, end=end)
    ]


@register.simple_tag
def recap_not_read(client):
    return unread_recap(client=client)
