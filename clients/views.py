from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.form_errors import add_service_errors, form_error_text
from accounts.models import CareStatus
from accounts.policy import care_relationships_visible_to, get_relationship_for_user
from homework import selectors
from homework import services as homework_services
from homework.forms import CompletionForm
from homework.models import Completion


def home(request):
    """Today: what is due, what is done, what is overdue; and the therapists."""
    relationships = (
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .select_related("therapist")
    )
    today = selectors.client_today(client=request.user)
    return render(request, "clients/home.html", {"relationships": relationships, "today": today})


def week(request):
    days, today = selectors.client_week(client=request.user)
    return render(request, "clients/week.html", {"days": days, "today": today})


def _back(request):
    return redirect("client_week" if request.POST.get("next") == "week" else "client_home")


@require_POST
def complete(request, public_id):
    """Check off one occurrence, with an optional note: one tap on a phone."""
    assignment = selectors.get_assignment_for_user(request.user, public_id)
    form = CompletionForm(request.POST)
    if form.is_valid():
        try:
            homework_services.completion_create(
                client=request.user,
                assignment=assignment,
                due_date=form.cleaned_data["due_date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        messages.error(request, form_error_text(form))
    else:
        messages.success(request, f"Done: {assignment.title}. Well done.")
    return _back(request)


@require_POST
def undo(request, public_id):
    completion = get_object_or_404(
        Completion.objects.visible_to(request.user).select_related("assignment"),
        public_id=public_id,
    )
    try:
        homework_services.completion_undo(client=request.user, completion=completion)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Undone: {completion.assignment.title}.")
    return _back(request)


@require_POST
def relationship_end(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    services.relationship_end(actor=request.user, relationship=relationship)
    messages.success(request, f"{relationship.therapist} no longer sees your records.")
    return redirect("client_home")
