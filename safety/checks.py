from django.conf import settings
from django.core.checks import Error, register

FIELDS = {"name", "detail", "phone", "url"}


@register()
def check_crisis_resources(app_configs=None, **kwargs) -> list[Error]:
    """A client who signals risk must always see where to find help: refuse a bad list."""
    resources = settings.TANDEM_CRISIS_RESOURCES
    ok = (
        isinstance(resources, list)
        and resources
        and all(
            isinstance(r, dict)
            and set(r) <= FIELDS
            and isinstance(r.get("name"), str)
            and r["name"].strip()
            and all(isinstance(v, str) for v in r.values())
            for r in resources
        )
    )
    if ok:
        return []
    return [
        Error(
            "TANDEM_CRISIS_RESOURCES must be a non-empty JSON list of objects with a "
            '"name" and optionally "detail", "phone" and "url" (all strings).',
            id="tandem.E010",
        )
    ]
