"""Benchmark: link a synthetic 1M-person registry with a 300k beneficiary list.

    ./dev bench linkage [--persons N] [--beneficiaries M] [--seed S] [--threshold P]

Generates the data once per parameter set (cached under bench/.cache/, keyed by the
parameters and the generator's source), then links it in a child process so that peak RSS
is the linkage's own: `link_files` (exact NIK, then Splink on DuckDB) and, as a baseline in
the same run, exact NIK only. Pair precision and recall are measured against the ground
truth. Prints a table and writes bench/results/linkage.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402

from tkpk.targeting.linkage.link import link_files  # noqa: E402
from tkpk.targeting.linkage.nik import nik_clean_sql  # noqa: E402
from tkpk.targeting.synthetic import targets_generate, targets_write  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results" / "linkage.json"
REFERENCE_DATE = "2026-11-30"


def _dataset(persons: int, beneficiaries: int, seed: int) -> Path:
    """The generated files, reused while the parameters and the generator are unchanged."""
    generator = (ROOT / "tkpk" / "targeting" / "synthetic.py").read_bytes()
    key = hashlib.sha256(generator).hexdigest()[:10]
    folder = CACHE / f"linkage-p{persons}-b{beneficiaries}-s{seed}-{key}"
    if (folder / "truth.csv").exists():
        print(f"data: cached in {folder.relative_to(ROOT)}")
        return folder
    started = time.perf_counter()
    targets = targets_generate(persons=persons, beneficiaries=beneficiaries, seed=seed)
    targets_write(targets, out_dir=folder, formats=("parquet",))
    print(f"data: generated in {time.perf_counter() - started:.1f} s → {folder.relative_to(ROOT)}")
    return folder


def _exact_nik(folder: Path, out: Path) -> None:
    """Baseline: NIKs read as text and joined exactly (lowest registry id per beneficiary)."""
    with duckdb.connect() as con:
        sides = []
        for stem in ("registry", "beneficiaries"):
            path = str(folder / f"{stem}.parquet").replace("'", "''")
            nik = nik_clean_sql("nik")
            sides.append(f"(SELECT id::VARCHAR AS id, {nik} AS nik FROM read_parquet('{path}'))")  # noqa: S608
        con.sql(
            f"SELECT min(l.id) AS left_id, r.id AS right_id, 1.0 AS probability "  # noqa: S608
            f"FROM {sides[0]} l JOIN {sides[1]} r ON l.nik = r.nik GROUP BY r.id"
        ).pl().write_parquet(out)


def _worker(method: str, folder: Path, out: Path, threshold: float) -> None:
    """Run one linkage in this (child) process and print its time and peak RSS as JSON."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if method == "link":
        result = link_files(
            folder / "registry.parquet",
            folder / "beneficiaries.parquet",
            threshold=threshold,
            reference_date=REFERENCE_DATE,
        )
        result.pairs.write_parquet(out)
        timings = result.timings
    else:
        _exact_nik(folder, out)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, "timings": timings}))


def _run(method: str, folder: Path, threshold: float) -> tuple[dict[str, float], pl.DataFrame]:
    out = folder / f"pairs-{method}.parquet"
    completed = subprocess.run(  # noqa: S603 — this script, with fixed arguments
        [
            sys.executable,
            __file__,
            "--worker",
            method,
            "--data",
            str(folder),
            "--threshold",
            str(threshold),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    return measured, pl.read_parquet(out)


def _quality(pairs: pl.DataFrame, truth: pl.DataFrame) -> tuple[float, float]:
    expected = truth.filter(pl.col("registry_id").is_not_null())
    correct = pairs.join(
        expected, left_on=["right_id", "left_id"], right_on=["beneficiary_id", "registry_id"]
    ).height
    return correct / max(pairs.height, 1), correct / max(expected.height, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--beneficiaries", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--worker", choices=["link", "exact_nik"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, args.data, args.data / f"pairs-{args.worker}.parquet", args.threshold)
        return

    folder = _dataset(args.persons, args.beneficiaries, args.seed)
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
    link, link_pairs = _run("link", folder, args.threshold)
    base, base_pairs = _run("exact_nik", folder, args.threshold)
    link_p, link_r = _quality(link_pairs, truth)
    base_p, base_r = _quality(base_pairs, truth)

    ratio = link["seconds"] / base["seconds"]
    rows = [
        ("link seconds", f"{link['seconds']:.2f}", f"{base['seconds']:.2f}", f"{ratio:.1f}×"),
        ("pair precision", f"{link_p:.4f}", f"{base_p:.4f}", ""),
        ("pair recall", f"{link_r:.4f}", f"{base_r:.4f}", ""),
        ("peak RSS MB", f"{link['peak_rss_mb']:.0f}", f"{base['peak_rss_mb']:.0f}", ""),
    ]
    print(
        f"\nlinking {args.persons:,} registry persons × {args.beneficiaries:,} beneficiaries "
        f"(threshold {args.threshold}); phases: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in link["timings"].items())
    )
    header = ("", "exact NIK + Splink", "exact NIK only", "ratio")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "link_seconds": round(link["seconds"], 3),
        "link_precision": round(link_p, 5),
        "link_recall": round(link_r, 5),
        "link_peak_rss_mb": round(link["peak_rss_mb"], 1),
        "baseline_exact_nik_seconds": round(base["seconds"], 3),
        "baseline_exact_nik_precision": round(base_p, 5),
        "baseline_exact_nik_recall": round(base_r, 5),
        "persons": args.persons,
        "beneficiaries": args.beneficiaries,
        "seed": args.seed,
        "threshold": args.threshold,
        "link_phase_seconds": link["timings"],
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n→ {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
