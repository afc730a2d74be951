from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.regions.models import Region

pytestmark = pytest.mark.django_db


def test_a_region_scope_covers_its_units_and_not_a_neighbour_with_a_shared_prefix(
    kelurahan_verifier: User,
) -> None:
    scope = scope_for(kelurahan_verifier)
    assert scope.covers_region("31.73.04.1002")
    assert not scope.covers_region("31.73.04.1001")
    assert not scope.covers_region("31.73.04.10021")  # not a child, only a longer string
    assert not scope.province_wide


def test_a_kota_scope_covers_every_kelurahan_below_it(reference: None) -> None:
    user = user_create(username="kota", full_name="Kota")
    membership_grant(user=user, role=Role.WILAYAH, region=Region.objects.get(pk="31.72"))
    scope = scope_for(user)
    assert scope.covers_region("31.72.01.1001")
    assert not scope.covers_region("31.71.01.1001")
    assert Region.objects.filter(scope.region_q("code"), level="kelurahan").count() == 31


def test_an_opd_scope_covers_its_own_organisation_only(opd_operator: User) -> None:
    scope = require_role(opd_operator, Role.OPD)
    assert scope.covers_organisation(opd_operator.organisation_id)
    assert not scope.covers_organisation((opd_operator.organisation_id or 0) + 1)


def test_the_secretariat_is_province_wide(secretariat: User) -> None:
    scope = require_role(secretariat, Role.SEKRETARIAT)
    assert scope.province_wide and scope.covers_region("31.01.01.1001")


def test_a_user_without_the_role_is_refused(opd_operator: User, outsider: User) -> None:
    with pytest.raises(PermissionDenied):
        require_role(opd_operator, Role.SEKRETARIAT)
    with pytest.raises(PermissionDenied):
        require_role(outsider)


def test_an_inactive_membership_grants_nothing(opd_operator: User) -> None:
    opd_operator.memberships.update(is_active=False)
    opd_operator = User.objects.get(pk=opd_operator.pk)
    with pytest.raises(PermissionDenied):
        require_role(opd_operator)
