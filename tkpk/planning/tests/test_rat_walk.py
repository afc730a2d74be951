"""RAT 2027 from start to enactment by the personas, the process and the plan together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.models import Plan, PlanKind, Stage
from tkpk.planning.services import matrix_row_save, plan_enact, plan_stage_finish
from tkpk.processes.models import HumanTask, InstanceStatus, TaskStatus
from tkpk.processes.services import human_task_complete, process_instance_start, process_maps_load

pytestmark = pytest.mark.django_db


def _user(username: str, role: Role) -> User:
    user = user_create(username=username, full_name=username.title())
    membership_grant(user=user, role=role)
    return user


def _open(instance_id: int) -> list[HumanTask]:
    return list(
        HumanTask.objects.filter(instance_id=instance_id, status=TaskStatus.OPEN)
        .select_related("organisation")
        .order_by("id")
    )


def test_a_full_rat_2027_walk_from_proposals_to_enactment(
    reference: None, secretariat: User, opd_operator: User, other_opd_operator: User
) -> None:
    demo_plans_load()
    process_maps_load()
    penyusun, ketua = _user("dewi", Role.TIM_PENYUSUN), _user("hendra", Role.KETUA)
    hukum, gubernur = _user("maria", Role.BIRO_HUKUM), _user("ahmad", Role.GUBERNUR)
    opds = {"Dinsos": opd_operator, "Disdik": other_opd_operator}
    instance = process_instance_start(
        code="TKPK-01.02.CFM.01", params={"plan_year": 2027, "opds": list(opds)}, by=secretariat
    )
    rat = Plan.objects.get(kind=PlanKind.RAT, year_start=2027)

    human_task_complete(task=_open(instance.pk)[0], by=secretariat, comment="usulan diminta")
    # Proposals: each OPD edits its own row, and only its own, then completes its task.
    for task in _open(instance.pk):
        acronym = task.organisation.acronym  # type: ignore[union-attr]
        code = {"Dinsos": "P1.1.1", "Disdik": "P2.1.1"}[acronym]
        row = rat.matrix.get(code=code)
        matrix_row_save(
            plan=rat,
            by=opds[acronym],
            row=row,
            lock_version=row.lock_version,
            data={"target": Decimal("1500"), "target_q4": Decimal("1500")},
        )
        foreign = rat.matrix.get(code={"Dinsos": "P2.1.1", "Disdik": "P1.1.1"}[acronym])
        with pytest.raises(PermissionDenied):
            matrix_row_save(
                plan=rat,
                by=opds[acronym],
                row=foreign,
                lock_version=foreign.lock_version,
                data={"target": Decimal("1")},
            )
        human_task_complete(task=task, by=opds[acronym])

    # Consolidation: the drafting team finishes the Rancangan Awal in the plan screen.
    (drafting,) = _open(instance.pk)
    assert drafting.screen == "planning.plan"
    plan_stage_finish(plan=rat, by=penyusun)
    rat.refresh_from_db()
    assert rat.instance == instance and rat.stage == Stage.AKHIR
    human_task_complete(task=_open(instance.pk)[0], by=secretariat, comment="rakor 12 Maret")
    for task in _open(instance.pk):
        human_task_complete(task=task, by=opds[task.organisation.acronym])  # type: ignore[union-attr]
    plan_stage_finish(plan=rat, by=penyusun)  # Rancangan Akhir done
    rat.refresh_from_db()
    assert rat.stage == Stage.PENETAPAN

    # The Ketua returns it: the drafting step and the plan's stage come back.
    (approval,) = _open(instance.pk)
    human_task_complete(task=approval, by=ketua, decision="return", comment="lengkapi lokasi")
    rat.refresh_from_db()
    assert rat.stage == Stage.AKHIR and _open(instance.pk)[0].screen == "planning.plan"
    plan_stage_finish(plan=rat, by=penyusun)
    human_task_complete(task=_open(instance.pk)[0], by=ketua, decision="approve")
    human_task_complete(task=_open(instance.pk)[0], by=hukum, comment="rancangan Kepgub")

    # Enactment in the plan screen completes the Governor's step and locks the plan.
    (enactment,) = _open(instance.pk)
    assert enactment.screen == "planning.enact"
    plan_enact(
        plan=rat, decree_number="Kepgub 789 Tahun 2026", decree_date=date(2026, 7, 3), by=gubernur
    )
    enactment.refresh_from_db()
    assert enactment.status == TaskStatus.COMPLETED and rat.is_locked
    human_task_complete(task=_open(instance.pk)[0], by=secretariat, comment="dipublikasikan")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert [s.stage for s in rat.snapshots.all()] == ["awal", "akhir", "akhir", "ditetapkan"]
    assert rat.snapshots.last().data["matrix"]["P1.1.1"]["target"] == "1500"  # type: ignore[union-attr]
