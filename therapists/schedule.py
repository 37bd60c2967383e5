"""Sessions in the therapist portal: record one or a series for a client, move one, cancel one
or the rest of its series. Times are the therapist's own, in their zone; the services decide
what may be saved and say which fields are wrong."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.clock import local_today
from accounts.form_errors import add_service_errors, refused
from accounts.policy import get_active_relationship_for_client
from appointments import services
from appointments.forms import MoveForm, SessionForm
from appointments.models import Appointment, Status
from appointments.portal import day_text, moved_by_the_clocks, session_line

# Overlap warnings shown after saving, at most (a long series may clash every week).
WARNINGS_SHOWN = 3
# The services name a series' first day and its rhythm; the form asks for them as these.
SERIES_FIELDS = {"first_day": "day", "every_weeks": "repeat"}


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        exc = ValidationError(
            {SERIES_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}
        )
    add_service_errors(form, exc)


def _warn(request, warnings: list[str]) -> None:
    """Another session at the same time is allowed (a couple, a group): said, not refused."""
    for warning in warnings[:WARNINGS_SHOWN]:
        messages.warning(request, warning)
    if len(warnings) > WARNINGS_SHOWN:
        messages.warning(request, f"And {len(warnings) - WARNINGS_SHOWN} more overlaps.")


def _clocks_note(appointment: Appointment, asked) -> str:
    """What the clocks did to an asked time that does not exist that day, else ""."""
    real = moved_by_the_clocks(appointment, asked)
    if real is None:
        return ""
    today = local_today(appointment.zone)
    return (
        f" {asked:%H:%M} does not exist on {day_text(appointment.day, today)} (the clocks go "
        f"forward): it starts at {real:%H:%M}."
    )


def _own_session(request, public_id) -> Appointment:
    """A session of the therapist's active care, or 404."""
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "client", "therapist", "relationship", "series"
        ),
        public_id=public_id,
    )


def _changeable(appointment: Appointment) -> bool:
    return appointment.status == Status.SCHEDULED and appointment.starts_at > timezone.now()


def _back_to(client) -> str:
    return reverse("therapist_client_detail", kwargs={"public_id": client.public_id})


@require_http_methods(["GET", "POST"])
def session_new(request, public_id):
    """Record a session (one, past or to come) or a series, in the therapist's zone."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        when = {
            "therapist": request.user,
            "relationship": relationship,
            "start_time": data["start_time"],
            "minutes": data["minutes"],
            "mode": data["mode"],
            "location": data["location"],
        }
        try:
            if form.is_series:
                saved = services.series_create(
                    **when,
                    first_day=data["day"],
                    every_weeks=int(data["repeat"]),
                    until=data["until"],
                    count=data["count"],
                )
            else:
                saved = services.appointment_create(**when, day=data["day"], status=data["status"])
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            first = session_line(saved.appointments[0], request.user.timezone)
            if saved.series is not None:
                last = session_line(saved.appointments[-1], request.user.timezone)
                text = (
                    f"{len(saved.appointments)} sessions with {client} saved, "
                    f"{first.repeats}, from {first.when} to {last.when}."
                )
            else:
                state = {Status.HELD: " (held)", Status.MISSED: " (missed)"}.get(data["status"], "")
                text = f"Session with {client} saved: {first.when}{state}."
            moved = [_clocks_note(a, data["start_time"]) for a in saved.appointments]
            moved = [note for note in moved if note]
            messages.success(request, text + (moved[0] if moved else ""))
            _warn(request, saved.warnings)
            return redirect("therapist_client_detail", public_id=client.public_id)
    return render(
        request,
        "therapists/session_form.html",
        {"client": client, "form": form, "zone": request.user.timezone},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def session_move(request, public_id):
    """A new day and time for one session still to come."""
    appointment = _own_session(request, public_id)
    client = appointment.client
    if not _changeable(appointment):
        return refused(
            request,
            ValidationError("Only a session still to come can be moved."),
            back=_back_to(client),
        )
    line = session_line(appointment, request.user.timezone)
    initial = {
        "day": line.start.date(),
        "start_time": line.start.time(),
        "minutes": appointment.minutes,
    }
    form = MoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.appointment_move(
                appointment=appointment,
                day=data["day"],
                start_time=data["start_time"],
                minutes=data["minutes"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            moved = saved.appointments[0]
            now_at = session_line(moved, request.user.timezone)
            messages.success(
                request,
                f"Session with {client} moved from {line.when} to {now_at.when}."
                + _clocks_note(moved, data["start_time"]),
            )
            _warn(request, saved.warnings)
            return redirect("therapist_client_detail", public_id=client.public_id)
    return render(
        request,
        "therapists/session_move.html",
        {
            "client": client,
            "session": line,
            "form": form,
            "zone": request.user.timezone,
        },
        status=400 if request.method == "POST" else 200,
    )


CANCEL_SCOPES = {"one", "rest"}


@require_http_methods(["GET", "POST"])
def session_cancel(request, public_id):
    """Cancel one session, or it and the rest of its series: a page to confirm, then POST."""
    appointment = _own_session(request, public_id)
    client = appointment.client
    if not _changeable(appointment):
        return refused(
            request,
            ValidationError("Only a session still to come can be cancelled."),
            back=_back_to(client),
        )
    line = session_line(appointment, request.user.timezone)
    rest = 0
    if appointment.series_id:
        rest = Appointment.objects.filter(
            series_id=appointment.series_id,
            status=Status.SCHEDULED,
            starts_at__gte=appointment.starts_at,
        ).count()
    if request.method == "POST":
        scope = request.POST.get("scope")
        if scope not in CANCEL_SCOPES:
            return HttpResponseBadRequest("Choose this session or the rest of the series.")
        try:
            count = services.appointment_cancel(
                appointment=appointment, rest_of_series=scope == "rest"
            )
        except ValidationError as exc:  # started, cancelled or ended since the page was shown
            return refused(request, exc, back=_back_to(client))
        if count > 1:
            messages.success(
                request, f"Cancelled {count} sessions with {client}, from {line.when} on."
            )
        else:
            messages.success(request, f"Cancelled the session with {client} on {line.when}.")
        return redirect("therapist_client_detail", public_id=client.public_id)
    return render(
        request,
        "therapists/session_cancel.html",
        {"client": client, "session": line, "rest": rest},
    )
