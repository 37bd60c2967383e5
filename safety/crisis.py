"""The crisis resources a client sees right after signalling risk: set per deployment."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Resource:
    name: str
    detail: str = ""
    phone: str = ""
    url: str = ""


def crisis_resources() -> list[Resource]:
    return [Resource(**entry) for entry in settings.TANDEM_CRISIS_RESOURCES]
