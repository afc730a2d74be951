from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tkpk.accounts.models import ApiToken, Organisation, User
from tkpk.core.forms import clean_search_text
from tkpk.core.permissions import require_member


def organisation_list_for_user(*, user: Any, query: str = "") -> QuerySet[Organisation]:
    """Organisations the user may see: all of them for province-wide roles, else their own
    agencies and the territorial offices inside their region."""
    scope = require_member(user)
    qs = Organisation.objects.filter(is_active=True).select_related("region")
    if not scope.province_wide:
        qs = qs.filter(
            scope.organisation_q("pk")
            | (scope.region_q("region__code") if scope.region_codes else Q(pk__in=[]))
            | Q(pk=user.organisation_id)
        )
    query = clean_search_text(query)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(acronym__icontains=query))
    return qs.annotate(member_count=Count("users", filter=Q(users__is_active=True))).order_by(
        "kind", "name"
    )


def organisation_get_for_user(*, user: Any, pk: int) -> Organisation:
    org = organisation_list_for_user(user=user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def organisation_members(*, organisation: Organisation) -> QuerySet[User]:
    return (
        organisation.users.filter(is_active=True)
        .prefetch_related("memberships")
        .order_by("full_name", "username")
    )


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get_for_user(*, user: User, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404
    return token
