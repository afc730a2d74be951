from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import Organisation, RoleMembership, User
from tkpk.accounts.reference import organisations_load
from tkpk.accounts.services import membership_grant
from tkpk.core.roles import Role

pytestmark = pytest.mark.django_db


def test_reference_organisations_include_the_opds_and_every_territorial_office(
    reference: None,
) -> None:
    assert Organisation.objects.filter(kind="opd").count() >= 10
    assert Organisation.objects.get(acronym="Dinsos").name == "Dinas Sosial"
    assert Organisation.objects.filter(kind="kelurahan").count() == 267
    assert Organisation.objects.filter(kind="kabupaten_kota").count() == 6


def test_loading_reference_organisations_twice_creates_nothing_new(reference: None) -> None:
    before = Organisation.objects.count()
    organisations_load()
    assert Organisation.objects.count() == before


def test_the_secretariat_sees_every_organisation(as_secretariat: Client) -> None:
    response = as_secretariat.get(reverse("accounts:organisation_list"))
    assert response.context["page"].paginator.count == Organisation.objects.count()


def test_an_opd_operator_sees_only_its_own_agency(
    opd_operator: User, other_opd_operator: User, as_opd: Client
) -> None:
    response = as_opd.get(reverse("accounts:organisation_list"))
    names = [o.acronym for o in response.context["page"].object_list]
    assert names == ["Dinsos"]
    other = other_opd_operator.organisation
    assert other is not None
    assert as_opd.get(reverse("accounts:organisation_detail", args=[other.pk])).status_code == 404
    own = as_opd.get(reverse("accounts:organisation_detail", args=[opd_operator.organisation_id]))
    assert "Budi Santoso" in own.content.decode()


def test_a_kelurahan_verifier_sees_only_its_kelurahan(as_verifier: Client) -> None:
    response = as_verifier.get(reverse("accounts:organisation_list"))
    regions = {o.region_id for o in response.context["page"].object_list}
    assert regions == {"31.73.04.1002"}


def test_the_outsider_is_refused_the_organisation_pages(as_outsider: Client) -> None:
    assert as_outsider.get(reverse("accounts:organisation_list")).status_code == 403
    org = Organisation.objects.get(acronym="Dinsos")
    assert (
        as_outsider.get(reverse("accounts:organisation_detail", args=[org.pk])).status_code == 403
    )


def test_organisation_search_answers_htmx_with_the_rows_only(as_secretariat: Client) -> None:
    response = as_secretariat.get(
        reverse("accounts:organisation_list"),
        {"q": "Dinas Sosial"},
        headers={"HX-Request": "true", "HX-Target": "org-rows"},
    )
    body = response.content.decode()
    assert "<html" not in body and "Dinas Sosial" in body and "Dinas Pendidikan" not in body


def test_an_opd_role_needs_an_opd_organisation_and_a_wilayah_role_a_region(
    outsider: User,
) -> None:
    with pytest.raises(ValidationError):
        membership_grant(user=outsider, role=Role.OPD)
    with pytest.raises(ValidationError):
        membership_grant(
            user=outsider,
            role=Role.OPD,
            organisation=Organisation.objects.get(acronym="Sekretariat TKPK"),
        )
    with pytest.raises(ValidationError):
        membership_grant(user=outsider, role=Role.WILAYAH)
    with pytest.raises(ValidationError):
        membership_grant(
            user=outsider,
            role=Role.SEKRETARIAT,
            organisation=Organisation.objects.get(acronym="Dinsos"),
        )
    assert not RoleMembership.objects.filter(user=outsider).exists()


def test_granting_the_same_role_twice_keeps_one_membership(outsider: User) -> None:
    membership_grant(user=outsider, role=Role.KETUA)
    membership_grant(user=outsider, role=Role.KETUA)
    assert RoleMembership.objects.filter(user=outsider).count() == 1


def test_only_the_secretariat_reaches_the_administration_screen(
    as_secretariat: Client, as_opd: Client, as_outsider: Client
) -> None:
    assert as_secretariat.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert (
        as_secretariat.get(reverse("admin:accounts_rolemembership_changelist")).status_code == 200
    )
    for client in (as_opd, as_outsider):
        response = client.get(reverse("admin:accounts_user_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_secretariat_grants_a_role_in_the_administration_screen(
    as_secretariat: Client, outsider: User
) -> None:
    dinkes = Organisation.objects.get(acronym="Dinkes")
    response = as_secretariat.post(
        reverse("admin:accounts_rolemembership_add"),
        {"user": outsider.pk, "role": "opd", "organisation": dinkes.pk, "is_active": "on"},
    )
    assert response.status_code == 302, response.content
    assert RoleMembership.objects.filter(user=outsider, role="opd", organisation=dinkes).exists()
