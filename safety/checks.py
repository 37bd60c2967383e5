import re

from django.conf import settings
from django.core.checks import Error, Warning, register

FIELDS = {"name", "detail", "phone", "url", "country"}
COUNTRY = re.compile(r"[A-Za-z]{2}")


def _valid(resource) -> bool:
    return (
        isinstance(resource, dict)
        and set(resource) <= FIELDS
        and isinstance(resource.get("name"), str)
        and bool(resource["name"].strip())
        and all(isinstance(v, str) for v in resource.values())
        and (not resource.get("country") or bool(COUNTRY.fullmatch(resource["country"])))
    )


@register()
def check_crisis_resources(app_configs=None, **kwargs) -> list[Error | Warning]:
    """A client who signals risk must always see where to find help: refuse a bad list, and
    one that has nothing for a client outside the countries it names."""
    resources = settings.TANDEM_CRISIS_RESOURCES
    if not (isinstance(resources, list) and resources and all(map(_valid, resources))):
        return [
            Error(
                "TANDEM_CRISIS_RESOURCES must be a non-empty JSON list of objects with a "
                '"name" and optionally "detail", "phone", "url" and "country" (an ISO 3166 '
                "two-letter code), all strings.",
                id="tandem.E010",
            )
        ]
    if all(r.get("country") for r in resources):
        return [
            Warning(
                "TANDEM_CRISIS_RESOURCES names a country for every resource: clients elsewhere "
                'see only "your local emergency number". Add one without a "country" to say '
                "more to them.",
                id="tandem.W011",
            )
        ]
    return []
