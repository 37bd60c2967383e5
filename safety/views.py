from django.shortcuts import render
from django.urls import reverse

from .crisis import crisis_resources, own_result, told_about


def crisis(request):
    """Where to find help now: shown right after a client signals risk, open to anyone. It
    says what their therapist was told, and links back to the answers that brought them."""
    user = request.user
    client = user if user.is_authenticated and user.is_client else None
    result = own_result(client, request.GET.get("result")) if client else None
    return render(
        request,
        "safety/crisis.html",
        {
            "resources": crisis_resources(client),
            "told": told_about(client) if client else None,
            "result_url": reverse("client_measure_result", args=[result]) if result else "",
        },
    )
