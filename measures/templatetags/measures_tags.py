"""Measures on other apps' pages: "Questionnaire due" on the client's Today, and the
questionnaire panel on the therapist's client page."""

import functools

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

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
        "form_fields": _blank_assign_fields(),
        "csrf_token": context.get("csrf_token"),
    }


@functools.cache
def _blank_assign_fields() -> SafeString:
    """The empty form's fields, drawn once per process: its choices and initial values are
    the code's, the same for every client (a form with errors is the form's own page)."""
    html = render_to_string("partials/form_fields.html", {"form": AssignForm(auto_id="measure_%s")})
    return mark_safe(html)  # noqa: S308 - drawn by the template engine, which escaped it
