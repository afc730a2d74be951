"""Data requests by OPDs (TKPK-02.02.CFM.01, flow "permintaan"): filing, the secretariat's review,
the extract, its downloads and the data balikan.

Each step completes the matching task of the request's process instance:
Task_FDS_07 (OPD files) → Task_FDS_08 (Sekretariat reviews: approve / return; a rejection
cancels the instance) → Task_FDS_09 (Pengelola Data produces the extract) → Task_FDS_10 (OPD
returns its beneficiary list) → Task_FDS_11 (Pengelola Data sends the coverage result back).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import require_role, scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.processes.models import HumanTask, TaskStatus
from tkpk.processes.services import (
    human_task_complete,
    process_instance_cancel,
    process_instance_start,
)
from tkpk.regions.models import KEMENDAGRI_CODE_RE, Level, Region
from tkpk.targeting.extracts import CRITERIA_KEYS, extract_frame
from tkpk.targeting.models import BeneficiaryList, DataRequest, ListStatus, Release, RequestStatus
from tkpk.targeting.persons import IDENTIFIERS, PERSON_FIELDS

PROCESS_CODE = "TKPK-02.02.CFM.01"
STEP_FILE = "Task_FDS_07"
STEP_REVIEW = "Task_FDS_08"
STEP_EXTRACT = "Task_FDS_09"
STEP_RETURN = "Task_FDS_10"
STEP_COVERAGE = "Task_FDS_11"
EDITABLE = (RequestStatus.DRAFT, RequestStatus.CHANGES)
DECISIONS = ("approve", "changes", "reject")
MAX_VALID_DAYS = 365
REGION_LEVELS = (Level.KABUPATEN_KOTA, Level.KECAMATAN, Level.KELURAHAN)
_NUMBER_ATTEMPTS = 5


class ConcurrentEditError(ValidationError):
    """Someone else changed the request after it was read; nothing was overwritten."""


def extracts_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "targeting" / "extracts"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- input checks ------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = True, max_length: int = 0) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("The text contains a null character.")})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if max_length and len(text) > max_length:
        raise ValidationError({field: _("At most %(count)s characters.") % {"count": max_length}})
    return text


def _int(value: Any, field: str, *, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a whole number.")})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if not low <= number <= high:
        raise ValidationError(
            {field: _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}}
        )
    return number


def _deciles_clean(desil: Any) -> list[int]:
    if not isinstance(desil, list | tuple):
        raise ValidationError({"desil": _("Choose deciles from 1 to 10.")})
    return sorted({d for d in (_int(v, "desil", low=1, high=10) for v in desil) if d is not None})


def _regions_clean(regions: Any) -> list[str]:
    """Existing kota, kecamatan or kelurahan codes (text split on blanks, commas, semicolons)."""
    if isinstance(regions, str):
        regions = [r for r in re.split(r"[\s,;]+", regions) if r]
    if not isinstance(regions, list | tuple) or not all(isinstance(r, str) for r in regions):
        raise ValidationError({"regions": _("List region codes such as 31.73.04.1002.")})
    codes = sorted({r.strip() for r in regions if r.strip()})
    if not codes:
        return []
    valid = [c for c in codes if KEMENDAGRI_CODE_RE.match(c)]
    known = set(
        Region.objects.filter(code__in=valid, level__in=REGION_LEVELS).values_list(
            "code", flat=True
        )
    )
    missing = [c for c in codes if c not in known]
    if missing:
        raise ValidationError(
            {
                "regions": _("Not a kota, kecamatan or kelurahan code: %(codes)s.")
                % {"codes": ", ".join(missing[:10])[:300]}
            }
        )
    return codes


def criteria_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Typed criteria from user input; ValidationError keyed by criterion when one is wrong."""
    unknown = sorted(set(raw) - set(CRITERIA_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown criteria: %(names)s.") % {"names": ", ".join(map(str, unknown))}
        )
    criteria: dict[str, Any] = {}
    deciles = _deciles_clean(raw.get("desil") or [])
    if deciles:
        criteria["desil"] = deciles
    codes = _regions_clean(raw.get("regions") or [])
    if codes:
        criteria["regions"] = codes
    for low_key, high_key, high in (
        ("age_min", "age_max", 130),
        ("household_size_min", "household_size_max", 50),
    ):
        low_value = _int(raw.get(low_key), low_key, low=0, high=high)
        high_value = _int(raw.get(high_key), high_key, low=0, high=high)
        if low_value is not None and high_value is not None and low_value > high_value:
            raise ValidationError({high_key: _("The upper bound is below the lower bound.")})
        if low_value is not None:
            criteria[low_key] = low_value
        if high_value is not None:
            criteria[high_key] = high_value
    sex = raw.get("sex") or ""
    if sex not in ("", "L", "P"):
        raise ValidationError({"sex": _("Choose L or P.")})
    if sex:
        criteria["sex"] = sex
    for flag in ("head_only", "with_children_under_6", "with_elderly"):
        value = raw.get(flag, False)
        if not isinstance(value, bool):
            raise ValidationError({flag: _("Yes or no.")})
        if value:
            criteria[flag] = True
    return criteria


def _fields_clean(fields: Any, *, field: str = "fields") -> list[str]:
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise ValidationError({field: _("Choose the fields needed.")})
    chosen = set(fields)
    unknown = sorted(chosen - set(PERSON_FIELDS))
    if unknown:
        raise ValidationError(
            {field: _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)[:200]}}
        )
    if not chosen:
        raise ValidationError({field: _("Choose at least one field.")})
    return [f for f in PERSON_FIELDS if f in chosen]


def _content(data: dict[str, Any]) -> dict[str, Any]:
    fields = _fields_clean(data.get("fields"))
    needs_identifiers = bool(data.get("needs_identifiers", False))
    if needs_identifiers and not set(fields) & set(IDENTIFIERS):
        raise ValidationError(
            {"needs_identifiers": _("Full NIK/KK can only be needed when NIK or KK is requested.")}
        )
    return {
        "programme": _text(data.get("programme"), "programme", max_length=300),
        "purpose": _text(data.get("purpose"), "purpose", max_length=5000),
        "legal_basis": _text(data.get("legal_basis"), "legal_basis", max_length=5000),
        "criteria": criteria_clean(dict(data.get("criteria") or {})),
        "fields": fields,
        "needs_identifiers": needs_identifiers,
    }


# --- helpers -----------------------------------------------------------------------------------


def _require_own_opd(user: Any, organisation_id: int) -> None:
    scope = scope_for(user, [Role.OPD])
    if scope.is_empty or organisation_id not in scope.organisation_ids:
        raise PermissionDenied(_("Only the requesting OPD may do this."))


def _locked(request: DataRequest, version: int | None) -> DataRequest:
    current = DataRequest.objects.select_for_update().get(pk=request.pk)
    if version is not None and current.version != version:
        raise ConcurrentEditError(
            _(
                "Someone changed this request after you opened it. Nothing was saved; reload "
                "the page to see the changes."
            )
        )
    return current


def _save(request: DataRequest, fields: list[str]) -> None:
    request.version += 1
    request.full_clean()
    request.save(update_fields=[*fields, "version", "updated_at"])


def _open_task(request: DataRequest, step: str) -> HumanTask:
    task = (
        HumanTask.objects.filter(
            instance_id=request.instance_id, status=TaskStatus.OPEN, step__startswith=step
        )
        .order_by("pk")
        .first()
        if request.instance_id
        else None
    )
    if task is None:
        raise ValidationError(_("This step of the process is not open for the request."))
    return task


def _next_number(year: int) -> str:
    prefix = f"PDS-{year}-"
    last = (
        DataRequest.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _audit(
    action: str, by: Any, request: DataRequest, http: HttpRequest | None = None, **detail: Any
) -> None:
    audit_record(
        action=action,
        actor=by,
        obj=request,
        purpose=f"{request.number}: {request.programme}"[:300],
        request=http,
        detail={"number": request.number, **detail},
    )


# --- the OPD files -----------------------------------------------------------------------------


@transaction.atomic
def data_request_create(
    *,
    organisation: Organisation,
    by: User,
    programme: str,
    purpose: str,
    legal_basis: str,
    criteria: dict[str, Any],
    fields: list[str],
    needs_identifiers: bool = False,
    submit: bool = False,
) -> DataRequest:
    """A draft request of the user's own OPD (submitted straight away with `submit=True`)."""
    _require_own_opd(by, organisation.pk)
    content = _content(
        {
            "programme": programme,
            "purpose": purpose,
            "legal_basis": legal_basis,
            "criteria": criteria,
            "fields": fields,
            "needs_identifiers": needs_identifiers,
        }
    )
    year = timezone.localdate().year
    request: DataRequest | None = None
    for _attempt in range(_NUMBER_ATTEMPTS):
        candidate = DataRequest(
            number=_next_number(year), organisation=organisation, created_by=by, **content
        )
        candidate.full_clean(validate_unique=False)
        try:
            with transaction.atomic():  # a savepoint: a number taken meanwhile is retried
                candidate.save()
        except IntegrityError:
            continue
        request = candidate
        break
    if request is None:
        raise ValidationError(_("No request number could be reserved; try again."))
    _audit("targeting.request_created", by, request)
    if submit:
        request = data_request_submit(request=request, by=by, version=request.version)
    return request


@transaction.atomic
def data_request_update(
    *,
    request: DataRequest,
    by: User,
    version: int,
    programme: str,
    purpose: str,
    legal_basis: str,
    criteria: dict[str, Any],
    fields: list[str],
    needs_identifiers: bool = False,
) -> DataRequest:
    """Change a draft, or a request the secretariat sent back for changes."""
    _require_own_opd(by, request.organisation_id)
    request = _locked(request, version)
    if request.status not in EDITABLE:
        raise ValidationError(_("Only a draft or a request returned for changes can be edited."))
    content = _content(
        {
            "programme": programme,
            "purpose": purpose,
            "legal_basis": legal_basis,
            "criteria": criteria,
            "fields": fields,
            "needs_identifiers": needs_identifiers,
        }
    )
    for key, value in content.items():
        setattr(request, key, value)
    _save(request, list(content))
    _audit("targeting.request_updated", by, request)
    return request


@transaction.atomic
def data_request_submit(*, request: DataRequest, by: User, version: int) -> DataRequest:
    """Send the request to the secretariat: starts its process instance (first time) and
    completes the OPD's filing task (again after a return for changes)."""
    _require_own_opd(by, request.organisation_id)
    request = _locked(request, version)
    if request.status not in EDITABLE:
        raise ValidationError(_("This request was already submitted."))
    if request.instance_id is None:
        organisation = request.organisation
        request.instance = process_instance_start(
            code=PROCESS_CODE,
            params={
                "jenis_fasilitasi": "permintaan",
                "opd": organisation.acronym,
                "request_number": request.number,
            },
            by=by,
            title=_("Data request %(number)s (%(opd)s)")
            % {"number": request.number, "opd": organisation},
        )
    human_task_complete(task=_open_task(request, STEP_FILE), by=by)
    request.status = RequestStatus.SUBMITTED
    _save(request, ["status", "instance"])
    _audit("targeting.request_submitted", by, request)
    return request


# --- the secretariat reviews -------------------------------------------------------------------


@transaction.atomic
def data_request_review(
    *,
    request: DataRequest,
    by: User,
    decision: str,
    note: str = "",
    approved_fields: list[str] | None = None,
    identifiers_approved: bool = False,
    valid_days: int = 30,
    version: int,
) -> DataRequest:
    """Approve (with the fields approved), return for changes or reject (cancels the process)."""
    require_role(by, Role.SEKRETARIAT)
    request = _locked(request, version)
    if request.status != RequestStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted request can be reviewed."))
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose approve, changes or reject.")})
    note = _text(note, "note", required=decision != "approve", max_length=5000)
    task = _open_task(request, STEP_REVIEW)
    if decision == "approve":
        approved = _fields_clean(approved_fields or [], field="approved_fields")
        extra = [f for f in approved if f not in request.fields]
        if extra:
            raise ValidationError({"approved_fields": _("Only requested fields can be approved.")})
        if identifiers_approved and not request.needs_identifiers:
            raise ValidationError(
                {"identifiers_approved": _("The request did not ask for full NIK/KK.")}
            )
        if identifiers_approved and not set(approved) & set(IDENTIFIERS):
            raise ValidationError(
                {"identifiers_approved": _("Approve NIK or KK to give them in full.")}
            )
        days = _int(valid_days, "valid_days", low=1, high=MAX_VALID_DAYS)
        request.approved_fields = approved
        request.identifiers_approved = identifiers_approved
        request.valid_days = days or 30
        request.status = RequestStatus.APPROVED
        human_task_complete(task=task, by=by, decision="approve", comment=note)
    elif decision == "changes":
        request.status = RequestStatus.CHANGES
        human_task_complete(task=task, by=by, decision="return", comment=note)
    else:
        request.status = RequestStatus.REJECTED
        process_instance_cancel(instance=task.instance, by=by, reason=note)
    request.review_note = note
    request.reviewed_by = by
    request.reviewed_at = timezone.now()
    _save(
        request,
        [
            "status",
            "approved_fields",
            "identifiers_approved",
            "valid_days",
            "review_note",
            "reviewed_by",
            "reviewed_at",
        ],
    )
    _audit(
        "targeting.request_reviewed",
        by,
        request,
        decision=decision,
        fields=request.approved_fields if decision == "approve" else [],
        identifiers=request.identifiers_approved,
    )
    return request


# --- the data steward produces the extract ----------------------------------------------------


@transaction.atomic
def data_request_extract(*, request: DataRequest, by: User) -> DataRequest:
    """Filter the current release by the approved criteria and keep the approved fields only."""
    require_role(by, Role.PENGELOLA_DATA)
    request = _locked(request, None)
    if request.status != RequestStatus.APPROVED:
        raise ValidationError(_("Only an approved request gets an extract."))
    release = Release.objects.filter(is_current=True).first()
    if release is None:
        raise ValidationError(_("There is no current release to extract from."))
    task = _open_task(request, STEP_EXTRACT)
    frame = extract_frame(
        pl.scan_parquet(release.persons_path),
        criteria=request.criteria,
        fields=request.approved_fields,
        reveal_identifiers=request.identifiers_approved,
        on=timezone.localdate(),
        watermark=request.number,
    )
    path = extracts_dir() / f"{request.number}-{uuid.uuid4().hex[:12]}.parquet"
    frame.write_parquet(path, compression="zstd")
    now = timezone.now()
    request.release = release
    request.extract_path = str(path)
    request.extract_rows = frame.height
    request.extracted_at = now
    request.expires_at = now + timedelta(days=request.valid_days)
    request.status = RequestStatus.EXTRACTED
    human_task_complete(task=task, by=by)
    _save(
        request,
        ["release", "extract_path", "extract_rows", "extracted_at", "expires_at", "status"],
    )
    _audit(
        "targeting.extract_produced",
        by,
        request,
        rows=frame.height,
        release=release.pk,
        fields=request.approved_fields,
        identifiers=request.identifiers_approved,
    )
    return request


def extract_is_available(request: DataRequest) -> bool:
    return bool(
        request.extract_path
        and request.expires_at is not None
        and timezone.now() < request.expires_at
        and Path(request.extract_path).is_file()
    )


def extract_download_record(
    *, request: DataRequest, by: Any, fmt: str, http: HttpRequest | None = None
) -> None:
    """One audit row per download: which request, how many rows, which format."""
    _audit("targeting.extract_downloaded", by, request, http, rows=request.extract_rows, format=fmt)


def extract_refusal_record(
    *, request: DataRequest, by: Any, reason: str, http: HttpRequest | None = None
) -> None:
    _audit("targeting.extract_refused", by, request, http, reason=reason)


# --- data balikan and the coverage result -----------------------------------------------------


@transaction.atomic
def data_request_return(
    *,
    request: DataRequest,
    by: User,
    path: Path,
    file_name: str,
    mapping: dict[str, str],
    year: int,
    quarter: int | None = None,
) -> BeneficiaryList:
    """The OPD's beneficiary list (data balikan) for this request: stored, linked in the
    background against the release of the extract; the OPD's return task is completed."""
    from tkpk.targeting import services_lists, tasks_lists  # noqa: PLC0415

    _require_own_opd(by, request.organisation_id)
    request = _locked(request, None)
    first = request.status == RequestStatus.EXTRACTED
    retry = (
        request.status == RequestStatus.RETURNED
        and not request.returned_lists.exclude(status=ListStatus.FAILED).exists()
    )
    if not (first or retry):
        raise ValidationError(_("The beneficiary list is returned once the extract is ready."))
    beneficiaries = services_lists.beneficiary_list_create(
        path=path,
        file_name=file_name,
        programme=request.programme,
        organisation=request.organisation,
        year=year,
        quarter=quarter,
        mapping=mapping,
        by=by,
        release=request.release,
        data_request=request,
    )
    transaction.on_commit(
        lambda: tasks_lists.beneficiary_list_link_task.enqueue(list_id=beneficiaries.pk)
    )
    if first:
        human_task_complete(task=_open_task(request, STEP_RETURN), by=by)
        request.status = RequestStatus.RETURNED
        _save(request, ["status"])
    _audit("targeting.data_returned", by, request, list=beneficiaries.pk)
    return beneficiaries


@transaction.atomic
def data_request_close(*, request: DataRequest, by: User, note: str = "") -> DataRequest:
    """The coverage result of the linked list is sent back to the OPD: the process ends."""
    require_role(by, Role.PENGELOLA_DATA)
    request = _locked(request, None)
    if request.status != RequestStatus.RETURNED:
        raise ValidationError(_("The beneficiary list has not been returned yet."))
    if not request.returned_lists.filter(status=ListStatus.LINKED).exists():
        raise ValidationError(_("The returned list is not linked yet."))
    note = _text(note, "note", required=False, max_length=5000)
    human_task_complete(task=_open_task(request, STEP_COVERAGE), by=by, comment=note)
    request.status = RequestStatus.CLOSED
    _save(request, ["status"])
    _audit("targeting.request_closed", by, request)
    return request
