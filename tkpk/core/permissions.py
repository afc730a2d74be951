"""Role + scope checks. Every selector asks here before it returns anything.

A user's memberships are read once per request and cached on the user object. A *scope* is the
union of what the user's matching memberships cover: province-wide roles cover everything, an
OPD membership covers its organisation, a Wilayah membership covers its region and every unit
below it (Kemendagri codes are hierarchical, so "below" is a code-prefix test).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from tkpk.core.roles import PROVINCE_WIDE_ROLES, Role

if TYPE_CHECKING:
    from tkpk.accounts.models import RoleMembership

_CACHE_ATTR = "_tkpk_memberships"


@dataclass(frozen=True)
class Scope:
    roles: frozenset[Role]
    province_wide: bool
    organisation_ids: frozenset[int]
    region_codes: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return not self.roles

    def covers_region(self, code: str | None) -> bool:
        if self.province_wide:
            return True
        if not code:
            return False
        return any(code == r or code.startswith(r + ".") for r in self.region_codes)

    def covers_organisation(self, organisation_id: int | None) -> bool:
        return self.province_wide or (
            organisation_id is not None and organisation_id in self.organisation_ids
        )

    def region_q(self, field: str) -> Q:
        """A filter on a region-code field restricted to this scope."""
        if self.province_wide:
            return Q()
        q = Q(pk__in=[])
        for code in self.region_codes:
            q |= Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})
        return q

    def organisation_q(self, field: str) -> Q:
        if self.province_wide:
            return Q()
        return Q(**{f"{field}__in": sorted(self.organisation_ids)})


def memberships_for(user: Any) -> list[RoleMembership]:
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            user.memberships.filter(is_active=True).select_related("organisation", "region")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles(user: Any) -> frozenset[Role]:
    return frozenset(Role(m.role) for m in memberships_for(user))


def scope_for(user: Any, roles: Iterable[Role] | None = None) -> Scope:
    wanted = frozenset(roles) if roles is not None else None
    matching = [m for m in memberships_for(user) if wanted is None or Role(m.role) in wanted]
    return Scope(
        roles=frozenset(Role(m.role) for m in matching),
        province_wide=any(Role(m.role) in PROVINCE_WIDE_ROLES for m in matching),
        organisation_ids=frozenset(m.organisation_id for m in matching if m.organisation_id),
        region_codes=frozenset(m.region_id for m in matching if m.region_id),
    )


def has_role(user: Any, *roles: Role) -> bool:
    return not scope_for(user, roles or None).is_empty


def require_role(user: Any, *roles: Role) -> Scope:
    """The user's scope for these roles (any role when none is named), or PermissionDenied."""
    scope = scope_for(user, roles or None)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def require_member(user: Any) -> Scope:
    """Any role at all: the minimum for every page of the application."""
    return require_role(user)
