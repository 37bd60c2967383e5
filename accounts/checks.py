"""Start-up checks: refuse to run in production with development settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register()
def check_production_secrets(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and settings.SECRET_KEY.startswith("django-insecure"):
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is the development default while DJANGO_DEBUG is false.",
                hint="Set DJANGO_SECRET_KEY to a long random value (see platform/env.example).",
                id="tandem.E001",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_mfa_required_in_production(app_configs, **kwargs):
    """Only the local demo may let therapists and staff in without TOTP."""
    if settings.DEBUG or settings.TANDEM_REQUIRE_MFA:
        return []
    return [
        Error(
            "TANDEM_REQUIRE_MFA is false while DJANGO_DEBUG is false.",
            hint="Production requires TOTP for therapists and staff: set TANDEM_REQUIRE_MFA=true.",
            id="tandem.E003",
        )
    ]


def iter_routes(resolver=None, prefix: str = "", namespace: str = ""):
    """Yield (path, view name) for every URL pattern, nested includes flattened."""
    from django.urls import URLPattern, URLResolver, get_resolver

    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from iter_routes(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            # The same name the middleware sees in `request.resolver_match.view_name`.
            name = pattern.name or (pattern.lookup_str if namespace else None)
            yield prefix + str(pattern.pattern), f"{namespace}{name}" if name else None


def unpoliced_routes(resolver=None) -> list[str]:
    """Routes that have no entry in the access policy."""
    from .policy import route_access

    return [
        f"{path} ({name or 'unnamed'})"
        for path, name in iter_routes(resolver)
        if route_access(name) is None
    ]


@register()
def check_every_route_has_a_policy(app_configs, **kwargs):
    return [
        Error(
            f"Route {route} has no entry in the access policy.",
            hint="Add it to accounts.policy.ROUTES.",
            id="tandem.E002",
        )
        for route in unpoliced_routes()
    ]
