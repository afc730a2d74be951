"""Demo plans: an enacted RPKD 2025–2029, an enacted RAT 2026 and a RAT 2027 in drafting.

Figures are illustrative, anchored on published BPS figures (P0 4.30 % in March 2024) and
Jakarta's programmes (KLJ, KJP Plus, PPKD job training, Jakpreneur, subsidised food)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from tkpk.accounts.models import Organisation
from tkpk.planning.models import Plan, PlanKind, Stage
from tkpk.planning.services import (
    goal_create,
    matrix_row_save,
    plan_create,
    plan_snapshot,
    programme_create,
    risk_create,
    strategy_create,
    target_create,
)
from tkpk.regions.models import Region

D = Decimal
YEARS = range(2025, 2030)
P0 = {2025: D("4.20"), 2026: D("4.00"), 2027: D("3.80"), 2028: D("3.60"), 2029: D("3.40")}
PROGRAMMES = [
    # code, name, klaster, strategy, OPD, yearly budget (Rp bn), priority kelurahan
    (
        "P1",
        "Bantuan Sosial Pemenuhan Kebutuhan Dasar (KLJ, KPDJ, KAJ)",
        1,
        "S1",
        "Dinsos",
        "900",
        ["31.72.01.1001", "31.72.02.1001"],
    ),
    ("P2", "Kartu Jakarta Pintar Plus (KJP Plus)", 1, "S1", "Disdik", "3500", []),
    (
        "P3",
        "Pelatihan Keterampilan Kerja (PPKD)",
        2,
        "S2",
        "Disnakertransgi",
        "120",
        ["31.73.04.1002"],
    ),
    ("P4", "Pengembangan Kewirausahaan Terpadu (Jakpreneur)", 3, "S3", "DPPKUKM", "60", []),
    ("P5", "Pangan Bersubsidi", 1, "S1", "DKPKP", "800", []),
]


def _org(acronym: str) -> Organisation:
    return Organisation.objects.get(acronym=acronym)


def _rpkd() -> Plan:
    plan = plan_create(
        kind=PlanKind.RPKD,
        title="RPKD Provinsi DKI Jakarta 2025–2029",
        year_start=2025,
        year_end=2029,
    )
    sections = {s.key: s for s in plan.sections.all()}
    for key, text in {
        "pendahuluan": "<p>RPKD disusun bersamaan dengan RPJMD 2025–2029 sebagai kerangka "
        "penanggulangan kemiskinan lima tahun.</p>",
        "profil_kemiskinan": "<p>Persentase penduduk miskin Maret 2024 sebesar 4,30 persen "
        "(464,93 ribu jiwa); Jakarta Utara tertinggi di antara kota "
        "administrasi (6,44 persen).</p>",
    }.items():
        sections[key].body = text
        sections[key].save()
    goal = goal_create(plan=plan, code="T1", text="Menurunkan tingkat kemiskinan")
    target_create(
        goal=goal,
        code="T1.1",
        indicator="Persentase penduduk miskin (P0)",
        unit="persen",
        direction="lower",
        baseline=D("4.30"),
        baseline_year=2024,
        values=P0,
    )
    target_create(
        goal=goal,
        code="T1.2",
        indicator="Persentase penduduk miskin ekstrem",
        unit="persen",
        direction="lower",
        baseline=D("0.89"),
        baseline_year=2022,
        values={y: D("0") for y in YEARS},
    )
    strategies = {
        "S1": strategy_create(
            plan=plan,
            code="S1",
            kind="a",
            text="Mengurangi beban pengeluaran rumah tangga miskin",
            directions=["Bantuan sosial tepat sasaran berbasis data terpadu"],
        ),
        "S2": strategy_create(
            plan=plan,
            code="S2",
            kind="b",
            text="Meningkatkan kemampuan dan pendapatan penduduk miskin",
            directions=["Pelatihan kerja yang terhubung dengan pasar kerja"],
        ),
        "S3": strategy_create(
            plan=plan,
            code="S3",
            kind="c",
            text="Mengembangkan usaha ekonomi mikro dan kecil",
            directions=["Pendampingan dan akses permodalan UMKM"],
        ),
    }
    for code, name, klaster, strategy, opd, budget, locations in PROGRAMMES:
        programme_create(
            plan=plan,
            code=code,
            name=name,
            klaster=klaster,
            strategy=strategies[strategy],
            opd=_org(opd),
            budgets={y: D(budget) * 10**9 for y in YEARS},
            is_priority=bool(locations),
            locations=[Region.objects.get(pk=c) for c in locations],
        )
    risk_create(
        plan=plan,
        risk="Data sasaran tidak mutakhir",
        cause="Pemutakhiran DTSEN terlambat",
        impact="Bantuan salah sasaran",
        likelihood=3,
        mitigation="Verifikasi musyawarah kelurahan setiap triwulan",
        owner="Pengelola Data",
    )
    return plan


def _rat(rpkd: Plan, year: int) -> Plan:
    rat = plan_create(
        kind=PlanKind.RAT, title=f"RAT Provinsi DKI Jakarta {year}", year_start=year, rpkd=rpkd
    )
    for code, name, _klaster, _strategy, opd, budget, locations in PROGRAMMES:
        programme = rpkd.programmes.get(code=code)
        total = D(budget) * 10**9
        top = matrix_row_save(
            plan=rat,
            by=None,
            data={
                "level": "program",
                "code": code,
                "name": name,
                "opd": _org(opd),
                "rpkd_programme": programme,
                "budget": total,
                "source_of_funds": "APBD",
            },
        )
        matrix_row_save(
            plan=rat,
            by=None,
            data={
                "level": "subkegiatan",
                "code": f"{code}.1.1",
                "name": f"Penyaluran {name}",
                "parent": top,
                "opd": _org(opd),
                "indicator": "Rumah tangga sasaran terlayani",
                "unit": "rumah tangga",
                "direction": "higher",
                "baseline": D("1000"),
                "target": D("1200"),
                "target_q1": D("300"),
                "target_q2": D("600"),
                "target_q3": D("900"),
                "target_q4": D("1200"),
                "budget": total,
                "source_of_funds": "APBD",
                "target_group": "Desil 1–4",
                "locations": [Region.objects.get(pk=c) for c in locations],
            },
        )
    return rat


@transaction.atomic
def demo_plans_load() -> int:
    if Plan.objects.exists():
        return 0
    rpkd = _rpkd()
    for plan, number, day in ((rpkd, "Kepgub 123 Tahun 2025", date(2025, 5, 15)),):
        plan.decree_number, plan.decree_date, plan.stage = number, day, Stage.ENACTED
        plan.save()
        plan_snapshot(plan=plan, by=None)
    rat26 = _rat(rpkd, 2026)
    rat26.decree_number, rat26.decree_date, rat26.stage = (
        "Kepgub 456 Tahun 2025",
        date(2025, 7, 4),
        Stage.ENACTED,
    )
    rat26.save()
    plan_snapshot(plan=rat26, by=None)
    _rat(rpkd, 2027)
    return 3
