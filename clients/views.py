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

from .today import today_page, week_page


def _relationships(request):
    return (
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .select_related("therapist")
    )


def home(request):
    """Today: what is open, what is done, and past days not logged yet."""
    relationships = list(_relationships(request))
    page = today_page(client=request.user, readers={r.pk: str(r.therapist) for r in relationships})
    names = " and ".join(str(r.therapist) for r in relationships)
    return render(
        request,
        "clients/home.html",
        {"relationships": relationships, "page": page, "therapist_names": names},
    )


def account(request):
    """The client's account: their therapists (and ending sharing), calendar, sign-in."""
    return render(request, "clients/account.html", {"relationships": _relationships(request)})


def week(request):
    readers = {r.pk: str(r.therapist) for r in _relationships(request)}
    days, today = week_page(client=request.user, readers=readers)
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
    return redirect("client_account")
