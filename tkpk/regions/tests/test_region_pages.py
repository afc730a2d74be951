from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_province_page_lists_its_six_kab_kota(as_opd: Client) -> None:
    response = as_opd.get(reverse("regions:browse"))
    assert [c.code for c in response.context["children"]] == [
        "31.01",
        "31.71",
        "31.72",
        "31.73",
        "31.74",
        "31.75",
    ]


def test_drilling_down_reaches_the_kelurahan_with_breadcrumbs(as_opd: Client) -> None:
    kecamatan = as_opd.get(reverse("regions:browse", args=["31.73.04"]))
    assert "Kali Anyar" in kecamatan.content.decode()
    kelurahan = as_opd.get(reverse("regions:browse", args=["31.73.04.1002"]))
    assert [a.code for a in kelurahan.context["ancestors"]] == ["31", "31.73", "31.73.04"]
    assert as_opd.get(reverse("regions:browse", args=["31.99"])).status_code == 404


def test_search_finds_a_kelurahan_by_name_and_htmx_gets_only_the_results(as_opd: Client) -> None:
    response = as_opd.get(
        reverse("regions:browse"),
        {"q": "kali anyar"},
        headers={"HX-Request": "true", "HX-Target": "region-results"},
    )
    body = response.content.decode()
    assert "<html" not in body and "31.73.04.1002" in body
    by_level = as_opd.get(reverse("regions:browse"), {"level": "kecamatan"})
    assert by_level.context["results"].paginator.count == 44


def test_a_verifier_sees_its_own_area_marked(as_verifier: Client) -> None:
    own = as_verifier.get(reverse("regions:browse", args=["31.73.04.1002"]))
    other = as_verifier.get(reverse("regions:browse", args=["31.73.04.1001"]))
    assert own.context["in_my_area"] and not other.context["in_my_area"]


def test_the_outsider_is_refused_the_region_pages(as_outsider: Client) -> None:
    assert as_outsider.get(reverse("regions:browse")).status_code == 403
    assert as_outsider.get(reverse("regions:browse", args=["31.71"])).status_code == 403


def test_a_search_with_control_characters_is_cleaned_not_an_error(as_opd: Client) -> None:
    response = as_opd.get(reverse("regions:browse"), {"q": "Kali\x00 Anyar", "level": "kelurahan"})
    assert response.status_code == 200
    assert [r.code for r in response.context["results"]] == ["31.73.04.1002"]
    assert as_opd.get(reverse("regions:browse", args=["31\x00"])).status_code == 404
