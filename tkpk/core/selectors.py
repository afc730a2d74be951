from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tkpk.core.models import AuditEvent
from tkpk.core.permissions import require_role
from tkpk.core.roles import Role


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_list(*, user: Any, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The audit log, for the secretariat only."""
    require_role(user, Role.SEKRETARIAT)
    qs = AuditEvent.objects.all()
    if filters.actor:
        qs = qs.filter(actor_username__icontains=filters.actor)
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of(filters.date_to) + timedelta(days=1))
    return qs


def audit_action_choices(*, user: Any) -> list[str]:
    require_role(user, Role.SEKRETARIAT)
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
