"""How a lane of a map becomes a role, who supervises it, and which screens steps may name."""

from __future__ import annotations

import re

from tkpk.core.roles import Role

LANE_ALIASES: dict[str, Role] = {
    "gubernur": Role.GUBERNUR,
    "kepala daerah": Role.GUBERNUR,
    "ketua": Role.KETUA,
    "ketua tkpk": Role.KETUA,
    "sekda": Role.KETUA,
    "sekretariat": Role.SEKRETARIAT,
    "sekretariat tkpk": Role.SEKRETARIAT,
    "tim penyusun": Role.TIM_PENYUSUN,
    "opd": Role.OPD,
    "perangkat daerah": Role.OPD,
    "perangkat daerah (opd)": Role.OPD,
    "pengelola data": Role.PENGELOLA_DATA,
    "wilayah": Role.WILAYAH,
    "kelurahan": Role.WILAYAH,
    "kota/kabupaten": Role.WILAYAH,
    "biro hukum": Role.BIRO_HUKUM,
}

# Who hears about a task that is past its due date.
SUPERVISOR: dict[Role, Role] = {
    Role.OPD: Role.SEKRETARIAT,
    Role.WILAYAH: Role.SEKRETARIAT,
    Role.PENGELOLA_DATA: Role.SEKRETARIAT,
    Role.TIM_PENYUSUN: Role.SEKRETARIAT,
    Role.BIRO_HUKUM: Role.SEKRETARIAT,
    Role.SEKRETARIAT: Role.KETUA,
    Role.KETUA: Role.GUBERNUR,
    Role.GUBERNUR: Role.KETUA,
}


def role_for_lane(name: str) -> Role | None:
    key = re.sub(r"\s+", " ", name or "").strip().lower()
    if key in LANE_ALIASES:
        return LANE_ALIASES[key]
    for role in Role:
        if key in {role.value, str(role.label).lower()}:
            return role
    return None
