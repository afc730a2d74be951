from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import User
from tkpk.core.exports import neutralise
from tkpk.core.services import audit_record
from tkpk.regions.models import Level, Region
from tkpk.targeting.models import ImportJob, ImportStatus, Release
from tkpk.targeting.validate import CANONICAL, issue_columns, validate_frame

Progress = Callable[[int], None]


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "targeting"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_persons(path: Path, mapping: dict[str, str]) -> pl.LazyFrame:
    """The file as text columns under canonical names (NIKs never become numbers)."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        frame = pl.scan_csv(
            path, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True
        )
    elif suffix == ".parquet":
        frame = pl.scan_parquet(path)
        frame = frame.with_columns(pl.all().cast(pl.String))
    elif suffix in {".xlsx", ".xls"}:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0).lazy()
        frame = frame.with_columns(pl.all().cast(pl.String))
    else:
        raise ValidationError(
            _("Unsupported file type %(suffix)s: use CSV, XLSX or Parquet.") % {"suffix": suffix}
        )
    columns = frame.collect_schema().names()
    renames = {c: mapping[c] for c in columns if c in mapping}
    frame = frame.rename(renames)
    present = set(frame.collect_schema().names())
    missing = [c for c in ("nik", "kk", "name", "kelurahan_code", "desil") if c not in present]
    if missing:
        raise ValidationError(
            _("Columns missing after mapping: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(c) for c in CANONICAL if c not in present]
    )
    return frame.select(CANONICAL).with_row_index("row", offset=2)


def _kelurahan_codes() -> list[str]:
    return list(Region.objects.filter(level=Level.KELURAHAN).values_list("code", flat=True))


def _known_areas() -> list[str]:
    return [
        c.replace(".", "")
        for c in Region.objects.filter(level=Level.KECAMATAN).values_list("code", flat=True)
    ]


def _write_report(frame: pl.DataFrame, path: Path) -> None:
    """One line per issue: row, field rule, severity, message (formula-safe CSV)."""
    parts = []
    for column, rule in issue_columns():
        flagged = frame.filter(pl.col(column)).select(
            pl.col("row"),
            pl.lit(rule.code).alias("rule"),
            pl.lit(rule.severity).alias("severity"),
            pl.lit(rule.message).alias("message"),
        )
        parts.append(flagged)
    report = pl.concat(parts).sort(["row", "rule"]) if parts else pl.DataFrame()
    report = report.with_columns(pl.col("message").map_elements(neutralise, return_dtype=pl.String))
    report.write_csv(path)


def _atomic_parquet(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    frame.write_parquet(tmp, compression="zstd")
    os.replace(tmp, path)


def import_job_create(
    *,
    path: Path,
    source: str,
    as_of: date,
    mapping: dict[str, str],
    by: User | None,
    max_error_rate: Decimal = Decimal(0),
    file_name: str = "",
) -> ImportJob:
    job = ImportJob.objects.create(
        source=source,
        as_of=as_of,
        file_name=(file_name or path.name)[:255],
        file_sha256=file_sha256(path),
        upload_path=str(path),
        mapping=mapping,
        max_error_rate=max_error_rate,
        created_by=by,
    )
    audit_record(action="targeting.import_queued", actor=by, obj=job)
    return job


def import_job_run(*, job: ImportJob, progress: Progress | None = None) -> ImportJob:
    """Validate the whole file; store a release only if it passes (nothing partial)."""

    def step(percent: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=percent)
        if progress:
            progress(percent)

    existing = Release.objects.filter(
        source=job.source, as_of=job.as_of, file_sha256=job.file_sha256
    ).first()
    if existing is not None:  # the same delivery again: nothing new to store
        return _finish(
            job,
            ImportStatus.DONE,
            release=existing,
            message=_("This file was imported before; its release is kept."),
        )
    job.status = ImportStatus.RUNNING
    job.save(update_fields=["status"])
    step(5)
    try:
        frame = read_persons(Path(job.upload_path), job.mapping)
        step(20)
        checked = validate_frame(
            frame,
            today=timezone.localdate(),
            kelurahan_codes=_kelurahan_codes(),
            known_areas=_known_areas(),
        ).collect()
    except (ValidationError, pl.exceptions.PolarsError, OSError) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        return _finish(job, ImportStatus.FAILED, message=" ".join(messages))
    step(60)
    error_cols = [c for c, r in issue_columns() if r.severity == "error"]
    warning_cols = [c for c, r in issue_columns() if r.severity == "warning"]
    has_error = pl.any_horizontal(error_cols)
    job.rows = checked.height
    job.error_rows = int(checked.select(has_error.sum()).item())
    job.warning_rows = int(checked.select(pl.any_horizontal(warning_cols).sum()).item())
    report = storage_dir() / f"import-{job.pk}-report.csv"
    _write_report(checked, report)
    job.report_path = str(report)
    step(75)
    if job.rows == 0 or Decimal(job.error_rows) > job.max_error_rate * job.rows:
        return _finish(
            job,
            ImportStatus.REJECTED,
            message=_(
                "%(errors)s of %(rows)s rows have errors; nothing was stored. Download the report, "
                "correct the file and import it again."
            )
            % {"errors": job.error_rows, "rows": job.rows},
        )
    persons = (
        checked.filter(~has_error)
        .select(["row", *CANONICAL, pl.col("_w_nik_placeholder").alias("nik_placeholder")])
        .with_columns(
            pl.col("desil").cast(pl.Int8),
            pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False),
        )
    )
    path = storage_dir() / f"release-{job.source}-{job.as_of:%Y%m%d}-{job.file_sha256[:12]}.parquet"
    _atomic_parquet(persons, path)
    step(90)
    with transaction.atomic():
        release = Release.objects.create(
            source=job.source,
            as_of=job.as_of,
            file_sha256=job.file_sha256,
            persons_path=str(path),
            persons=persons.height,
            households=persons.select(pl.col("kk").n_unique()).item(),
            warning_rows=job.warning_rows,
            created_by=job.created_by,
        )
        audit_record(
            action="targeting.release_created",
            actor=job.created_by,
            obj=release,
            detail={"rows": persons.height},
        )
    return _finish(job, ImportStatus.DONE, release=release)


def _finish(
    job: ImportJob, status: str, *, release: Release | None = None, message: str = ""
) -> ImportJob:
    job.status = status
    job.release = release
    job.message = message
    job.progress = 100
    job.finished_at = timezone.now()
    job.save()
    return job


@transaction.atomic
def release_set_current(*, release: Release, by: User) -> Release:
    Release.objects.filter(is_current=True).exclude(pk=release.pk).update(is_current=False)
    release.is_current = True
    release.save(update_fields=["is_current"])
    audit_record(action="targeting.release_current", actor=by, obj=release)
    return release


def release_compare(*, old: Release, new: Release) -> pl.DataFrame:
    """Per kelurahan: households added, removed and with a changed desil between releases."""

    def households(release: Release) -> pl.LazyFrame:
        return (
            pl.scan_parquet(release.persons_path)
            .group_by("kk")
            .agg(pl.col("kelurahan_code").first(), pl.col("desil").min())
        )

    a, b = households(old), households(new)
    joined = a.join(b, on="kk", how="full", suffix="_new", coalesce=True)
    kel = pl.coalesce("kelurahan_code_new", "kelurahan_code").alias("kelurahan_code")
    return (
        joined.with_columns(kel)
        .group_by("kelurahan_code")
        .agg(
            pl.col("desil").is_null().sum().alias("added"),
            pl.col("desil_new").is_null().sum().alias("removed"),
            (
                (pl.col("desil") != pl.col("desil_new"))
                & pl.col("desil").is_not_null()
                & pl.col("desil_new").is_not_null()
            )
            .sum()
            .alias("desil_changed"),
        )
        .sort("kelurahan_code")
        .collect()
    )


def mapping_parse(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, canonical = pair.partition("=")
        if not sep or canonical not in CANONICAL:
            raise ValidationError(
                _("--map takes COLUMN=FIELD with FIELD one of %(fields)s")
                % {"fields": ", ".join(CANONICAL)}
            )
        mapping[column] = canonical
    return mapping
