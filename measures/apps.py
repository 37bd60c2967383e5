from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "measures"
    verbose_name = "Measures (PHQ-9, GAD-7, WHO-5)"

    def ready(self) -> None:
        from . import export

        export.register()
