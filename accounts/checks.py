"""Start-up checks: refuse to run in production with development settings."""

from django.conf import settings
from django.core.checks import Error, register


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
