from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.processes.engine import DiagramError
from tkpk.processes.models import (
    HumanTask,
    InstanceStatus,
    Notification,
    ProcessNode,
    ProcessVersion,
    TaskStatus,
)
from tkpk.processes.services import (
    human_task_complete,
    process_instance_start,
    process_tick,
    process_version_create,
)

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
OTHER = (DATA / "other_modeler.bpmn").read_text(encoding="utf-8")
RAKOR = "TKPK-02.01.CFM.01"


@pytest.fixture
def ketua(reference: None) -> User:
    user = user_create(
        username="hendra",
        full_name="Hendra Gunawan",
        password="x" * 12,
        email="hendra@tkpk.example",
    )
    membership_grant(user=user, role=Role.KETUA)
    return user


@pytest.fixture
def rakor_map(secretariat: User) -> ProcessVersion:
    node = ProcessNode.objects.get(pk=RAKOR)
    return process_version_create(node=node, xml=OTHER, by=secretariat, publish=True)


def _open(instance_id: int) -> list[HumanTask]:
    return list(HumanTask.objects.filter(instance_id=instance_id, status=TaskStatus.OPEN))


def test_a_plain_bpmn_from_another_modeler_imports_and_runs(
    rakor_map: ProcessVersion, secretariat: User, ketua: User
) -> None:
    assert rakor_map.number == 1 and rakor_map.process_id == "Process_Rakor"
    instance = process_instance_start(code=RAKOR, params={}, by=secretariat)
    (draft,) = _open(instance.pk)
    assert (draft.lane, draft.role, draft.decision_required) == (
        "Sekretariat TKPK",
        "sekretariat",
        False,
    )
    human_task_complete(task=draft, by=secretariat, comment="notulen terlampir")
    (approval,) = _open(instance.pk)
    assert approval.role == "ketua" and approval.decision_required

    human_task_complete(task=approval, by=ketua, decision="return", comment="lengkapi")
    (redraft,) = _open(instance.pk)
    assert redraft.step == "Task_Notulen" and redraft.pk != draft.pk  # the revision loop
    human_task_complete(task=redraft, by=secretariat)
    (approval2,) = _open(instance.pk)
    human_task_complete(task=approval2, by=ketua, decision="approve")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and _open(instance.pk) == []
    kinds = list(instance.events.values_list("kind", flat=True))
    assert kinds[0] == "started" and kinds[-1] == "completed"


def test_a_task_of_another_lane_cannot_be_completed(
    rakor_map: ProcessVersion, secretariat: User, opd_operator: User, ketua: User
) -> None:
    instance = process_instance_start(code=RAKOR, params={}, by=secretariat)
    (draft,) = _open(instance.pk)
    with pytest.raises(PermissionDenied):
        human_task_complete(task=draft, by=ketua)
    with pytest.raises(PermissionDenied):
        human_task_complete(task=draft, by=opd_operator)
    draft.refresh_from_db()
    assert draft.status == TaskStatus.OPEN


def test_an_approval_needs_a_decision_and_a_return_needs_a_reason(
    rakor_map: ProcessVersion, secretariat: User, ketua: User
) -> None:
    instance = process_instance_start(code=RAKOR, params={}, by=secretariat)
    human_task_complete(task=_open(instance.pk)[0], by=secretariat)
    approval = _open(instance.pk)[0]
    with pytest.raises(ValidationError):
        human_task_complete(task=approval, by=ketua)
    with pytest.raises(ValidationError):
        human_task_complete(task=approval, by=ketua, decision="return", comment=" ")
    assert _open(instance.pk) == [approval]


def test_publishing_a_new_version_leaves_running_instances_on_theirs(
    rakor_map: ProcessVersion, secretariat: User, ketua: User
) -> None:
    old = process_instance_start(code=RAKOR, params={}, by=secretariat)
    edited = OTHER.replace('name="Menyetujui notulen"', 'name="Mengesahkan notulen"')
    v2 = process_version_create(node=rakor_map.node, xml=edited, by=secretariat, publish=True)
    assert v2.number == 2
    new = process_instance_start(code=RAKOR, params={}, by=secretariat)
    assert (old.version_id, new.version_id) == (rakor_map.pk, v2.pk)
    human_task_complete(task=_open(old.pk)[0], by=secretariat)
    human_task_complete(task=_open(new.pk)[0], by=secretariat)
    assert _open(old.pk)[0].name == "Menyetujui notulen"
    assert _open(new.pk)[0].name == "Mengesahkan notulen"


def test_a_script_task_that_imports_is_refused_at_import_and_fails_safely_at_run_time(
    secretariat: User, rakor_map: ProcessVersion
) -> None:
    evil = OTHER.replace(
        '<userTask id="Task_Notulen" name="Menyusun notulen rapat" />',
        '<scriptTask id="Task_Notulen" name="Jahat"><script>x = __import__("os").getcwd()'
        "</script></scriptTask>",
    )
    with pytest.raises(DiagramError) as refused:
        process_version_create(node=rakor_map.node, xml=evil, by=secretariat)
    assert "Jahat" in " ".join(refused.value.problems)
    # Even if such a version were stored by other means, the engine will not run it.
    ProcessVersion.objects.filter(pk=rakor_map.pk).update(bpmn_xml=evil)
    with pytest.raises((DiagramError, ValidationError)):
        process_instance_start(code=RAKOR, params={}, by=secretariat)


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (('name="Ketua TKPK"', 'name="Tukang Kebun"'), "Tukang Kebun"),
        (("<definitions", "<definitionz"), "XML"),
        (('decision == "approve"', 'decision.__class__ == "approve"'), "decision.__class__"),
    ],
)
def test_a_broken_map_is_refused_with_a_plain_reason(
    rakor_map: ProcessVersion, secretariat: User, mutation: tuple[str, str], expected: str
) -> None:
    with pytest.raises(DiagramError) as refused:
        process_version_create(node=rakor_map.node, xml=OTHER.replace(*mutation), by=secretariat)
    assert expected in " ".join(refused.value.problems)
    assert ProcessVersion.objects.filter(node=rakor_map.node).count() == 1


def test_timers_send_exactly_one_reminder_and_one_escalation(
    rakor_map: ProcessVersion,
    secretariat: User,
    ketua: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    instance = process_instance_start(code=RAKOR, params={}, by=secretariat)
    task = _open(instance.pk)[0]
    today = timezone.localdate()
    HumanTask.objects.filter(pk=task.pk).update(due_date=today + timedelta(days=5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        process_tick()
        process_tick()
    reminders = Notification.objects.filter(task=task, kind__startswith="reminder")
    assert reminders.count() == 1 and reminders.get().user == secretariat
    with (
        time_machine.travel(timezone.now() + timedelta(days=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert process_tick().escalations == 1
        assert process_tick().escalations == 0
    escalations = Notification.objects.filter(task=task, kind="escalation")
    assert [n.user for n in escalations] == [ketua]  # the Sekretariat's supervisor
    # The secretariat persona has no e-mail address; the chair has one and gets one mail.
    assert [m.to for m in mail.outbox] == [[ketua.email]]


def test_parameters_are_checked(rakor_map: ProcessVersion, secretariat: User) -> None:
    with pytest.raises(ValidationError):
        process_instance_start(code=RAKOR, params={"plan_year": "dua ribu"}, by=secretariat)
    with pytest.raises(ValidationError):
        process_instance_start(code=RAKOR, params={"quarter": "5"}, by=secretariat)
    started = process_instance_start(
        code=RAKOR, params={"election_date": "2024-12-15"}, by=secretariat
    )
    assert started.params["election_date"] == "2024-12-15"
    assert started.params["started"] == timezone.localdate().isoformat()


def test_a_timer_in_the_map_fires_on_the_scheduler_tick(
    rakor_map: ProcessVersion, secretariat: User
) -> None:
    timed = (DATA / "with_timer.bpmn").read_text(encoding="utf-8")
    process_version_create(node=rakor_map.node, xml=timed, by=secretariat, publish=True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance = process_instance_start(code=RAKOR, params={}, by=secretariat)
        assert _open(instance.pk) == []  # waiting for the timer
        process_tick()
        assert _open(instance.pk) == []
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        process_tick()
    (task,) = _open(instance.pk)
    assert task.step == "Task_Notulen"


def test_a_map_saved_as_not_executable_with_camunda_properties_runs_with_its_deadlines(
    reference: None, secretariat: User, ketua: User
) -> None:
    camunda = (
        OTHER.replace('isExecutable="true"', 'isExecutable="false"')
        .replace("xmlns:xsi=", 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi=')
        .replace(
            '<userTask id="Task_Notulen" name="Menyusun notulen rapat" />',
            '<userTask id="Task_Notulen" name="Menyusun notulen rapat"><extensionElements>'
            '<camunda:properties><camunda:property name="deadline" value="add_days(started, 5)"/>'
            "</camunda:properties></extensionElements></userTask>",
        )
    )
    node = ProcessNode.objects.get(pk=RAKOR)
    process_version_create(node=node, xml=camunda, by=secretariat, publish=True)
    instance = process_instance_start(code=RAKOR, params={"started": "2026-03-02"}, by=secretariat)
    (task,) = _open(instance.pk)
    assert str(task.due_date) == "2026-03-07"
