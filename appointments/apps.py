from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (ending a relationship cancels its sessions)
