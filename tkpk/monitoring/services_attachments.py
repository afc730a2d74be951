"""Attachments of the OPDs' quarterly reports (TKPK-03.02): supporting documents for the whole
report or for one row. The report's own OPD adds and removes them while the report is editable
(period open; not started, draft, or returned — for a returned report with commented rows, a
row's attachments only on those rows); every addition, removal and download is audited.

Removal deletes the row and, after commit, the file: nothing was relied on yet (the report was
not submitted, or was returned), and a file uploaded by mistake may hold personal data that must
really go. The audit log keeps what was removed (name, size, SHA-256) and by whom.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from tkpk.accounts.models import User
from tkpk.core.services import audit_record
from tkpk.monitoring.models import (
    EDITABLE_STATES,
    PeriodState,
    QuarterReport,
    ReportAttachment,
    ReportValue,
)
from tkpk.monitoring.services import require_opd
from tkpk.monitoring.services_reports import value_editable

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_PER_REPORT = 50
NAME_LIMIT = 200


@dataclass(frozen=True)
class FileKind:
    content_type: str
    magic: tuple[bytes, ...]
    # For Office files (ZIP packages): a member the package must contain.
    zip_member: str = ""


ATTACHMENT_TYPES: dict[str, FileKind] = {
    ".pdf": FileKind("application/pdf", (b"%PDF-",)),
    ".jpg": FileKind("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": FileKind("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": FileKind("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
        "word/document.xml",
    ),
    ".xlsx": FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
        "xl/workbook.xml",
    ),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _suffix(name: str) -> str:
    name = name.lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def attachment_display_name(name: str) -> str:
    """The uploaded file's own name without any folder or control characters, at most
    NAME_LIMIT characters (its extension kept)."""
    base = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "lampiran"
    if len(base) <= NAME_LIMIT:
        return base
    suffix = _suffix(base)
    return base[: NAME_LIMIT - len(suffix)] + suffix


def _zip_has(handle: Any, member: str) -> bool:
    try:
        with zipfile.ZipFile(handle) as package:
            return member in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def attachment_check(upload: UploadedFile[bytes] | None) -> FileKind:
    """A PDF, JPG, PNG, DOCX or XLSX file of at most ATTACHMENT_MAX_BYTES whose content is what
    its extension says (errors keyed ``file``)."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to attach.")})
    kind = ATTACHMENT_TYPES.get(_suffix(upload.name or ""))
    if kind is None:
        raise ValidationError({"file": _("Use a PDF, JPG, PNG, DOCX or XLSX file.")})
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)s MB.")
                % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    matches = head.startswith(kind.magic)
    if matches and kind.zip_member:
        matches = _zip_has(upload, kind.zip_member)
        upload.seek(0)
    if not matches:
        raise ValidationError({"file": _("The file content does not match its type.")})
    return kind


def attachments_editable(*, report: QuarterReport, value: ReportValue | None = None) -> bool:
    """Attachments change while the period is open and the report is not started, a draft, or
    returned; a row's attachments only while that row is open (see ``value_editable``)."""
    if report.period.state != PeriodState.OPEN or report.state not in EDITABLE_STATES:
        return False
    if value is None:
        return True
    value.report = report
    return value_editable(value)


def _locked_error() -> ValidationError:
    return ValidationError(
        _(
            "Attachments can be added or removed only while the report is open for changes "
            "(before submission, or after the secretariat returns it)."
        )
    )


def _sha256(upload: UploadedFile[bytes]) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_add(
    *,
    report: QuarterReport,
    by: User,
    upload: UploadedFile[bytes],
    value: ReportValue | None = None,
) -> ReportAttachment:
    """Attach a file to the OPD's report, or to one of its rows (``value``)."""
    require_opd(by, report.opd_id)
    # Locked like a submission, so a file cannot slip in while the report is being submitted.
    report = QuarterReport.objects.select_for_update().select_related("period").get(pk=report.pk)
    if value is not None:
        value = ReportValue.objects.select_related("row").get(pk=value.pk)
        if value.report_id != report.pk:
            raise ValidationError({"value": _("The row belongs to another report.")})
    if not attachments_editable(report=report, value=value):
        raise _locked_error()
    kind = attachment_check(upload)
    if report.attachments.count() >= ATTACHMENTS_PER_REPORT:
        raise ValidationError(
            {
                "file": _("A report holds at most %(count)s attachments.")
                % {"count": ATTACHMENTS_PER_REPORT}
            }
        )
    name = attachment_display_name(upload.name or "")
    attachment = ReportAttachment(
        report=report,
        value=value,
        name=name,
        size=upload.size or 0,
        content_type=kind.content_type,
        sha256=_sha256(upload),
        uploaded_by=by,
    )
    # The stored name is random: the uploaded name is only shown and sent back on download.
    attachment.file.save(f"{uuid.uuid4().hex}{_suffix(name)}", upload, save=False)
    stored = attachment.file.name or ""
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    audit_record(
        action="monitoring.attachment_added",
        actor=by,
        obj=attachment,
        detail=_audit_detail(attachment),
    )
    return attachment


def _audit_detail(attachment: ReportAttachment) -> dict[str, Any]:
    return {
        "report": attachment.report_id,
        "row": attachment.value.row.code if attachment.value is not None else "",
        "name": attachment.name,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


@transaction.atomic
def attachment_remove(*, attachment: ReportAttachment, by: User) -> None:
    """Remove an attachment (the report's OPD, while the report or its row is editable)."""
    attachment = ReportAttachment.objects.select_related("report", "value__row").get(
        pk=attachment.pk
    )
    require_opd(by, attachment.report.opd_id)
    report = (
        QuarterReport.objects.select_for_update()
        .select_related("period")
        .get(pk=attachment.report_id)
    )
    if not attachments_editable(report=report, value=attachment.value):
        raise _locked_error()
    detail = _audit_detail(attachment)
    audit_record(action="monitoring.attachment_removed", actor=by, obj=attachment, detail=detail)
    storage, stored = attachment.file.storage, attachment.file.name or ""
    attachment.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
