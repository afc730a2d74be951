from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User

pytestmark = pytest.mark.django_db


def test_home_shows_who_you_are_your_organisation_and_the_process_tree(
    opd_operator: User, as_opd: Client
) -> None:
    page = as_opd.get(reverse("core:home")).content.decode()
    assert "Budi Santoso" in page
    assert "Dinas Sosial" in page
    assert "TKPK-01.02.CFM.01" in page and "TKPK-03.03" in page


def test_home_of_a_kelurahan_verifier_names_the_kelurahan(as_verifier: Client) -> None:
    page = as_verifier.get(reverse("core:home")).content.decode()
    assert "Kali Anyar" in page


def test_the_menu_follows_the_three_functions_of_the_decree(as_secretariat: Client) -> None:
    page = as_secretariat.get(reverse("core:home")).content.decode()
    for code in ("TKPK-01", "TKPK-02", "TKPK-03"):
        assert f'data-testid="nav-{code}"' in page
    assert "Perencanaan" in page and "Pemantauan" in page
    assert reverse("core:audit_log") in page  # the secretariat's administration menu


def test_an_opd_operator_has_no_administration_menu(as_opd: Client) -> None:
    page = as_opd.get(reverse("core:home")).content.decode()
    assert reverse("core:audit_log") not in page
    assert 'data-testid="nav-admin"' not in page


def test_an_outsider_is_refused_and_an_anonymous_visitor_is_sent_to_login(
    as_outsider: Client,
) -> None:
    assert as_outsider.get(reverse("core:home")).status_code == 403
    response = Client().get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")


def test_an_english_browser_still_gets_indonesian_until_the_user_switches(
    as_opd: Client,
) -> None:
    page = as_opd.get(reverse("core:home"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Keluar" in page.content.decode() and page["Content-Language"] == "id"


def test_the_interface_is_indonesian_by_default_and_switches_to_english(as_opd: Client) -> None:
    page = as_opd.get(reverse("core:home")).content.decode()
    assert "Keluar" in page and "Beranda" in page
    as_opd.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = as_opd.get(reverse("core:home")).content.decode()
    assert "Log out" in page and "Keluar" not in page
    assert 'lang="en"' in page
