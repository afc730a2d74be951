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


def _nik_parts(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The NIK's parts as columns, sliced and cast once (the rules below reuse them)."""
    nik = pl.col("nik").str.strip_chars()
    return frame.with_columns(nik.alias("_nik")).with_columns(
        pl.col("_nik").str.contains(r"^99999999999999[4569]\d$").alias("_nik_placeholder"),
        pl.col("_nik").str.contains(r"^\d{16}$").alias("_nik_digits"),
        pl.col("_nik").str.slice(0, 2).alias("_nik_province"),
        pl.col("_nik").str.slice(0, 6).alias("_nik_area"),
        pl.col("_nik").str.slice(2, 2).cast(pl.Int32, strict=False).alias("_nik_regency"),
        pl.col("_nik").str.slice(6, 2).cast(pl.Int32, strict=False).alias("_nik_day"),
        pl.col("_nik").str.slice(8, 2).cast(pl.Int32, strict=False).alias("_nik_month"),
        pl.col("_nik").str.slice(10, 2).cast(pl.Int32, strict=False).alias("_nik_yy"),
        (pl.col("_nik").str.slice(12, 4) == "0000").alias("_nik_serial_zero"),
    )


def _nik_rules(frame: pl.LazyFrame, today: date, known_areas: list[str]) -> pl.LazyFrame:
    day, month, yy = pl.col("_nik_day"), pl.col("_nik_month"), pl.col("_nik_yy")
    female = day > 40
    real_day = pl.when(female).then(day - 40).otherwise(day)
    year = pl.when(2000 + yy <= today.year).then(2000 + yy).otherwise(1900 + yy)
    # The first of the (clamped) month plus the day: never raises, and an impossible date
    # (31 April, 29 February of a common year) lands in another month, which is caught below.
    born = pl.date(year.fill_null(2000), month.clip(1, 12).fill_null(1), 1) + pl.duration(
        days=real_day.clip(1, 31).fill_null(1) - 1
    )
    frame = frame.with_columns(
        (pl.col("_nik_digits") & ~pl.col("_nik_placeholder")).alias("_nik_well_formed"),
        pl.col("_nik_province").is_in(sorted(PROVINCES)).alias("_nik_province_ok"),
        (
            pl.col("_nik_regency").is_between(1, 69) | pl.col("_nik_regency").is_between(71, 99)
        ).alias("_nik_regency_ok"),
        female.alias("_nik_female"),
        born.alias("_nik_date"),
    ).with_columns(
        (
            (day.is_between(1, 31) | day.is_between(41, 71))
            & month.is_between(1, 12)
            & (pl.col("_nik_date").dt.month() == month)
            & (pl.col("_nik_date") <= pl.lit(today))
        )
        .fill_null(False)
        .alias("_nik_date_ok")
    )
    well_formed, date_ok = pl.col("_nik_well_formed"), pl.col("_nik_date_ok")
    return frame.with_columns(
        (well_formed & ~pl.col("_nik_province_ok")).alias("_e_nik_province"),
        (well_formed & ~pl.col("_nik_regency_ok")).alias("_e_nik_regency"),
        (well_formed & ~date_ok).alias("_e_nik_date"),
        (well_formed & pl.col("_nik_serial_zero")).alias("_e_nik_serial"),
        (~pl.col("_nik_digits") & ~pl.col("_nik_placeholder")).alias("_e_nik_format"),
        pl.when(well_formed & date_ok).then(pl.col("_nik_date")).otherwise(None).alias("_nik_born"),
        pl.when(well_formed & date_ok)
        .then(pl.when(pl.col("_nik_female")).then(pl.lit("P")).otherwise(pl.lit("L")))
        .otherwise(None)
        .alias("_nik_sex"),
        (
            well_formed
            & pl.col("_nik_province_ok")
            & pl.col("_nik_regency_ok")
            & date_ok
            & ~pl.col("_nik_area").is_in(known_areas)
        ).alias("_w_nik_area_unknown"),
        pl.col("_nik_placeholder").alias("_w_nik_placeholder"),
    )


def validate_frame(
    frame: pl.LazyFrame, *, today: date, kelurahan_codes: list[str], known_areas: list[str]
) -> pl.LazyFrame:
    """Add one boolean column per rule (``_e_<code>`` errors, ``_w_<code>`` warnings)."""
    compact = {c.replace(".", ""): c for c in kelurahan_codes}
    kel = pl.col("kelurahan_code").str.strip_chars()
    kel_dotted = pl.when(kel.is_in(list(compact))).then(kel.replace(compact)).otherwise(kel)
    birth = pl.col("birth_date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    desil = pl.col("desil").str.strip_chars().cast(pl.Int32, strict=False)
    out = _nik_rules(_nik_parts(frame), today, known_areas).with_columns(
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
