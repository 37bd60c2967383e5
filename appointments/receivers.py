"""Ending a care relationship cancels its sessions still to come (in the same transaction)."""

from django.dispatch import receiver

from accounts.models import CareRelationship
from accounts.signals import relationship_ended

from .services import cancel_future


@receiver(relationship_ended, sender=CareRelationship)
def cancel_sessions_of_an_ended_relationship(sender, relationship, **kwargs) -> None:
    cancel_future(relationship)
