import logging

from celery import shared_task
from django.utils import timezone

from .mail import send_templated_email
from .models import CareRelationship, CareStatus
from .services import invitation_url, invitations_sweep

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def send_invitation_email(self, relationship_id: int) -> str:
    """Send one invitation, once: the row is claimed before sending, released on failure."""
    claimed = CareRelationship.objects.filter(
        pk=relationship_id, status=CareStatus.INVITED, invitation_sent_at__isnull=True
    ).update(invitation_sent_at=timezone.now())
    if not claimed:
        return "skipped"
    relationship = CareRelationship.objects.select_related("therapist").get(pk=relationship_id)
    try:
        send_templated_email(
            to=relationship.invited_email,
            template="invitation",
            context={
                "therapist_name": relationship.therapist.name or "Your therapist",
                "url": invitation_url(relationship),
                "expires_at": relationship.invitation_expires_at,
            },
            # RFC 3834: no out-of-office replies to a message nobody typed.
            headers={"Auto-Submitted": "auto-generated"},
        )
    except Exception:
        CareRelationship.objects.filter(pk=relationship_id).update(invitation_sent_at=None)
        raise
    return "sent"


@shared_task(acks_late=True)
def sweep_unsent_invitations() -> int:
    """On every beat tick: enqueue invitations saved while the broker was down."""
    return invitations_sweep()
