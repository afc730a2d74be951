"""Row validation of a target-data file, vectorised with Polars (no Python loop per row).

The rules are those of ``nik_rules`` (the reference implementation, property-tested against
this one) plus the record rules: desil 1–10, sex L/P, ISO birth dates, known kelurahan codes,
duplicate NIKs within the file. Errors block a row; warnings (placeholder NIK, unknown area
prefix) do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from tkpk.targeting.nik_rules import PROVINCES

CANONICAL = [
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
]
REQUIRED = ["nik", "kk", "name", "kelurahan_code", "desil"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # "error" | "warning"
    message: str  # Indonesian: shown to the data steward and in the downloadable report


RULES = {
    "nik_format": Rule("nik_format", "error", "NIK harus 16 digit angka"),
    "nik_province": Rule("nik_province", "error", "kode provinsi pada NIK tidak dikenal"),
    "nik_regency": Rule("nik_regency", "error", "kode kab/kota pada NIK di luar 01–69 dan 71–99"),
    "nik_date": Rule("nik_date", "error", "tanggal lahir pada NIK tidak valid"),
    "nik_serial": Rule("nik_serial", "error", "nomor urut NIK 0000 tidak pernah diterbitkan"),
    "nik_birth_mismatch": Rule(
        "nik_birth_mismatch", "error", "tanggal lahir pada NIK berbeda dengan tanggal lahir data"
    ),
    "nik_sex_mismatch": Rule(
        "nik_sex_mismatch", "error", "jenis kelamin pada NIK (tanggal + 40 untuk perempuan) berbeda"
    ),
    "nik_duplicate": Rule("nik_duplicate", "error", "NIK muncul lebih dari sekali dalam berkas"),
    "nik_placeholder": Rule("nik_placeholder", "warning", "NIK pengganti (tidak ada NIK)"),
    "nik_area_unknown": Rule(
        "nik_area_unknown", "warning", "kode wilayah pada NIK bukan kode kecamatan yang dikenal"
    ),
    "kk_format": Rule("kk_format", "error", "No. KK harus 16 digit angka"),
    "name_missing": Rule("name_missing", "error", "nama kosong"),
    "sex_invalid": Rule("sex_invalid", "error", "jenis kelamin harus L atau P"),
    "birth_date_invalid": Rule(
        "birth_date_invalid", "error", "tanggal lahir bukan tanggal (format YYYY-MM-DD)"
    ),
    "desil_invalid": Rule("desil_invalid", "error", "desil harus bilangan 1–10"),
    "kelurahan_unknown": Rule("kelurahan_unknown", "error", "kode kelurahan tidak dikenal"),
}


def _nik_expressions(today: date, known_areas: list[str]) -> list[pl.Expr]:
    nik = pl.col("nik").str.strip_chars()
    placeholder = nik.str.contains(r"^99999999999999[4569]\d$")
    well_formed = nik.str.contains(r"^\d{16}$") & ~placeholder
    day = nik.str.slice(6, 2).cast(pl.Int32, strict=False)
    month = nik.str.slice(8, 2).cast(pl.Int32, strict=False)
    yy = nik.str.slice(10, 2).cast(pl.Int32, strict=False)
    regency = nik.str.slice(2, 2).cast(pl.Int32, strict=False)
    female = day > 40
    real_day = pl.when(female).then(day - 40).otherwise(day)
    year = pl.when(2000 + yy <= today.year).then(2000 + yy).otherwise(1900 + yy)
    structure_ok = nik.str.slice(0, 2).is_in(sorted(PROVINCES)) & (
        regency.is_between(1, 69) | regency.is_between(71, 99)
    )
    born = pl.date(year, month, real_day)
    # pl.date raises on impossible dates; build from a string instead and parse leniently.
    born = pl.concat_str(
        [
            year.cast(pl.String),
            pl.lit("-"),
            month.cast(pl.String).str.zfill(2),
            pl.lit("-"),
            real_day.cast(pl.String).str.zfill(2),
        ]
    ).str.to_date("%Y-%m-%d", strict=False)
    date_ok = (
        (day.is_between(1, 31) | day.is_between(41, 71))
        & month.is_between(1, 12)
        & born.is_not_null()
        & (born <= pl.lit(today))
    )
    return [
        placeholder.alias("_nik_placeholder"),
        well_formed.alias("_nik_well_formed"),
        (well_formed & ~nik.str.slice(0, 2).is_in(sorted(PROVINCES))).alias("_e_nik_province"),
        (well_formed & ~(regency.is_between(1, 69) | regency.is_between(71, 99))).alias(
            "_e_nik_regency"
        ),
        (well_formed & ~date_ok).alias("_e_nik_date"),
        (well_formed & (nik.str.slice(12, 4) == "0000")).alias("_e_nik_serial"),
        (~well_formed & ~placeholder).alias("_e_nik_format"),
        pl.when(well_formed & date_ok).then(born).otherwise(None).alias("_nik_born"),
        pl.when(well_formed & date_ok)
        .then(pl.when(female).then(pl.lit("P")).otherwise(pl.lit("L")))
        .otherwise(None)
        .alias("_nik_sex"),
        (well_formed & structure_ok & date_ok & ~nik.str.slice(0, 6).is_in(known_areas)).alias(
            "_w_nik_area_unknown"
        ),
        placeholder.alias("_w_nik_placeholder"),
    ]


def validate_frame(
    frame: pl.LazyFrame, *, today: date, kelurahan_codes: list[str], known_areas: list[str]
) -> pl.LazyFrame:
    """Add one boolean column per rule (``_e_<code>`` errors, ``_w_<code>`` warnings)."""
    compact = {c.replace(".", ""): c for c in kelurahan_codes}
    kel = pl.col("kelurahan_code").str.strip_chars()
    kel_dotted = pl.when(kel.is_in(list(compact))).then(kel.replace(compact)).otherwise(kel)
    birth = pl.col("birth_date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    desil = pl.col("desil").str.strip_chars().cast(pl.Int32, strict=False)
    out = frame.with_columns(_nik_expressions(today, known_areas)).with_columns(
        kel_dotted.alias("kelurahan_code"),
        (pl.col("kk").str.strip_chars().str.contains(r"^\d{16}$").not_().fill_null(True)).alias(
            "_e_kk_format"
        ),
        (pl.col("name").str.strip_chars().fill_null("") == "").alias("_e_name_missing"),
        (
            pl.col("sex").is_not_null()
            & ~pl.col("sex").str.to_uppercase().str.strip_chars().is_in(["L", "P"])
        ).alias("_e_sex_invalid"),
        (
            pl.col("birth_date").is_not_null()
            & (pl.col("birth_date").str.strip_chars() != "")
            & birth.is_null()
        ).alias("_e_birth_date_invalid"),
        (desil.is_null() | ~desil.is_between(1, 10)).alias("_e_desil_invalid"),
        ~kel_dotted.is_in(kelurahan_codes).fill_null(False).alias("_e_kelurahan_unknown"),
        (
            pl.col("_nik_born").is_not_null()
            & birth.is_not_null()
            & (
                (pl.col("_nik_born").dt.day() != birth.dt.day())
                | (pl.col("_nik_born").dt.month() != birth.dt.month())
                | (pl.col("_nik_born").dt.year() % 100 != birth.dt.year() % 100)
            )
        ).alias("_e_nik_birth_mismatch"),
        (
            pl.col("_nik_sex").is_not_null()
            & pl.col("sex").str.to_uppercase().str.strip_chars().is_in(["L", "P"])
            & (pl.col("_nik_sex") != pl.col("sex").str.to_uppercase().str.strip_chars())
        ).alias("_e_nik_sex_mismatch"),
        (pl.col("_nik_well_formed") & pl.col("nik").is_duplicated()).alias("_e_nik_duplicate"),
    )
    return out.with_columns(
        [
            pl.col(c).fill_null(False)
            for c in (f"_e_{r}" for r in RULES if RULES[r].severity == "error")
        ]
        + [
            pl.col(c).fill_null(False)
            for c in (f"_w_{r}" for r in RULES if RULES[r].severity == "warning")
        ]
    )


def issue_columns() -> list[tuple[str, Rule]]:
    return [
        ((f"_e_{code}" if rule.severity == "error" else f"_w_{code}"), rule)
        for code, rule in RULES.items()
    ]
