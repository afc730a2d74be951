from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import ApiToken, User, hash_token
from tkpk.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_a_user_creates_a_token_sees_it_once_and_only_its_hash_is_stored(
    opd_operator: User, as_opd: Client
) -> None:
    response = as_opd.post(reverse("accounts:api_tokens"), {"name": "skrip", "days_valid": 30})
    raw = response.context["new_token"]
    assert raw.startswith("tkpk_")
    token = ApiToken.objects.get(user=opd_operator)
    assert token.key_hash == hash_token(raw) and raw not in token.key_hash
    assert raw not in as_opd.get(reverse("accounts:api_tokens")).content.decode()
    api = Client().get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200 and api.json()["username"] == "budi"


def test_a_revoked_token_no_longer_authenticates(opd_operator: User, as_opd: Client) -> None:
    raw = as_opd.post(reverse("accounts:api_tokens"), {"name": "x", "days_valid": 30}).context[
        "new_token"
    ]
    token = ApiToken.objects.get(user=opd_operator)
    as_opd.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert Client().get("/api/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_user_cannot_revoke_another_users_token(
    opd_operator: User, other_opd_operator: User, as_opd: Client
) -> None:
    token, _raw = api_token_create(user=other_opd_operator, name="milik siti")
    assert as_opd.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_outsider_cannot_create_tokens(as_outsider: Client) -> None:
    assert as_outsider.get(reverse("accounts:api_tokens")).status_code == 403
