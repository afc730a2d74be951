from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tkpk.accounts.models import User
from tkpk.processes.models import HumanTask, ProcessVersion, TaskStatus
from tkpk.processes.services import process_maps_load

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def maps(reference: None) -> None:
    process_maps_load()


def test_process_list_shows_the_catalogue_with_versions(maps: None) -> None:
    rows = json.loads(run("process_list", "--json"))
    rat = next(r for r in rows if r["code"] == "TKPK-01.02.CFM.01")
    assert rat["version"] == 1 and rat["kind"] == "cfm"
    assert "TKPK-03.03.CFM.01" in run("process_list")


def test_process_start_prints_the_instance_and_its_deadline_calendar(maps: None) -> None:
    out = json.loads(
        run("process_start", "TKPK-01.02.CFM.01", "--param", "plan_year=2027", "--json")
    )
    assert isinstance(out["instance"], int)
    dues = {m["name"]: m["due"] for m in out["milestones"]}
    assert dues["Menyusun Rancangan Akhir RAT"] == "2026-05-31"
    assert dues["Menetapkan Keputusan Gubernur tentang RAT"] == "2026-07-07"
    first = out["milestones"][0]
    assert set(first) == {"step", "name", "lane", "due"} and first["due"] == "2025-12-07"
    rpkd = json.loads(
        run(
            "process_start",
            "TKPK-01.01.CFM.01",
            "--param",
            "inauguration_date=2025-02-20",
            "--param",
            "election_date=2024-12-15",
            "--param",
            "period_start=2025",
            "--param",
            "period_end=2029",
            "--json",
        )
    )
    dues = {m["name"]: m["due"] for m in rpkd["milestones"]}
    assert dues["Menyusun Rancangan Akhir RPKD"] == "2025-03-20"
    assert dues["Menetapkan Keputusan Gubernur tentang RPKD"] == "2025-05-20"


def test_bad_parameters_are_a_clear_error(maps: None) -> None:
    with pytest.raises(CommandError, match="plan_year"):
        run("process_start", "TKPK-01.02.CFM.01", "--param", "plan_year=abc")
    with pytest.raises(CommandError, match="KEY=VALUE"):
        run("process_start", "TKPK-01.02.CFM.01", "--param", "plan_year")


def test_tasks_are_listed_and_completed_only_by_their_lane(
    maps: None, secretariat: User, opd_operator: User
) -> None:
    started = json.loads(
        run(
            "process_start",
            "TKPK-01.02.CFM.01",
            "--param",
            "plan_year=2027",
            "--param",
            "opds=Dinsos",
            "--json",
        )
    )
    tasks = json.loads(run("process_tasks", "--instance", str(started["instance"]), "--json"))
    assert len(tasks) == 1 and tasks[0]["lane"] == "Sekretariat TKPK" and tasks[0]["due"]
    with pytest.raises(CommandError, match="refused"):
        run("process_complete", str(tasks[0]["id"]), "--as", opd_operator.username)
    assert "completed" in run("process_complete", str(tasks[0]["id"]), "--as", secretariat.username)
    assert HumanTask.objects.get(pk=tasks[0]["id"]).status == TaskStatus.COMPLETED
    after = json.loads(run("process_tasks", "--instance", str(started["instance"]), "--json"))
    assert [t["lane"] for t in after] == ["Perangkat Daerah (OPD)"]


def test_process_tick_reports_what_it_did(maps: None, secretariat: User) -> None:
    run("process_start", "TKPK-01.02.CFM.01", "--param", "plan_year=2027")
    out = run("process_tick")
    assert out.startswith("instances: 1,") and "escalations: 1" in out


def test_process_import_validates_like_the_upload_page(maps: None, tmp_path: Path) -> None:
    good = DATA / "other_modeler.bpmn"
    out = run("process_import", "TKPK-02.01.CFM.01", str(good), "--publish", "--note", "uji")
    assert "published as v2" in out
    bad = tmp_path / "bad.bpmn"
    bad.write_text(good.read_text().replace('name="Ketua TKPK"', 'name="Tukang Kebun"'))
    with pytest.raises(CommandError, match="Tukang Kebun"):
        run("process_import", "TKPK-02.01.CFM.01", str(bad))
    assert ProcessVersion.objects.filter(node_id="TKPK-02.01.CFM.01").count() == 2
