"""Musyawarah kelurahan (TKPK-02.02.CFM.01, step Task_FDS_03_Muskel): flagged households,
the verifier's decisions, the berita acara, and applying the decisions as a derived release.

Flags are computed from the release Parquet with lazy Polars scans; decisions and minutes live
in the database; applying writes a new immutable Parquet snapshot (`Release.derived_from`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tkpk.accounts.models import User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.processes.models import HumanTask, InstanceStatus, TaskStatus
from tkpk.processes.services import human_task_complete, task_can_complete
from tkpk.regions.models import Level, Region
from tkpk.targeting.models import (
    Musyawarah,
    Release,
    VerificationDecision,
    VerificationDecisionKind,
)
from tkpk.targeting.nik_rules import NikCheck, kk_check, nik_check
from tkpk.targeting.services import _atomic_parquet, file_sha256, storage_dir

PROCESS_CODE = "TKPK-02.02.CFM.01"
MUSYAWARAH_STEP = "Task_FDS_03_Muskel"
AGE_FLAG_YEARS = 100
MOVE_DESIL_MAX = 4
MINUTES_MAX_BYTES = 10 * 1024 * 1024
# Allowed berita acara files and the first bytes each kind starts with.
MINUTES_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".docx": (b"PK\x03\x04",),
}

# Why a household is put before the musyawarah (codes stored nowhere; labels for the page).
REASONS: dict[str, Any] = {
    "nik_placeholder": gettext_lazy("A member has no NIK (placeholder)"),
    "new": gettext_lazy("New since the previous release"),
    "desil_changed": gettext_lazy("Desil changed since the previous release"),
    "aged_100": gettext_lazy("A member is aged 100 or more (possibly deceased)"),
    "multi_kelurahan": gettext_lazy("The KK is also listed in another kelurahan (possible move)"),
}
HOUSEHOLD_DECISIONS = (
    VerificationDecisionKind.CONFIRMED,
    VerificationDecisionKind.MOVED,
    VerificationDecisionKind.DECEASED,
    VerificationDecisionKind.NOT_ELIGIBLE,
)


# --- flagged households -------------------------------------------------------------------------


def previous_release(*, release: Release) -> Release | None:
    """The release this one is compared with: its origin if derived, else the last earlier
    delivery of the same source."""
    if release.derived_from_id is not None:
        return release.derived_from
    return (
        Release.objects.filter(source=release.source)
        .exclude(pk=release.pk)
        .filter(
            Q(as_of__lt=release.as_of) | Q(as_of=release.as_of, created_at__lt=release.created_at)
        )
        .order_by("-as_of", "-created_at")
        .first()
    )


def _age_cutoff(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year - AGE_FLAG_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - AGE_FLAG_YEARS, day=28)


def _flags(*, release: Release, kelurahan_codes: list[str] | None) -> pl.LazyFrame:
    """One row per (kelurahan, KK) with at least one reason; `key` is the household's first
    release row (a stable handle that is not an identifier), `rows` its members' rows."""
    persons = pl.scan_parquet(release.persons_path)
    local = persons
    if kelurahan_codes is not None:
        local = persons.filter(pl.col("kelurahan_code").is_in(kelurahan_codes))
    cutoff = _age_cutoff(release.as_of)
    households = local.group_by("kelurahan_code", "kk").agg(
        pl.col("row").min().cast(pl.Int64).alias("key"),
        pl.col("row").cast(pl.Int64).sort().alias("rows"),
        pl.col("desil").min().alias("desil"),
        pl.len().alias("members"),
        pl.col("nik_placeholder").fill_null(False).any().alias("_placeholder"),
        (pl.col("birth_date") <= pl.lit(cutoff)).fill_null(False).any().alias("_aged"),
    )
    spread = (
        persons.join(local.select("kk").unique(), on="kk", how="semi")
        .group_by("kk")
        .agg(pl.col("kelurahan_code").n_unique().alias("_kelurahan_count"))
    )
    households = households.join(spread, on="kk", how="left")
    previous = previous_release(release=release)
    if previous is not None:
        before = (
            pl.scan_parquet(previous.persons_path)
            .join(local.select("kk").unique(), on="kk", how="semi")
            .group_by("kk")
            .agg(pl.col("desil").min().alias("_desil_before"))
        )
        households = households.join(before, on="kk", how="left")
        new = pl.col("_desil_before").is_null()
        changed = pl.col("_desil_before").is_not_null() & (
            pl.col("_desil_before") != pl.col("desil")
        )
    else:  # nothing to compare with: no household is "new"
        new = changed = pl.lit(False)
    flags = {
        "nik_placeholder": pl.col("_placeholder"),
        "new": new,
        "desil_changed": changed,
        "aged_100": pl.col("_aged"),
        "multi_kelurahan": (pl.col("_kelurahan_count") > 1) & (pl.col("desil") <= MOVE_DESIL_MAX),
    }
    reasons = pl.concat_list(
        [pl.when(expr).then(pl.lit(code)).otherwise(pl.lit(None)) for code, expr in flags.items()]
    ).list.drop_nulls()
    return (
        households.with_columns(reasons.alias("reasons"))
        .filter(pl.col("reasons").list.len() > 0)
        .select("kelurahan_code", "kk", "key", "rows", "desil", "members", "reasons")
        .sort("kelurahan_code", "key")
    )


def flagged_households(*, release: Release, kelurahan_code: str) -> pl.DataFrame:
    """The households of one kelurahan that the musyawarah must look at, with reason codes
    (keys of `REASONS`): kk, key, rows, desil, members, reasons."""
    return (
        _flags(release=release, kelurahan_codes=[kelurahan_code]).drop("kelurahan_code").collect()
    )


def flagged_counts(*, release: Release, region_code: str | None = None) -> dict[str, int]:
    """Flagged households per kelurahan (within `region_code` and below, if given)."""
    frame = _flags(release=release, kelurahan_codes=None)
    if region_code:
        frame = frame.filter(
            (pl.col("kelurahan_code") == region_code)
            | pl.col("kelurahan_code").str.starts_with(region_code + ".")
        )
    counts = frame.group_by("kelurahan_code").agg(pl.len().alias("n")).collect()
    return {str(k): int(n) for k, n in counts.iter_rows()}


# --- permissions --------------------------------------------------------------------------------


def may_verify(*, user: Any, kelurahan_code: str) -> bool:
    """Decisions and minutes are recorded by the Wilayah lane covering the kelurahan."""
    return scope_for(user, [Role.WILAYAH]).covers_region(kelurahan_code)


def _require_verifier(user: Any, kelurahan: Region) -> None:
    if kelurahan.level != Level.KELURAHAN or not may_verify(
        user=user, kelurahan_code=kelurahan.code
    ):
        raise PermissionDenied(_("Only the Wilayah verifier of this kelurahan records this."))


def _open_musyawarah(*, release: Release, kelurahan: Region) -> Musyawarah:
    """The musyawarah row, locked; refused once submitted."""
    Musyawarah.objects.get_or_create(release=release, kelurahan=kelurahan)
    musyawarah = Musyawarah.objects.select_for_update().get(release=release, kelurahan=kelurahan)
    if musyawarah.submitted_at is not None:
        raise ValidationError(
            _("The musyawarah of this kelurahan was submitted; its decisions are final."),
            code="submitted",
        )
    return musyawarah


def _stale() -> ValidationError:
    return ValidationError(
        _(
            "Someone else changed this decision after you opened the page. Nothing was saved; "
            "reload the page to see the current decision."
        ),
        code="stale",
    )


# --- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    kk: str
    key: int
    rows: list[int]
    members: int
    reasons: list[str]


def flagged_household(*, release: Release, kelurahan_code: str, key: int) -> Household | None:
    frame = flagged_households(release=release, kelurahan_code=kelurahan_code).filter(
        pl.col("key") == key
    )
    if frame.height == 0:
        return None
    row = frame.row(0, named=True)
    return Household(
        kk=row["kk"],
        key=int(row["key"]),
        rows=[int(r) for r in row["rows"]],
        members=int(row["members"]),
        reasons=list(row["reasons"]),
    )


def _member_nik(release: Release, *, kk: str, row: int) -> str:
    found = (
        pl.scan_parquet(release.persons_path)
        .filter((pl.col("row") == row) & (pl.col("kk") == kk))
        .select("nik")
        .collect()
    )
    return str(found.item(0, 0)) if found.height else ""


@transaction.atomic
def verification_decision_save(  # noqa: PLR0913 (one argument per form field)
    *,
    release: Release,
    kelurahan: Region,
    key: int,
    decision: str,
    version: int,
    by: User,
    moved_to: Region | None = None,
    member_row: int | None = None,
    note: str = "",
) -> VerificationDecision:
    """Record or change the decision on one flagged household (`key` = its first row).

    `version` is the decision's version the form was opened with (0 for none yet); a
    different stored version means someone else saved meanwhile and nothing is written.
    """
    _require_verifier(by, kelurahan)
    household = flagged_household(release=release, kelurahan_code=kelurahan.code, key=key)
    if household is None:
        raise ValidationError(_("This household is not on the list of this kelurahan."))
    musyawarah = _open_musyawarah(release=release, kelurahan=kelurahan)
    existing = (
        VerificationDecision.objects.filter(musyawarah=musyawarah, kk=household.kk)
        .exclude(decision=VerificationDecisionKind.NEW_CANDIDATE)
        .first()
    )
    if (existing.version if existing else 0) != version:
        raise _stale()
    errors: dict[str, str] = {}
    if decision not in HOUSEHOLD_DECISIONS:
        errors["decision"] = _("Choose a decision.")
    if decision == VerificationDecisionKind.MOVED and (
        moved_to is None or moved_to.level != Level.KELURAHAN or moved_to.pk == kelurahan.pk
    ):
        errors["moved_to"] = _("Choose the kelurahan the household moved to.")
    nik = ""
    candidate: dict[str, Any] = {}
    if decision == VerificationDecisionKind.DECEASED:
        if member_row is None and household.members == 1:
            member_row = household.rows[0]
        if member_row is None or member_row not in household.rows:
            errors["member"] = _("Choose the member who died.")
        else:
            nik = _member_nik(release, kk=household.kk, row=member_row)
            candidate = {"row": member_row}
    if errors:
        raise ValidationError(errors)
    item = existing or VerificationDecision(musyawarah=musyawarah, kk=household.kk)
    item.decision = decision
    item.nik = nik
    item.candidate = candidate
    item.moved_to = moved_to if decision == VerificationDecisionKind.MOVED else None
    item.note = note.strip()
    item.decided_by = by
    item.version = version + 1
    item.full_clean()
    item.save()
    audit_record(
        action="targeting.verification_decided",
        actor=by,
        obj=musyawarah,
        detail={"decision": decision, "household_key": key},
    )
    return item


def _reasons(check: NikCheck) -> str:
    """The check's errors in the user's language (one text per rule, in order, no repeats)."""
    texts = {
        "nik_format": _("it must be 16 digits"),
        "nik_province": _("its province code is not known"),
        "nik_regency": _("its kab/kota code is outside 01–69 and 71–99"),
        "nik_date": _("its birth date (digits 7–12, day + 40 for women) is not a valid past date"),
        "nik_serial": _("serial number 0000 is never issued"),
        "nik_birth_mismatch": _("its birth date differs from the birth date entered"),
        "nik_sex_mismatch": _("its sex (day + 40 for women) differs from the sex entered"),
        "kk_format": _("it must be 16 digits starting with a known province code"),
    }
    return "; ".join(dict.fromkeys(texts[c] for c in check.error_codes))


def candidate_validate(*, data: dict[str, Any], today: date) -> dict[str, str]:
    """Field errors of a proposed new candidate (NIK and KK structure, NIK vs birth date/sex)."""
    errors: dict[str, str] = {}
    born = data.get("birth_date")
    sex = data.get("sex") or None
    nik = nik_check(str(data.get("nik") or ""), today=today, birth_date=born, sex=sex)
    if nik.errors:
        errors["nik"] = _("The NIK is not valid: %(reason)s.") % {"reason": _reasons(nik)}
    elif nik.is_placeholder:
        errors["nik"] = _("A new candidate needs a real NIK.")
    kk = kk_check(str(data.get("kk") or ""))
    if kk.errors:
        errors["kk"] = _("The KK number is not valid: %(reason)s.") % {"reason": _reasons(kk)}
    if not str(data.get("name") or "").strip():
        errors["name"] = _("Enter the name.")
    if sex not in ("L", "P"):
        errors["sex"] = _("Choose the sex.")
    if not isinstance(born, date) or born > today:
        errors["birth_date"] = _("Enter a birth date that is not in the future.")
    desil = data.get("desil")
    if not isinstance(desil, int) or not 1 <= desil <= 10:
        errors["desil"] = _("The proposed desil is 1–10.")
    return errors


@transaction.atomic
def verification_candidate_add(
    *, release: Release, kelurahan: Region, data: dict[str, Any], by: User, note: str = ""
) -> VerificationDecision:
    """Propose a household member who is not in the release (NIK not already listed)."""
    _require_verifier(by, kelurahan)
    errors = candidate_validate(data=data, today=timezone.localdate())
    nik = str(data.get("nik") or "").strip()
    if "nik" not in errors:
        listed = (
            pl.scan_parquet(release.persons_path)
            .filter(pl.col("nik") == nik)
            .select(pl.len())
            .collect()
            .item()
        )
        if listed:
            errors["nik"] = _("This NIK is already in the release.")
    musyawarah = _open_musyawarah(release=release, kelurahan=kelurahan)
    if (
        "nik" not in errors
        and VerificationDecision.objects.filter(
            musyawarah__release=release,
            decision=VerificationDecisionKind.NEW_CANDIDATE,
            nik=nik,
        ).exists()
    ):
        errors["nik"] = _("This NIK is already proposed.")
    if errors:
        raise ValidationError(errors)
    item = VerificationDecision(
        musyawarah=musyawarah,
        kk=str(data["kk"]).strip(),
        nik=nik,
        decision=VerificationDecisionKind.NEW_CANDIDATE,
        candidate={
            "name": str(data["name"]).strip().upper(),
            "sex": data["sex"],
            "birth_date": data["birth_date"].isoformat(),
            "address": str(data.get("address") or "").strip(),
            "desil": int(data["desil"]),
        },
        note=note.strip(),
        decided_by=by,
    )
    item.full_clean()
    item.save()
    audit_record(
        action="targeting.verification_candidate_added",
        actor=by,
        obj=musyawarah,
        detail={"decision": item.pk},
    )
    return item


@transaction.atomic
def verification_decision_remove(*, decision: VerificationDecision, version: int, by: User) -> None:
    """Withdraw a decision (or a proposed candidate) before the musyawarah is submitted."""
    musyawarah = decision.musyawarah
    _require_verifier(by, musyawarah.kelurahan)
    _open_musyawarah(release=musyawarah.release, kelurahan=musyawarah.kelurahan)
    current = VerificationDecision.objects.select_for_update().filter(pk=decision.pk).first()
    if current is None or current.version != version:
        raise _stale()
    current.delete()
    audit_record(
        action="targeting.verification_withdrawn",
        actor=by,
        obj=musyawarah,
        detail={"decision": decision.pk},
    )


# --- submitting the musyawarah and the process step ---------------------------------------------


def minutes_check(upload: UploadedFile[bytes] | None) -> None:
    """A berita acara is a PDF, image or DOCX file of at most MINUTES_MAX_BYTES."""
    if upload is None:
        raise ValidationError({"minutes": _("Upload the berita acara.")})
    name = (upload.name or "").lower()
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in MINUTES_TYPES:
        raise ValidationError({"minutes": _("Use a PDF, JPG, PNG or DOCX file.")})
    if (upload.size or 0) > MINUTES_MAX_BYTES:
        raise ValidationError(
            {
                "minutes": _("The file is larger than %(mb)s MB.")
                % {"mb": MINUTES_MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(MINUTES_TYPES[suffix]):
        raise ValidationError({"minutes": _("The file content does not match its type.")})


def musyawarah_tasks_open(*, kelurahan_code: str) -> list[HumanTask]:
    """Open musyawarah steps of running TKPK-02.02 instances that cover this kelurahan."""
    tasks = (
        HumanTask.objects.filter(
            status=TaskStatus.OPEN,
            step=MUSYAWARAH_STEP,
            instance__status=InstanceStatus.RUNNING,
            instance__version__node_id=PROCESS_CODE,
        )
        .select_related("region", "instance")
        .order_by("-instance__started_at", "pk")
    )
    return [
        t
        for t in tasks
        if t.region_id is None
        or kelurahan_code == t.region_id
        or kelurahan_code.startswith(t.region_id + ".")
    ]


@dataclass(frozen=True)
class StepProgress:
    task: HumanTask | None
    submitted: int
    total: int

    @property
    def complete(self) -> bool:
        return self.submitted >= self.total


def musyawarah_step_progress(*, release: Release, kelurahan_code: str) -> StepProgress:
    """Which open process step this kelurahan's musyawarah belongs to, and how many of the
    kelurahan with flagged households in that step's region have submitted."""
    tasks = musyawarah_tasks_open(kelurahan_code=kelurahan_code)
    task = tasks[0] if tasks else None
    region = task.region_id if task is not None else kelurahan_code.rsplit(".", 2)[0]
    needed = set(flagged_counts(release=release, region_code=region))
    submitted = set(
        Musyawarah.objects.filter(
            release=release, kelurahan_id__in=needed, submitted_at__isnull=False
        ).values_list("kelurahan_id", flat=True)
    )
    return StepProgress(task=task, submitted=len(submitted), total=len(needed))


def musyawarah_step_try_complete(
    *, release: Release, kelurahan_code: str, by: User
) -> StepProgress:
    """Complete the bound process step when every kelurahan of its region has submitted and
    `by` may complete it; otherwise leave it open."""
    progress = musyawarah_step_progress(release=release, kelurahan_code=kelurahan_code)
    task = progress.task
    if task is not None and progress.complete and task_can_complete(task=task, user=by):
        human_task_complete(
            task=task,
            by=by,
            comment=_("Berita acara of %(n)s kelurahan submitted (release %(release)s).")
            % {"n": progress.submitted, "release": release},
        )
    return progress


@transaction.atomic
def musyawarah_submit(
    *,
    release: Release,
    kelurahan: Region,
    held_on: date | None,
    minutes: UploadedFile[bytes] | None,
    by: User,
) -> Musyawarah:
    """Record the meeting date and berita acara, freeze the decisions, and complete the
    process step when this was the last kelurahan of its region."""
    _require_verifier(by, kelurahan)
    errors: dict[str, str] = {}
    if held_on is None or held_on > timezone.localdate():
        errors["held_on"] = _("Enter the date the musyawarah was held (not in the future).")
    try:
        minutes_check(minutes)
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors or minutes is None:
        raise ValidationError(errors)
    musyawarah = _open_musyawarah(release=release, kelurahan=kelurahan)
    suffix = (minutes.name or "").lower().rsplit(".", 1)[-1]
    musyawarah.minutes_name = (minutes.name or "")[:255]
    musyawarah.minutes.save(f"{uuid.uuid4().hex}.{suffix}", minutes, save=False)
    musyawarah.held_on = held_on
    musyawarah.submitted_by = by
    musyawarah.submitted_at = timezone.now()
    tasks = musyawarah_tasks_open(kelurahan_code=kelurahan.code)
    musyawarah.task = tasks[0] if tasks else None
    musyawarah.full_clean()
    musyawarah.save()
    audit_record(
        action="targeting.musyawarah_submitted",
        actor=by,
        obj=musyawarah,
        detail={"decisions": musyawarah.decisions.count()},
    )
    musyawarah_step_try_complete(release=release, kelurahan_code=kelurahan.code, by=by)
    return musyawarah


# --- applying the decisions: the next list ------------------------------------------------------


def _latest_derived(release: Release) -> Release:
    """The newest release built from `release` by earlier applications (or itself)."""
    base = release
    while True:
        nxt = Release.objects.filter(derived_from=base).order_by("-created_at", "-pk").first()
        if nxt is None:
            return base
        base = nxt


def pending_decisions(*, release: Release) -> list[VerificationDecision]:
    return list(
        VerificationDecision.objects.filter(
            musyawarah__release=release,
            musyawarah__submitted_at__isnull=False,
            applied_to__isnull=True,
        )
        .select_related("musyawarah")
        .order_by("musyawarah__kelurahan_id", "pk")
    )


def _candidate_rows(
    decisions: list[VerificationDecision], frame: pl.DataFrame, today: date
) -> pl.DataFrame:
    start = int(frame.select(pl.col("row").max()).item() or 0) + 1
    known = set(frame.get_column("nik").to_list())
    rows: list[dict[str, Any]] = []
    for offset, d in enumerate(decisions):
        data = {**d.candidate, "nik": d.nik, "kk": d.kk}
        data["birth_date"] = date.fromisoformat(str(data.get("birth_date")))
        errors = candidate_validate(data=data, today=today)
        if errors or d.nik in known:
            raise ValidationError(
                _("Proposed candidate %(id)s is no longer valid (%(fields)s); nothing was applied.")
                % {"id": d.pk, "fields": ", ".join(sorted(errors) or ["nik"])}
            )
        known.add(d.nik)
        rows.append(
            {
                "row": start + offset,
                "nik": d.nik,
                "kk": d.kk,
                "name": data["name"],
                "sex": data["sex"],
                "birth_date": data["birth_date"],
                "birth_place": None,
                "address": data.get("address") or None,
                "kelurahan_code": d.musyawarah.kelurahan_id,
                "desil": int(data["desil"]),
                "relationship": None,
                "nik_placeholder": False,
            }
        )
    return pl.DataFrame(rows, schema=frame.schema) if rows else frame.clear()


@transaction.atomic
def release_apply_verifications(*, release: Release, by: User | None) -> Release:
    """A new release built from `release` (or its latest derived list) with every submitted,
    not yet applied decision: deceased members and not-eligible households removed, moved
    households given their new kelurahan, new candidates added. Each decision is applied once.
    """
    release = Release.objects.select_for_update().get(pk=release.pk)
    decisions = pending_decisions(release=release)
    if not decisions:
        raise ValidationError(
            _("No submitted decision waits to be applied to this release."), code="nothing"
        )
    base = _latest_derived(release)
    frame = pl.read_parquet(base.persons_path)
    today = timezone.localdate()
    kel = pl.col("kelurahan_code")
    remove = pl.lit(False)
    moves: list[tuple[str, str, str]] = []
    for d in decisions:
        here = (pl.col("kk") == d.kk) & (kel == d.musyawarah.kelurahan_id)
        if d.decision == VerificationDecisionKind.NOT_ELIGIBLE:
            remove = remove | here
        elif d.decision == VerificationDecisionKind.DECEASED:
            member = here & (pl.col("nik") == d.nik)
            if d.candidate.get("row") is not None:  # derived lists keep the original rows
                member = member & (pl.col("row") == int(d.candidate["row"]))
            remove = remove | member
        elif d.decision == VerificationDecisionKind.MOVED and d.moved_to_id:
            moves.append((d.kk, d.musyawarah.kelurahan_id, d.moved_to_id))
    frame = frame.filter(~remove)
    for kk, old, new in moves:
        frame = frame.with_columns(
            pl.when((pl.col("kk") == kk) & (kel == old))
            .then(pl.lit(new))
            .otherwise(kel)
            .alias("kelurahan_code")
        )
    candidates = [d for d in decisions if d.decision == VerificationDecisionKind.NEW_CANDIDATE]
    frame = pl.concat([frame, _candidate_rows(candidates, frame, today)], how="vertical")
    path = (
        storage_dir()
        / f"release-{release.source}-{today:%Y%m%d}-derived-{uuid.uuid4().hex}.parquet"
    )
    _atomic_parquet(frame, path)
    derived = Release.objects.create(
        source=release.source,
        as_of=today,
        file_sha256=file_sha256(path),
        persons_path=str(path),
        persons=frame.height,
        households=frame.select(pl.col("kk").n_unique()).item(),
        warning_rows=int(frame.select(pl.col("nik_placeholder").fill_null(False).sum()).item()),
        derived_from=base,
        created_by=by,
    )
    VerificationDecision.objects.filter(pk__in=[d.pk for d in decisions]).update(applied_to=derived)
    audit_record(
        action="targeting.verifications_applied",
        actor=by,
        obj=derived,
        detail={
            "decisions": len(decisions),
            "verified_release": release.pk,
            "derived_from": base.pk,
            "persons": frame.height,
        },
    )
    return derived
