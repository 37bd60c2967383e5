"""The crisis resources a client sees right after signalling risk: set per deployment, and
given the same way by the crisis page and by every API answer to a call for help."""

import contextlib
import zoneinfo
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources as package_resources
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.urls import reverse

from accounts.models import User

from .models import SafetyAlert, Source

# Shown when a deployment lists resources for some countries only and the client is in none.
LOCAL_EMERGENCY = {
    "name": "Your local emergency number",
    "detail": "If you are in danger now, or might act on thoughts of harming yourself, call "
    "your local emergency number or go to the nearest emergency department.",
}


@dataclass(frozen=True)
class Resource:
    name: str
    detail: str = ""
    phone: str = ""
    url: str = ""
    country: str = ""  # ISO 3166 alpha-2; empty: for everyone


@cache
def _zone_countries() -> dict[str, str]:
    """{IANA zone: country code} from `zone.tab`: the tzdata package's copy if installed,
    else the system's; empty when neither is there (then nobody has a country)."""
    candidates = []
    with contextlib.suppress(ModuleNotFoundError):
        candidates.append(package_resources.files("tzdata").joinpath("zoneinfo", "zone.tab"))
    candidates += [Path(root, "zone.tab") for root in zoneinfo.TZPATH]
    for candidate in candidates:
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError:
            continue
        table = {}
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                table[parts[2]] = parts[0].upper()
        return table
    return {}


def country_of(user: User | None) -> str:
    """The country of the user's time zone ("" when unknown: signed out, a zone shared by
    several countries such as UTC, or no zone table on this machine)."""
    zone = getattr(user, "timezone", "") if user is not None else ""
    return _zone_countries().get(str(zone or ""), "")


def crisis_resources(client: User | None = None) -> list[Resource]:
    """The client's country's resources first, then those for everyone; never another
    country's numbers, which would be no help and could mislead."""
    everyone = [Resource(**entry) for entry in settings.TANDEM_CRISIS_RESOURCES]
    country = country_of(client)
    own = [r for r in everyone if country and r.country.upper() == country]
    chosen = own + [r for r in everyone if not r.country]
    return chosen or [Resource(**LOCAL_EMERGENCY)]


@dataclass(frozen=True)
class Told:
    """What this client's open alerts told their therapists in active care."""

    sources: frozenset[str]
    therapists: int

    @property
    def question_9(self) -> bool:
        return Source.PHQ9_ITEM9 in self.sources

    @property
    def journal(self) -> bool:
        return Source.JOURNAL in self.sources


def told_about(client: User) -> Told:
    rows = set(
        SafetyAlert.objects.open()
        .in_care()
        .filter(relationship__client=client)
        .values_list("source", "relationship__therapist_id")
    )
    return Told(
        sources=frozenset(source for source, _ in rows),
        therapists=len({therapist for _, therapist in rows}),
    )


def therapist_told(client: User) -> bool:
    """True when an open alert of this client reaches a therapist in active care."""
    return SafetyAlert.objects.open().in_care().filter(relationship__client=client).exists()


def own_result(client: User, value) -> UUID | None:
    """`value` as the id of the client's own answers that raised a question-9 alert, or
    None: the link back to a result is only ever to the client's own."""
    try:
        reference = UUID(str(value))
    except ValueError:
        return None
    mine = SafetyAlert.objects.filter(
        relationship__client=client, source=Source.PHQ9_ITEM9, reference=reference
    )
    return reference if mine.exists() else None


def crisis_payload(client: User) -> dict:
    """What an app shows after a call for help: where help is now (the deployment's
    resources for this client and the crisis page's address) and whether a therapist was
    told."""
    return {
        "url": settings.SITE_URL + reverse("crisis"),
        "therapist_told": therapist_told(client),
        "resources": [asdict(resource) for resource in crisis_resources(client)],
    }
