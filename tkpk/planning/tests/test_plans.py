from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import MatrixRow, Plan, PlanKind, Stage
from tkpk.planning.services import (
    ConcurrentEditError,
    PlanLockedError,
    matrix_row_save,
    plan_budget_by_opd,
    plan_checks,
    plan_enact,
    plan_stage_finish,
    section_save,
)
from tkpk.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(reference: None) -> dict[str, Plan]:
    assert demo_plans_load() == 3
    return {
        "rpkd": Plan.objects.get(kind=PlanKind.RPKD),
        "rat26": Plan.objects.get(kind=PlanKind.RAT, year_start=2026),
        "rat27": Plan.objects.get(kind=PlanKind.RAT, year_start=2027),
    }


@pytest.fixture
def penyusun(reference: None) -> User:
    user = user_create(username="dewi", full_name="Dewi Lestari")
    membership_grant(user=user, role=Role.TIM_PENYUSUN)
    return user


def _row(plan: Plan, code: str) -> MatrixRow:
    return plan.matrix.get(code=code)


def test_demo_plans_are_an_enacted_rpkd_an_enacted_rat_and_a_rat_in_drafting(
    plans: dict[str, Plan],
) -> None:
    assert plans["rpkd"].is_locked and plans["rat26"].is_locked
    assert plans["rat27"].stage == Stage.AWAL and plans["rat27"].rpkd == plans["rpkd"]
    assert plan_checks(plan=plans["rat27"]) == []
    assert demo_plans_load() == 0


def test_an_opd_edits_its_own_rows_and_not_another_opds(
    plans: dict[str, Plan], opd_operator: User, other_opd_operator: User
) -> None:
    own = _row(plans["rat27"], "P1.1.1")  # Dinsos
    matrix_row_save(
        plan=plans["rat27"],
        by=opd_operator,
        row=own,
        lock_version=own.lock_version,
        data={"target": Decimal("1300"), "target_q4": Decimal("1300")},
    )
    assert _row(plans["rat27"], "P1.1.1").target == Decimal("1300")
    other = _row(plans["rat27"], "P2.1.1")  # Disdik
    with pytest.raises(PermissionDenied):
        matrix_row_save(
            plan=plans["rat27"],
            by=opd_operator,
            row=other,
            lock_version=other.lock_version,
            data={"target": Decimal("1")},
        )
    with pytest.raises(PermissionDenied):  # nor move a row to itself
        matrix_row_save(
            plan=plans["rat27"],
            by=other_opd_operator,
            row=own,
            lock_version=own.lock_version + 1,
            data={"opd": Organisation.objects.get(acronym="Disdik")},
        )
    assert _row(plans["rat27"], "P2.1.1").target == Decimal("1200")


def test_a_second_save_from_a_stale_copy_is_refused_with_a_clear_message(
    plans: dict[str, Plan], opd_operator: User, penyusun: User
) -> None:
    row = _row(plans["rat27"], "P1.1.1")
    read_by_both = row.lock_version
    matrix_row_save(
        plan=plans["rat27"],
        by=penyusun,
        row=row,
        lock_version=read_by_both,
        data={"name": "Penyaluran bantuan (versi Dewi)"},
    )
    with pytest.raises(ConcurrentEditError) as refused:
        matrix_row_save(
            plan=plans["rat27"],
            by=opd_operator,
            row=row,
            lock_version=read_by_both,
            data={"name": "Versi Budi"},
        )
    assert "Dewi Lestari" in str(refused.value)
    assert _row(plans["rat27"], "P1.1.1").name == "Penyaluran bantuan (versi Dewi)"
    section = plans["rat27"].sections.get(key="pendahuluan")
    version = section.lock_version
    section_save(section=section, body="<p>A</p>", lock_version=version, by=penyusun)
    with pytest.raises(ConcurrentEditError):
        section_save(section=section, body="<p>B</p>", lock_version=version, by=penyusun)


def test_findings_name_a_programme_without_rpkd_parent_and_an_unknown_location(
    plans: dict[str, Plan], penyusun: User
) -> None:
    rat = plans["rat27"]
    matrix_row_save(
        plan=rat,
        by=penyusun,
        data={
            "level": "program",
            "code": "P9",
            "name": "Program tanpa induk",
            "opd": Organisation.objects.get(acronym="Dinkes"),
            "budget": Decimal("0"),
            "locations": [Region.objects.get(pk="31.73.04")],  # a kecamatan, not a kelurahan
        },
    )
    kinds = {(f.kind, f.code) for f in plan_checks(plan=rat)}
    assert ("alignment", "P9") in kinds and ("location", "P9") in kinds


def test_findings_flag_targets_off_the_rpkd_trajectory_unless_explained(
    plans: dict[str, Plan], penyusun: User
) -> None:
    rat = plans["rat27"]
    p0 = plans["rpkd"].goals.get(code="T1").targets.get(code="T1.1")
    row = matrix_row_save(
        plan=rat,
        by=penyusun,
        data={
            "level": "subkegiatan",
            "code": "P1.9",
            "name": "Penurunan P0",
            "parent": _row(rat, "P1"),
            "opd": Organisation.objects.get(acronym="Dinsos"),
            "indicator": "P0",
            "unit": "persen",
            "direction": "lower",
            "baseline": Decimal("4.3"),
            "rpkd_target": p0,
            "target": Decimal("3.95"),
            "budget": Decimal("0"),
        },
    )
    assert any(f.kind == "trajectory" for f in plan_checks(plan=rat))  # 3.95 > 3.80 planned
    matrix_row_save(
        plan=rat,
        by=penyusun,
        row=row,
        lock_version=row.lock_version,
        data={"deviation_note": "Dampak kenaikan harga pangan 2026"},
    )
    assert not any(f.kind == "trajectory" for f in plan_checks(plan=rat))


def test_budget_sums_are_checked_and_totalled_per_opd(
    plans: dict[str, Plan], penyusun: User
) -> None:
    rat = plans["rat27"]
    top = _row(rat, "P3")
    matrix_row_save(
        plan=rat,
        by=penyusun,
        row=top,
        lock_version=top.lock_version,
        data={"budget": top.budget + 1},
    )
    assert [f.code for f in plan_checks(plan=rat) if f.kind == "budget"] == ["P3"]
    assert plan_budget_by_opd(plan=rat)["Disnakertransgi"] == Decimal("120000000001")


def test_stages_freeze_snapshots_and_enactment_locks_the_plan(
    plans: dict[str, Plan], penyusun: User, secretariat: User
) -> None:
    rat = plans["rat27"]
    plan_stage_finish(plan=rat, by=penyusun)
    assert rat.stage == Stage.AKHIR
    assert rat.snapshots.get().data["matrix"]["P1.1.1"]["target"] == "1200"
    plan_stage_finish(plan=rat, by=penyusun)
    with pytest.raises(ValidationError):
        plan_stage_finish(plan=rat, by=penyusun)  # enactment needs a decree
    plan_enact(
        plan=rat,
        decree_number="Kepgub 789 Tahun 2026",
        decree_date=date(2026, 7, 3),
        by=secretariat,
    )
    assert rat.is_locked and rat.snapshots.count() == 3
    row = _row(rat, "P1.1.1")
    with pytest.raises(PlanLockedError):
        matrix_row_save(
            plan=rat,
            by=penyusun,
            row=row,
            lock_version=row.lock_version,
            data={"target": Decimal("1")},
        )


def test_an_opd_cannot_finish_a_stage_or_enact(plans: dict[str, Plan], opd_operator: User) -> None:
    with pytest.raises(PermissionDenied):
        plan_stage_finish(plan=plans["rat27"], by=opd_operator)
    with pytest.raises(PermissionDenied):
        plan_enact(
            plan=plans["rat27"], decree_number="x", decree_date=date(2026, 7, 1), by=opd_operator
        )


def test_finishing_a_stage_in_the_plan_completes_the_drafting_task_of_its_process(
    plans: dict[str, Plan], penyusun: User, secretariat: User, opd_operator: User
) -> None:
    from tkpk.processes.models import HumanTask, TaskStatus  # noqa: PLC0415
    from tkpk.processes.services import (  # noqa: PLC0415
        human_task_complete,
        process_instance_start,
        process_maps_load,
    )

    process_maps_load()
    instance = process_instance_start(
        code="TKPK-01.02.CFM.01", params={"plan_year": 2028, "opds": ["Dinsos"]}, by=secretariat
    )
    from tkpk.planning.services import plan_create  # noqa: PLC0415

    rat = plan_create(
        kind=PlanKind.RAT, title="RAT 2028", year_start=2028, rpkd=plans["rpkd"], by=secretariat
    )
    assert rat.instance == instance
    human_task_complete(
        task=HumanTask.objects.get(instance=instance, status="open"), by=secretariat
    )
    human_task_complete(
        task=HumanTask.objects.get(instance=instance, status="open"), by=opd_operator
    )
    drafting = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert drafting.screen == "planning.plan" and drafting.role == "tim_penyusun"
    plan_stage_finish(plan=rat, by=penyusun)
    drafting.refresh_from_db()
    assert drafting.status == TaskStatus.COMPLETED and drafting.completed_by == penyusun
    nxt = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert nxt.name == "Menyelenggarakan Rapat Koordinasi Rencana Aksi"


def test_an_enacted_plan_is_amended_through_a_new_version_never_edited(
    plans: dict[str, Plan], secretariat: User, penyusun: User
) -> None:
    from tkpk.planning.services import plan_amend, plan_serialize  # noqa: PLC0415

    rat26 = plans["rat26"]
    before = plan_serialize(rat26)
    amendment = plan_amend(plan=rat26, by=secretariat)
    assert amendment.amends == rat26 and not amendment.is_locked
    copy = plan_serialize(amendment)
    assert copy["matrix"] == before["matrix"] and copy["sections"] == before["sections"]
    row = amendment.matrix.get(code="P1.1.1")
    assert row.parent is not None and row.parent.plan == amendment
    matrix_row_save(
        plan=amendment,
        by=penyusun,
        row=row,
        lock_version=row.lock_version,
        data={"target": Decimal("1400"), "target_q4": Decimal("1400")},
    )
    assert plan_serialize(rat26) == before  # the enacted plan did not move
    rpkd_copy = plan_amend(plan=plans["rpkd"], by=secretariat)
    assert plan_serialize(rpkd_copy)["programmes"] == plan_serialize(plans["rpkd"])["programmes"]
    with pytest.raises(ValidationError):
        plan_amend(plan=amendment, by=secretariat)


def test_creating_rpkd_content_is_checked_and_audited_whoever_calls_the_service(
    reference: None, penyusun: User
) -> None:
    from tkpk.core.models import AuditEvent  # noqa: PLC0415
    from tkpk.planning.services import (  # noqa: PLC0415
        goal_create,
        plan_create,
        programme_create,
        strategy_create,
    )

    rpkd = plan_create(
        kind=PlanKind.RPKD, title="RPKD 2030-2034", year_start=2030, year_end=2034, by=penyusun
    )
    goal = goal_create(plan=rpkd, code="T1", text="Tujuan uji", by=penyusun)
    assert AuditEvent.objects.filter(
        action="planning.goal_created", object_id=str(goal.pk)
    ).exists()
    strategy = strategy_create(plan=rpkd, code="S1", kind="a", text="Strategi", by=penyusun)
    dinsos = Organisation.objects.get(acronym="Dinsos")
    with pytest.raises(ValidationError):  # a year outside 2030-2034
        programme_create(
            plan=rpkd,
            code="P1",
            name="Uji",
            klaster=1,
            strategy=strategy,
            opd=dinsos,
            budgets={2029: Decimal(1)},
            by=penyusun,
        )
    with pytest.raises(ValidationError):  # a kecamatan is not a priority kelurahan
        programme_create(
            plan=rpkd,
            code="P1",
            name="Uji",
            klaster=1,
            strategy=strategy,
            opd=dinsos,
            budgets={},
            locations=[Region.objects.get(pk="31.73.04")],
            by=penyusun,
        )
    assert not rpkd.programmes.exists()
    programme_create(
        plan=rpkd,
        code="P1",
        name="Uji",
        klaster=1,
        strategy=strategy,
        opd=dinsos,
        budgets={2030: Decimal(5)},
        by=penyusun,
    )
    assert AuditEvent.objects.filter(action="planning.programme_created").count() == 1
