# ruff: noqa: S608 — SQL text is built from quoted file paths (ours) and fixed expressions;
# every user-supplied value (programme, kelurahan, desil) is a bound parameter.
"""Coverage of the priority target data by programme beneficiary lists (DuckDB on Parquet).

Definitions (also shown on the coverage page):

- A **household** is a KK (family card number) of the release. Its **desil** is the lowest desil
  of its members; its **kelurahan** is the kelurahan of its first member (lowest release row).
- For a **programme** (every linked list of that programme and period on the release):
  - **target households**: households with desil <= the lists' ``target_desil_max``
    (default 4; when lists of one programme disagree, the widest target counts);
  - **reached**: target households with at least one member linked to a beneficiary with an
    *accepted* link (pending links do not count);
  - **not reached** (exclusion error): target households with no accepted linked member;
  - **inclusion** (inclusion error): households reached by the programme whose desil is above
    ``target_desil_max``;
  - **exclusion rate** = not reached / target households; **inclusion share** = inclusion /
    all households reached by the programme.
- Beneficiary-list rows without an accepted link are "not found in the target data" and do not
  enter these figures.

The figures are computed per kelurahan × desil × programme (`coverage_cube`) and rolled up to
kecamatan, kota and province (`coverage_summary`) by the Kemendagri code prefix. The household
table of a release is derived once and cached next to the release as
``households-<release id>.parquet`` (kk, kelurahan_code, desil); a coverage query joins that
table with the accepted KK sets read straight from the lists' links files.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tkpk.targeting.models import BeneficiaryList, ListStatus, Release
from tkpk.targeting.persons import person_scope, persons_read

Category = Literal["reached", "not_reached", "inclusion"]
CATEGORIES: tuple[Category, ...] = ("reached", "not_reached", "inclusion")
Level = Literal["kelurahan", "kecamatan", "kota", "province", "desil", "programme"]
DEFAULT_TARGET_DESIL_MAX = 4
COUNTS = ("target_households", "reached", "not_reached", "inclusion")
CUBE_SCHEMA: dict[str, Any] = {
    "kelurahan_code": pl.String,
    "desil": pl.Int8,
    "programme": pl.String,
    "target_households": pl.Int64,
    "reached": pl.Int64,
    "not_reached": pl.Int64,
    "inclusion": pl.Int64,
}
# Characters of a dotted Kemendagri code that name the unit at each level.
CODE_LENGTH = {"province": 2, "kota": 5, "kecamatan": 8}


def _sql_path(path: str | Path) -> str:
    """A file path as an SQL string literal (paths are ours, but quote them properly anyway)."""
    return "'" + str(path).replace("'", "''") + "'"


_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


@contextmanager
def _cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on one in-memory DuckDB database kept for the process.

    Opening a database per query costs ~15 ms (thread pool, Parquet metadata); a cursor on a
    shared one costs nothing and may be used by one thread at a time, like each cursor here.
    """
    global _database  # noqa: PLW0603 - one DuckDB database per process, created lazily
    with _database_lock:
        if _database is None:
            _database = duckdb.connect()
        cursor = _database.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def households_path(release: Release) -> Path:
    return Path(release.persons_path).with_name(f"households-{release.pk}.parquet")


def households_ensure(*, release: Release) -> Path:
    """The release's household table (kk, kelurahan_code, desil), written once, atomically.

    It also holds ``kk_key``, the KK as a 64-bit integer, used only as a join key: hashing
    integers is about a third faster than 16-character strings, and a validated KK is exactly
    16 digits, so the mapping is one to one (the KK itself stays text everywhere else).
    """
    path = households_path(release)
    if path.exists():
        return path
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with duckdb.connect() as con:
        con.execute(
            f"""
            COPY (
                SELECT kk,
                       arg_min(kelurahan_code, "row") AS kelurahan_code,
                       CAST(min(desil) AS TINYINT) AS desil,
                       TRY_CAST(kk AS BIGINT) AS kk_key
                FROM read_parquet({_sql_path(release.persons_path)})
                WHERE kk IS NOT NULL
                GROUP BY kk
                ORDER BY kelurahan_code, kk
            ) TO {_sql_path(tmp)} (FORMAT parquet, COMPRESSION zstd)
            """
        )
    os.replace(tmp, path)
    return path


def _usable(lists: Iterable[BeneficiaryList], release: Release) -> list[BeneficiaryList]:
    return [
        item
        for item in lists
        if item.release_id == release.pk
        and item.status == ListStatus.LINKED
        and item.links_path
        and Path(item.links_path).exists()
    ]


def _programme_targets(lists: Sequence[BeneficiaryList]) -> dict[str, int]:
    targets: dict[str, int] = {}
    for item in lists:
        target = item.target_desil_max or DEFAULT_TARGET_DESIL_MAX
        targets[item.programme] = max(targets.get(item.programme, 0), target)
    return targets


def _by_programme(lists: Sequence[BeneficiaryList]) -> dict[str, list[BeneficiaryList]]:
    grouped: dict[str, list[BeneficiaryList]] = {}
    for item in lists:
        grouped.setdefault(item.programme, []).append(item)
    return grouped


def _accepted_keys_sql(lists: Sequence[BeneficiaryList]) -> str:
    """The KK keys with an accepted link, over the links files of one programme's lists."""
    files = ", ".join(_sql_path(item.links_path) for item in lists)
    return (
        f"SELECT TRY_CAST(kk AS BIGINT) FROM read_parquet([{files}]) "
        "WHERE status = 'accepted' AND kk IS NOT NULL"
    )


def coverage_cube(*, release: Release, lists: Sequence[BeneficiaryList]) -> pl.DataFrame:
    """Target, reached, not reached and inclusion households per kelurahan × desil × programme.

    Only linked lists of `release` count; one row per combination with a non-zero figure.
    """
    usable = _usable(lists, release)
    if not usable:
        return pl.DataFrame(schema=CUBE_SCHEMA)
    hh = _sql_path(households_ensure(release=release))
    targets = _programme_targets(usable)
    parts: list[str] = []
    params: list[Any] = []
    for programme, items in _by_programme(usable).items():
        # One pass over the households per programme: a semi-join on the accepted KK keys.
        parts.append(
            f"""
            SELECT kelurahan_code, desil, ? AS programme,
                   count(*) FILTER (WHERE is_target) AS target_households,
                   count(*) FILTER (WHERE is_target AND hit) AS reached,
                   count(*) FILTER (WHERE is_target AND NOT hit) AS not_reached,
                   count(*) FILTER (WHERE NOT is_target AND hit) AS inclusion
            FROM (
                SELECT kelurahan_code, desil, desil <= ? AS is_target,
                       kk_key IN ({_accepted_keys_sql(items)}) AS hit
                FROM read_parquet({hh})
            )
            WHERE is_target OR hit
            GROUP BY kelurahan_code, desil
            """
        )
        params.extend([programme, targets[programme]])
    sql = (
        "SELECT kelurahan_code, CAST(desil AS TINYINT), programme, target_households, reached, "
        "not_reached, inclusion FROM (" + " UNION ALL ".join(parts) + ") "
        "ORDER BY kelurahan_code, desil, programme"
    )
    with _cursor() as con:
        frame = pl.DataFrame(
            con.execute(sql, params).fetchall(), schema=list(CUBE_SCHEMA), orient="row"
        )
    return frame.cast(CUBE_SCHEMA)  # type: ignore[arg-type]


def _with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("target_households") > 0)
        .then(pl.col("not_reached") / pl.col("target_households"))
        .otherwise(None)
        .alias("exclusion_rate"),
        pl.when(pl.col("reached") + pl.col("inclusion") > 0)
        .then(pl.col("inclusion") / (pl.col("reached") + pl.col("inclusion")))
        .otherwise(None)
        .alias("inclusion_share"),
    )


def coverage_summary(*, cube: pl.DataFrame, by: Level, per_programme: bool = True) -> pl.DataFrame:
    """Sums of the cube by region level (`code` column), desil or programme, with the rates.

    Households of different programmes are different (household, programme) pairs: summing over
    programmes (``per_programme=False``) counts a household once per programme.
    """
    keys: list[str]
    if by in CODE_LENGTH:
        frame = cube.with_columns(
            pl.col("kelurahan_code").str.slice(0, CODE_LENGTH[by]).alias("code")
        )
        keys = ["code"]
    elif by == "kelurahan":
        frame = cube.with_columns(pl.col("kelurahan_code").alias("code"))
        keys = ["code"]
    elif by == "desil":
        frame, keys = cube, ["desil"]
    else:
        frame, keys = cube, []
    if per_programme or by == "programme":
        keys = [*keys, "programme"]
    if keys:
        summed = frame.group_by(keys).agg(pl.col(c).sum() for c in COUNTS).sort(keys)
    else:
        summed = frame.select(pl.col(c).sum() for c in COUNTS)
    return _with_rates(summed.cast({c: pl.Int64 for c in COUNTS}))


@dataclass(frozen=True)
class CoverageHouseholds:
    """One page of a drill-down: the members of the households on the page, masked."""

    persons: pl.DataFrame
    households: int  # all households of the cell (not only this page)
    page_households: int


def _cell_kks(
    *,
    release: Release,
    lists: Sequence[BeneficiaryList],
    kelurahan_code: str,
    desil: int | None,
    category: Category,
) -> list[str]:
    usable = _usable(lists, release)
    programmes = {item.programme for item in usable}
    if len(programmes) > 1:
        raise ValueError("a drill-down covers one programme")
    if not usable:
        return []
    hh = households_ensure(release=release)
    target = max(_programme_targets(usable).values())
    condition = {
        "reached": "desil <= ? AND hit",
        "not_reached": "desil <= ? AND NOT hit",
        "inclusion": "desil > ? AND hit",
    }[category]
    params: list[Any] = [kelurahan_code, target]
    desil_sql = ""
    if desil is not None:
        desil_sql = " AND desil = ?"
        params.append(int(desil))
    sql = f"""
        SELECT kk FROM (
            SELECT kk, kelurahan_code, desil, kk_key IN ({_accepted_keys_sql(usable)}) AS hit
            FROM read_parquet({_sql_path(hh)})
            WHERE kelurahan_code = ?
        )
        WHERE {condition}{desil_sql}
        ORDER BY kk
    """
    with _cursor() as con:
        return [row[0] for row in con.execute(sql, params).fetchall()]


def coverage_households(
    *,
    user: Any,
    release: Release,
    lists: Sequence[BeneficiaryList],
    kelurahan_code: str,
    desil: int | None,
    category: Category,
    request: HttpRequest | None = None,
    limit: int = 20,
    offset: int = 0,
    reveal: Iterable[str] = (),
) -> CoverageHouseholds:
    """The members of one table cell's households (one programme), through `persons_read`.

    Refused (PermissionDenied) unless the user may read persons in that kelurahan; the members
    are masked unless revealed by a user allowed to; exactly one audit row per call.
    """
    if category not in CATEGORIES:
        raise ValueError("unknown category")
    scope = person_scope(user)
    if not scope.covers_region(kelurahan_code):
        raise PermissionDenied
    kks = _cell_kks(
        release=release,
        lists=lists,
        kelurahan_code=kelurahan_code,
        desil=desil,
        category=category,
    )
    page = kks[offset : offset + limit]
    programme = ", ".join(sorted({item.programme for item in lists}))
    cell = f"{kelurahan_code} desil {desil if desil is not None else '*'} {category}"
    persons = persons_read(
        user=user,
        release=release,
        purpose=f"coverage drill-down: {programme} · {cell}"[:300],
        kks=page,
        reveal=reveal,
        request=request,
        action="targeting.coverage_households_viewed",
    )
    return CoverageHouseholds(persons=persons, households=len(kks), page_households=len(page))


# --- kelurahan boundaries for the map ----------------------------------------------------------

CODE_PROPERTIES = (
    "kode_kel",
    "KODE_KEL",
    "kd_kelurahan",
    "KD_KELURAHAN",
    "kode_kelurahan",
    "KODE_KELURAHAN",
    "kdepum",
    "KDEPUM",
    "kode",
    "KODE",
    "code",
    "CODE",
)
NAME_PROPERTIES = (
    "nama_kel",
    "NAMA_KEL",
    "kelurahan",
    "KELURAHAN",
    "nm_kelurahan",
    "WADMKD",
    "NAMOBJ",
    "nama",
    "NAMA",
    "name",
)
_boundaries_cache: dict[tuple[str, str, float], dict[str, Any]] = {}


def region_code_dotted(value: Any) -> str | None:
    """31.73.04.1002 or 3173041002 (or 31730410002-style text with spaces) → 31.73.04.1002."""
    if value is None:
        return None
    text = str(value).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if "." in text:
        parts = [p.strip() for p in text.split(".")]
        return ".".join(parts) if all(p.isdigit() for p in parts) else None
    if len(digits) == 10 and digits == text:
        return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
    if len(digits) in (2, 4, 6) and digits == text:
        return ".".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    return None


def _pick_property(features: list[dict[str, Any]], candidates: Sequence[str]) -> str:
    for name in candidates:
        if any(name in (f.get("properties") or {}) for f in features[:50]):
            return name
    return ""


def boundaries_load(*, path: str | Path, code_property: str = "") -> dict[str, Any]:
    """A kelurahan boundary GeoJSON with each feature's properties reduced to {code, name}.

    The code property is `code_property` when given, else the first of `CODE_PROPERTIES` the
    file has; dotted and undotted Kemendagri codes are accepted. Features without a kelurahan
    code are left out. The result is cached per file and modification time.
    """
    source = Path(path)
    key = (str(source), code_property, source.stat().st_mtime)
    cached = _boundaries_cache.get(key)
    if cached is not None:
        return cached
    data = json.loads(source.read_text(encoding="utf-8"))
    features = data.get("features") or [] if isinstance(data, dict) else []
    code_name = code_property or _pick_property(features, CODE_PROPERTIES)
    name_name = _pick_property(features, NAME_PROPERTIES)
    out: list[dict[str, Any]] = []
    for feature in features:
        props = feature.get("properties") or {}
        code = region_code_dotted(props.get(code_name)) if code_name else None
        if not code or code.count(".") != 3 or not feature.get("geometry"):
            continue
        name = str(props.get(name_name) or "") if name_name else ""
        out.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {"code": code, "name": name},
            }
        )
    result = {"type": "FeatureCollection", "features": out}
    _boundaries_cache.clear()
    _boundaries_cache[key] = result
    return result
