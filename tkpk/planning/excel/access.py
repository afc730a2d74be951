"""Who may download and upload which OPD's rows of the matrix."""

from __future__ import annotations

from typing import Any

from tkpk.accounts.models import Organisation, OrganisationKind
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.planning.services import DRAFTERS


def matrix_organisations_for(*, user: Any) -> list[Organisation]:
    """The OPDs whose rows this user may download and upload (empty: none)."""
    if not scope_for(user, DRAFTERS).is_empty:
        return list(
            Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True).order_by("name")
        )
    scope = scope_for(user, [Role.OPD])
    if scope.is_empty:
        return []
    return list(Organisation.objects.filter(pk__in=scope.organisation_ids).order_by("name"))


def matrix_organisation_allowed(*, user: Any, organisation: Organisation) -> bool:
    if not scope_for(user, DRAFTERS).is_empty:
        return True
    return scope_for(user, [Role.OPD]).covers_organisation(organisation.pk)
