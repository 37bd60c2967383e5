from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers start-up checks and audit)
