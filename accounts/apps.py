from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401  (registers start-up checks and audit)
