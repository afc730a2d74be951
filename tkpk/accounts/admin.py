from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tkpk.accounts import services
from tkpk.accounts.models import ApiToken, Organisation, RoleMembership, User
from tkpk.core.admin_site import SecretariatPermissionsMixin

# Roles are memberships with a scope, not Django groups.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class RoleMembershipInline(SecretariatPermissionsMixin, admin.TabularInline[RoleMembership, User]):
    model = RoleMembership
    extra = 0
    autocomplete_fields = ["organisation", "region"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(SecretariatPermissionsMixin, BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "full_name", "organisation", "is_active", "locked_until"]
    list_filter = ["is_active", "organisation__kind", "memberships__role"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["organisation"]
    inlines = [RoleMembershipInline]
    actions = ["unlock"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "organisation")}),
        (
            _("Status"),
            {
                "fields": (
                    "is_active",
                    "failed_login_count",
                    "locked_until",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "organisation", "password1", "password2")}),
    )
    readonly_fields = ["failed_login_count", "last_login", "date_joined"]

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_unlock(user=user, by=request.user)  # type: ignore[arg-type]


@admin.register(Organisation)
class OrganisationAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[Organisation]):
    list_display = ["name", "acronym", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["region"]


@admin.register(RoleMembership)
class RoleMembershipAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[RoleMembership]):
    list_display = ["user", "role", "organisation", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation", "region"]


@admin.register(ApiToken)
class ApiTokenAdmin(SecretariatPermissionsMixin, admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # tokens are created by their owner, who sees the value once
