"""Request context available to services that have no request argument (e.g. admin hooks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

_current_ip: ContextVar[str | None] = ContextVar("tkpk_current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    # Behind the production reverse proxy REMOTE_ADDR is the proxy; the proxy is trusted to set
    # X-Real-IP. Anything else the client sends is ignored.
    if settings.SECURE_PROXY_SSL_HEADER:
        real = request.META.get("HTTP_X_REAL_IP")
        if real:
            return str(real)
    addr = request.META.get("REMOTE_ADDR")
    return str(addr) if addr else None


def current_ip() -> str | None:
    return _current_ip.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


class DefaultLanguageMiddleware:
    """Indonesian unless the user chose another language (the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show English
    to every official whose browser happens to be set to English; the decree's users expect
    the Indonesian interface first, with English one click away.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        available = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


RENEWED_KEY = "_tkpk_renewed"


class SessionRenewMiddleware:
    """The idle timeout without a database write on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved. Saving it on every request
    (Django's SESSION_SAVE_EVERY_REQUEST) keeps the timeout exact but turns every page view into a
    write, which serialises concurrent readers on SQLite and costs a round trip elsewhere. Here a
    signed-in session is saved again only when its last renewal is older than
    TKPK_SESSION_RENEW_SECONDS, so the idle timeout is exact to within that interval.
    Listed after SessionMiddleware: it marks the session before SessionMiddleware saves it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or response.status_code >= 500:
            return response
        now = int(time.time())
        last = session.get(RENEWED_KEY)
        interval = int(getattr(settings, "TKPK_SESSION_RENEW_SECONDS", 60))
        if not isinstance(last, int) or now - last >= interval:
            session[RENEWED_KEY] = now  # marks it modified: SessionMiddleware saves it
        return response
