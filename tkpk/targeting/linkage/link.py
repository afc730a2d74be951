# ruff: noqa: S608 — SQL text is built from internal table names and fixed expressions only.
"""Link two person files: exact NIK first, then a probabilistic Splink model on DuckDB.

1. **Exact NIK, confirmed.** Same-NIK pairs whose names agree (Jaro-Winkler ≥ 0.9, the same
   tokens, or one name's tokens inside the other's) are accepted. A NIK pair whose name and
   recorded birth date both disagree is rejected and never output. The other NIK pairs (the
   birth date confirms but the name does not, or too little to tell) compete in step 2: a
   swapped NIK digit often lands on a real neighbour's NIK, and that neighbour shares the
   birth date encoded in it.
2. **Probabilistic.** Right records without an accepted NIK pair are blocked against the whole
   left file on exact keys (see `_BLOCKING_RULES`). All candidate pairs, accepted NIK pairs
   included, are scored by a Fellegi-Sunter model: u from random pairs, m by EM on the data
   itself (blocks on NIK, then on name tokens + kelurahan), the prior from the deterministic
   matches. No labels.
3. **Best match.** Per right record: its accepted NIK pair if any, else its most probable
   pair; kept when the probability is at least the threshold.

NIK and birth date are one comparison, so the birth date inside the NIK is not counted twice.
The NIK is never compared fuzzily as a whole: the one tolerated difference is a typo in digits
7–12 with region (1–6), serial (13–16) and birth dates equal. Comparisons and blocking rules
whose fields either file lacks are dropped, so files without NIK link on name, birth date,
sex, birth place and address.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tkpk.targeting.linkage.fields import (
    CANONICAL_FIELDS,
    MappingError,
    PersonTable,
    persons_prepare,
    persons_read,
)

DEFAULT_THRESHOLD = 0.9
NAME_CONFIRM_JW = 0.9
# Assumed recall of the deterministic rules when setting the prior match probability.
DETERMINISTIC_RECALL = 0.9
U_MAX_PAIRS = 1e6
EM_MAX_PAIRS = 1e6
M_FLOOR = 0.01
TF_MIN_ROWS = 10_000
_LEFT, _RIGHT = "left_persons", "right_persons"
_SEPARATOR = "-__-"  # Splink's composite-id separator
_ORDERED_COMPARISONS = frozenset({"name", "birth_date", "sex", "birth_place", "location"})

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkResult:
    pairs: pl.DataFrame  # left_id, right_id, probability — one row per linked right record
    left_rows: int
    right_rows: int
    fields: tuple[str, ...]  # canonical fields both files have
    comparisons: tuple[str, ...]
    blocking_rules: tuple[str, ...]
    exact_nik_accepted: int  # right records settled by a confirmed exact NIK
    candidate_pairs: int  # pairs scored by the model
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase


# --- blocking ------------------------------------------------------------------------------
# Applied to right records without an accepted NIK pair, against the whole left file. Each
# rule is an equi-join on exact keys, so its cost grows with block sizes, not n_left × n_right.
# A rule is (keys, unless): dropped when a key's field is missing from either file, or when
# one of `unless` is present (a narrower rule then does its job).

_KEY_FIELD = {
    "name_key": "name",  # first letters of the first and last name tokens
    "name_first": "name",
    "name_last": "name",
    "name_sorted": "name",  # name tokens in alphabetical order
    "birth_year": "birth_date",
}
_BLOCKING_RULES: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("birth_date", "name_key"), frozenset()),
    (("birth_date", "name_first"), frozenset()),
    (("birth_date", "kelurahan_code"), frozenset()),
    (("name_first", "name_last", "birth_year"), frozenset()),
    (("name_sorted", "kelurahan_code"), frozenset()),
    (("kelurahan_code", "name_key", "birth_year"), frozenset()),
    (("address", "name_key"), frozenset({"kelurahan_code"})),
    (("name_key", "birth_year"), frozenset({"kelurahan_code"})),
    (("name_sorted",), frozenset({"kelurahan_code"})),
    (("birth_date", "sex"), frozenset({"name"})),
)


@dataclass(frozen=True)
class _Rule:
    name: str
    sql: str  # join condition between `l` and `r`


def _blocking_rules(fields: frozenset[str]) -> list[_Rule]:
    return [
        _Rule("+".join(keys), " AND ".join(f"l.{k} = r.{k}" for k in keys))
        for keys, unless in _BLOCKING_RULES
        if all(_KEY_FIELD.get(k, k) in fields for k in keys) and not unless & fields
    ]


# --- comparisons ---------------------------------------------------------------------------
# Each level is (SQL condition, label, starting m); EM re-estimates m, sampling sets u.

_Level = tuple[str, str, float]


def _either_null(*columns: str) -> str:
    return " AND ".join(f"({c}_l IS NULL OR {c}_r IS NULL)" for c in columns)


def _comparison(
    name: str, null: str, levels: list[_Level], *, tf: str | None = None
) -> dict[str, Any]:
    out: list[dict[str, Any]] = [
        {"sql_condition": null, "label_for_charts": "missing", "is_null_level": True}
    ]
    for i, (sql, label, m) in enumerate(levels):
        level: dict[str, Any] = {
            "sql_condition": sql,
            "label_for_charts": label,
            "m_probability": m,
        }
        if tf and i == 0:  # exact match weighted by how common the value is
            level |= {"tf_adjustment_column": tf, "tf_adjustment_weight": 1.0}
        out.append(level)
    return {"output_column_name": name, "comparison_levels": out}


def _comparison_nik_birth_date(fields: frozenset[str]) -> dict[str, Any] | None:
    """NIK and birth date together: the NIK embeds the birth date, so one comparison."""
    dob_equal = "birth_date_l = birth_date_r"
    dob_typo = (
        "damerau_levenshtein(CAST(birth_date_l AS VARCHAR), CAST(birth_date_r AS VARCHAR)) <= 1 "
        "OR (day(birth_date_l) = month(birth_date_r) AND month(birth_date_l) = day(birth_date_r) "
        "AND year(birth_date_l) = year(birth_date_r))"
    )
    if "nik" not in fields:
        if "birth_date" not in fields:
            return None
        return _comparison(
            "birth_date",
            _either_null("birth_date"),
            [(dob_equal, "same birth date", 0.9), (dob_typo, "birth date typo", 0.05)]
            + [("ELSE", "other", 0.05)],
        )
    nik_missing = "(nik_l IS NULL OR nik_r IS NULL)"
    return _comparison(
        "nik_birth_date",
        f"{_either_null('birth_date')} AND ({nik_missing} OR nik_l <> nik_r)",
        [
            (f"nik_l = nik_r AND ({dob_equal} OR {_either_null('birth_date')})", "exact NIK", 0.85),
            ("nik_l = nik_r", "exact NIK, other birth date", 0.005),
            (
                "left(nik_l, 6) = left(nik_r, 6) AND right(nik_l, 4) = right(nik_r, 4) "
                f"AND {dob_equal} "
                "AND damerau_levenshtein(substr(nik_l, 7, 6), substr(nik_r, 7, 6)) <= 1",
                "NIK typo in digits 7-12 (region, serial, birth date equal)",
                0.01,
            ),
            (f"{dob_equal} AND {nik_missing}", "same birth date, NIK missing", 0.03),
            (dob_equal, "same birth date, other NIK", 0.05),
            (dob_typo, "birth date typo", 0.03),
            ("ELSE", "other", 0.025),
        ],
    )


def _comparison_name(*, term_frequencies: bool) -> dict[str, Any]:
    tokens_l, tokens_r = "string_split(name_l, ' ')", "string_split(name_r, ' ')"
    jw = "jaro_winkler_similarity(name_l, name_r)"
    return _comparison(
        "name",
        _either_null("name"),
        [
            ('"name_l" = "name_r"', "exact name", 0.75),
            ("name_sorted_l = name_sorted_r", "same name tokens", 0.01),
            (  # the length test first: it spares most pairs the edit distance
                "abs(length(name_l) - length(name_r)) <= 1 "
                "AND damerau_levenshtein(name_l, name_r) <= 1",
                "one typo",
                0.07,
            ),
            (
                "contains(name_l, ' ') AND contains(name_r, ' ') AND ("
                f"list_has_all({tokens_l}, {tokens_r}) OR list_has_all({tokens_r}, {tokens_l}))",
                "a name of 2+ tokens inside the other",
                0.04,
            ),
            (f"{jw} >= 0.9", "Jaro-Winkler >= 0.9", 0.07),
            (f"{jw} >= 0.8", "Jaro-Winkler >= 0.8", 0.03),
            ("ELSE", "other", 0.03),
        ],
        tf="name" if term_frequencies else None,
    )


def _comparisons(fields: frozenset[str], *, rows: int) -> list[dict[str, Any]]:
    comparisons = [_comparison_nik_birth_date(fields)]
    if "name" in fields:
        # How common a name is weighs its exact match, once there are enough records to tell.
        comparisons.append(_comparison_name(term_frequencies=rows >= TF_MIN_ROWS))
    if "sex" in fields:
        comparisons.append(
            _comparison(
                "sex",
                _either_null("sex"),
                [("sex_l = sex_r", "same sex", 0.99), ("ELSE", "other", 0.01)],
            )
        )
    if "birth_place" in fields:
        comparisons.append(
            _comparison(
                "birth_place",
                _either_null("birth_place"),
                [
                    ("birth_place_l = birth_place_r", "same birth place", 0.9),
                    (
                        "jaro_winkler_similarity(birth_place_l, birth_place_r) >= 0.88",
                        "similar birth place",
                        0.04,
                    ),
                    ("ELSE", "other", 0.06),
                ],
            )
        )
    comparisons.append(_comparison_location(fields))
    return [c for c in comparisons if c is not None]


def _comparison_location(fields: frozenset[str]) -> dict[str, Any] | None:
    """KK, address and kelurahan as one comparison: they move together."""
    present = [f for f in ("kk", "address", "kelurahan_code") if f in fields]
    if not present:
        return None
    same_address = "jaro_winkler_similarity(address_l, address_r) >= 0.9"
    same_kel = "kelurahan_code_l = kelurahan_code_r"
    levels: list[_Level] = []
    if "kk" in fields:
        levels.append(("kk_l = kk_r", "same KK", 0.6))
    if "kelurahan_code" in fields:
        if "address" in fields:
            levels.append((f"{same_kel} AND {same_address}", "same kelurahan and address", 0.2))
        levels.append((same_kel, "same kelurahan", 0.05))
        levels.append(
            ("left(kelurahan_code_l, 6) = left(kelurahan_code_r, 6)", "same kecamatan", 0.03)
        )
    elif "address" in fields:
        levels.append((same_address, "similar address", 0.8))
    levels.append(("ELSE", "other", 0.12))
    return _comparison("location", _either_null(*present), levels)


def _model_columns(fields: frozenset[str]) -> list[str]:
    columns = ["id", *(["name", "name_sorted"] if "name" in fields else [])]
    return columns + [
        f
        for f in ("nik", "kk", "sex", "birth_date", "birth_place", "address", "kelurahan_code")
        if f in fields
    ]


# --- the pipeline --------------------------------------------------------------------------


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchall()[0][0]


def _exact_nik_stage(
    con: duckdb.DuckDBPyConnection, *, left: str, right: str, fields: frozenset[str]
) -> int:
    """Classify exact-NIK pairs into __nik_pairs; returns the right records accepted."""
    if "nik" not in fields:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __nik_pairs "
            "(left_id VARCHAR, right_id VARCHAR, status VARCHAR)"
        )
        return 0
    name_agree = (
        f"(jaro_winkler_similarity(l.name, r.name) >= {NAME_CONFIRM_JW} "
        "OR l.name_sorted = r.name_sorted "
        "OR list_has_all(string_split(l.name, ' '), string_split(r.name, ' ')) "
        "OR list_has_all(string_split(r.name, ' '), string_split(l.name, ' ')))"
        if "name" in fields
        else "CAST(NULL AS BOOLEAN)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE __nik_pairs AS
        SELECT left_id, right_id,
            CASE WHEN name_agree THEN 'accepted'
                 WHEN NOT name_agree AND NOT dob_agree THEN 'rejected'
                 ELSE 'candidate' END AS status
        FROM (
            SELECT l.id AS left_id, r.id AS right_id, {name_agree} AS name_agree,
                l.birth_date_raw = r.birth_date_raw AS dob_agree
            FROM {left} l JOIN {right} r ON l.nik = r.nik
        )
        """
    )
    return int(
        _scalar(con, "SELECT count(DISTINCT right_id) FROM __nik_pairs WHERE status = 'accepted'")
    )


def _candidate_pairs(
    con: duckdb.DuckDBPyConnection, *, left: str, right: str, rules: list[_Rule]
) -> int:
    """__pairs: NIK pairs not rejected, plus blocked pairs for the still unlinked records."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE __todo AS
        SELECT * FROM {right}
        WHERE id NOT IN (SELECT right_id FROM __nik_pairs WHERE status = 'accepted')
        """
    )
    blocks = [
        f"SELECT l.id AS left_id, r.id AS right_id FROM {left} l JOIN __todo r ON {rule.sql}"
        for rule in rules
    ]
    blocks.append("SELECT left_id, right_id FROM __nik_pairs WHERE status <> 'rejected'")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE __pairs AS
        SELECT left_id, right_id FROM ({" UNION ".join(blocks)})
        EXCEPT SELECT left_id, right_id FROM __nik_pairs WHERE status = 'rejected'
        """
    )
    return int(_scalar(con, "SELECT count(*) FROM __pairs"))


def link_prepared(
    con: duckdb.DuckDBPyConnection,
    *,
    left: PersonTable,
    right: PersonTable,
    threshold: float = DEFAULT_THRESHOLD,
    seed: int = 20260101,
) -> LinkResult:
    """Link two prepared person tables (see `fields.persons_prepare`) in `con`.

    Scratch tables named `__*` are created in `con`.
    """
    from splink import DuckDBAPI, Linker, SettingsCreator  # noqa: PLC0415 — heavy import
    from splink.internals.exceptions import SplinkException  # noqa: PLC0415

    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    fields = left.fields & right.fields
    rules = _blocking_rules(fields)
    comparisons = _comparisons(fields, rows=left.rows + right.rows)
    if not comparisons or not (rules or "nik" in fields):
        raise MappingError(
            "the files share too few fields to link (a name, birth date or NIK besides id)"
        )
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = round(now - clock, 3)
        clock = now

    # 1. Exact NIK, confirmed. 2. Candidate pairs for the rest.
    accepted = _exact_nik_stage(con, left=left.table, right=right.table, fields=fields)
    candidate_pairs = _candidate_pairs(con, left=left.table, right=right.table, rules=rules)
    lap("exact_nik_and_blocking")

    # 3. The model: prior from the deterministic matches, u by sampling, m by EM.
    columns = ", ".join(_model_columns(fields))
    con.execute(f"CREATE OR REPLACE TEMP VIEW __model_l AS SELECT {columns} FROM {left.table}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW __model_r AS SELECT {columns} FROM {right.table}")
    prior = _prior(con, left=left, right=right, fields=fields, accepted=accepted)
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="id",
        comparisons=list[Any](comparisons),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        max_iterations=20,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        [
            db_api.register("__model_l", dataset_display_name=_LEFT),
            db_api.register("__model_r", dataset_display_name=_RIGHT),
        ],
        settings,
        log_level=None,
    )
    all_pairs = max(left.rows * right.rows, 1)
    u_pairs = min(U_MAX_PAIRS, all_pairs)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    lap("train_u")
    for rule in _em_rules(fields):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                max_pairs=EM_MAX_PAIRS if all_pairs > EM_MAX_PAIRS else None,
                estimate_without_term_frequencies=True,
            )
        except SplinkException as exc:  # no pairs to train on: keep the starting m values
            logger.info("EM on %s skipped: %s", rule, exc)
    _regularise(linker, prior=prior, sampled_pairs=u_pairs)
    lap("train_em")

    # 4. Score the candidate pairs and keep the best per right record.
    pairs = _best_pairs(
        con, linker=linker, db_api=db_api, threshold=threshold, empty=not candidate_pairs
    )
    lap("predict")
    return LinkResult(
        pairs=pairs,
        left_rows=left.rows,
        right_rows=right.rows,
        fields=tuple(sorted(fields)),
        comparisons=tuple(c["output_column_name"] for c in comparisons),
        blocking_rules=(("exact_nik",) if "nik" in fields else ()) + tuple(r.name for r in rules),
        exact_nik_accepted=accepted,
        candidate_pairs=candidate_pairs,
        seconds=round(time.perf_counter() - started, 3),
        timings=timings,
    )


def _best_pairs(
    con: duckdb.DuckDBPyConnection, *, linker: Any, db_api: Any, threshold: float, empty: bool
) -> pl.DataFrame:
    """Score __pairs; per right record its accepted NIK pair if any, else the most probable."""
    scored = (
        "SELECT NULL::VARCHAR AS left_id, NULL::VARCHAR AS right_id, NULL::DOUBLE AS probability, "
        "false AS nik_accepted WHERE false"
    )
    if not empty:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __blocked_pairs AS
            SELECT '0' AS match_key,
                '{_LEFT}{_SEPARATOR}' || left_id AS join_key_l,
                '{_RIGHT}{_SEPARATOR}' || right_id AS join_key_r
            FROM __pairs
            """
        )
        linker.table_management.register_blocked_pairs_for_predict(
            db_api.register("__blocked_pairs", table_name="__tkpk_blocked_pairs")
        )
        predictions = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        scored = f"""
            SELECT p.id_l AS left_id, p.id_r AS right_id, p.match_probability AS probability,
                n.status IS NOT NULL AS nik_accepted
            FROM {predictions.physical_name} p
            LEFT JOIN (SELECT * FROM __nik_pairs WHERE status = 'accepted') n
                ON n.left_id = p.id_l AND n.right_id = p.id_r
            WHERE p.match_probability >= {threshold}
        """
    return con.sql(
        f"""
        SELECT left_id, right_id, round(probability, 6) AS probability
        FROM ({scored})
        QUALIFY row_number() OVER (
            PARTITION BY right_id ORDER BY nik_accepted DESC, probability DESC, left_id) = 1
        ORDER BY right_id
        """
    ).pl()


def _regularise(linker: Any, *, prior: float, sampled_pairs: float) -> None:
    """Correct u for the matches inside the random sample and floor m.

    Random pairs are a mixture, u_sampled = prior·m + (1 − prior)·u, which matters for rare
    agreements such as an exact NIK on small files: the true u is recovered from it, never
    below what the sample could resolve (a level the sample never hit gets that floor too).
    m is floored so that no single disagreement makes a match impossible: EM drives the m of
    a disagreement it never saw to zero. In comparisons whose levels go from most to least
    similar, a level never weighs more than the one above it (small files give noisy EM).
    """
    u_floor = 0.5 / sampled_pairs
    for comparison in linker._settings_obj.comparisons:  # noqa: SLF001 — no public setter
        ceiling = math.inf  # Bayes factor of the level above
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m = max(level.m_probability or M_FLOOR, M_FLOOR)
            sampled = level._u_probability  # noqa: SLF001 — None when the sample missed it
            u = (
                max((sampled - prior * m) / (1 - prior), u_floor)
                if isinstance(sampled, float)
                else u_floor
            )
            if comparison.output_column_name in _ORDERED_COMPARISONS:
                u = max(u, m / ceiling)
                ceiling = m / u
            level.m_probability = m
            level.u_probability = min(u, 1.0)


def _em_rules(fields: frozenset[str]) -> list[str]:
    """EM blocks; the second avoids NIK and birth date so that comparison is trained too."""
    rules = []
    if "nik" in fields:
        rules.append("l.nik = r.nik")
    elif "birth_date" in fields:
        rules.append("l.birth_date = r.birth_date")
    if "name" in fields:
        narrower = (
            " AND l.kelurahan_code = r.kelurahan_code"
            if "kelurahan_code" in fields
            else " AND l.sex = r.sex"
            if "sex" in fields
            else ""
        )
        rules.append("l.name_sorted = r.name_sorted" + narrower)
    return rules


def _prior(
    con: duckdb.DuckDBPyConnection,
    *,
    left: PersonTable,
    right: PersonTable,
    fields: frozenset[str],
    accepted: int,
) -> float:
    """Probability that two random records match, from the deterministic matches.

    With NIK: the confirmed exact-NIK matches; without: exact name tokens and birth date.
    Their count is divided by an assumed recall of the rule.
    """
    found = accepted
    if "nik" not in fields and {"name", "birth_date"} <= fields:
        found = int(
            _scalar(
                con,
                f"SELECT count(DISTINCT r.id) FROM {left.table} l JOIN {right.table} r "
                "ON l.name_sorted = r.name_sorted AND l.birth_date = r.birth_date",
            )
        )
    if not found:
        found = max(1, min(left.rows, right.rows) // 2)
    prior = found / DETERMINISTIC_RECALL / max(left.rows * right.rows, 1)
    return min(max(prior, 1e-12), 0.5)


# --- entry points --------------------------------------------------------------------------


def _today() -> str:
    return datetime.now(tz=UTC).date().isoformat()


def link_files(
    left: str | Path,
    right: str | Path,
    *,
    mapping_left: Mapping[str, str] | None = None,
    mapping_right: Mapping[str, str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    out: str | Path | None = None,
    reference_date: str | None = None,
) -> LinkResult:
    """Link two CSV/Parquet person files; write `left_id,right_id,probability` to `out`.

    `mapping_*` rename columns to canonical fields (`{"NAMA": "name"}`); `reference_date`
    (ISO, default today) bounds birth dates and resolves NIK birth years.
    """
    started = time.perf_counter()
    today = reference_date or _today()
    with duckdb.connect() as con:
        tables = [
            persons_read(con, path, table=table, mapping=mapping, reference_date=today)
            for path, table, mapping in (
                (left, "__persons_left", mapping_left),
                (right, "__persons_right", mapping_right),
            )
        ]
        read_seconds = round(time.perf_counter() - started, 3)
        result = link_prepared(con, left=tables[0], right=tables[1], threshold=threshold)
    if out is not None:
        pairs_write(result.pairs, Path(out))
    return replace(
        result,
        seconds=round(time.perf_counter() - started, 3),
        timings={"read": read_seconds, **result.timings},
    )


def link_tables(
    con: duckdb.DuckDBPyConnection,
    *,
    left: str,
    right: str,
    threshold: float = DEFAULT_THRESHOLD,
    reference_date: str | None = None,
) -> LinkResult:
    """Link two tables or views of `con` whose columns are named like the canonical fields.

    For use inside the app: register a query, a polars frame or an Arrow table as a view,
    link, read `result.pairs`. Extra columns are ignored; `id` is required.
    """
    today = reference_date or _today()
    prepared = []
    for table, source in (("__persons_left", left), ("__persons_right", right)):
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        fields = frozenset(c for c in columns if c in CANONICAL_FIELDS)
        prepared.append(
            persons_prepare(con, source=source, fields=fields, table=table, reference_date=today)
        )
    return link_prepared(con, left=prepared[0], right=prepared[1], threshold=threshold)


def pairs_write(pairs: pl.DataFrame, path: Path) -> None:
    """Write pairs as CSV with the header `left_id,right_id,probability`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pairs.select("left_id", "right_id", "probability").write_csv(path)
