"""The crisis resources a client sees right after signalling risk: set per deployment, and
given the same way by the crisis page and by every API answer to a call for help."""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.urls import reverse

from accounts.models import User

from .models import SafetyAlert


@dataclass(frozen=True)
class Resource:
    name: str
    detail: str = ""
    phone: str = ""
    url: str = ""


def crisis_resources() -> list[Resource]:
    return [Resource(**entry) for entry in settings.TANDEM_CRISIS_RESOURCES]


def therapist_told(client: User) -> bool:
    """True when an open alert of this client reaches a therapist in active care."""
    return SafetyAlert.objects.open().in_care().filter(relationship__client=client).exists()


def crisis_payload(client: User) -> dict:
    """What an app shows after a call for help: where help is now (the deployment's
    resources and the crisis page's address) and whether a therapist was told."""
    return {
        "url": settings.SITE_URL + reverse("crisis"),
        "therapist_told": therapist_told(client),
        "resources": [asdict(resource) for resource in crisis_resources()],
    }
