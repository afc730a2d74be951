from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from tkpk.accounts.models import (
    ApiToken,
    Organisation,
    RoleMembership,
    User,
    hash_token,
    new_token_value,
)
from tkpk.core.permissions import forget_memberships
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.regions.models import Region


@transaction.atomic
def login_failure_record(*, username: str, request: HttpRequest | None) -> User | None:
    """Count a failed login; lock the account when the limit is reached.

    An already locked account is not locked for longer: a stream of guesses must not keep the
    real user out forever.
    """
    user = User.objects.select_for_update().filter(username__iexact=username).first()
    locked_now = False
    if user is not None and not user.is_locked():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        if user.failed_login_count >= settings.TKPK_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=settings.TKPK_LOGIN_LOCK_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            locked_now = True
    audit_record(
        action="auth.login_failed",
        actor_username=username[:150],
        obj=user,
        request=request,
        detail={"known_user": user is not None},
    )
    if locked_now and user is not None:
        audit_record(action="auth.locked", obj=user, actor_username=user.username, request=request)
    return user


@transaction.atomic
def login_success_record(*, user: User, request: HttpRequest | None) -> None:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit_record(action="auth.login", actor=user, obj=user, request=request)


def logout_record(*, user: User | None, request: HttpRequest | None) -> None:
    if user is not None and user.is_authenticated:
        audit_record(action="auth.logout", actor=user, obj=user, request=request)


@transaction.atomic
def user_unlock(*, user: User, by: User) -> User:
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    audit_record(action="auth.unlocked", actor=by, obj=user)
    return user


def password_change_record(*, user: User, request: HttpRequest | None) -> None:
    audit_record(action="auth.password_changed", actor=user, obj=user, request=request)


@transaction.atomic
def organisation_upsert(
    *,
    kind: str,
    name: str,
    acronym: str = "",
    region: Region | None = None,
) -> Organisation:
    """Create or update an organisation identified by kind and official name."""
    org = Organisation.objects.filter(kind=kind, name=name).first() or Organisation(
        kind=kind, name=name
    )
    org.acronym = acronym
    org.region = region
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def user_create(
    *,
    username: str,
    full_name: str,
    email: str = "",
    password: str | None = None,
    organisation: Organisation | None = None,
) -> User:
    user = User(username=username, full_name=full_name, email=email, organisation=organisation)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: Role,
    organisation: Organisation | None = None,
    region: Region | None = None,
    by: User | None = None,
) -> RoleMembership:
    membership, created = RoleMembership.objects.get_or_create(
        user=user, role=role, organisation=organisation, region=region
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
        created = True
    membership.full_clean()
    if created:
        audit_record(action="accounts.role_granted", actor=by, obj=membership)
    forget_memberships(user)
    return membership


@transaction.atomic
def api_token_create(
    *, user: User, name: str, days_valid: int | None = 365
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = new_token_value()
    token = ApiToken(
        user=user,
        name=name,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days_valid) if days_valid else None,
    )
    token.full_clean()
    token.save()
    audit_record(action="accounts.token_created", actor=user, obj=token)
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="accounts.token_revoked", actor=by, obj=token)
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw.startswith("tkpk_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: the column is informative, not a write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
