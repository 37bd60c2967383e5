"""'From today's session': the therapist's note after a held session, opened by the client."""

from django.http import Http404
from django.shortcuts import render

from appointments import services
from appointments.models import Appointment


def recap(request, public_id):
    """Shows the note; opening it takes it off Today."""
    appointment = (
        Appointment.objects.visible_to(request.user)
        .filter(public_id=public_id, client=request.user, recap_at__isnull=False)
        .select_related("therapist")
        .first()
    )
    if appointment is None:
        raise Http404
    services.recap_read(client=request.user, appointment=appointment)
    return render(request, "clients/recap.html", {"appointment": appointment})
