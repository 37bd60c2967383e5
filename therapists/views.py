from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import InvitationForm
from accounts.models import CareStatus
from accounts.policy import (
    care_relationships_visible_to,
    get_active_relationship_for_client,
    get_relationship_for_user,
)


def home(request, form=None):
    """The caseload: active clients, pending invitations and the invite form."""
    relationships = care_relationships_visible_to(request.user).select_related("client")
    return render(
        request,
        "therapists/home.html",
        {
            "active": [r for r in relationships if r.status == CareStatus.ACTIVE],
            "invited": [r for r in relationships if r.status == CareStatus.INVITED],
            "form": form or InvitationForm(),
        },
    )


@require_POST
def invite(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(therapist=request.user, email=form.cleaned_data["email"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("therapist_home")
    response = home(request, form=form)
    response.status_code = 400
    return response


@require_POST
def invitation_resend(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.INVITED)
    services.invitation_resend(relationship=relationship)
    messages.success(request, f"Invitation sent again to {relationship.invited_email}.")
    return redirect("therapist_home")


@require_POST
def invitation_revoke(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.INVITED)
    services.invitation_revoke(actor=request.user, relationship=relationship)
    messages.success(request, f"Invitation to {relationship.invited_email} withdrawn.")
    return redirect("therapist_home")


def client_detail(request, public_id):
    relationship = get_active_relationship_for_client(request.user, public_id)
    services.records_viewed(viewer=request.user, client=relationship.client, what="overview")
    return render(
        request,
        "therapists/client_detail.html",
        {"client": relationship.client, "relationship": relationship},
    )


@require_POST
def relationship_end(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    services.relationship_end(actor=request.user, relationship=relationship)
    messages.success(request, f"You no longer follow {relationship.client}.")
    return redirect("therapist_home")
