"""Data-request extracts: the criteria filter over a release and the CSV/XLSX writers.

No Django models here: the functions take a Parquet path (or a LazyFrame) and return frames,
bytes or files, so they can be tested on their own. The extract master is a Parquet file with
only the approved fields (NIK/KK masked unless approved) and a `watermark` column carrying the
request number on every row; CSV and XLSX are rendered from it on download (the XLSX sheets also
start with a watermark line), every text cell neutralised against formula injection.

Criteria (all optional, combined with AND; see `CRITERIA_KEYS`):
- `desil`: list of deciles 1–10;
- `regions`: Kemendagri codes of kota, kecamatan or kelurahan (a person matches when their
  kelurahan is the unit or lies below it);
- `age_min`, `age_max`: completed years on the extract date (persons without a birth date are
  left out when an age bound is set);
- `sex`: "L" or "P";
- household characteristics, computed over all members sharing a KK in the release:
  `household_size_min`, `household_size_max` (members), `head_only` (only the head of the
  household, relationship "1": one row per household), `with_children_under_6` (a member aged
  under 6), `with_elderly` (a member aged 60 or more).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import xlsxwriter

from tkpk.core.exports import FORMULA_PREFIXES, neutralise
from tkpk.targeting.persons import IDENTIFIERS, PERSON_FIELDS, mask_frame

# An Excel sheet holds at most this many rows (watermark line and header included). A module
# constant so a test can lower it to prove the split into several sheets.
XLSX_MAX_ROWS = 1_048_576
# Rows read from the Parquet master per step while streaming CSV or writing XLSX.
CHUNK_ROWS = 50_000
WATERMARK_COLUMN = "watermark"
CHILD_AGE = 6
ELDERLY_AGE = 60
HEAD_OF_HOUSEHOLD = "1"

CRITERIA_KEYS = (
    "desil",
    "regions",
    "age_min",
    "age_max",
    "sex",
    "household_size_min",
    "household_size_max",
    "head_only",
    "with_children_under_6",
    "with_elderly",
)


def _age(on: date) -> pl.Expr:
    born = pl.col("birth_date")
    before_birthday = (born.dt.month() > on.month) | (
        (born.dt.month() == on.month) & (born.dt.day() > on.day)
    )
    return (pl.lit(on.year) - born.dt.year().cast(pl.Int32)) - before_birthday.cast(pl.Int32)


def _conditions(criteria: dict[str, Any]) -> list[pl.Expr]:
    conditions: list[pl.Expr] = []
    if criteria.get("desil"):
        conditions.append(pl.col("desil").is_in([int(d) for d in criteria["desil"]]))
    if criteria.get("regions"):
        region = pl.lit(False)
        for code in criteria["regions"]:
            region = (
                region
                | (pl.col("kelurahan_code") == code)
                | pl.col("kelurahan_code").str.starts_with(code + ".")
            )
        conditions.append(region)
    if criteria.get("age_min") is not None:
        conditions.append(pl.col("_age") >= int(criteria["age_min"]))
    if criteria.get("age_max") is not None:
        conditions.append(pl.col("_age") <= int(criteria["age_max"]))
    if criteria.get("sex"):
        conditions.append(pl.col("sex") == criteria["sex"])
    if criteria.get("household_size_min") is not None:
        conditions.append(pl.col("_size") >= int(criteria["household_size_min"]))
    if criteria.get("household_size_max") is not None:
        conditions.append(pl.col("_size") <= int(criteria["household_size_max"]))
    if criteria.get("head_only"):
        conditions.append(pl.col("relationship").cast(pl.String) == HEAD_OF_HOUSEHOLD)
    if criteria.get("with_children_under_6"):
        conditions.append(pl.col("_children"))
    if criteria.get("with_elderly"):
        conditions.append(pl.col("_elderly"))
    return conditions


def criteria_filter(persons: pl.LazyFrame, *, criteria: dict[str, Any], on: date) -> pl.LazyFrame:
    """The persons matching `criteria` on date `on` (all release columns kept)."""
    frame = persons.with_columns(_age(on).alias("_age"))
    household: list[pl.Expr] = []
    if {"household_size_min", "household_size_max"} & {
        k for k, v in criteria.items() if v is not None
    }:
        household.append(pl.len().over("kk").alias("_size"))
    if criteria.get("with_children_under_6"):
        household.append((pl.col("_age") < CHILD_AGE).any().over("kk").alias("_children"))
    if criteria.get("with_elderly"):
        household.append((pl.col("_age") >= ELDERLY_AGE).any().over("kk").alias("_elderly"))
    if household:
        frame = frame.with_columns(household)
    conditions = _conditions(criteria)
    if conditions:
        # A null (no birth date, no desil) never satisfies a condition.
        frame = frame.filter(pl.all_horizontal(conditions).fill_null(False))
    helpers = [c for c in ("_age", "_size", "_children", "_elderly") if c in frame.collect_schema()]
    return frame.drop(helpers)


def extract_frame(
    persons: pl.LazyFrame,
    *,
    criteria: dict[str, Any],
    fields: Sequence[str],
    reveal_identifiers: bool,
    on: date,
    watermark: str,
) -> pl.DataFrame:
    """Approved rows and fields only, NIK/KK masked unless revealed, watermark on every row.

    Fields other than NIK/KK were approved for the purpose and are shown in full.
    """
    wanted = [f for f in PERSON_FIELDS if f in set(fields)]
    selected = (
        criteria_filter(persons, criteria=criteria, on=on)
        .sort(["kelurahan_code", "kk", "row"])
        .select(wanted)
        .with_columns(pl.col(c).cast(pl.String) for c in ("nik", "kk") if c in wanted)
        .collect()
    )
    reveal = [f for f in wanted if f not in IDENTIFIERS or reveal_identifiers]
    masked = mask_frame(selected, reveal=reveal)
    return masked.with_columns(pl.lit(watermark, dtype=pl.String).alias(WATERMARK_COLUMN))


# --- writers --------------------------------------------------------------------------------------


def _neutralise_expr(column: str) -> pl.Expr:
    """`core.exports.neutralise` as a column expression (same prefixes, same apostrophe)."""
    col = pl.col(column)
    starts = pl.any_horizontal([col.str.starts_with(p) for p in FORMULA_PREFIXES])
    return pl.when(starts).then(pl.lit("'") + col).otherwise(col).alias(column)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell made formula-safe; dates become ISO text, numbers stay numbers."""
    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif dtype == pl.String:
            exprs.append(_neutralise_expr(name))
    return frame.with_columns(exprs) if exprs else frame


def _chunks(path: Path) -> Iterator[pl.DataFrame]:
    total = pl.scan_parquet(path).select(pl.len()).collect().item()
    for offset in range(0, total, CHUNK_ROWS):
        yield pl.scan_parquet(path).slice(offset, CHUNK_ROWS).collect()


def csv_stream(path: Path, *, title: str) -> Iterator[bytes]:
    """The extract as UTF-8 CSV (with a BOM for spreadsheets), chunk by chunk.

    The column names come first, so tools read the file as it is; the watermark is the
    `watermark` column of every row (the request number). `title` names the file's use in
    the download's Content-Disposition only.
    """
    del title  # the CSV carries the watermark per row, not as a line above the header
    head = io.StringIO()
    csv.writer(head).writerow(pl.read_parquet_schema(path).keys())
    yield ("\ufeff" + head.getvalue()).encode("utf-8")
    for chunk in _chunks(path):
        yield neutralise_frame(chunk).write_csv(include_header=False).encode("utf-8")


def xlsx_write(path: Path, out: str | BinaryIO, *, title: str, sheet_name: str) -> int:
    """Write the extract as XLSX to `out`; returns the number of sheets.

    Every sheet starts with the watermark line and the column names and holds at most
    `XLSX_MAX_ROWS` rows; text is written as text (NIK/KK never become numbers).
    """
    limit = XLSX_MAX_ROWS
    if limit < 3:
        raise ValueError("a sheet needs room for the watermark, the header and one row")
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    columns = list(pl.read_parquet_schema(path).keys())
    sheets = 0
    sheet: Any = None
    row_index = limit

    def new_sheet() -> Any:
        nonlocal sheets
        sheets += 1
        name = sheet_name[:25] + (f" ({sheets})" if sheets > 1 else "")
        ws = workbook.add_worksheet(name)
        ws.write_string(0, 0, neutralise(title), bold)
        for c, column in enumerate(columns):
            ws.write_string(1, c, column, bold)
        return ws

    for chunk in _chunks(path):
        for values in neutralise_frame(chunk).iter_rows():
            if row_index >= limit:
                sheet = new_sheet()
                row_index = 2
            for c, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row_index, c, value)
                else:
                    sheet.write_number(row_index, c, value)
            row_index += 1
    if sheet is None:
        new_sheet()
    workbook.close()
    return sheets
