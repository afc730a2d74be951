"""Programme beneficiary lists: upload, linkage to a release, and the review of uncertain pairs.

A list's rows stay in Parquet (`rows_path`: `row` = file row number, canonical fields as
text); its links to release persons in another Parquet file (`links_path`, columns in
`LINK_SCHEMA`). Linking runs in two stages inside `linkage.link_tables`: a confirmed exact NIK
settles a record (method "nik"); the NIK-aware Splink model scores the rest. Model pairs at or
above `ACCEPT` are accepted (method "model"), pairs from `REVIEW_FLOOR` up to `ACCEPT` wait for
a person's decision (`LinkReview`, method "review"), the rest stay unmatched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.accounts.models import Organisation, User
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.targeting.linkage import MappingError, link_tables
from tkpk.targeting.models import (
    BeneficiaryList,
    DataRequest,
    LinkReview,
    ListStatus,
    Release,
    ReviewStatus,
)
from tkpk.targeting.services import file_sha256, storage_dir

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]

# Model pairs at or above ACCEPT are accepted without review. On the generated sets (registry
# 400–3,000 persons, lists of 120–800 with injected errors) every true pair the model found
# scored above 0.995 and no false pair reached 0.5; 0.99 leaves a margin for real files.
ACCEPT = 0.99
# Below this the best candidate is too weak to show a reviewer: the record is unmatched.
REVIEW_FLOOR = 0.5

# Canonical fields of a list (the linkage fields); `id` is the OPD's own record id, if any.
LIST_FIELDS: tuple[str, ...] = (
    "id",
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "kelurahan_code",
)
# Fields the linkage compares (the list's `id` is not one: rows are linked by `row`).
_LINK_FIELDS = LIST_FIELDS[1:]
_IGNORED_COLUMNS = frozenset({"programme"})
SUFFIXES = (".csv", ".txt", ".xlsx", ".xls", ".parquet")

# The links file, read by the coverage analysis: exactly these columns.
LINK_SCHEMA: dict[str, Any] = {
    "list_row": pl.Int64,
    "person_row": pl.Int64,
    "probability": pl.Float64,
    "method": pl.String,  # nik | model | review
    "status": pl.String,  # accepted | pending
    "kk": pl.String,
    "kelurahan_code": pl.String,
    "desil": pl.Int8,
}

# Who files and reviews lists: the data steward and the secretariat for every OPD; an OPD
# operator for its own organisation.
LIST_ADMIN_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT)


# --- helpers -------------------------------------------------------------------------------


def list_mapping_parse(lines: list[str]) -> dict[str, str]:
    """`["NAMA=name", "NIK_KTP=nik"]` → `{"NAMA": "name", "NIK_KTP": "nik"}` (list fields)."""
    mapping: dict[str, str] = {}
    for line in lines:
        column, sep, field = line.partition("=")
        column, field = column.strip(), field.strip().lower()
        if not sep or not column or field not in LIST_FIELDS:
            raise ValidationError(
                _("A mapping line is COLUMN=FIELD with FIELD one of %(fields)s.")
                % {"fields": ", ".join(LIST_FIELDS)}
            )
        mapping[column] = field
    return mapping


def list_organisation_for(user: Any) -> Organisation | None:
    """The organisation an OPD operator files lists for (None for the data steward etc.)."""
    if not scope_for(user, LIST_ADMIN_ROLES).is_empty:
        return None
    scope = scope_for(user, (Role.OPD,))
    if scope.is_empty or not scope.organisation_ids:
        raise PermissionDenied
    own = getattr(user, "organisation_id", None)
    pk = own if own in scope.organisation_ids else min(scope.organisation_ids)
    return Organisation.objects.get(pk=pk)


def may_work_on_list(user: Any, blist: BeneficiaryList) -> bool:
    if not scope_for(user, LIST_ADMIN_ROLES).is_empty:
        return True
    return blist.organisation_id in scope_for(user, (Role.OPD,)).organisation_ids


def _read_upload(path: Path, mapping: dict[str, str]) -> pl.DataFrame:
    """The list as text columns under canonical names, `row` = file row number (from 2)."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        frame = pl.read_csv(
            path, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True
        )
    elif suffix == ".parquet":
        frame = pl.read_parquet(path)
    elif suffix in {".xlsx", ".xls"}:
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    else:
        raise ValidationError(
            _("Unsupported file type %(suffix)s: use CSV, XLSX or Parquet.") % {"suffix": suffix}
        )
    frame = frame.with_columns(pl.all().cast(pl.String))
    renames: dict[str, str] = {}
    for column in frame.columns:
        if column in mapping:
            renames[column] = mapping[column]
        elif column.strip().lower() in LIST_FIELDS and column not in _IGNORED_COLUMNS:
            renames[column] = column.strip().lower()
    targets = list(renames.values())
    doubled = sorted({f for f in targets if targets.count(f) > 1})
    if doubled:
        raise ValidationError(
            _("Several columns map to the same field: %(fields)s.") % {"fields": ", ".join(doubled)}
        )
    present = set(targets)
    if not present & {"nik", "name"}:
        raise ValidationError(
            _("The list needs a NIK or a name column after mapping (columns found: %(columns)s).")
            % {"columns": ", ".join(frame.columns)}
        )
    frame = frame.select([pl.col(c).alias(f) for c, f in renames.items()])
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in LIST_FIELDS if f not in present]
    )
    trimmed = [pl.col(f).str.strip_chars() for f in LIST_FIELDS]
    frame = frame.select(
        pl.when(t.str.len_chars() > 0).then(t).otherwise(None).alias(f)
        for t, f in zip(trimmed, LIST_FIELDS, strict=True)
    )
    return frame.with_row_index("row", offset=2).with_columns(pl.col("row").cast(pl.Int64))


def _atomic_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Write to a temporary file next to `path`; the caller moves it into place."""
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    frame.write_parquet(tmp, compression="zstd")
    return tmp


def _release_persons(release: Release) -> pl.DataFrame:
    return pl.read_parquet(
        release.persons_path,
        columns=["row", *_LINK_FIELDS, "desil"],
    ).with_columns(pl.col("row").cast(pl.Int64))


def _nik_confirmed(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Pairs the exact-NIK stage accepted (NIK equal, confirmed by name or birth date).

    `link_tables` leaves its stage tables in the connection; `LinkResult.pairs` itself does not
    say which pairs the deterministic stage settled.
    """
    empty = pl.DataFrame(schema={"left_id": pl.String, "right_id": pl.String})
    try:
        rows = con.execute(
            "SELECT left_id, right_id FROM __nik_pairs WHERE status = 'accepted'"
        ).fetchall()
    except duckdb.CatalogException:
        return empty
    return pl.DataFrame(rows, schema=empty.schema, orient="row") if rows else empty


def _link(persons: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Best release person per list row: list_row, person_row, probability, nik (bool)."""
    left = persons.select(
        pl.col("row").cast(pl.String).alias("id"),
        *[pl.col(f).cast(pl.String) for f in _LINK_FIELDS],
    )
    right = rows.select(pl.col("row").cast(pl.String).alias("id"), *_LINK_FIELDS)
    # Columns with no value at all would only weaken the model: leave them out.
    right = right.select(["id", *[f for f in _LINK_FIELDS if right[f].null_count() < right.height]])
    with duckdb.connect() as con:
        con.register("tkpk_release_persons", left.to_arrow())
        con.register("tkpk_list_rows", right.to_arrow())
        result = link_tables(
            con,
            left="tkpk_release_persons",
            right="tkpk_list_rows",
            threshold=REVIEW_FLOOR,
            reference_date=timezone.localdate().isoformat(),
        )
        confirmed = _nik_confirmed(con).with_columns(pl.lit(True).alias("nik"))
    return (
        result.pairs.join(confirmed, on=["left_id", "right_id"], how="left")
        .select(
            pl.col("right_id").cast(pl.Int64).alias("list_row"),
            pl.col("left_id").cast(pl.Int64).alias("person_row"),
            pl.col("probability").cast(pl.Float64),
            pl.col("nik").fill_null(False),
        )
        .sort("list_row")
    )


def _classify(
    pairs: pl.DataFrame, decided: dict[int, tuple[int, str]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(links without person columns, review pairs) from the best pairs and earlier decisions.

    `decided` maps list_row → (person_row, status) of reviews already decided.
    """
    method = (
        pl.when(pl.col("nik"))
        .then(pl.lit("nik"))
        .when(pl.col("probability") >= ACCEPT)
        .then(pl.lit("model"))
        .otherwise(pl.lit("review"))
    )
    classified = pairs.with_columns(method.alias("method"))
    reviews = classified.filter(pl.col("method") == "review")
    decision = pl.Series(
        "decision",
        [
            decided[r][1] if r in decided and decided[r][0] == p else None
            for r, p in zip(reviews["list_row"], reviews["person_row"], strict=True)
        ],
        dtype=pl.String,
    )
    reviews = reviews.with_columns(decision)
    kept = pl.concat(
        [
            classified.filter(pl.col("method") != "review").with_columns(
                pl.lit("accepted").alias("status")
            ),
            reviews.filter(
                pl.col("decision").is_null() | (pl.col("decision") != ReviewStatus.REJECTED.value)
            )
            .with_columns(
                pl.when(pl.col("decision") == ReviewStatus.ACCEPTED.value)
                .then(pl.lit("accepted"))
                .otherwise(pl.lit("pending"))
                .alias("status")
            )
            .drop("decision"),
        ]
    )
    return kept.drop("nik").sort("list_row"), reviews


def _links_frame(kept: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    attrs = persons.select(
        pl.col("row").alias("person_row"), "kk", "kelurahan_code", pl.col("desil").cast(pl.Int8)
    )
    return (
        kept.join(attrs, on="person_row", how="left")
        .select([pl.col(c).cast(t) for c, t in LINK_SCHEMA.items()])
        .sort("list_row")
    )


def _counts(links: pl.DataFrame, rows: int) -> dict[str, int]:
    method, status = pl.col("method"), pl.col("status")
    exact = links.filter(method == "nik").height
    model = links.filter((method == "model") | ((method == "review") & (status == "accepted")))
    pending = links.filter(status == "pending").height
    return {
        "rows": rows,
        "matched_exact": exact,
        "matched_model": model.height,
        "review_pending": pending,
        "unmatched": rows - links.height,
    }


def _discard(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def _create_errors(
    *,
    programme: str,
    year: int,
    quarter: int | None,
    target_desil_max: int,
    path: Path,
    mapping: dict[str, str],
    organisation: Organisation,
    data_request: DataRequest | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not programme.strip():
        errors["programme"] = _("Name the programme.")
    if quarter is not None and not 1 <= quarter <= 4:
        errors["quarter"] = _("The quarter is 1 to 4.")
    if not 2000 <= year <= 2100:
        errors["year"] = _("Enter a year such as 2026.")
    if not 1 <= target_desil_max <= 10:
        errors["target_desil_max"] = _("Deciles run from 1 to 10.")
    if path.suffix.lower() not in SUFFIXES:
        errors["upload_path"] = _("Use a CSV, XLSX or Parquet file.")
    bad_fields = sorted({f for f in mapping.values() if f not in LIST_FIELDS})
    if bad_fields:
        errors["mapping"] = _("Unknown fields in the column mapping: %(fields)s.") % {
            "fields": ", ".join(bad_fields)
        }
    if data_request is not None and data_request.organisation_id != organisation.pk:
        errors["data_request"] = _("The data request belongs to another OPD.")
    return errors


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def beneficiary_list_create(
    *,
    path: Path,
    file_name: str,
    programme: str,
    organisation: Organisation,
    year: int,
    quarter: int | None,
    target_desil_max: int = 4,
    mapping: dict[str, str],
    by: User | None,
    release: Release | None = None,
    data_request: DataRequest | None = None,
) -> BeneficiaryList:
    """Record an uploaded list against a release (the current one by default); not linked yet.

    An OPD operator files lists for its own organisation only. The file is kept in the
    targeting storage so the list can be linked again.
    """
    if by is not None and not may_file_for(by, organisation):
        raise PermissionDenied
    if release is None:
        release = Release.objects.filter(is_current=True).first()
        if release is None:
            raise ValidationError(
                _("There is no current release of the target data to link the list with.")
            )
    errors = _create_errors(
        programme=programme,
        year=year,
        quarter=quarter,
        target_desil_max=target_desil_max,
        path=path,
        mapping=mapping,
        organisation=organisation,
        data_request=data_request,
    )
    if errors:
        raise ValidationError(errors)
    if not path.is_file():
        raise ValidationError(_("The uploaded file cannot be found."))
    folder = storage_dir()
    copied: Path | None = None
    if path.resolve().parent != folder.resolve():
        copied = folder / f"list-upload-{uuid.uuid4().hex}{path.suffix.lower()}"
        shutil.copyfile(path, copied)
        path = copied
    try:
        return _list_save(
            path=path,
            file_name=file_name,
            programme=programme,
            organisation=organisation,
            year=year,
            quarter=quarter,
            target_desil_max=target_desil_max,
            mapping=mapping,
            by=by,
            release=release,
            data_request=data_request,
        )
    except BaseException:
        _discard(copied)
        raise


def _list_save(
    *,
    path: Path,
    file_name: str,
    programme: str,
    organisation: Organisation,
    year: int,
    quarter: int | None,
    target_desil_max: int,
    mapping: dict[str, str],
    by: User | None,
    release: Release,
    data_request: DataRequest | None,
) -> BeneficiaryList:
    blist = BeneficiaryList(
        programme=programme.strip(),
        organisation=organisation,
        year=year,
        quarter=quarter,
        target_desil_max=target_desil_max,
        release=release,
        data_request=data_request,
        file_name=(file_name or path.name)[:255],
        file_sha256=file_sha256(path),
        upload_path=str(path),
        mapping=mapping,
        created_by=by,
    )
    blist.full_clean()
    blist.save()
    audit_record(
        action="targeting.list_created",
        actor=by,
        obj=blist,
        detail={"release": release.pk, "organisation": organisation.pk},
    )
    return blist


def may_file_for(user: Any, organisation: Organisation) -> bool:
    if not scope_for(user, LIST_ADMIN_ROLES).is_empty:
        return True
    return organisation.pk in scope_for(user, (Role.OPD,)).organisation_ids


def beneficiary_list_link(
    *, blist: BeneficiaryList, progress: Progress | None = None
) -> BeneficiaryList:
    """Link the list to its release: all or nothing, idempotent, earlier decisions kept."""

    def step(percent: int) -> None:
        BeneficiaryList.objects.filter(pk=blist.pk).update(progress=percent)
        if progress:
            progress(percent)

    BeneficiaryList.objects.filter(pk=blist.pk).update(
        status=ListStatus.RUNNING, progress=0, message=""
    )
    step(5)
    folder = storage_dir()
    rows_final = folder / f"list-{blist.pk}-rows.parquet"
    links_final = folder / f"list-{blist.pk}-links.parquet"
    rows_tmp: Path | None = None
    links_tmp: Path | None = None
    try:
        rows = _read_upload(Path(blist.upload_path), blist.mapping)
        if rows.height == 0:
            raise ValidationError(_("The file has no rows."))
        step(15)
        persons = _release_persons(blist.release)
        step(25)
        pairs = _link(persons, rows)
        step(80)
        with transaction.atomic():
            locked = BeneficiaryList.objects.select_for_update().get(pk=blist.pk)
            decided = {
                r.list_row: (r.person_row, r.status)
                for r in locked.reviews.exclude(status=ReviewStatus.PENDING)
            }
            kept, reviews = _classify(pairs, decided)
            links = _links_frame(kept, persons)
            rows_tmp = _atomic_parquet(rows, rows_final)
            links_tmp = _atomic_parquet(links, links_final)
            _reviews_sync(locked, reviews)
            for field, value in _counts(links, rows.height).items():
                setattr(locked, field, value)
            locked.rows_path, locked.links_path = str(rows_final), str(links_final)
            locked.status, locked.progress, locked.message = ListStatus.LINKED, 100, ""
            locked.finished_at = timezone.now()
            locked.save()
            audit_record(
                action="targeting.list_linked",
                actor=locked.created_by,
                obj=locked,
                detail=_counts(links, rows.height),
            )
            os.replace(rows_tmp, rows_final)
            os.replace(links_tmp, links_final)
    except ValidationError as exc:
        _discard(rows_tmp, links_tmp, rows_final, links_final)
        return _fail(blist, " ".join(exc.messages))
    except MappingError:
        _discard(rows_tmp, links_tmp, rows_final, links_final)
        return _fail(
            blist,
            _(
                "The list shares too few fields with the release to link: it needs a NIK, or a "
                "name with a birth date or kelurahan."
            ),
        )
    except (pl.exceptions.PolarsError, duckdb.Error, OSError, ValueError) as exc:
        _discard(rows_tmp, links_tmp, rows_final, links_final)
        # The exception text may quote values from the file: only its kind is kept.
        logger.warning("linking list %s failed: %s", blist.pk, type(exc).__name__)
        return _fail(
            blist,
            _("The list could not be linked (%(kind)s). Check the file and the column mapping.")
            % {"kind": type(exc).__name__},
        )
    if progress:
        progress(100)
    blist.refresh_from_db()
    return blist


def _reviews_sync(blist: BeneficiaryList, reviews: pl.DataFrame) -> None:
    """Pending reviews = the review pairs without a decision; decided reviews stay as they are."""
    wanted = {
        int(r): (int(p), float(q))
        for r, p, q, d in reviews.select(
            "list_row", "person_row", "probability", "decision"
        ).iter_rows()
        if d is None
    }
    existing = {r.list_row: r for r in blist.reviews.all()}
    stale = [
        r.pk
        for row, r in existing.items()
        if r.status == ReviewStatus.PENDING
        and (row not in wanted or wanted[row][0] != r.person_row)
    ]
    LinkReview.objects.filter(pk__in=stale).delete()
    for row, (person_row, probability) in wanted.items():
        current = existing.get(row)
        if current is not None and current.pk not in stale:
            if current.status == ReviewStatus.PENDING and current.probability != probability:
                current.probability = probability
                current.save(update_fields=["probability"])
            continue
        if current is not None and current.status != ReviewStatus.PENDING:
            # Decided on another pair for this row: the new pair is asked again.
            current.person_row, current.probability = person_row, probability
            current.status, current.decided_by, current.decided_at = (
                ReviewStatus.PENDING,
                None,
                None,
            )
            current.version += 1
            current.save()
            continue
        LinkReview.objects.create(
            beneficiary_list=blist, list_row=row, person_row=person_row, probability=probability
        )


def _fail(blist: BeneficiaryList, message: str) -> BeneficiaryList:
    """Mark the list failed; no links, rows or pending reviews are left from this attempt."""
    with transaction.atomic():
        locked = BeneficiaryList.objects.select_for_update().get(pk=blist.pk)
        locked.reviews.filter(status=ReviewStatus.PENDING).delete()
        _discard(
            Path(locked.rows_path) if locked.rows_path else None,
            Path(locked.links_path) if locked.links_path else None,
        )
        locked.rows_path = locked.links_path = ""
        locked.rows = locked.matched_exact = locked.matched_model = 0
        locked.review_pending = locked.unmatched = 0
        locked.status, locked.progress, locked.message = ListStatus.FAILED, 100, message
        locked.finished_at = timezone.now()
        locked.save()
        audit_record(action="targeting.list_link_failed", actor=locked.created_by, obj=locked)
    return locked


@transaction.atomic
def link_review_decide(*, review: LinkReview, by: User, accept: bool, version: int) -> LinkReview:
    """Decide an uncertain pair: accepted → a link by review; rejected → no link for the row."""
    blist = BeneficiaryList.objects.select_for_update().get(pk=review.beneficiary_list_id)
    if not may_work_on_list(by, blist):
        raise PermissionDenied
    current = LinkReview.objects.select_for_update().get(pk=review.pk)
    if current.version != version or current.status != ReviewStatus.PENDING:
        raise ValidationError(
            _("Someone decided this pair in between. Reload the queue to see the current state."),
            code="stale",
        )
    if blist.status != ListStatus.LINKED or not blist.links_path:
        raise ValidationError(_("The list is not linked; decide again once linking is done."))
    current.status = ReviewStatus.ACCEPTED if accept else ReviewStatus.REJECTED
    current.decided_by = by
    current.decided_at = timezone.now()
    current.version += 1
    current.full_clean()
    current.save()
    links = pl.read_parquet(blist.links_path)
    this_pair = (pl.col("list_row") == current.list_row) & (
        pl.col("person_row") == current.person_row
    )
    if accept:
        links = links.with_columns(
            pl.when(this_pair).then(pl.lit("review")).otherwise(pl.col("method")).alias("method"),
            pl.when(this_pair).then(pl.lit("accepted")).otherwise(pl.col("status")).alias("status"),
        )
    else:
        links = links.filter(~this_pair)
    links = links.select([pl.col(c).cast(t) for c, t in LINK_SCHEMA.items()])
    for field, value in _counts(links, blist.rows).items():
        setattr(blist, field, value)
    blist.save(
        update_fields=["matched_exact", "matched_model", "review_pending", "unmatched", "rows"]
    )
    audit_record(
        action="targeting.link_review_decided",
        actor=by,
        obj=blist,
        detail={"review": current.pk, "accepted": accept},
    )
    tmp = _atomic_parquet(links, Path(blist.links_path))
    os.replace(tmp, blist.links_path)
    return current
