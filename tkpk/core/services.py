from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpRequest

from tkpk.core.middleware import client_ip, current_ip
from tkpk.core.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    purpose: str = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one row to the audit log.

    ``obj`` fills the object columns; callers describing something that is not a model row (an
    extract file, a login attempt for an unknown name) pass the columns directly. Never put
    person-level values (NIK, names, addresses) into ``detail``: it is shown to auditors.
    """
    user: Any = actor if actor is not None and actor.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=user,
        actor_username=actor_username or (user.get_username() if user is not None else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        purpose=purpose[:300],
        ip_address=client_ip(request) if request is not None else current_ip(),
        detail=detail or {},
    )
