from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from tkpk.accounts.models import User
from tkpk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> object:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_user_logs_in_and_out(opd_operator: User) -> None:
    client = Client()
    response = _login(client, "budi", PASSWORD)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:home")).status_code == 302


def test_the_account_locks_after_repeated_failures_even_for_the_right_password(
    opd_operator: User,
) -> None:
    client = Client()
    for _ in range(settings.TKPK_LOGIN_MAX_FAILURES):
        page = _login(client, "budi", "salah-sandi")
    opd_operator.refresh_from_db()
    assert opd_operator.is_locked()
    assert AuditEvent.objects.filter(action="auth.locked", object_id=str(opd_operator.pk)).exists()
    response = _login(client, "budi", PASSWORD)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "dikunci" in response.content.decode()  # type: ignore[attr-defined]
    assert client.get(reverse("core:home")).status_code == 302
    del page


def test_a_locked_account_opens_again_after_the_lock_period(opd_operator: User) -> None:
    client = Client()
    for _ in range(settings.TKPK_LOGIN_MAX_FAILURES):
        _login(client, "budi", "salah-sandi")
    later = timezone.now() + timedelta(minutes=settings.TKPK_LOGIN_LOCK_MINUTES + 1)
    with time_machine.travel(later):
        assert _login(Client(), "budi", PASSWORD).status_code == 302  # type: ignore[attr-defined]
    opd_operator.refresh_from_db()
    assert opd_operator.failed_login_count == 0 and opd_operator.locked_until is None


def test_a_successful_login_resets_the_failure_count(opd_operator: User) -> None:
    client = Client()
    for _ in range(settings.TKPK_LOGIN_MAX_FAILURES - 1):
        _login(client, "budi", "salah-sandi")
    _login(client, "budi", PASSWORD)
    _login(Client(), "budi", "salah-sandi")
    opd_operator.refresh_from_db()
    assert opd_operator.failed_login_count == 1 and not opd_operator.is_locked()


def test_the_session_ends_after_the_idle_timeout_but_not_while_active(opd_operator: User) -> None:
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _login(client, "budi", PASSWORD)
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(start + idle - timedelta(minutes=5), tick=False):
        assert client.get(reverse("core:home")).status_code == 200  # activity renews it
    with time_machine.travel(start + 2 * idle - timedelta(minutes=10), tick=False):
        assert client.get(reverse("core:home")).status_code == 200
    with time_machine.travel(start + 3 * idle, tick=False):
        assert client.get(reverse("core:home")).status_code == 302


def test_password_change_keeps_the_session_and_is_audited(opd_operator: User) -> None:
    client = Client()
    _login(client, "budi", PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Sandi-Baru-2026!",
            "new_password2": "Sandi-Baru-2026!",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    opd_operator.refresh_from_db()
    assert opd_operator.check_password("Sandi-Baru-2026!")
    assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1


def test_a_wrong_old_password_keeps_the_form_with_an_error(opd_operator: User) -> None:
    client = Client()
    _login(client, "budi", PASSWORD)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "bukan",
            "new_password1": "Sandi-Baru-2026!",
            "new_password2": "Sandi-Baru-2026!",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    opd_operator.refresh_from_db()
    assert opd_operator.check_password(PASSWORD)
