"""One session, for the therapist: the brief before it and the page after it (held or missed,
the plan agreed, homework, the note to the client)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services as account_services
from appointments import services
from appointments.models import RECAP_MAX
from careplans import services as plan_services
from careplans.models import CarePlan, PlanVersion
from homework.models import Assignment
from progress.brief import get_session_for_therapist, session_brief


def brief(request, public_id):
    """Everything since the last session held, from shared records: one audit row a read."""
    appointment = get_session_for_therapist(request.user, public_id)
    account_services.records_viewed(
        viewer=request.user, client=appointment.client, what="session brief"
    )
    data = session_brief(therapist=request.user, appointment=appointment, now=timezone.now())
    return render(request, "therapists/session_brief.html", {"brief": data})


def _current_version(therapist, appointment) -> PlanVersion | None:
    """The plan's latest version (None while nobody has written in it)."""
    plans = CarePlan.objects.visible_to(therapist).filter(relationship=appointment.relationship)
    return (
        PlanVersion.objects.filter(plan__in=plans, number=F("plan__version"))
        .select_related("plan")
        .first()
    )


def after(request, public_id, *, error: str = "", status: int = 200):
    """After the session: held or missed, the plan agreed, homework, a note to the client."""
    appointment = get_session_for_therapist(request.user, public_id)
    version = _current_version(request.user, appointment)
    homework = (
        Assignment.objects.visible_to(request.user)
        .filter(relationship=appointment.relationship)
        .current()
        .order_by("title", "id")
    )
    return render(
        request,
        "therapists/session_after.html",
        {
            "appointment": appointment,
            "client": appointment.client,
            "started": appointment.starts_at <= timezone.now(),
            "version": version,
            "homework": homework,
            "recap_max": RECAP_MAX,
            "error": error,
        },
        status=status,
    )


def _refused(request, public_id, exc: ValidationError):
    return after(request, public_id, error=" ".join(exc.messages), status=400)


@require_POST
def mark(request, public_id):
    appointment = get_session_for_therapist(request.user, public_id)
    try:
        appointment = services.appointment_mark(
            appointment=appointment, status=request.POST.get("status", "")
        )
    except ValidationError as exc:
        return _refused(request, public_id, exc)
    messages.success(request, f"Marked as {appointment.get_status_display().lower()}.")
    return redirect("therapist_session_after", public_id=public_id)


@require_POST
def agree(request, public_id):
    """The plan's current version, agreed in this session."""
    appointment = get_session_for_therapist(request.user, public_id)
    version = _current_version(request.user, appointment)
    if version is None:
        return _refused(request, public_id, ValidationError("The care plan is still empty."))
    try:
        plan_services.version_agree(therapist=request.user, version=version)
    except ValidationError as exc:
        return _refused(request, public_id, exc)
    messages.success(request, f"Care plan version {version.number} marked as agreed.")
    return redirect("therapist_session_after", public_id=public_id)


@require_POST
def recap(request, public_id):
    appointment = get_session_for_therapist(request.user, public_id)
    try:
        appointment = services.recap_write(
            appointment=appointment, text=request.POST.get("recap", "")
        )
    except ValidationError as exc:
        return _refused(request, public_id, exc)
    if appointment.recap:
        messages.success(request, f"{appointment.client} will see your note on Today.")
    else:
        messages.success(request, "Note removed.")
    return redirect("therapist_session_after", public_id=public_id)
