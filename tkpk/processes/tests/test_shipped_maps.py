from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tkpk.accounts.models import Organisation, User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.processes.lanes import role_for_lane
from tkpk.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from tkpk.processes.services import (
    BPMN_DIR,
    human_task_complete,
    process_instance_start,
    process_maps_load,
    task_can_complete,
)
from tkpk.processes.validation import validate_bpmn
from tkpk.regions.models import Region

pytestmark = pytest.mark.django_db
CFMS = sorted(p.stem for p in BPMN_DIR.glob("*.bpmn"))
PARAMS = {
    "TKPK-01.01.CFM.01": {
        "period_start": "2025",
        "period_end": "2029",
        "election_date": "2024-12-15",
        "inauguration_date": "2025-02-20",
    },
    "TKPK-01.02.CFM.01": {"plan_year": "2027"},
    "TKPK-02.01.CFM.01": {"year": "2026", "quarter": "1"},
    "TKPK-02.02.CFM.01": {"jenis_fasilitasi": "pembaruan"},
    "TKPK-03.01.CFM.01": {"year": "2026"},
    "TKPK-03.02.CFM.01": {"year": "2026", "quarter": "2"},
    "TKPK-03.03.CFM.01": {"year": "2025"},
}


@pytest.fixture
def maps(reference: None) -> None:
    assert process_maps_load() == len(CFMS)


@pytest.fixture
def lane_users(reference: None) -> dict[str, User]:
    """One user per lane; OPD lanes are played by Dinsos and Disdik."""
    users: dict[str, User] = {}
    for role in Role:
        if role == Role.OPD:
            continue
        user = user_create(username=f"u-{role.value}", full_name=str(role.label))
        membership_grant(
            user=user,
            role=role,
            region=Region.objects.get(pk="31") if role == Role.WILAYAH else None,
        )
        users[role.value] = user
    for acronym in ("Dinsos", "Disdik"):
        org = Organisation.objects.get(acronym=acronym)
        user = user_create(username=f"u-{acronym}", full_name=acronym, organisation=org)
        membership_grant(user=user, role=Role.OPD, organisation=org)
        users[acronym] = user
    return users


def test_there_is_one_map_for_every_cfm_of_the_catalogue() -> None:
    assert list(PARAMS) == CFMS


@pytest.mark.parametrize("code", CFMS)
def test_every_shipped_map_validates_with_lanes_for_known_roles(code: str) -> None:
    parsed = validate_bpmn((BPMN_DIR / f"{code}.bpmn").read_text(encoding="utf-8"))
    assert parsed.user_tasks
    assert all(role_for_lane(t.lane) for t in parsed.user_tasks)
    assert all(t.properties.get("output") and t.properties.get("waktu") for t in parsed.user_tasks)
    assert not parsed.warnings  # every map has its diagram layout


def test_rat_2027_deadlines_follow_the_decree(maps: None, secretariat: User) -> None:
    instance = process_instance_start(
        code="TKPK-01.02.CFM.01", params={"plan_year": "2027"}, by=secretariat
    )
    by_name = {m["name"]: m for m in instance.milestones}
    start = next(m for m in instance.milestones if m["window_start"])
    assert (start["window_start"], start["due"]) == ("2025-12-01", "2025-12-07")
    assert by_name["Menyusun Rancangan Akhir RAT"]["due"] == "2026-05-31"
    assert by_name["Menetapkan Keputusan Gubernur tentang RAT"]["due"] == "2026-07-07"
    first = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert first.due_date == date(2025, 12, 7)


def test_rpkd_deadlines_follow_the_inauguration_date(maps: None, secretariat: User) -> None:
    instance = process_instance_start(
        code="TKPK-01.01.CFM.01", params=PARAMS["TKPK-01.01.CFM.01"], by=secretariat
    )
    by_name = {m["name"]: m["due"] for m in instance.milestones}
    assert by_name["Menyusun Rancangan Akhir RPKD"] == "2025-03-20"
    assert by_name["Menetapkan Keputusan Gubernur tentang RPKD"] == "2025-05-20"
    assert by_name["Menyusun Rancangan Teknokratik RPKD"] == "2024-12-14"


def _walk(instance: ProcessInstance, users: dict[str, User]) -> list[str]:
    """Complete every open task with a user of its lane; return each approval step once."""
    returned: set[str] = set()
    done: list[str] = []
    for _ in range(200):
        instance.refresh_from_db()
        if instance.status == InstanceStatus.COMPLETED:
            return done
        task = HumanTask.objects.filter(instance=instance, status=TaskStatus.OPEN).first()
        assert task is not None, "the instance waits but has no open task"
        user = users[task.organisation.acronym] if task.organisation else users[task.role]
        assert task_can_complete(task=task, user=user)
        decision = ""
        if task.decision_required:
            decision = "approve" if task.step in returned else "return"
            returned.add(task.step)
        human_task_complete(
            task=task,
            by=user,
            decision=decision,
            comment="perlu perbaikan" if decision == "return" else "",
        )
        done.append(f"{task.step}:{decision}")
    raise AssertionError("the walk did not finish")


@pytest.mark.parametrize("code", CFMS)
def test_a_full_walk_with_one_return_per_approval_completes_each_map(
    code: str, maps: None, lane_users: dict[str, User]
) -> None:
    params = {**PARAMS[code], "opds": ["Dinsos", "Disdik"]}
    instance = process_instance_start(code=code, params=params, by=lane_users["sekretariat"])
    steps = _walk(instance, lane_users)
    returns = [s for s in steps if s.endswith(":return")]
    approvals = [s for s in steps if s.endswith(":approve")]
    assert len(returns) == len(approvals) >= 1
    for returned in returns:  # after a return the map goes back and the step comes again
        step = returned.split(":")[0]
        assert f"{step}:approve" in approvals
    opd_tasks = HumanTask.objects.filter(instance=instance, organisation__isnull=False)
    assert {t.organisation.acronym for t in opd_tasks} <= {"Dinsos", "Disdik"}


def test_the_data_request_path_of_the_target_data_map(
    maps: None, lane_users: dict[str, User]
) -> None:
    instance = process_instance_start(
        code="TKPK-02.02.CFM.01",
        params={"jenis_fasilitasi": "permintaan", "opd": "Dinsos"},
        by=lane_users["sekretariat"],
    )
    first = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert first.role == "opd" and first.organisation.acronym == "Dinsos"  # type: ignore[union-attr]
    assert not task_can_complete(task=first, user=lane_users["Disdik"])
    _walk(instance, lane_users)


def test_a_map_needing_a_parameter_refuses_to_start_without_it(
    maps: None, secretariat: User
) -> None:
    from django.core.exceptions import ValidationError  # noqa: PLC0415

    with pytest.raises(ValidationError):
        process_instance_start(code="TKPK-02.02.CFM.01", params={}, by=secretariat)
    assert not ProcessInstance.objects.exists()


def test_loading_the_maps_again_publishes_nothing_new(maps: None) -> None:
    assert process_maps_load() == 0


def test_shipped_files_are_named_after_their_cfm() -> None:
    for path in BPMN_DIR.glob("*.bpmn"):
        assert Path(path).stem.count(".CFM.") == 1
