"""The administration screen: Django admin, for the secretariat, with every change audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from tkpk.core.permissions import has_role
from tkpk.core.roles import Role
from tkpk.core.services import audit_record


def is_administrator(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or has_role(user, Role.SEKRETARIAT)))


class AuditedAdminMixin:
    """Writes an audit row next to each admin log entry (add, change, delete)."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(
            action="admin.add",
            actor=request.user,
            obj=obj,
            request=request,
            detail={"change": str(message)[:1000]},
        )
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        audit_record(
            action="admin.change",
            actor=request.user,
            obj=obj,
            request=request,
            detail={"change": str(message)[:1000]},
        )
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            audit_record(action="admin.delete", actor=request.user, obj=obj, request=request)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class SecretariatPermissionsMixin:
    """Secretariat members manage the registered models without Django model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request.user)


class TkpkAdminSite(admin.AdminSite):
    site_header = "TKPK — Administrasi"
    site_title = "TKPK"
    index_title = "Administrasi"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        # Every model admin, ours or a library's, gets the audit hooks.
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, AuditedAdminMixin):
            base = type(base.__name__, (AuditedAdminMixin, base), {})
        super().register(model_or_iterable, base, **options)
