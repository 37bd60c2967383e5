from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import CareStatus
from accounts.policy import care_relationships_visible_to, get_relationship_for_user


def home(request):
    """The client's home: their therapists today; homework arrives here next."""
    relationships = (
        care_relationships_visible_to(request.user)
        .filter(status=CareStatus.ACTIVE)
        .select_related("therapist")
    )
    return render(request, "clients/home.html", {"relationships": relationships})


@require_POST
def relationship_end(request, public_id):
    relationship = get_relationship_for_user(request.user, public_id, status=CareStatus.ACTIVE)
    services.relationship_end(actor=request.user, relationship=relationship)
    messages.success(request, f"{relationship.therapist} no longer sees your records.")
    return redirect("client_home")
