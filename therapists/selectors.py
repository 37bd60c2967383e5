"""Reads for the therapist's home page that sit beside the caseload."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from accounts.models import CareRelationship, CareStatus, User
from accounts.policy import care_relationships_visible_to
from notifications.selectors import with_last_activity

from .caseload import LEFT_SHOWN_DAYS


@dataclass(frozen=True)
class HomeRelationships:
    """The therapist's active relationships, invitations and clients who left lately."""

    all: list[CareRelationship]
    invited: list[CareRelationship]
    left: list[CareRelationship]


def home_relationships(*, therapist: User, now: datetime) -> HomeRelationships:
    """One query: active relationships (with each client's last activity, for "Waiting for
    you"), pending invitations (newest first) and relationships whose client deleted their
    account in the last LEFT_SHOWN_DAYS (latest first)."""
    relationships = list(
        with_last_activity(
            care_relationships_visible_to(therapist).filter(
                Q(status=CareStatus.ACTIVE, client__isnull=False)
                | Q(status=CareStatus.INVITED)
                | Q(
                    client__isnull=True,
                    status=CareStatus.ENDED,
                    activated_at__isnull=False,
                    ended_at__gte=now - timedelta(days=LEFT_SHOWN_DAYS),
                )
            )
        )
    )
    return HomeRelationships(
        all=relationships,
        invited=[r for r in relationships if r.status == CareStatus.INVITED],
        left=sorted(
            (r for r in relationships if r.status == CareStatus.ENDED),
            key=lambda r: r.ended_at,
            reverse=True,
        ),
    )
