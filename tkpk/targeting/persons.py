"""Person-level reads of a release, masked by default and audited: the only door to household data.

Every page, export or API answer that shows persons goes through `persons_read` (or masks with
`mask_frame` and records with `audit_person_read`): it checks the scope, masks identifiers and
names unless the caller may and asked to reveal them, and writes one audit row per read with
what was read (filters and counts, never the values themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tkpk.core.permissions import Scope, scope_for
from tkpk.core.roles import Role
from tkpk.core.services import audit_record
from tkpk.targeting.models import Release

# Roles that may read household rows at all, and the subset allowed to reveal full values.
PERSON_READ_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT, Role.WILAYAH)
REVEAL_ROLES = (Role.PENGELOLA_DATA, Role.SEKRETARIAT)

IDENTIFIERS = ("nik", "kk")
NAMES = ("name",)
LOCATING = ("address", "birth_place")
PERSON_FIELDS = (
    "nik",
    "kk",
    "name",
    "sex",
    "birth_date",
    "birth_place",
    "address",
    "kelurahan_code",
    "desil",
    "relationship",
)


def mask_identifier(value: str | None) -> str | None:
    """3171014506890012 → 317101••••••0012: the region part and the last digits stay."""
    if value is None:
        return None
    text = str(value)
    if len(text) <= 6:
        return "•" * len(text)
    return text[:6] + "•" * max(len(text) - 10, 0) + text[-4:]


def mask_name(value: str | None) -> str | None:
    """BUDI SANTOSO → B••• S••••••: first letter of each word."""
    if value is None:
        return None
    return " ".join(w[:1] + "•" * (len(w) - 1) for w in str(value).split())


def _mask_identifier_expr(column: str) -> pl.Expr:
    col = pl.col(column)
    return (
        pl.when(col.str.len_chars() > 10)
        .then(
            col.str.slice(0, 6)
            + pl.lit("•").repeat_by(col.str.len_chars() - 10).list.join("")
            + col.str.slice(-4)
        )
        .otherwise(pl.lit("•").repeat_by(col.str.len_chars()).list.join(""))
        .alias(column)
    )


def _mask_name_expr(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .str.split(" ")
        .list.eval(
            pl.element().str.slice(0, 1)
            + pl.lit("•").repeat_by(pl.element().str.len_chars() - 1).list.join("")
        )
        .list.join(" ")
        .alias(column)
    )


def mask_frame(frame: pl.DataFrame, *, reveal: Iterable[str] = ()) -> pl.DataFrame:
    """Mask identifiers, names, addresses and birth dates unless listed in `reveal`."""
    shown = set(reveal)
    exprs: list[pl.Expr] = []
    for column in frame.columns:
        if column in shown:
            continue
        if column in IDENTIFIERS:
            exprs.append(_mask_identifier_expr(column))
        elif column in NAMES:
            exprs.append(_mask_name_expr(column))
        elif column in LOCATING:
            exprs.append(
                pl.when(pl.col(column).is_null())
                .then(None)
                .otherwise(pl.lit("•••"))
                .cast(pl.String)
                .alias(column)
            )
        elif column == "birth_date":
            exprs.append(pl.col(column).cast(pl.String).str.slice(0, 4).alias(column))
    return frame.with_columns(exprs) if exprs else frame


def person_scope(user: Any) -> Scope:
    """The scope within which `user` may read households; PermissionDenied when none."""
    scope = scope_for(user, PERSON_READ_ROLES)
    if scope.is_empty:
        raise PermissionDenied
    return scope


def may_reveal(user: Any) -> bool:
    return not scope_for(user, REVEAL_ROLES).is_empty


# A kelurahan verifier must recognise the people of its own kelurahan in the musyawarah:
# Wilayah users may see names and birth dates (never NIK/KK) within their region scope.
WILAYAH_REVEAL = frozenset({"name", "birth_date"})


def revealable_fields(user: Any) -> frozenset[str]:
    """The columns `user` may ask to see in full (within its scope)."""
    if may_reveal(user):
        return frozenset(PERSON_FIELDS)
    if not scope_for(user, [Role.WILAYAH]).is_empty:
        return WILAYAH_REVEAL
    return frozenset()


def _scope_filter(scope: Scope) -> pl.Expr | None:
    if scope.province_wide:
        return None
    if not scope.region_codes:
        return pl.lit(False)
    expr = pl.lit(False)
    for code in scope.region_codes:
        expr = (
            expr
            | (pl.col("kelurahan_code") == code)
            | pl.col("kelurahan_code").str.starts_with(code + ".")
        )
    return expr


def audit_person_read(
    *,
    user: Any,
    release: Release,
    action: str,
    rows: int,
    purpose: str,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit row for a person-level read: what was asked and how many rows (no values)."""
    audit_record(
        action=action,
        actor=user,
        obj=release,
        purpose=purpose,
        request=request,
        detail={"rows": rows, **(detail or {})},
    )


def persons_read(
    *,
    user: Any,
    release: Release,
    purpose: str,
    kelurahan_codes: Sequence[str] | None = None,
    kks: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    desil: Sequence[int] | None = None,
    columns: Sequence[str] = PERSON_FIELDS,
    reveal: Iterable[str] = (),
    limit: int | None = None,
    offset: int = 0,
    request: HttpRequest | None = None,
    action: str = "targeting.persons_viewed",
) -> pl.DataFrame:
    """Persons of `release` matching the filters, within the user's scope, masked, audited.

    `reveal` names columns to show in full: Pengelola Data and Sekretariat any, Wilayah
    names and birth dates within its region (PermissionDenied otherwise). The frame keeps
    `row` (the release row key) first and, when `kk` is read, adds `household_no` (households
    numbered within the result, so masked KKs that look alike are still told apart).
    """
    scope = person_scope(user)
    shown = set(reveal)
    if not shown <= revealable_fields(user):
        raise PermissionDenied
    frame = pl.scan_parquet(release.persons_path)
    scoped = _scope_filter(scope)
    if scoped is not None:
        frame = frame.filter(scoped)
    if kelurahan_codes is not None:
        frame = frame.filter(pl.col("kelurahan_code").is_in(list(kelurahan_codes)))
    if kks is not None:
        frame = frame.filter(pl.col("kk").is_in(list(kks)))
    if rows is not None:
        frame = frame.filter(pl.col("row").is_in([int(r) for r in rows]))
    if desil is not None:
        frame = frame.filter(pl.col("desil").is_in([int(d) for d in desil]))
    wanted = ["row", *[c for c in columns if c != "row"]]
    frame = frame.select(wanted).sort(["kelurahan_code", "kk", "row"])
    if offset or limit is not None:
        frame = frame.slice(offset, limit)
    collected = frame.collect()
    if "kk" in collected.columns:
        # Masked KKs look alike: a household number (in this result, before masking) lets a
        # page group members by household without the KK itself.
        collected = collected.with_columns(
            pl.col("kk").rank("dense").cast(pl.Int64).alias("household_no")
        )
    result = mask_frame(collected, reveal=shown)
    audit_person_read(
        user=user,
        release=release,
        action=action,
        rows=result.height,
        purpose=purpose,
        request=request,
        detail={
            "kelurahan": list(kelurahan_codes or [])[:20],
            "households": len(kks or []),
            "revealed": sorted(shown),
        },
    )
    return result
