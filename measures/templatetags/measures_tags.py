"""Measures on other apps' pages: "Questionnaire due" on the client's Today, and the
questionnaire panel on the therapist's client page."""

from django import template

from measures.forms import AssignForm
from measures.selectors import due_for_client, latest_results

register = template.Library()


@register.inclusion_tag("measures/partials/today.html", takes_context=True)
def questionnaires_today(context):
    """Two queries (one when nothing is set; three with one set before each session)."""
    user = context["request"].user
    return {"due": due_for_client(user), "zone": user.zone}


@register.inclusion_tag("measures/partials/therapist_panel.html", takes_context=True)
def measures_panel(context, client, latest=None):
    """The latest result per measure (`latest`, by instrument, when the page has read them
    already; else one query) and the form to set one."""
    if not isinstance(latest, dict):
        viewer = context["request"].user
        latest = latest_results([client.pk], viewer=viewer).get(client.pk, {})
    return {
        "client": client,
        "latest": list(latest.values()),
        "form": AssignForm(auto_id="measure_%s"),
        "csrf_token": context.get("csrf_token"),
    }
