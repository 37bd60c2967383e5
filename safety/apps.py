from django.apps import AppConfig


class SafetyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "safety"
    verbose_name = "Safety alerts"

    def ready(self) -> None:
        from . import checks  # noqa: F401
