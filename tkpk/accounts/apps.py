from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tkpk.accounts"
    label = "accounts"

    def ready(self) -> None:
        from tkpk.accounts import signals  # noqa: F401, PLC0415  (connects handlers once apps are ready)
