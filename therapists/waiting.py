"""What waits for the therapist, one client at a time: the timeline filtered to it, and
"no reply needed" on a reply that waits."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.form_errors import refused
from accounts.models import CareRelationship, User
from accounts.policy import get_active_relationship_for_client
from clients import record_lines
from clients import selectors as record_selectors
from clients import services as record_services
from progress.activity import QUIET_DAYS
from progress.waiting import waiting_for_client


def waiting_timeline(request, relationship: CareRelationship):
    """The client's timeline filtered to what waits, oldest first. One record alone waiting
    opens at once (one tap from "Waiting for you"); when nothing waits any more (a link
    followed late), it says so and links to the whole timeline."""
    waiting = waiting_for_client(
        therapist=request.user, relationship=relationship, now=timezone.now()
    )
    if len(waiting.records) == 1 and waiting.quiet_since is None:
        record = waiting.records[0].record
        return redirect("therapist_record", relationship.client.public_id, record.public_id)
    client = relationship.client
    return render(
        request,
        "therapists/timeline.html",
        {
            "client": client,
            "waiting": waiting,
            "waiting_lines": record_lines.for_therapist(client, waiting.records),
            "quiet_days": QUIET_DAYS,
        },
    )


def reply_waits(thread: list, client: User) -> bool:
    """Does the client's message end the therapist's thread, unanswered and not marked?"""
    return bool(thread) and thread[-1].author_id == client.pk and not thread[-1].no_reply_needed_at


@require_POST
def no_reply_needed(request, public_id, record_id):
    """The therapist read the client's reply and needs not answer: it stops waiting."""
    relationship = get_active_relationship_for_client(request.user, public_id)
    record = record_selectors.get_record_for_user(request.user, record_id)
    if record.client_id != relationship.client_id:
        raise Http404
    back = reverse("therapist_record", args=[public_id, record_id])
    try:
        record_services.reply_no_reply_needed(therapist=request.user, record=record)
    except ValidationError as exc:  # answered or marked already (a second tab, a double click)
        return refused(request, exc, back=back)
    messages.success(request, "Marked as needing no reply: it no longer waits for you.")
    return redirect(back)
