"""The client's "to bring to my session" pages: the list for the next session, a line added
from a record, an "I'm triggered" moment or a plan item, and moving or removing a line. The
lines and sessions are the client's own (`visible_to`), so strangers get 404."""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.form_errors import add_service_errors
from accounts.models import CareStatus
from accounts.policy import care_relationships_visible_to
from appointments import selectors as appointment_selectors
from appointments import services as appointment_services
from appointments.models import BRING_TEXT_MAX, Appointment, BringItem

from . import bring


class BringForm(forms.Form):
    text = forms.CharField(
        label="What you want to bring",
        max_length=BRING_TEXT_MAX,
        error_messages={"required": "Write a few words."},
    )


def _session(request) -> Appointment | None:
    """The session named in the request (the client's own, or 404), else the next one."""
    public_id = request.POST.get("session") or request.GET.get("session")
    if public_id:
        try:
            public_id = uuid.UUID(public_id)
        except ValueError:
            raise Http404("No such session.") from None
        return get_object_or_404(
            Appointment.objects.visible_to(request.user).select_related("therapist"),
            public_id=public_id,
        )
    return appointment_selectors.next_appointment(user=request.user)


def _list_url(appointment: Appointment) -> str:
    return f"{reverse('client_bring')}?session={appointment.public_id}"


def _therapist_names(request) -> str:
    relationships = care_relationships_visible_to(request.user).filter(status=CareStatus.ACTIVE)
    return " and ".join(str(r.therapist) for r in relationships.select_related("therapist"))


def _page(request, appointment: Appointment, form=None, *, status: int = 200):
    return render(
        request,
        "careplans/bring.html",
        {
            "appointment": appointment,
            "items": appointment_selectors.bring_items(user=request.user, appointment=appointment),
            "is_open": appointment_services.bring_open(appointment),
            "form": form or BringForm(),
            "refused": status == 409,
        },
        status=status,
    )


def _closed(request, appointment: Appointment):
    """A late change: the list as it stands, read-only, saying why nothing changed."""
    return _page(request, appointment, status=409)


def bring_list(request):
    """The list for the client's next session, in order, and a free note to add to it."""
    appointment = _session(request)
    if appointment is None:
        return render(request, "careplans/bring_none.html")
    form = BringForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            bring.bring_add_from(
                client=request.user, appointment=appointment, text=form.cleaned_data["text"]
            )
        except appointment_services.ListClosed:
            return _closed(request, appointment)
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="text")
        else:
            messages.success(request, "Added to your list.")
            return redirect(_list_url(appointment))
    return _page(request, appointment, form)


def bring_add(request):
    """A line from a record, a trigger log or a plan item: the client sees and can change
    its text first; a private entry asks whether to share it or to add the line only."""
    data = request.POST if request.method == "POST" else request.GET
    source = bring.get_source_for_client(request.user, data.get("source", ""), data.get("id"))
    appointment = _session(request)
    if appointment is None:
        return render(request, "careplans/bring_none.html")
    form = BringForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            bring.bring_add_from(
                client=request.user,
                appointment=appointment,
                text=form.cleaned_data["text"],
                source=source,
                share=request.POST.get("share") == "1",
            )
        except appointment_services.ListClosed:
            return _closed(request, appointment)
        except ValidationError as exc:
            add_service_errors(form, exc, default_field="text")
        else:
            messages.success(request, "Added to your list.")
            return redirect(_list_url(appointment))
    if not form.is_bound:
        form = BringForm(initial={"text": source.text})
    return render(
        request,
        "careplans/bring_add.html",
        {
            "appointment": appointment,
            "source": source,
            "form": form,
            "is_open": appointment_services.bring_open(appointment),
            "therapists": _therapist_names(request),
        },
    )


def _own_line(request, public_id) -> BringItem:
    return get_object_or_404(
        BringItem.objects.visible_to(request.user).select_related("appointment"),
        public_id=public_id,
    )


@require_POST
def bring_move(request, public_id):
    """One line up or down, one tap."""
    item = _own_line(request, public_id)
    lines = appointment_selectors.bring_items(user=request.user, appointment=item.appointment)
    index = next(i for i, line in enumerate(lines) if line.pk == item.pk)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        appointment_services.bring_move(
            client=request.user, item=item, position=max(0, index + step)
        )
    except appointment_services.ListClosed:
        return _closed(request, item.appointment)
    return redirect(_list_url(item.appointment))


@require_POST
def bring_remove(request, public_id):
    item = _own_line(request, public_id)
    try:
        appointment_services.bring_remove(client=request.user, item=item)
    except appointment_services.ListClosed:
        return _closed(request, item.appointment)
    messages.success(request, "Removed from your list.")
    return redirect(_list_url(item.appointment))
