"""Benchmark: target-data import (CSV, XLSX), linkage and the coverage query at registry scale.

    ./dev bench targeting [--persons N] [--beneficiaries M] [--xlsx-persons K] [--seed S]

Every figure is compared with a baseline measured in the same run, in a child process each
(so peak RSS is that step's own):

- import_csv_ratio: the app's import (`import_job_run`: read, validate, report, Parquet release,
  database rows) of a CSV of N persons ÷ a bare Polars read + the same validation of that file;
- import_xlsx_ratio: the app's import of an XLSX of K persons ÷ a bare fastexcel read of it;
- import_peak_rss_mb: the highest peak RSS of the two imports;
- link_seconds / link_precision / link_recall: exact NIK then Splink on DuckDB, N × M, against
  the generator's ground truth (baseline: exact NIK join only);
- coverage_ms: median of 20 warm runs of `coverage_cube` over the imported release and one
  linked list per programme (baseline: a bare DuckDB group-by count over the same Parquet).

The data comes from `tkpk.targeting.synthetic` and is cached under bench/.cache/. The imports
run against a throw-away SQLite database with the reference data loaded. Writes
bench/results/targeting.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import linkage as linkage_bench  # noqa: E402
import polars as pl  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "targeting.json"
AS_OF = "2026-06-30"


# --- data ------------------------------------------------------------------------------------


def _files(folder: Path, xlsx_persons: int) -> tuple[Path, Path]:
    """registry.csv (all persons) and registry-<K>.xlsx (the first K), written once per dataset."""
    csv = folder / "registry.csv"
    if not csv.exists():
        pl.read_parquet(folder / "registry.parquet").drop("id").write_csv(csv)
    xlsx = folder / f"registry-{xlsx_persons}.xlsx"
    if not xlsx.exists():
        started = time.perf_counter()
        frame = pl.read_parquet(folder / "registry.parquet").drop("id").head(xlsx_persons)
        tmp = xlsx.with_suffix(".tmp.xlsx")
        # Text cells, like an agency's workbook where NIKs are typed as text.
        frame.write_excel(tmp, worksheet="data", autofit=False)
        tmp.rename(xlsx)
        print(
            f"data: XLSX of {xlsx_persons:,} rows written in {time.perf_counter() - started:.1f} s"
        )
    return csv, xlsx


# --- child processes -----------------------------------------------------------------------------


def _django(db_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_dir / 'bench.sqlite3'}"
    os.environ["TKPK_VAR_DIR"] = str(db_dir)
    os.environ["TKPK_MEDIA_ROOT"] = str(db_dir / "media")
    os.environ.setdefault("DJANGO_SECURE", "0")
    os.environ.setdefault("TKPK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django  # noqa: PLC0415

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _worker(step: str, path: Path, db_dir: Path) -> dict[str, Any]:
    _django(db_dir)
    from datetime import date  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from tkpk.targeting import services  # noqa: PLC0415
    from tkpk.targeting.validate import CANONICAL, validate_frame  # noqa: PLC0415

    if step in ("import_csv", "import_xlsx"):
        started = time.perf_counter()
        job = services.import_job_create(
            path=path, source="DTSEN", as_of=date.fromisoformat(AS_OF), mapping={}, by=None
        )
        job = services.import_job_run(job=job)
        seconds = time.perf_counter() - started
        if job.status != "done":
            raise SystemExit(f"import failed: {job.status} {job.message}")
        return {"seconds": seconds, "peak_rss_mb": _peak_mb(), "rows": job.rows}
    if step == "bare_csv":
        codes, areas = services._kelurahan_codes(), services._known_areas()
        started = time.perf_counter()
        frame = pl.scan_csv(path, infer_schema=False).select(CANONICAL)
        checked = validate_frame(
            frame.with_row_index("row", offset=2),
            today=timezone.localdate(),
            kelurahan_codes=codes,
            known_areas=areas,
        ).collect()
        return {
            "seconds": time.perf_counter() - started,
            "peak_rss_mb": _peak_mb(),
            "rows": checked.height,
        }
    if step == "bare_xlsx":
        import fastexcel  # noqa: PLC0415

        started = time.perf_counter()
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
        frame = sheet.to_polars()
        return {
            "seconds": time.perf_counter() - started,
            "peak_rss_mb": _peak_mb(),
            "rows": frame.height,
        }
    if step == "coverage":
        return _coverage(path)
    raise SystemExit(f"unknown step {step}")


def _coverage(folder: Path) -> dict[str, Any]:
    """Lists from the linkage pairs, then the coverage query, cold once and warm 20 times."""
    import duckdb  # noqa: PLC0415

    from tkpk.accounts.models import Organisation, OrganisationKind  # noqa: PLC0415
    from tkpk.targeting.models import BeneficiaryList, ListStatus, Release  # noqa: PLC0415
    from tkpk.targeting.services import storage_dir  # noqa: PLC0415
    from tkpk.targeting.services_coverage import coverage_cube, households_ensure  # noqa: PLC0415

    # The release of the CSV import (the first one; the XLSX import comes after it).
    release = Release.objects.filter(source="DTSEN", as_of=AS_OF).order_by("created_at", "pk")[0]
    persons = pl.read_parquet(
        release.persons_path, columns=["row", "nik", "kk", "kelurahan_code", "desil"]
    )
    registry = pl.read_parquet(folder / "registry.parquet", columns=["id", "nik"])
    listed = pl.read_parquet(folder / "beneficiaries.parquet", columns=["id", "programme"])
    pairs = (
        pl.read_parquet(folder / "pairs-link.parquet")
        .join(registry, left_on="left_id", right_on="id")
        .join(persons, on="nik")
        .join(listed, left_on="right_id", right_on="id")
    )
    opd = Organisation.objects.filter(kind=OrganisationKind.OPD).first()
    lists = []
    for index, (programme,) in enumerate(
        pairs.select("programme").unique().sort("programme").iter_rows()
    ):
        links = pairs.filter(pl.col("programme") == programme).select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("list_row") + 2,
            pl.col("row").cast(pl.Int64).alias("person_row"),
            pl.col("probability").cast(pl.Float64),
            pl.lit("model").alias("method"),
            pl.lit("accepted").alias("status"),
            "kk",
            "kelurahan_code",
            pl.col("desil").cast(pl.Int8),
        )
        path = storage_dir() / f"bench-links-{index}.parquet"
        links.write_parquet(path)
        lists.append(
            BeneficiaryList.objects.create(
                programme=programme,
                organisation=opd,
                year=2026,
                quarter=2,
                release=release,
                file_name=f"{programme}.parquet",
                file_sha256="bench",
                upload_path=str(path),
                links_path=str(path),
                status=ListStatus.LINKED,
                rows=links.height,
            )
        )
    # Cold: the household table of the release is built (once per release, then cached).
    started = time.perf_counter()
    households_ensure(release=release)
    cube = coverage_cube(release=release, lists=lists)
    cold_ms = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(20):
        started = time.perf_counter()
        cube = coverage_cube(release=release, lists=lists)
        warm.append((time.perf_counter() - started) * 1000)
    source = str(release.persons_path).replace("'", "''")
    base = []
    with duckdb.connect() as con:
        for _ in range(20):
            started = time.perf_counter()
            con.execute(
                f"SELECT kelurahan_code, desil, count(*) FROM read_parquet('{source}') "  # noqa: S608
                "GROUP BY ALL"
            ).fetchall()
            base.append((time.perf_counter() - started) * 1000)
    return {
        "coverage_ms": statistics.median(warm),
        "coverage_cold_ms": cold_ms,
        "baseline_groupby_ms": statistics.median(base),
        "cube_rows": cube.height,
        "lists": len(lists),
        "peak_rss_mb": _peak_mb(),
    }


def _run(step: str, path: Path, db_dir: Path) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 — this script, with fixed arguments
        [sys.executable, __file__, "--worker", step, "--data", str(path), "--db", str(db_dir)],
        check=False,
        capture_output=True,
        text=True,
    )
    if completed.returncode:
        sys.stderr.write(completed.stderr[-4000:])
        raise SystemExit(f"step {step} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _database(db_dir: Path) -> None:
    """A fresh SQLite database with the reference data (regions, organisations)."""
    subprocess.run(  # noqa: S603 — this script, with fixed arguments
        [sys.executable, __file__, "--worker", "setup", "--data", ".", "--db", str(db_dir)],
        check=True,
        capture_output=True,
    )


def _setup(db_dir: Path) -> None:
    _django(db_dir)
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)


def _table(rows: list[tuple[str, ...]]) -> None:
    header = ("", "app", "baseline", "ratio")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print(
            "  ".join(
                [
                    row[0].ljust(widths[0]),
                    *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
                ]
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--beneficiaries", type=int, default=300_000)
    parser.add_argument("--xlsx-persons", type=int, default=None, help="default: --persons")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "setup":
        _setup(args.db)
        return
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.db)))
        return

    xlsx_persons = min(args.xlsx_persons or args.persons, 1_048_575)
    folder = linkage_bench._dataset(args.persons, args.beneficiaries, args.seed)
    csv, xlsx = _files(folder, xlsx_persons)
    db_dir = Path(tempfile.mkdtemp(prefix="tkpk-bench-"))
    try:
        _database(db_dir)
        bare_csv = _run("bare_csv", csv, db_dir)
        imp_csv = _run("import_csv", csv, db_dir)
        bare_xlsx = _run("bare_xlsx", xlsx, db_dir)
        imp_xlsx = _run("import_xlsx", xlsx, db_dir)
        link, link_pairs = linkage_bench._run("link", folder, 0.9)
        base, base_pairs = linkage_bench._run("exact_nik", folder, 0.9)
        truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
        link_p, link_r = linkage_bench._quality(link_pairs, truth)
        base_p, base_r = linkage_bench._quality(base_pairs, truth)
        coverage = _run("coverage", folder, db_dir)
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)

    csv_ratio = imp_csv["seconds"] / bare_csv["seconds"]
    xlsx_ratio = imp_xlsx["seconds"] / bare_xlsx["seconds"]
    peak = max(imp_csv["peak_rss_mb"], imp_xlsx["peak_rss_mb"])
    print(
        f"\n{args.persons:,} persons (CSV), {xlsx_persons:,} (XLSX), "
        f"{args.beneficiaries:,} beneficiaries, seed {args.seed}"
    )
    _table(
        [
            (
                "import CSV s (vs polars read+validate)",
                f"{imp_csv['seconds']:.2f}",
                f"{bare_csv['seconds']:.2f}",
                f"{csv_ratio:.2f}×",
            ),
            (
                "import XLSX s (vs fastexcel read)",
                f"{imp_xlsx['seconds']:.2f}",
                f"{bare_xlsx['seconds']:.2f}",
                f"{xlsx_ratio:.2f}×",
            ),
            (
                "import peak RSS MB",
                f"{peak:.0f}",
                f"{max(bare_csv['peak_rss_mb'], bare_xlsx['peak_rss_mb']):.0f}",
                "",
            ),
            (
                "link s (vs exact NIK only)",
                f"{link['seconds']:.2f}",
                f"{base['seconds']:.2f}",
                f"{link['seconds'] / base['seconds']:.1f}×",
            ),
            ("link pair precision", f"{link_p:.4f}", f"{base_p:.4f}", ""),
            ("link pair recall", f"{link_r:.4f}", f"{base_r:.4f}", ""),
            (
                "coverage ms (vs DuckDB group-by)",
                f"{coverage['coverage_ms']:.1f}",
                f"{coverage['baseline_groupby_ms']:.1f}",
                f"{coverage['coverage_ms'] / coverage['baseline_groupby_ms']:.1f}×",
            ),
        ]
    )
    result = {
        "import_csv_ratio": round(csv_ratio, 3),
        "import_xlsx_ratio": round(xlsx_ratio, 3),
        "import_peak_rss_mb": round(peak, 1),
        "link_seconds": round(link["seconds"], 3),
        "link_precision": round(link_p, 5),
        "link_recall": round(link_r, 5),
        "coverage_ms": round(coverage["coverage_ms"], 2),
        "import_csv_seconds": round(imp_csv["seconds"], 3),
        "bare_csv_read_validate_seconds": round(bare_csv["seconds"], 3),
        "import_xlsx_seconds": round(imp_xlsx["seconds"], 3),
        "bare_fastexcel_read_seconds": round(bare_xlsx["seconds"], 3),
        "import_csv_peak_rss_mb": round(imp_csv["peak_rss_mb"], 1),
        "import_xlsx_peak_rss_mb": round(imp_xlsx["peak_rss_mb"], 1),
        "link_peak_rss_mb": round(link["peak_rss_mb"], 1),
        "baseline_exact_nik_seconds": round(base["seconds"], 3),
        "baseline_exact_nik_precision": round(base_p, 5),
        "baseline_exact_nik_recall": round(base_r, 5),
        "coverage_cold_ms": round(coverage["coverage_cold_ms"], 1),
        "coverage_baseline_groupby_ms": round(coverage["baseline_groupby_ms"], 2),
        "coverage_cube_rows": coverage["cube_rows"],
        "persons": args.persons,
        "xlsx_persons": xlsx_persons,
        "beneficiaries": args.beneficiaries,
        "seed": args.seed,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n→ {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
