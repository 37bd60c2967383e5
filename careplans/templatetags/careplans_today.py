"""Today's corner of the care plan: the "I'm triggered" button and "did it help?"."""

from django import template

from careplans.models import Helped
from careplans.selectors import plan_tags, unrated_logs

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


@register.simple_tag(takes_context=True)
def plan_tag_choices(context) -> dict[str, list[str]]:
    """For journal forms: `{% plan_tag_choices as tags %}` gives the triggers and emotions
    of the client's plans to choose from (1 query)."""
    return plan_tags(context["request"].user)
