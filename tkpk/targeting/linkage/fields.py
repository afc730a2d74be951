# ruff: noqa: S608 — SQL text is built from internal table names and quoted identifiers only;
# file paths enter as escaped literals and data values never enter SQL text.
"""Canonical person fields, column mapping, and reading person files into DuckDB as text.

A person file (CSV or Parquet) is read with every column as VARCHAR, so NIK, KK and ids keep
their leading digits and never pass through floats. Columns are renamed to the canonical
fields through a mapping (`COLUMN=FIELD`); columns already named like a field need no mapping.
The prepared table holds normalised values plus the derived keys the linkage blocks and
compares on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from tkpk.targeting.linkage.nik import nik_birth_date_sql, nik_clean_sql, nik_sex_sql

CANONICAL_FIELDS: tuple[str, ...] = (
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

# Columns of a prepared table. `birth_date` is filled from the NIK when missing; the raw value
# is kept apart because a NIK match is only confirmed by a birth date that was really recorded.
PREPARED_COLUMNS: tuple[str, ...] = (
    "id",
    "nik",
    "kk",
    "name",
    "name_sorted",
    "name_first",
    "name_last",
    "name_key",
    "sex",
    "birth_date",
    "birth_date_raw",
    "birth_year",
    "birth_place",
    "address",
    "kelurahan_code",
)

# Title and degree tokens removed from names (after punctuation is gone).
_LEADING_TITLES = (
    "H|HJ|HJH|HAJI|HAJJAH|HAJAH|DR|DRS|DRA|IR|PROF|KH|NY|NN|TN|SDR|SDRI|BPK|BAPAK|IBU|ALM|ALMH|"
    "RR|RA|RM|USTADZ|USTAD|USTADZAH|MR|MRS|MS|MISS|MME|HERR|FRAU|SIR"
)
# Academic degrees written with dots (S.Pd., S.H., M.Si., A.Md., S.Pd.I ...).
_DOTTED_DEGREES = (
    r"\b[SMAD]\.\s?(PD\.?I|PD|H\.?I|HUM|HUT|H|E\.?I|E|KOM|KEP|KES|KED|KG|KM|T|TP|TR|SOS|SI|"
    r"AG|FARM|IP|IKOM|MD|M|AK|PSI|PT|P|STAT|SN|DS|GZ|ST)\b\.?"
)
# The same degrees written without dots, removed only after the first name token.
_PLAIN_DEGREES = (
    "SPD|SPDI|SH|SHI|SE|SEI|SKOM|SKEP|SKM|SSOS|SAG|SIP|SIKOM|SFARM|SKED|STP|SST|MPD|MSI|MM|MH|"
    "MKES|MAG|MT|AMD|AMK|AMKEB|PHD|JR|SR"
)
# Spelling variants of frequent name tokens mapped to one form.
_TOKEN_VARIANTS = {
    "MUHAMMAD": (
        "MUH|MOH|MOCH|MOCHAMAD|MOCHAMMAD|MOHAMAD|MOHAMMAD|MOHAMMED|MOHAMED|MUHAMAD|MUHAMMED|"
        "MUHAMED|MHD|MUHD|MUCHAMMAD|MUCHAMAD|MOHD|MUHAMMAT|MUHAMAT"
    ),
    "ABDUL": "ABD|ABDOEL",
    "NUR": "NOER|NOOR|NUUR",
}

_MACROS = (
    # Names: upper case without accents; degrees after a comma go, then dotted degrees, then
    # apostrophes join and any other non-letter becomes a space; leading titles go; plain
    # degrees after the first token go; the old spelling is modernised; spelling variants of
    # frequent tokens are unified.
    f"""
    CREATE OR REPLACE MACRO tkpk_name_base(x) AS
      trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        upper(strip_accents(CAST(x AS VARCHAR))),
        ',.*$', ''),
        '{_DOTTED_DEGREES}', ' ', 'g'),
        '[''`’]', '', 'g'),
        '[^A-Z]+', ' ', 'g'))
    """,
    f"""
    CREATE OR REPLACE MACRO tkpk_name_strip(x) AS
      trim(regexp_replace(regexp_replace(x,
        '^(({_LEADING_TITLES}) )+', ''),
        ' ({_PLAIN_DEGREES})\\b', '', 'g'))
    """,
    """
    CREATE OR REPLACE MACRO tkpk_name_tokens(x) AS
      array_to_string(list_transform(string_split(x, ' '), lambda t: CASE
        """
    + "\n".join(
        f"WHEN regexp_full_match(t, '{pattern}') THEN '{canonical}'"
        for canonical, pattern in _TOKEN_VARIANTS.items()
    )
    + """
        ELSE t END), ' ')
    """,
    # Pre-1972 Indonesian spelling (Soekarno, Djoko, Tjahjo, Sjahrir, Chairul) to EYD.
    """
    CREATE OR REPLACE MACRO tkpk_name_spelling(x) AS
      replace(replace(replace(replace(replace(x, 'OE', 'U'), 'DJ', 'J'), 'TJ', 'C'),
        'SJ', 'SY'), 'CH', 'KH')
    """,
    """
    CREATE OR REPLACE MACRO tkpk_name(x) AS
      nullif(tkpk_name_tokens(tkpk_name_spelling(tkpk_name_strip(tkpk_name_base(x)))), '')
    """,
    """
    CREATE OR REPLACE MACRO tkpk_text(x) AS
      nullif(trim(regexp_replace(upper(strip_accents(CAST(x AS VARCHAR))), '[^A-Z0-9]+', ' ',
        'g')), '')
    """,
    """
    CREATE OR REPLACE MACRO tkpk_address(x) AS
      nullif(trim(regexp_replace(regexp_replace(regexp_replace(tkpk_text(x),
        '\\bJALAN\\b', 'JL', 'g'),
        '\\bGANG\\b', 'GG', 'g'),
        '\\b(NOMOR|NOMER)\\b', 'NO', 'g')), '')
    """,
    """
    CREATE OR REPLACE MACRO tkpk_place(x) AS
      nullif(CASE
        WHEN regexp_matches(tkpk_text(x),
          '^(DKI |KOTA |KOTA ADM |KAB |KABUPATEN )?(JAKARTA|JKT)\\b') THEN 'JAKARTA'
        ELSE trim(regexp_replace(tkpk_text(x), '^(KOTA ADM|KOTA|KAB|KABUPATEN) ', ''))
      END, '')
    """,
    """
    CREATE OR REPLACE MACRO tkpk_sex(x) AS
      CASE
        WHEN upper(trim(CAST(x AS VARCHAR))) IN
          ('L', 'LK', 'LAKI', 'LAKI-LAKI', 'LAKI LAKI', 'PRIA', 'M', 'MALE', 'MAN', '1')
          THEN 'M'
        WHEN upper(trim(CAST(x AS VARCHAR))) IN
          ('P', 'PR', 'PEREMPUAN', 'WANITA', 'F', 'FEMALE', 'WOMAN', 'W', '2')
          THEN 'F'
      END
    """,
    # ISO dates first (also timestamps), then the day-first forms common in Indonesian files.
    """
    CREATE OR REPLACE MACRO tkpk_date_parse(x) AS coalesce(
        try_cast(CAST(x AS VARCHAR) AS DATE),
        CAST(try_cast(CAST(x AS VARCHAR) AS TIMESTAMP) AS DATE),
        CAST(try_strptime(trim(CAST(x AS VARCHAR)),
          ['%d-%m-%Y', '%d/%m/%Y', '%d.%m.%Y', '%Y/%m/%d']) AS DATE))
    """,
    """
    CREATE OR REPLACE MACRO tkpk_date(x, today) AS
      CASE WHEN tkpk_date_parse(x) BETWEEN DATE '1890-01-01' AND today
        THEN tkpk_date_parse(x) END
    """,
    """
    CREATE OR REPLACE MACRO tkpk_digits(x) AS
      nullif(regexp_replace(CAST(x AS VARCHAR), '[^0-9]', '', 'g'), '')
    """,
)


class MappingError(ValueError):
    """A column mapping or a person file that cannot be used."""


def mapping_parse(items: Iterable[str]) -> dict[str, str]:
    """`["NAMA=name", "NIK_KTP=nik"]` → `{"NAMA": "name", "NIK_KTP": "nik"}`."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, field = item.partition("=")
        column, field = column.strip(), field.strip().lower()
        if not sep or not column or not field:
            raise MappingError(f"mapping {item!r} is not COLUMN=FIELD")
        if field not in CANONICAL_FIELDS:
            raise MappingError(
                f"mapping {item!r}: unknown field {field!r} (fields: {', '.join(CANONICAL_FIELDS)})"
            )
        mapping[column] = field
    return mapping


def columns_resolve(columns: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Canonical field → source column, from the file's columns and a mapping.

    A mapped column wins over a column already named like the field; a mapping entry for a
    column the file lacks is ignored (one `--map` serves two files).
    """
    columns = list(columns)
    resolved: dict[str, str] = {}
    for column in columns:
        field = mapping.get(column)
        if field is None:
            continue
        if field in resolved:
            raise MappingError(f"columns {resolved[field]!r} and {column!r} both map to {field!r}")
        resolved[field] = column
    mapped_columns = set(mapping)
    for column in columns:
        field = column.strip().lower()
        if column in mapped_columns or field not in CANONICAL_FIELDS or field in resolved:
            continue
        resolved[field] = column
    if "id" not in resolved:
        raise MappingError(f"no id column (columns: {', '.join(columns)}); map one with COL=id")
    return resolved


def macros_install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the normalisation macros (tkpk_name, tkpk_sex, ...) on a connection."""
    for sql in _MACROS:
        con.execute(sql)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _source_sql(path: Path) -> str:
    literal = "'" + str(path).replace("'", "''") + "'"
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return f"read_parquet({literal})"
    if suffix in {".csv", ".txt", ".tsv"} or path.name.lower().endswith(".csv.gz"):
        return f"read_csv({literal}, all_varchar = true, header = true)"
    raise MappingError(f"{path}: only CSV and Parquet person files are supported")


@dataclass(frozen=True)
class PersonTable:
    """A prepared person table in a DuckDB connection."""

    table: str
    rows: int
    # Canonical fields with at least one value after normalisation; birth date and sex count
    # when they can be read from the NIK.
    fields: frozenset[str]


def persons_read(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    *,
    table: str,
    mapping: Mapping[str, str] | None = None,
    reference_date: str,
) -> PersonTable:
    """Read a CSV or Parquet person file into a prepared table named `table`."""
    path = Path(path)
    if not path.exists():
        raise MappingError(f"{path}: no such file")
    source = _source_sql(path)
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    resolved = columns_resolve(columns, mapping or {})
    select = ", ".join(
        f"CAST({_quote(column)} AS VARCHAR) AS {field}" for field, column in resolved.items()
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table}__src AS SELECT {select} FROM {source}")
    return persons_prepare(
        con,
        source=f"{table}__src",
        fields=frozenset(resolved),
        table=table,
        reference_date=reference_date,
    )


def persons_prepare(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    fields: frozenset[str],
    table: str,
    reference_date: str,
) -> PersonTable:
    """Normalise a relation with canonical column names (any subset, `id` required).

    `source` is a table or view name (or a parenthesised query) in `con`; `reference_date`
    (ISO) bounds birth dates and resolves the century of NIK birth years.
    """
    if "id" not in fields:
        raise MappingError("a person table needs an id column")
    try:
        reference = date.fromisoformat(reference_date)
    except ValueError as exc:
        raise MappingError(f"reference date {reference_date!r} is not an ISO date") from exc
    macros_install(con)
    reference_year = reference.year
    today = f"DATE '{reference.isoformat()}'"

    def col(field: str) -> str:
        return field if field in fields else "CAST(NULL AS VARCHAR)"

    nik = nik_clean_sql(col("nik"))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH base AS (
            SELECT
                trim(CAST(id AS VARCHAR)) AS id,
                {nik} AS nik,
                CASE WHEN length(tkpk_digits({col("kk")})) = 16
                    THEN tkpk_digits({col("kk")}) END AS kk,
                tkpk_name({col("name")}) AS name,
                tkpk_sex({col("sex")}) AS sex_raw,
                tkpk_date({col("birth_date")}, {today}) AS birth_date_raw,
                tkpk_place({col("birth_place")}) AS birth_place,
                tkpk_address({col("address")}) AS address,
                tkpk_digits({col("kelurahan_code")}) AS kelurahan_code
            FROM {source}
            WHERE id IS NOT NULL AND trim(CAST(id AS VARCHAR)) <> ''
        ), filled AS (
            SELECT *,
                coalesce(birth_date_raw, {nik_birth_date_sql("nik", reference_year=reference_year)})
                    AS birth_date,
                coalesce(sex_raw, {nik_sex_sql("nik")}) AS sex,
                string_split(name, ' ') AS tokens
            FROM base
        )
        SELECT
            id, nik, kk, name,
            array_to_string(list_sort(list_distinct(tokens)), ' ') AS name_sorted,
            tokens[1] AS name_first,
            tokens[-1] AS name_last,
            left(tokens[1], 1) || left(tokens[-1], 1) AS name_key,
            sex, birth_date, birth_date_raw,
            year(birth_date) AS birth_year,
            birth_place, address, kelurahan_code
        FROM filled
        """
    )
    non_null_sql = ", ".join(f"count({c})" for c in PREPARED_COLUMNS)
    counts = con.execute(
        f"SELECT count(*), count(DISTINCT id), {non_null_sql} FROM {table}"
    ).fetchall()[0]
    rows = int(counts[0])
    if counts[1] != rows:
        raise MappingError(f"{rows - counts[1]} duplicate ids: each record needs its own id")
    non_null = dict(zip(PREPARED_COLUMNS, counts[2:], strict=True))
    present = {"id"}
    for field in CANONICAL_FIELDS:
        if field != "id" and non_null.get(field, 0):
            present.add(field)
    return PersonTable(table=table, rows=rows, fields=frozenset(present))
