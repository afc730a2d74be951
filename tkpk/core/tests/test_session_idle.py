"""The idle timeout: a session is renewed at most once per interval and expires when idle."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tkpk.accounts.models import User

pytestmark = pytest.mark.django_db


def _expiry(client: Client) -> object:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return Session.objects.get(session_key=key).expire_date


def test_a_session_is_renewed_once_per_interval_not_on_every_request(
    secretariat: User,
) -> None:
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        client.force_login(secretariat)
        assert client.get("/").status_code == 200
        first = _expiry(client)
    # Within the interval: no write, the expiry stays.
    with time_machine.travel(start + timedelta(seconds=settings.TKPK_SESSION_RENEW_SECONDS // 2)):
        assert client.get("/").status_code == 200
        assert _expiry(client) == first
    # After it: renewed, the idle clock starts again.
    with time_machine.travel(start + timedelta(seconds=settings.TKPK_SESSION_RENEW_SECONDS + 5)):
        assert client.get("/").status_code == 200
        assert _expiry(client) > first  # type: ignore[operator]


def test_an_idle_session_expires_and_the_user_must_sign_in_again(secretariat: User) -> None:
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        client.force_login(secretariat)
        assert client.get("/pemantauan/").status_code in (200, 302)
    # Activity just inside the timeout keeps the session alive (each step renews it) ...
    moment = start
    for _ in range(3):
        moment += timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)
        with time_machine.travel(moment, tick=False):
            page = client.get("/evaluasi/")
            assert page.status_code == 200
    # ... and one idle period longer than the timeout ends it.
    with time_machine.travel(moment + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)):
        page = client.get("/evaluasi/")
        assert page.status_code == 302
        assert settings.LOGIN_URL in page["Location"] or "/akun/masuk/" in page["Location"]


def test_an_anonymous_visit_creates_no_session() -> None:
    client = Client()
    client.get("/akun/masuk/")
    assert Session.objects.count() == 0
