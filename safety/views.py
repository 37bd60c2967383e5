from django.shortcuts import render

from .crisis import crisis_resources, therapist_told


def crisis(request):
    """Where to find help now: shown right after a client signals risk, open to anyone."""
    user = request.user
    alerted = user.is_authenticated and user.is_client and therapist_told(user)
    return render(
        request, "safety/crisis.html", {"resources": crisis_resources(), "alerted": alerted}
    )
