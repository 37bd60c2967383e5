from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "careplans"
    verbose_name = "care plans"

    def ready(self) -> None:
        from . import export

        export.register()
