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


class PlanOut(Schema):
    id: int
    kind: str
    title: str
    year_start: int
    year_end: int
    stage: str
    decree_number: str
    rpkd_id: int | None


class MatrixRowOut(Schema):
    id: int
    code: str
    level: str
    name: str
    opd: str
    indicator: str
    unit: str
    target: Decimal | None
    target_q1: Decimal | None
    target_q2: Decimal | None
    target_q3: Decimal | None
    target_q4: Decimal | None
    budget: Decimal
    lock_version: int


class MatrixRowPatch(Schema):
    lock_version: int
    name: str | None = None
    indicator: str | None = None
    unit: str | None = None
    target: Decimal | None = None
    target_q1: Decimal | None = None
    target_q2: Decimal | None = None
    target_q3: Decimal | None = None
    target_q4: Decimal | None = None
    budget: Decimal | None = None
    deviation_note: str | None = None
