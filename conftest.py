"""Personas shared by every test: secretariat staff, an OPD operator (and one of another OPD),
a kelurahan verifier and an outsider (a valid account with no role)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.reference import organisations_load
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.processes.services import catalogue_load
from tkpk.regions.models import Region
from tkpk.regions.services import regions_load

PASSWORD = "Rahasia-Uji-2026"
KELURAHAN_KALI_ANYAR = "31.73.04.1002"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    # Reference data once per session; each test's transaction is rolled back around it.
    with django_db_blocker.unblock():
        _load_reference()


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    # The memory cache outlives a test's rolled-back transaction: start each test without it.
    from django.core.cache import cache  # noqa: PLC0415

    cache.clear()
    yield
    cache.clear()


def _load_reference() -> None:
    if not Region.objects.exists():
        regions_load()
        organisations_load()
        catalogue_load()


@pytest.fixture
def reference(db: Any) -> None:
    """Reference data (also after a transactional test flushed the database)."""
    _load_reference()


def _persona(
    username: str,
    full_name: str,
    role: Role,
    *,
    org: Organisation | None,
    region: str | None = None,
    scoped_org: bool = False,
) -> User:
    user = user_create(username=username, full_name=full_name, password=PASSWORD, organisation=org)
    membership_grant(
        user=user,
        role=role,
        organisation=org if scoped_org else None,
        region=Region.objects.get(pk=region) if region else None,
    )
    return user


@pytest.fixture
def secretariat(reference: None) -> User:
    return _persona(
        "rina",
        "Rina Wulandari",
        Role.SEKRETARIAT,
        org=Organisation.objects.get(acronym="Sekretariat TKPK"),
    )


@pytest.fixture
def opd_operator(reference: None) -> User:
    return _persona(
        "budi",
        "Budi Santoso",
        Role.OPD,
        org=Organisation.objects.get(acronym="Dinsos"),
        scoped_org=True,
    )


@pytest.fixture
def other_opd_operator(reference: None) -> User:
    return _persona(
        "siti",
        "Siti Aminah",
        Role.OPD,
        org=Organisation.objects.get(acronym="Disdik"),
        scoped_org=True,
    )


@pytest.fixture
def kelurahan_verifier(reference: None) -> User:
    return _persona(
        "yuli",
        "Yuliana Sari",
        Role.WILAYAH,
        org=Organisation.objects.get(region_id=KELURAHAN_KALI_ANYAR),
        region=KELURAHAN_KALI_ANYAR,
    )


@pytest.fixture
def outsider(reference: None) -> User:
    return user_create(username="orang.luar", full_name="Orang Luar", password=PASSWORD)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_secretariat(secretariat: User) -> Client:
    return login(secretariat)


@pytest.fixture
def as_opd(opd_operator: User) -> Client:
    return login(opd_operator)


@pytest.fixture
def as_verifier(kelurahan_verifier: User) -> Client:
    return login(kelurahan_verifier)


@pytest.fixture
def as_outsider(outsider: User) -> Client:
    return login(outsider)
