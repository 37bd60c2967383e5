"""Today's corner of the care plan: the "I'm triggered" button and "did it help?"."""

from django import template

from careplans.models import Helped
from careplans.selectors import unrated_logs

register = template.Library()


@register.inclusion_tag("careplans/partials/today.html", takes_context=True)
def triggered_today(context):
    """One query: the client's recent moments not yet rated."""
    user = context["request"].user
    return {
        "logs": unrated_logs(user),
        "answers": Helped.choices,
        "csrf_token": context.get("csrf_token"),
    }
