"""Django's authentication signals are the one hook every login path (pages, admin) passes
through; the handlers only translate them into account services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from tkpk.accounts import services


@receiver(user_logged_in, dispatch_uid="tkpk_login_ok")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.login_success_record(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="tkpk_logout")
def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    services.logout_record(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="tkpk_login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    services.login_failure_record(username=str(credentials.get("username", "")), request=request)
