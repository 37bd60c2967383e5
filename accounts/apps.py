from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from . import checks, receivers, versions  # noqa: F401  (start-up checks and audit)

        versions.connect(self)
