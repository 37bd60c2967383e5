"""Measure pages: the client answers and sees their results; the therapist sets
questionnaires and reads the results. Who sees what is decided by `visible_to`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import versions
from accounts.form_errors import add_service_errors, form_error_text
from accounts.policy import get_active_relationship_for_client
from accounts.services import records_viewed

from . import selectors, services
from .forms import AnswersForm, AssignForm
from .models import MeasureStatus

# --- Client ------------------------------------------------------------------------------


def client_measures(request):
    """The client's questionnaires: what is due now and every result so far."""

    def page():
        return render(
            request,
            "measures/client_history.html",
            {
                "due": selectors.due_for_client(request.user),
                "series": selectors.results(viewer=request.user, client=request.user),
            },
        )

    return versions.cached_page(request, [], page)


def client_measure_take(request, public_id):
    due = selectors.get_due_for_client(request.user, public_id)
    if due is None:
        messages.info(request, "This questionnaire has nothing to answer right now.")
        return redirect("client_measures")
    definition = due.definition
    form = AnswersForm(request.POST or None, definition=definition)
    status = 200
    help_asked = False
    if request.method == "POST":
        if not form.is_valid():
            help_asked = _help_asked_in(request.user, due.assignment, form)
        else:
            try:
                response = services.response_submit(
                    client=request.user, assignment=due.assignment, answers=form.answers()
                )
            except services.AlreadyAnswered as exc:
                messages.info(request, "You have already answered this one. Thank you.")
                if exc.response is not None:
                    return redirect("client_measure_result", exc.response.public_id)
                return redirect("client_measures")
            except services.NotSavedButHelpAsked as exc:
                help_asked = True
                add_service_errors(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if services.needs_crisis_page(response):
                    # The crisis page links back to these answers' result.
                    return redirect(f"{reverse('crisis')}?result={response.public_id}")
                return redirect("client_measure_result", response.public_id)
        status = 400
    return render(
        request,
        "measures/take.html",
        {"due": due, "definition": definition, "form": form, "help_asked": help_asked},
        status=status,
    )


def _help_asked_in(client, assignment, form) -> bool:
    """Answers with a question missing or wrong still carry question 9: its alert is raised
    now (the rest waits for the client to finish)."""
    answers = []
    for name, field in form.fields.items():
        try:
            answers.append(field.clean(form.data.get(name)))
        except ValidationError:
            answers.append(None)
    try:
        services.response_submit(client=client, assignment=assignment, answers=answers)
    except services.NotSavedButHelpAsked:
        return True
    except ValidationError:
        return False
    return False  # cannot happen: the form was not valid, so neither are these answers


def client_measure_result(request, public_id):
    response = selectors.get_response_for_user(request.user, public_id)
    series = selectors.results(viewer=request.user, client=request.user)
    result = next(r for s in series for r in s.results if r.response.pk == response.pk)
    return render(request, "measures/result.html", {"result": result, "response": response})


# --- Therapist ---------------------------------------------------------------------------


def therapist_measures(request, public_id):
    """A client's results: per measure, each date's score, band, change and answers."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    client = relationship.client
    records_viewed(viewer=request.user, client=client, what="measures")
    assignments = list(relationship.measure_assignments.order_by("status", "-created_at"))
    return render(
        request,
        "measures/therapist_results.html",
        {
            "client": client,
            "relationship": relationship,
            "series": selectors.results(viewer=request.user, client=client),
            "assignments": assignments,
            "form": AssignForm(),
        },
    )


def therapist_measure_assign(request, public_id):
    relationship = get_active_relationship_for_client(request.user, public_id)
    form = AssignForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                assignment = services.measure_assign(
                    therapist=request.user, relationship=relationship, **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{assignment.definition.name} set: {assignment.schedule_text.lower()}.",
                )
                return redirect("therapist_measures", relationship.client.public_id)
        messages.error(request, form_error_text(form))
        return render(
            request,
            "measures/assign.html",
            {"client": relationship.client, "form": form},
            status=400,
        )
    return render(request, "measures/assign.html", {"client": relationship.client, "form": form})


@require_POST
def therapist_measure_end(request, public_id):
    assignment = selectors.get_assignment_for_user(request.user, public_id)
    if assignment.status == MeasureStatus.ACTIVE:
        try:
            services.measure_end(therapist=request.user, assignment=assignment)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{assignment.definition.name} ended.")
    return redirect("therapist_measures", assignment.client.public_id)
