from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.processes.models import HumanTask, ProcessInstance, TaskAttachment, TaskStatus
from tkpk.processes.services import process_instance_start, process_maps_load

pytestmark = pytest.mark.django_db
RAT = "TKPK-01.02.CFM.01"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def maps(reference: None) -> None:
    process_maps_load()


@pytest.fixture
def rat(maps: None, secretariat: User) -> ProcessInstance:
    return process_instance_start(
        code=RAT, params={"plan_year": 2027, "opds": ["Dinsos", "Disdik"]}, by=secretariat
    )


def _open(instance: ProcessInstance) -> list[HumanTask]:
    return list(instance.tasks.filter(status=TaskStatus.OPEN).order_by("id"))


def test_the_secretariat_starts_a_rat_from_the_page_and_sees_its_calendar(
    maps: None, as_secretariat: Client
) -> None:
    url = reverse("processes:instances", args=[RAT])
    page = as_secretariat.get(url)
    assert "plan_year" in page.context["form"].fields
    response = as_secretariat.post(url, {"plan_year": "2027", "title": ""})
    instance = ProcessInstance.objects.get()
    assert response["Location"] == reverse("processes:instance", args=[instance.pk])
    detail = as_secretariat.get(response["Location"]).content.decode()
    assert "2026-05-31" in detail and "2026-07-07" in detail and "2025-12-07" in detail


def test_an_invalid_start_keeps_what_was_typed(maps: None, as_secretariat: Client) -> None:
    url = reverse("processes:instances", args=[RAT])
    response = as_secretariat.post(url, {"plan_year": "abc", "title": "RAT uji"})
    assert response.status_code == 200 and not ProcessInstance.objects.exists()
    assert 'value="RAT uji"' in response.content.decode()


def test_only_the_secretariat_may_start_an_instance(maps: None, as_opd: Client) -> None:
    url = reverse("processes:instances", args=[RAT])
    assert as_opd.get(url).context["form"] is None
    assert as_opd.post(url, {"plan_year": "2027"}).status_code == 403


def test_the_inbox_lists_the_users_own_tasks_overdue_first(
    rat: ProcessInstance,
    secretariat: User,
    as_secretariat: Client,
    opd_operator: User,
    as_opd: Client,
) -> None:
    (start,) = _open(rat)
    mine = as_secretariat.get(reverse("processes:inbox")).context["mine"]
    assert [t.pk for t in mine] == [start.pk]
    assert list(as_opd.get(reverse("processes:inbox")).context["mine"]) == []
    as_secretariat.post(reverse("processes:task", args=[start.pk]), {"comment": "mulai"})
    opd_tasks = list(as_opd.get(reverse("processes:inbox")).context["mine"])
    assert [t.organisation.acronym for t in opd_tasks] == ["Dinsos"]  # type: ignore[union-attr]


def test_the_task_screen_completes_with_a_comment_and_attachment(
    rat: ProcessInstance, as_secretariat: Client
) -> None:
    (start,) = _open(rat)
    upload = SimpleUploadedFile("undangan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = as_secretariat.post(
        reverse("processes:task", args=[start.pk]),
        {"comment": "undangan terkirim", "attachments": [upload]},
    )
    assert response.status_code == 302
    start.refresh_from_db()
    assert start.status == TaskStatus.COMPLETED and start.comment == "undangan terkirim"
    attachment = TaskAttachment.objects.get(task=start)
    assert attachment.name == "undangan.pdf"
    download = as_secretariat.get(
        reverse("processes:task_attachment", args=[start.pk, attachment.pk])
    )
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    assert {t.organisation.acronym for t in _open(rat)} == {"Dinsos", "Disdik"}  # type: ignore[union-attr]


def test_an_opd_cannot_complete_or_see_another_opds_task(
    rat: ProcessInstance,
    secretariat: User,
    as_secretariat: Client,
    as_opd: Client,
    as_outsider: Client,
) -> None:
    as_secretariat.post(reverse("processes:task", args=[_open(rat)[0].pk]), {"comment": "x"})
    disdik = next(t for t in _open(rat) if t.organisation.acronym == "Disdik")  # type: ignore[union-attr]
    assert as_opd.get(reverse("processes:task", args=[disdik.pk])).status_code == 404
    assert (
        as_opd.post(reverse("processes:task", args=[disdik.pk]), {"comment": "x"}).status_code
        == 404
    )
    assert as_outsider.get(reverse("processes:task", args=[disdik.pk])).status_code == 403
    disdik.refresh_from_db()
    assert disdik.status == TaskStatus.OPEN


def test_a_return_without_a_reason_is_refused_on_the_page(
    maps: None, secretariat: User, as_secretariat: Client, as_opd: Client
) -> None:
    ketua = user_create(username="ketua", full_name="Ketua", password="Rahasia-Uji-2026")
    membership_grant(user=ketua, role=Role.KETUA)
    instance = process_instance_start(
        code="TKPK-01.01.CFM.01", params={"opds": ["Dinsos"]}, by=secretariat
    )
    for _ in range(10):
        task = _open(instance)[0]
        if task.decision_required:
            break
        client = as_opd if task.role == "opd" else as_secretariat
        client.post(reverse("processes:task", args=[task.pk]), {"comment": "ok"})
    assert task.decision_required and task.role == "ketua"
    client = Client()
    client.force_login(ketua)
    response = client.post(reverse("processes:task", args=[task.pk]), {"decision": "return"})
    assert response.status_code == 200 and response.context["form"].errors["comment"]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_the_instance_page_shows_timeline_and_the_current_step(
    rat: ProcessInstance, as_opd: Client
) -> None:
    page = as_opd.get(reverse("processes:instance", args=[rat.pk]))
    assert page.context["diagram"]["open"] == [_open(rat)[0].step]
    assert "Dimulai" in page.content.decode()
    xml = as_opd.get(reverse("processes:instance_bpmn", args=[rat.pk]))
    assert xml.content.startswith(b"<?xml") and b"TKPK_01_02_CFM_01" in xml.content


def test_the_outsider_is_refused_every_work_page(rat: ProcessInstance, as_outsider: Client) -> None:
    for url in (
        reverse("processes:inbox"),
        reverse("processes:instance", args=[rat.pk]),
        reverse("processes:instances", args=[RAT]),
        reverse("processes:sop", args=[RAT]),
        reverse("processes:sop_download", args=[RAT, "pdf"]),
        reverse("processes:notifications"),
    ):
        assert as_outsider.get(url).status_code == 403, url


def test_the_sop_table_has_a_column_per_actor_and_the_quality_standard(
    maps: None, as_opd: Client
) -> None:
    page = as_opd.get(reverse("processes:sop", args=[RAT]))
    sop = page.context["sop"]
    assert sop.code == "TKPK-01.02.CFM.01.SOP.01"
    assert "Sekretariat TKPK" in sop.lanes and "Gubernur" in sop.lanes
    final = next(r for r in sop.rows if r.description == "Menyusun Rancangan Akhir RAT")
    assert final.lane == "Tim Penyusun" and final.output and final.waktu
    decision = next(r for r in sop.rows if r.symbol == "decision")
    assert "approve" in decision.keterangan or ":" in decision.keterangan
    row_cells = next(i["cells"] for i in page.context["rows"] if i["row"] is final)
    assert row_cells.count("▭") == 1 and row_cells[sop.lanes.index("Tim Penyusun")] == "▭"


def test_the_sop_downloads_as_a_pdf_and_a_docx_that_open(maps: None, as_opd: Client) -> None:
    pdf = as_opd.get(reverse("processes:sop_download", args=[RAT, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "sop-rat.pdf"
    pdf_path.write_bytes(pdf.content)
    raw = subprocess.run(  # noqa: S603
        ["pdftotext", str(pdf_path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = " ".join(raw.split())
    assert "STANDAR OPERASIONAL PROSEDUR" in text and "Menyusun Rancangan Akhir RAT" in text
    subprocess.run(  # noqa: S603
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf_path),  # noqa: S607
            str(ARTIFACTS / "sop-rat"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "sop-rat-1.png").stat().st_size > 5000

    docx = as_opd.get(reverse("processes:sop_download", args=[RAT, "docx"]))
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        body = archive.read("word/document.xml").decode()
    assert "Mutu Baku" in body and "Menyusun Rancangan Akhir RAT" in body and "Kelengkapan" in body


def test_demo_instances_load_once(maps: None) -> None:
    from tkpk.accounts.demo import demo_load  # noqa: PLC0415
    from tkpk.processes.demo import DEMO_INSTANCES, demo_processes_load  # noqa: PLC0415

    demo_load()
    assert demo_processes_load() == len(DEMO_INSTANCES)
    assert demo_processes_load() == 0
    assert ProcessInstance.objects.count() == len(DEMO_INSTANCES)


def test_the_instance_page_shows_every_task_to_the_secretariat_and_only_its_own_to_an_opd(
    rat: ProcessInstance, as_secretariat: Client, as_opd: Client
) -> None:
    as_secretariat.post(reverse("processes:task", args=[_open(rat)[0].pk]), {"comment": "x"})
    url = reverse("processes:instance", args=[rat.pk])
    seen_by_secretariat = {
        t.organisation.acronym for t in as_secretariat.get(url).context["tasks"] if t.organisation
    }
    seen_by_opd = {
        t.organisation.acronym for t in as_opd.get(url).context["tasks"] if t.organisation
    }
    assert seen_by_secretariat == {"Dinsos", "Disdik"}
    assert seen_by_opd == {"Dinsos"}


def test_a_reminder_appears_on_the_notifications_page_and_opens_its_task(
    rat: ProcessInstance, secretariat: User, as_secretariat: Client
) -> None:
    from django.utils import timezone  # noqa: PLC0415

    from tkpk.processes.models import Notification  # noqa: PLC0415
    from tkpk.processes.services import process_tick  # noqa: PLC0415

    task = _open(rat)[0]
    HumanTask.objects.filter(pk=task.pk).update(due_date=timezone.localdate())
    process_tick()
    page = as_secretariat.get(reverse("processes:notifications"))
    (note,) = page.context["page"].object_list
    assert note.task == task and note.read_at is None
    opened = as_secretariat.post(reverse("processes:notification_read", args=[note.pk]))
    assert opened["Location"] == reverse("processes:task", args=[task.pk])
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_a_step_bound_to_its_own_page_links_there_and_refuses_the_generic_form(
    maps: None, as_opd: Client, opd_operator: User
) -> None:
    instance = process_instance_start(
        code="TKPK-02.02.CFM.01",
        params={"jenis_fasilitasi": "permintaan", "opd": "Dinsos"},
        by=opd_operator,
    )
    (task,) = _open(instance)
    assert task.screen == "targeting.request"
    page = as_opd.get(reverse("processes:task", args=[task.pk]))
    assert page.status_code == 200 and b'data-testid="task-form"' not in page.content
    assert page.context["exclusive"]
    response = as_opd.post(reverse("processes:task", args=[task.pk]), {"comment": "selesai"})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
