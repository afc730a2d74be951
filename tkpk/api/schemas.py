from __future__ import annotations

from decimal import Decimal

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class MembershipOut(Schema):
    role: str
    role_label: str
    organisation: str | None
    region: str | None


class MeOut(Schema):
    username: str
    full_name: str
    organisation: str | None
    roles: list[MembershipOut]


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    population_total: int | None
    area_km2: Decimal | None
    bps_code: str | None
