"""How the portals show a service's ValidationError: next to the fields it names."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def add_service_errors(
    form: forms.Form, exc: ValidationError, *, default_field: str | None = None
) -> None:
    """Put the error's messages on the form's fields; messages for fields the form does not
    have go to the form as a whole, and messages for no field to `default_field` (the form
    as a whole unless given)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(default_field, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        known = field in form.fields and field != NON_FIELD_ERRORS
        form.add_error(field if known else None, messages)


def form_error_text(form: forms.Form) -> str:
    """All of a form's messages as one line, for a flash message."""
    return " ".join(message for messages in form.errors.values() for message in messages)


def refused(request: HttpRequest, exc: ValidationError, *, back: str) -> HttpResponse:
    """A change that a service refused although the page offered it, because someone else
    changed the same thing a moment before (a second tab, the other person): 409 with the
    service's message and a way back, rather than an error page."""
    return render(
        request, "errors/refused.html", {"reasons": exc.messages, "back": back}, status=409
    )
