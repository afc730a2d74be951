"""Demo users, one per persona. Only for development and demonstrations (``./dev run``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.regions.models import Region

DEMO_PASSWORD = "Demo-TKPK-2026"  # noqa: S105 (a published demo password, never used in production)


@dataclass(frozen=True)
class DemoPersona:
    username: str
    full_name: str
    persona: str
    role: Role
    organisation_acronym: str = ""
    organisation_region: str = ""
    scope_region: str = ""


DEMO_PERSONAS = [
    DemoPersona(
        "sekretariat",
        "Rina Wulandari",
        "Sekretariat TKPK",
        Role.SEKRETARIAT,
        organisation_acronym="Sekretariat TKPK",
    ),
    DemoPersona(
        "ketua", "Hendra Gunawan", "Ketua TKPK (Sekda)", Role.KETUA, organisation_acronym="Setda"
    ),
    DemoPersona(
        "gubernur", "Ahmad Fauzi", "Gubernur", Role.GUBERNUR, organisation_acronym="Gubernur"
    ),
    DemoPersona(
        "penyusun",
        "Dewi Lestari",
        "Tim Penyusun",
        Role.TIM_PENYUSUN,
        organisation_acronym="Bappeda",
    ),
    DemoPersona(
        "opd.dinsos",
        "Budi Santoso",
        "Operator OPD Dinas Sosial",
        Role.OPD,
        organisation_acronym="Dinsos",
    ),
    DemoPersona(
        "opd.disdik",
        "Siti Aminah",
        "Operator OPD Dinas Pendidikan",
        Role.OPD,
        organisation_acronym="Disdik",
    ),
    DemoPersona(
        "data",
        "Agus Prasetyo",
        "Pengelola Data",
        Role.PENGELOLA_DATA,
        organisation_acronym="Diskominfotik",
    ),
    DemoPersona(
        "kota.jakut",
        "Rudi Hartono",
        "Wilayah: Kota Adm. Jakarta Utara",
        Role.WILAYAH,
        organisation_region="31.72",
        scope_region="31.72",
    ),
    DemoPersona(
        "kelurahan.kalianyar",
        "Yuliana Sari",
        "Verifikator Kelurahan Kali Anyar",
        Role.WILAYAH,
        organisation_region="31.73.04.1002",
        scope_region="31.73.04.1002",
    ),
    DemoPersona(
        "hukum",
        "Maria Simanjuntak",
        "Biro Hukum",
        Role.BIRO_HUKUM,
        organisation_acronym="Biro Hukum",
    ),
]


def _organisation_for(persona: DemoPersona) -> Organisation:
    if persona.organisation_acronym:
        return Organisation.objects.get(acronym=persona.organisation_acronym)
    return Organisation.objects.get(region_id=persona.organisation_region)


@transaction.atomic
def demo_load(*, password: str = DEMO_PASSWORD) -> list[DemoPersona]:
    """Create the demo users and their roles; existing demo users are left as they are."""
    for persona in DEMO_PERSONAS:
        organisation = _organisation_for(persona)
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            user = user_create(
                username=persona.username,
                full_name=persona.full_name,
                email=f"{persona.username}@tkpk.example",
                password=password,
                organisation=organisation,
            )
        membership_grant(
            user=user,
            role=persona.role,
            organisation=organisation if persona.role == Role.OPD else None,
            region=Region.objects.get(pk=persona.scope_region) if persona.scope_region else None,
        )
    return DEMO_PERSONAS
