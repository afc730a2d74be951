"""Musyawarah kelurahan: flagged households, decisions, berita acara, process step, next list."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import KELURAHAN_KALI_ANYAR
from tkpk.accounts.models import User
from tkpk.accounts.services import membership_grant, user_create
from tkpk.core.models import AuditEvent
from tkpk.core.roles import Role
from tkpk.processes.models import HumanTask, ProcessNode, TaskStatus
from tkpk.processes.services import (
    BPMN_DIR,
    human_task_complete,
    process_instance_start,
    process_version_create,
)
from tkpk.regions.models import Region
from tkpk.targeting.models import (
    ImportStatus,
    Musyawarah,
    Release,
    VerificationDecision,
    VerificationDecisionKind,
)
from tkpk.targeting.nik_rules import nik_build
from tkpk.targeting.services import import_job_create, import_job_run
from tkpk.targeting.services_verification import (
    MUSYAWARAH_STEP,
    PROCESS_CODE,
    flagged_counts,
    flagged_households,
    musyawarah_submit,
    release_apply_verifications,
    verification_candidate_add,
    verification_decision_save,
)
from tkpk.targeting.tests.factories import release_make

pytestmark = pytest.mark.django_db
K = KELURAHAN_KALI_ANYAR  # the verifier's kelurahan (31.73.04.1002)
K2 = "31.73.04.1001"  # a neighbour in the same kecamatan
ELSEWHERE = "31.71.01.1001"
HEADER = ["nik", "kk", "name", "sex", "birth_date", "kelurahan_code", "desil", "relationship"]
PLACEHOLDER = "9999999999999940"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _kk(n: int) -> str:
    return f"317304{n:010d}"


def _person(
    kk: int,
    serial: int,
    born: date,
    *,
    kel: str,
    desil: int,
    female: bool = False,
    nik: str | None = None,
    head: bool = True,
) -> list[str]:
    return [
        nik or nik_build(area="317304", born=born, female=female, serial=serial),
        _kk(kk),
        f"WARGA {kk} {serial}",
        "P" if female else "L",
        born.isoformat(),
        kel,
        str(desil),
        "KEPALA KELUARGA" if head else "ANAK",
    ]


def _rows(*, new: bool) -> list[list[str]]:
    """The constructed case; `new` is the later release."""
    b = date(1980, 5, 17)
    rows = [
        _person(1, 1, b, kel=K, desil=2),  # H1: unchanged, not flagged
        _person(1, 2, date(2010, 1, 2), kel=K, desil=2, female=True, head=False),
        _person(2, 3, b, kel=K, desil=5 if new else 3),  # H2: desil changed
        _person(2, 4, date(2012, 2, 3), kel=K, desil=5 if new else 3, head=False),
        _person(4, 6, b, kel=K, desil=1),  # H4: a placeholder NIK in the new release
        _person(
            4, 7, date(2015, 3, 4), kel=K, desil=1, head=False, nik=PLACEHOLDER if new else None
        ),
        _person(5, 8, date(1920, 3, 15), kel=K, desil=1),  # H5: aged 106
        _person(5, 9, date(1950, 4, 5), kel=K, desil=1, female=True, head=False),
        _person(6, 10, b, kel=K, desil=2),  # H6: the KK is also in K2, desil 2
        _person(6, 11, date(2005, 6, 7), kel=K2, desil=2, head=False),
        _person(7, 12, b, kel=K, desil=7),  # H7: also in K2 but desil 7: not flagged
        _person(7, 13, date(2006, 7, 8), kel=K2, desil=7, head=False),
        _person(8, 14, b, kel=K2, desil=2, nik=PLACEHOLDER[:-1] + "1" if new else None),
    ]
    if new:
        rows.append(_person(3, 5, b, kel=K, desil=4))  # H3: new household
    return rows


def _import(tmp_path: Path, rows: list[list[str]], as_of: date) -> Release:
    path = tmp_path / f"registry-{as_of:%Y%m%d}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    job = import_job_run(
        job=import_job_create(path=path, source="DTSEN", as_of=as_of, mapping={}, by=None)
    )
    assert job.status == ImportStatus.DONE, job.message
    assert job.release is not None
    return job.release


@dataclass
class Case:
    old: Release
    new: Release
    keys: dict[int, int]  # KK number (as in _kk) → household key in K

    def key2(self, kk: int) -> int:
        frame = flagged_households(release=self.new, kelurahan_code=K2)
        return int(frame.filter(pl.col("kk") == _kk(kk)).item(0, "key"))


@pytest.fixture
def case(reference: None, tmp_path: Path) -> Case:
    old = _import(tmp_path, _rows(new=False), date(2026, 3, 31))
    new = _import(tmp_path, _rows(new=True), date(2026, 6, 30))
    new.is_current = True
    new.save(update_fields=["is_current"])
    frame = flagged_households(release=new, kelurahan_code=K)
    keys = {int(kk[6:]): int(key) for kk, key in frame.select("kk", "key").iter_rows()}
    return Case(old, new, keys)


def _user(username: str, role: Role, region: str | None = None) -> User:
    user = user_create(username=username, full_name=username.title(), password="Rahasia-Uji-2026")
    membership_grant(user=user, role=role, region=Region.objects.get(pk=region) if region else None)
    return user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf(name: str = "berita-acara.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% berita acara\n", content_type="application/pdf")


def _page(release: Release, kel: str = K) -> str:
    return reverse("targeting:verification") + f"?release={release.pk}&kelurahan={kel}"


# --- flags --------------------------------------------------------------------------------------


def test_flagged_households_carry_the_right_reasons_on_a_constructed_case(case: Case) -> None:
    frame = flagged_households(release=case.new, kelurahan_code=K)
    reasons = {int(kk[6:]): sorted(r) for kk, r in frame.select("kk", "reasons").iter_rows()}
    assert reasons == {
        2: ["desil_changed"],
        3: ["new"],
        4: ["nik_placeholder"],
        5: ["aged_100"],
        6: ["multi_kelurahan"],
    }
    neighbour = flagged_households(release=case.new, kelurahan_code=K2)
    assert {int(kk[6:]) for kk in neighbour["kk"]} == {6, 8}
    assert flagged_counts(release=case.new, region_code="31.73") == {K: 5, K2: 2}


def test_without_an_earlier_release_no_household_counts_as_new(case: Case) -> None:
    frame = flagged_households(release=case.old, kelurahan_code=K)
    assert {int(kk[6:]) for kk in frame["kk"]} == {5, 6}  # aged 100+, KK in two kelurahan


def test_a_modified_copy_of_the_generated_registry_flags_the_changed_households(
    reference: None, tmp_path: Path
) -> None:
    targets = release_make(tmp_path, persons=300, beneficiaries=10, as_of=date(2026, 3, 31))
    assert flagged_counts(release=targets.release) == {}  # nothing to compare with, no oddity
    registry = targets.registry.drop("id")
    changed = registry.get_column("kk").unique(maintain_order=True).to_list()[:3]
    modified = registry.with_columns(
        pl.when(pl.col("kk").is_in(changed))
        .then(pl.col("desil").cast(pl.Int32) % 10 + 1)
        .otherwise(pl.col("desil").cast(pl.Int32))
        .cast(pl.String)
        .alias("desil")
    )
    path = tmp_path / "registry-modified.csv"
    modified.write_csv(path)
    job = import_job_run(
        job=import_job_create(
            path=path, source="DTSEN", as_of=date(2026, 6, 30), mapping={}, by=None
        )
    )
    assert job.release is not None
    counts = flagged_counts(release=job.release)
    flagged = pl.concat(
        [flagged_households(release=job.release, kelurahan_code=code) for code in counts]
    )
    assert set(flagged["kk"]) == set(changed)
    assert {r for reasons in flagged["reasons"] for r in reasons} == {"desil_changed"}


# --- the verifier's page --------------------------------------------------------------------------


def test_the_verifier_sees_names_but_masked_ids_of_its_kelurahan_households_audited(
    case: Case, as_verifier: Client
) -> None:
    before = AuditEvent.objects.filter(action="targeting.musyawarah_viewed").count()
    response = as_verifier.get(reverse("targeting:verification"))
    assert response.status_code == 200
    assert response.context["kelurahan"].code == K
    assert {h.key for h in response.context["page"].households} == set(case.keys.values())
    html = response.content.decode()
    persons = pl.read_parquet(case.new.persons_path)
    for nik in persons.filter(pl.col("kelurahan_code") == K)["nik"]:
        assert nik not in html
    for kk in persons["kk"]:
        assert kk not in html
    # The verifier recognises people by name (its own kelurahan only); NIK/KK stay masked.
    assert "WARGA 5 8" in html
    assert f'data-household="{case.keys[5]}"' in html and 'data-reason="aged_100"' in html
    as_verifier.get(reverse("targeting:verification"))
    events = AuditEvent.objects.filter(action="targeting.musyawarah_viewed")
    assert events.count() == before + 2  # one row per page view
    last = events.order_by("-pk").first()
    assert last is not None and last.detail["rows"] == 8
    assert last.detail["revealed"] == ["birth_date", "name"]


def test_the_verifier_cannot_open_or_decide_for_another_kelurahan(
    case: Case, as_verifier: Client
) -> None:
    assert as_verifier.get(_page(case.new, K2)).status_code == 404
    key8 = case.key2(8)
    url = reverse("targeting:verification_decide", args=[case.new.pk, K2, key8])
    data = {f"h{key8}-decision": "confirmed", f"h{key8}-version": "0"}
    assert as_verifier.post(url, data).status_code == 404
    # Another kelurahan's household under the verifier's own kelurahan is not found either.
    url = reverse("targeting:verification_decide", args=[case.new.pk, K, key8])
    assert as_verifier.post(url, data).status_code == 404
    assert not VerificationDecision.objects.exists()


def test_outsiders_and_opd_operators_are_refused_everywhere(
    case: Case, as_outsider: Client, as_opd: Client
) -> None:
    key = case.keys[2]
    for client in (as_outsider, as_opd):
        assert client.get(reverse("targeting:verification")).status_code == 403
        assert client.get(_page(case.new)).status_code == 403
        assert client.get(reverse("targeting:verification_overview")).status_code == 403
        posts = [
            reverse("targeting:verification_decide", args=[case.new.pk, K, key]),
            reverse("targeting:verification_candidate", args=[case.new.pk, K]),
            reverse("targeting:verification_submit", args=[case.new.pk, K]),
            reverse("targeting:verification_apply", args=[case.new.pk]),
        ]
        for url in posts:
            assert client.post(url, {f"h{key}-decision": "confirmed"}).status_code == 403
        minutes = reverse("targeting:verification_minutes", args=[case.new.pk, K])
        assert client.get(minutes).status_code == 403
    assert not Musyawarah.objects.exists()


def test_the_secretariat_reads_any_kelurahan_but_records_nothing(
    case: Case, as_secretariat: Client
) -> None:
    response = as_secretariat.get(_page(case.new, K2))
    assert response.status_code == 200 and not response.context["can_edit"]
    assert b"decision-form-" not in response.content
    key = case.keys[2]
    url = reverse("targeting:verification_decide", args=[case.new.pk, K, key])
    response = as_secretariat.post(url, {f"h{key}-decision": "confirmed", f"h{key}-version": "0"})
    assert response.status_code == 403 and not VerificationDecision.objects.exists()


def test_a_kota_verifier_picks_one_of_its_kelurahan(case: Case) -> None:
    client = _client(_user("kota", Role.WILAYAH, "31.73"))
    response = client.get(reverse("targeting:verification"))
    assert response.status_code == 200 and response.context["kelurahan"] is None
    codes = [k.code for k, _n in response.context["choices"]]
    assert codes[:2] == [K, K2] and all(c.startswith("31.73.") for c in codes)
    assert client.get(_page(case.new, K2)).status_code == 200
    assert client.get(_page(case.new, ELSEWHERE)).status_code == 404


# --- decisions ----------------------------------------------------------------------------------


def test_a_decision_is_saved_and_a_stale_save_is_refused_keeping_what_was_typed(
    case: Case, as_verifier: Client
) -> None:
    key = case.keys[4]
    url = reverse("targeting:verification_decide", args=[case.new.pk, K, key])
    p = f"h{key}-"
    moved = {p + "decision": "moved", p + "moved_to": ELSEWHERE, p + "version": "0"}
    response = as_verifier.post(url, {**moved, p + "note": "pindah ke Gambir"})
    assert response.status_code == 302
    decision = VerificationDecision.objects.get()
    assert (decision.kk, decision.moved_to_id, decision.version) == (_kk(4), ELSEWHERE, 1)
    stale = {p + "decision": "not_eligible", p + "version": "0", p + "note": "catatan ketikan saya"}
    response = as_verifier.post(url, stale)
    assert response.status_code == 409
    assert "catatan ketikan saya" in response.content.decode()
    assert b'data-testid="decision-error"' in response.content
    decision.refresh_from_db()
    assert (decision.decision, decision.note, decision.version) == ("moved", "pindah ke Gambir", 1)


def test_a_moved_decision_needs_the_destination_and_keeps_the_form(
    case: Case, as_verifier: Client
) -> None:
    key = case.keys[2]
    url = reverse("targeting:verification_decide", args=[case.new.pk, K, key])
    p = f"h{key}-"
    response = as_verifier.post(
        url, {p + "decision": "moved", p + "version": "0", p + "note": "ke mana?"}
    )
    assert response.status_code == 200 and not VerificationDecision.objects.exists()
    form = next(h.form for h in response.context["page"].households if h.key == key)
    assert "moved_to" in form.errors and form["note"].value() == "ke mana?"


def test_a_deceased_decision_names_the_member_who_died(
    case: Case, kelurahan_verifier: User
) -> None:
    household = flagged_households(release=case.new, kelurahan_code=K).filter(
        pl.col("key") == case.keys[5]
    )
    rows = household.item(0, "rows").to_list()
    kel = Region.objects.get(pk=K)
    with pytest.raises(ValidationError) as error:
        verification_decision_save(
            release=case.new,
            kelurahan=kel,
            key=case.keys[5],
            decision="deceased",
            version=0,
            by=kelurahan_verifier,
        )
    assert "member" in error.value.message_dict
    decision = verification_decision_save(
        release=case.new,
        kelurahan=kel,
        key=case.keys[5],
        decision="deceased",
        version=0,
        member_row=rows[0],
        by=kelurahan_verifier,
    )
    born_1920 = nik_build(area="317304", born=date(1920, 3, 15), female=False, serial=8)
    assert decision.nik == born_1920


def test_a_new_candidate_is_checked_with_the_nik_rules(case: Case, as_verifier: Client) -> None:
    url = reverse("targeting:verification_candidate", args=[case.new.pk, K])
    born = date(1990, 8, 9)
    data = {
        "nik": nik_build(area="317304", born=born, female=True, serial=77),
        "kk": _kk(99),
        "name": "Sari Baru",
        "sex": "L",  # contradicts the NIK (day + 40)
        "birth_date": born.isoformat(),
        "address": "Jl. Kenanga 3",
        "desil": "2",
    }
    response = as_verifier.post(url, data)
    assert response.status_code == 200 and "nik" in response.context["candidate_form"].errors
    assert response.context["candidate_form"]["address"].value() == "Jl. Kenanga 3"
    existing = pl.read_parquet(case.new.persons_path).item(0, "nik")
    response = as_verifier.post(url, {**data, "sex": "P", "nik": existing})
    assert "nik" in response.context["candidate_form"].errors  # already in the release
    assert as_verifier.post(url, {**data, "sex": "P"}).status_code == 302
    candidate = VerificationDecision.objects.get(decision=VerificationDecisionKind.NEW_CANDIDATE)
    assert candidate.candidate["name"] == "SARI BARU" and candidate.kk == _kk(99)


# --- submitting ---------------------------------------------------------------------------------


def test_submitting_requires_the_date_and_a_berita_acara_of_an_allowed_type(
    case: Case, as_verifier: Client
) -> None:
    url = reverse("targeting:verification_submit", args=[case.new.pk, K])
    response = as_verifier.post(url, {"held_on": "2026-07-10"})
    assert response.status_code == 200 and "minutes" in response.context["submit_form"].errors
    fake = SimpleUploadedFile("ba.pdf", b"not a pdf", content_type="application/pdf")
    response = as_verifier.post(url, {"held_on": "2026-07-10", "minutes": fake})
    assert "minutes" in response.context["submit_form"].errors
    text = SimpleUploadedFile("ba.txt", b"%PDF", content_type="text/plain")
    response = as_verifier.post(url, {"held_on": "2026-07-10", "minutes": text})
    assert "minutes" in response.context["submit_form"].errors
    assert not Musyawarah.objects.filter(submitted_at__isnull=False).exists()
    response = as_verifier.post(url, {"held_on": "2026-07-10", "minutes": _pdf()})
    assert response.status_code == 200  # not confirmed: nothing submitted
    response = as_verifier.post(url, {"held_on": "2026-07-10", "minutes": _pdf(), "confirm": "on"})
    assert response.status_code == 302
    musyawarah = Musyawarah.objects.get(release=case.new, kelurahan_id=K)
    assert musyawarah.held_on == date(2026, 7, 10) and musyawarah.minutes_name == "berita-acara.pdf"
    assert musyawarah.minutes.read().startswith(b"%PDF")
    download = as_verifier.get(reverse("targeting:verification_minutes", args=[case.new.pk, K]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action="targeting.berita_acara_downloaded").count() == 1


def test_decisions_are_frozen_once_the_musyawarah_is_submitted(
    case: Case, as_verifier: Client, kelurahan_verifier: User
) -> None:
    kel = Region.objects.get(pk=K)
    verification_decision_save(
        release=case.new,
        kelurahan=kel,
        key=case.keys[2],
        decision="confirmed",
        version=0,
        by=kelurahan_verifier,
    )
    musyawarah_submit(
        release=case.new,
        kelurahan=kel,
        held_on=date(2026, 7, 1),
        minutes=_pdf(),
        by=kelurahan_verifier,
    )
    key = case.keys[2]
    url = reverse("targeting:verification_decide", args=[case.new.pk, K, key])
    response = as_verifier.post(url, {f"h{key}-decision": "not_eligible", f"h{key}-version": "1"})
    assert response.status_code == 409
    assert VerificationDecision.objects.get().decision == "confirmed"
    page = as_verifier.get(_page(case.new))
    assert not page.context["can_edit"] and b'data-testid="submitted"' in page.content
    with pytest.raises(ValidationError):
        musyawarah_submit(
            release=case.new,
            kelurahan=kel,
            held_on=date(2026, 7, 1),
            minutes=_pdf(),
            by=kelurahan_verifier,
        )


def test_the_last_kelurahan_to_submit_completes_the_process_step(
    case: Case, as_verifier: Client, kelurahan_verifier: User
) -> None:
    steward = _user("agus", Role.PENGELOLA_DATA)
    process_version_create(
        node=ProcessNode.objects.get(pk=PROCESS_CODE),
        xml=(BPMN_DIR / f"{PROCESS_CODE}.bpmn").read_text(encoding="utf-8"),
        by=None,
        publish=True,
    )
    instance = process_instance_start(
        code=PROCESS_CODE, params={"jenis_fasilitasi": "pembaruan"}, by=steward
    )
    for _step in range(2):  # import, then validation: the data steward's steps
        task = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
        human_task_complete(task=task, by=steward)
    step = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert step.step == MUSYAWARAH_STEP
    page = as_verifier.get(_page(case.new))
    progress = page.context["progress"]
    assert progress.task == step and (progress.submitted, progress.total) == (0, 2)

    neighbour = _user("dedi", Role.WILAYAH, K2)
    musyawarah_submit(
        release=case.new,
        kelurahan=Region.objects.get(pk=K2),
        held_on=date(2026, 7, 2),
        minutes=_pdf(),
        by=neighbour,
    )
    step.refresh_from_db()
    assert step.status == TaskStatus.OPEN  # one of two kelurahan submitted
    url = reverse("targeting:verification_submit", args=[case.new.pk, K])
    assert (
        as_verifier.post(
            url, {"held_on": "2026-07-03", "minutes": _pdf(), "confirm": "on"}
        ).status_code
        == 302
    )
    step.refresh_from_db()
    assert step.status == TaskStatus.COMPLETED and step.completed_by == kelurahan_verifier
    assert Musyawarah.objects.get(release=case.new, kelurahan_id=K).task == step
    next_step = HumanTask.objects.get(instance=instance, status=TaskStatus.OPEN)
    assert next_step.step == "Task_FDS_04_RancDaftar"


def test_without_a_running_process_the_musyawarah_is_submitted_all_the_same(
    case: Case, as_verifier: Client
) -> None:
    page = as_verifier.get(_page(case.new))
    assert page.context["progress"].task is None and b'data-testid="step-unbound"' in page.content
    url = reverse("targeting:verification_submit", args=[case.new.pk, K])
    assert (
        as_verifier.post(
            url, {"held_on": "2026-07-03", "minutes": _pdf(), "confirm": "on"}
        ).status_code
        == 302
    )
    assert Musyawarah.objects.get(kelurahan_id=K).task is None


# --- applying -------------------------------------------------------------------------------------


def _decide_and_submit(case: Case, verifier: User) -> int:
    """Decisions in K: H2 not eligible, H4 moved, H5's oldest member deceased, H6 confirmed,
    one new candidate; returns the deceased member's row."""
    kel = Region.objects.get(pk=K)
    rows = flagged_households(release=case.new, kelurahan_code=K).filter(
        pl.col("key") == case.keys[5]
    )
    dead = int(rows.item(0, "rows")[0])
    for kk, decision, extra in (
        (2, "not_eligible", {}),
        (4, "moved", {"moved_to": Region.objects.get(pk=ELSEWHERE)}),
        (5, "deceased", {"member_row": dead}),
        (6, "confirmed", {}),
    ):
        verification_decision_save(
            release=case.new,
            kelurahan=kel,
            key=case.keys[kk],
            decision=decision,
            version=0,
            by=verifier,
            **extra,
        )
    born = date(1999, 9, 19)
    verification_candidate_add(
        release=case.new,
        kelurahan=kel,
        by=verifier,
        data={
            "nik": nik_build(area="317304", born=born, female=False, serial=500),
            "kk": _kk(50),
            "name": "Calon Baru",
            "sex": "L",
            "birth_date": born,
            "address": "Jl. Melati 1",
            "desil": 3,
        },
    )
    musyawarah_submit(
        release=case.new, kelurahan=kel, held_on=date(2026, 7, 1), minutes=_pdf(), by=verifier
    )
    return dead


def test_applying_builds_the_next_list_and_marks_the_decisions_once(
    case: Case, kelurahan_verifier: User
) -> None:
    dead = _decide_and_submit(case, kelurahan_verifier)
    # An unsubmitted musyawarah's decision is not applied.
    neighbour = _user("dedi", Role.WILAYAH, K2)
    verification_decision_save(
        release=case.new,
        kelurahan=Region.objects.get(pk=K2),
        key=case.key2(8),
        decision="not_eligible",
        version=0,
        by=neighbour,
    )
    steward = _user("agus", Role.PENGELOLA_DATA)
    derived = release_apply_verifications(release=case.new, by=steward)
    assert derived.derived_from == case.new and derived.source == case.new.source
    assert not derived.is_current
    before = pl.read_parquet(case.new.persons_path)
    after = pl.read_parquet(derived.persons_path)
    assert after.schema == before.schema
    assert after.filter(pl.col("kk") == _kk(2)).height == 0  # not eligible: gone
    assert after.filter(pl.col("row") == dead).height == 0  # the deceased member
    assert after.filter(pl.col("kk") == _kk(5)).height == 1  # the spouse stays
    assert set(after.filter(pl.col("kk") == _kk(4))["kelurahan_code"]) == {ELSEWHERE}
    assert after.filter(pl.col("kk") == _kk(8)).height == 1  # K2 did not submit
    added = after.filter(pl.col("kk") == _kk(50))
    assert added.height == 1 and added.item(0, "kelurahan_code") == K
    assert after.height == before.height - 2 - 1 + 1 == derived.persons
    applied = VerificationDecision.objects.filter(musyawarah__kelurahan_id=K)
    assert {d.applied_to_id for d in applied} == {derived.pk}
    assert VerificationDecision.objects.get(musyawarah__kelurahan_id=K2).applied_to is None
    assert AuditEvent.objects.filter(action="targeting.verifications_applied").count() == 1

    with pytest.raises(ValidationError):
        release_apply_verifications(release=case.new, by=steward)
    assert Release.objects.filter(derived_from=case.new).count() == 1


def test_the_overview_shows_progress_and_the_data_steward_applies_from_it(
    case: Case, kelurahan_verifier: User, as_verifier: Client, as_secretariat: Client
) -> None:
    _decide_and_submit(case, kelurahan_verifier)
    overview = reverse("targeting:verification_overview") + f"?release={case.new.pk}"
    response = as_secretariat.get(overview)
    assert response.status_code == 200
    rows = {r.kelurahan.code: r for r in response.context["rows"]}
    assert (rows[K].flagged, rows[K].decided, rows[K].submitted) == (5, 5, True)
    assert (rows[K2].flagged, rows[K2].submitted) == (2, False)
    assert b'data-testid="apply"' not in response.content  # not the secretariat's button
    apply = reverse("targeting:verification_apply", args=[case.new.pk])
    assert as_secretariat.post(apply).status_code == 403
    assert as_verifier.get(overview).status_code == 403
    steward = _client(_user("agus", Role.PENGELOLA_DATA))
    assert steward.post(apply).status_code == 302
    derived = Release.objects.get(derived_from=case.new)
    assert steward.post(apply).status_code == 302  # nothing left: a message, no new release
    assert Release.objects.filter(derived_from=case.new).count() == 1
    page = as_verifier.get(_page(case.new)).content.decode()
    assert page.count(f'data-applied="{derived.pk}"') == 5  # four households and the candidate
    response = as_secretariat.get(overview)
    assert {r.kelurahan.code: r.applied for r in response.context["rows"]}[K] == 5


def test_the_command_applies_the_decisions(case: Case, kelurahan_verifier: User) -> None:
    _decide_and_submit(case, kelurahan_verifier)
    call_command("apply_verifications", str(case.new.pk))
    derived = Release.objects.get(derived_from=case.new)
    assert derived.persons == case.new.persons - 2
    assert not VerificationDecision.objects.filter(applied_to__isnull=True).exists()


def test_only_the_wilayah_of_the_kelurahan_records_decisions_in_the_service(
    case: Case, secretariat: User
) -> None:
    with pytest.raises(PermissionDenied):
        verification_decision_save(
            release=case.new,
            kelurahan=Region.objects.get(pk=K),
            key=case.keys[2],
            decision="confirmed",
            version=0,
            by=secretariat,
        )


def test_a_decision_is_withdrawn_only_with_its_current_version(
    case: Case, as_verifier: Client, kelurahan_verifier: User
) -> None:
    decision = verification_decision_save(
        release=case.new,
        kelurahan=Region.objects.get(pk=K),
        key=case.keys[6],
        decision="confirmed",
        version=0,
        by=kelurahan_verifier,
    )
    url = reverse("targeting:verification_withdraw", args=[case.new.pk, K, decision.pk])
    as_verifier.post(url, {"version": "0"})
    assert VerificationDecision.objects.filter(pk=decision.pk).exists()
    as_verifier.post(url, {"version": str(decision.version)})
    assert not VerificationDecision.objects.filter(pk=decision.pk).exists()
