from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.roles import Role
from tkpk.targeting.models import ColumnMapping, ImportJob, ImportStatus, Release
from tkpk.targeting.services import import_job_run
from tkpk.targeting.tests.test_import import HEADER, _rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def as_data(reference: None) -> Client:
    user = user_create(username="agus", full_name="Agus Prasetyo")
    membership_grant(user=user, role=Role.PENGELOLA_DATA)
    client = Client()
    client.force_login(user)
    return client


def _csv(rows: list[list[str]]) -> SimpleUploadedFile:
    text = "\n".join(",".join(r) for r in [HEADER, *rows])
    return SimpleUploadedFile("dtsen.csv", text.encode(), content_type="text/csv")


MAPPING = (
    "NIK=nik\nNO_KK=kk\nNAMA=name\nJK=sex\nTGL_LAHIR=birth_date\n"
    "KODE_KEL=kelurahan_code\nDESIL=desil"
)


def test_only_the_data_steward_and_the_secretariat_reach_the_releases(
    as_data: Client,
    as_secretariat: Client,
    as_opd: Client,
    as_verifier: Client,
    as_outsider: Client,
) -> None:
    url = reverse("targeting:releases")
    assert as_data.get(url).status_code == 200 and as_secretariat.get(url).status_code == 200
    for client in (as_opd, as_verifier, as_outsider):
        assert client.get(url).status_code == 403


def test_an_upload_queues_an_import_shows_progress_and_becomes_a_release(
    as_data: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_data.post(
            reverse("targeting:releases"),
            {"file": _csv(_rows(12)), "source": "DTSEN", "as_of": "2026-09-30", "mapping": MAPPING},
        )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("targeting:job", args=[job.pk])
    assert job.file_name == "dtsen.csv"  # as the user knows it, not the stored name
    assert len(callbacks) == 1  # the worker task is enqueued after the commit
    assert ColumnMapping.objects.get(source="DTSEN").mapping["NAMA"] == "name"
    waiting = as_data.get(reverse("targeting:job", args=[job.pk]))
    assert waiting.context["running"] and b'hx-trigger="every 1s"' in waiting.content
    import_job_run(job=job)  # what the worker does
    partial = as_data.get(reverse("targeting:job", args=[job.pk]), headers={"HX-Request": "true"})
    assert b"<html" not in partial.content and b"100%" in partial.content
    release = Release.objects.get()
    # The data steward prepares; the secretariat sets the current list.
    assert as_data.post(reverse("targeting:make_current", args=[release.pk])).status_code == 403
    release.refresh_from_db()
    assert not release.is_current


def test_a_rejected_import_offers_its_row_report(as_data: Client) -> None:
    rows = _rows(6)
    rows[2][6] = "0"
    as_data.post(
        reverse("targeting:releases"),
        {"file": _csv(rows), "source": "DTSEN", "as_of": "2026-09-30", "mapping": MAPPING},
    )
    job = import_job_run(job=ImportJob.objects.get())
    assert job.status == ImportStatus.REJECTED and not Release.objects.exists()
    report = as_data.get(reverse("targeting:job_report", args=[job.pk]))
    assert b"desil_invalid" in b"".join(report.streaming_content)  # type: ignore[attr-defined]


def test_a_bad_mapping_or_file_type_keeps_the_form(as_data: Client) -> None:
    response = as_data.post(
        reverse("targeting:releases"),
        {
            "file": SimpleUploadedFile("x.pdf", b"%PDF"),
            "source": "DTSEN",
            "as_of": "2026-09-30",
            "mapping": "NIK=nomor",
        },
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors.keys() == {"file", "mapping"}


def test_the_menu_shows_the_releases_only_to_the_data_roles(
    as_data: Client, as_opd: Client, opd_operator: User
) -> None:
    link = f'href="{reverse("targeting:releases")}"'
    assert link in as_data.get(reverse("core:home")).content.decode()
    # The OPD's menu has its own target-data pages (requests, lists) but not the releases.
    opd_home = as_opd.get(reverse("core:home")).content.decode()
    assert link not in opd_home and f'href="{reverse("targeting:requests")}"' in opd_home


def test_the_comparison_page_counts_households_added_removed_and_with_a_changed_desil(
    as_data: Client, as_opd: Client, as_outsider: Client
) -> None:
    rows = _rows(12)  # KK = 4 persons each: households 0, 1, 2
    releases = []
    for as_of, data in (
        ("2026-06-30", rows[:8]),  # households 0 and 1
        ("2026-09-30", [*rows[:4], *[[*r[:6], "1"] for r in rows[8:]]]),  # 0 kept, 1 gone, 2 new
    ):
        as_data.post(
            reverse("targeting:releases"),
            {"file": _csv(data), "source": "DTSEN", "as_of": as_of, "mapping": MAPPING},
        )
        job = import_job_run(job=ImportJob.objects.order_by("-pk").first())  # type: ignore[arg-type]
        assert job.release is not None
        releases.append(job.release)
    old, new = releases
    response = as_data.get(reverse("targeting:compare", args=[new.pk]))
    assert response.status_code == 200 and response.context["old"] == old
    assert response.context["totals"] == {"added": 1, "removed": 1, "desil_changed": 0}
    # Household 0 again, now in desil 1: a changed desil.
    as_data.post(
        reverse("targeting:releases"),
        {
            "file": _csv([[*r[:6], "1"] for r in rows[:4]]),
            "source": "DTSEN",
            "as_of": "2026-12-31",
            "mapping": MAPPING,
        },
    )
    job = import_job_run(job=ImportJob.objects.order_by("-pk").first())  # type: ignore[arg-type]
    assert job.release is not None
    response = as_data.get(reverse("targeting:compare", args=[job.release.pk]), {"dengan": old.pk})
    assert response.context["totals"] == {"added": 0, "removed": 1, "desil_changed": 1}
    for client in (as_opd, as_outsider):
        assert client.get(reverse("targeting:compare", args=[new.pk])).status_code == 403


def test_the_secretariat_confirms_the_current_release_after_seeing_the_change(
    as_data: Client, as_secretariat: Client
) -> None:
    for as_of, rows in (("2026-06-30", _rows(8)), ("2026-09-30", _rows(4))):
        as_data.post(
            reverse("targeting:releases"),
            {"file": _csv(rows), "source": "DTSEN", "as_of": as_of, "mapping": MAPPING},
        )
        import_job_run(job=ImportJob.objects.order_by("-pk").first())  # type: ignore[arg-type]
    old, new = Release.objects.order_by("as_of")
    as_secretariat.post(reverse("targeting:make_current", args=[old.pk]))
    page = as_secretariat.get(reverse("targeting:make_current", args=[new.pk]))
    assert page.status_code == 200 and page.context["totals"]["removed"] == 1
    new.refresh_from_db()
    assert not new.is_current  # looking is not confirming
    as_secretariat.post(reverse("targeting:make_current", args=[new.pk]))
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.is_current and not old.is_current
