"""Benchmark: the annual LP2KD (DOCX + PDF, with charts) and the dashboard under 20 clients.

    ./dev bench reports [--clients 20] [--requests 1000] [--year 2026] [--workers N]

Runs against a throw-away SQLite database with the reference and demo data (as `./dev run`
loads them), in child processes:

- lp2kd_seconds: `lp2kd_build` for the demo year (median of 3), compared with rendering a
  one-page PDF with the same engine in the same run (baseline);
- dashboard_p95_ms: the province dashboard (`/evaluasi/`) served by the project's WSGI app under
  gunicorn (sync workers, cores + 1) on 127.0.0.1, hit by `--clients` concurrent logged-in
  clients in a closed loop (each sends its next request when the last one is answered, no think
  time; a new connection per request, as gunicorn's sync workers close it); compared with the
  home page under the same load (baseline).

Writes bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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

RESULTS = ROOT / "bench" / "results" / "reports.json"


def _django(db_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_dir / 'bench.sqlite3'}"
    os.environ["TKPK_VAR_DIR"] = str(db_dir)
    os.environ["TKPK_MEDIA_ROOT"] = str(db_dir / "media")
    os.environ.setdefault("DJANGO_SECURE", "0")
    # Static files straight from the app directories (no collectstatic in a throw-away run).
    os.environ.setdefault("TKPK_MANIFEST_STATIC", "0")
    os.environ.setdefault("TKPK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django  # noqa: PLC0415

    django.setup()


def _setup(db_dir: Path) -> None:
    _django(db_dir)
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("load_demo", quiet_logins=True, verbosity=0)


def _lp2kd(db_dir: Path, year: int) -> dict[str, Any]:
    _django(db_dir)
    from weasyprint import HTML  # noqa: PLC0415

    from tkpk.reports.services import lp2kd_build  # noqa: PLC0415

    out = db_dir / "lp2kd"
    runs = []
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        started = time.perf_counter()
        docx, pdf = lp2kd_build(year=year, out_dir=out)
        runs.append(time.perf_counter() - started)
        if not (docx.stat().st_size and pdf.stat().st_size):
            raise SystemExit("LP2KD files are empty")
    base = []
    for _ in range(3):
        started = time.perf_counter()
        HTML(string="<h1>LP2KD</h1><p>Satu halaman.</p>").write_pdf(out / "base.pdf")
        base.append(time.perf_counter() - started)
    return {"seconds": statistics.median(runs), "baseline_seconds": statistics.median(base)}


def _server_command(db_dir: Path, port: int, workers: int) -> list[str]:
    """The project's WSGI application under gunicorn, as deployed (sync workers)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
    ]


def _session_cookie(db_dir: Path, username: str) -> str:
    """A logged-in session for `username`, created the way Django's login does."""
    _django(db_dir)
    from django.conf import settings  # noqa: PLC0415
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: PLC0415
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415

    from tkpk.accounts.models import User  # noqa: PLC0415

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _get(port: int, path: str, cookie: str) -> int:
    """One HTTP/1.1 GET on a fresh connection (as a browser opening the page); the status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
            "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    data = await reader.read()  # the server closes the connection after the response
    writer.close()
    status_line = data.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 else 0


async def _load_async(
    port: int, path: str, cookie: str, *, clients: int, requests: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    per_client = max(requests // clients, 1)

    async def client() -> None:
        for _ in range(per_client):
            started = time.perf_counter()
            try:
                status = await _get(port, path, cookie)
            except OSError as exc:
                errors.append(str(exc))
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(f"HTTP {status}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    if errors or not latencies:
        raise SystemExit(f"load on {path} failed: {errors[:3]}")
    ordered = sorted(latencies)
    return {
        "p50_ms": ordered[len(ordered) // 2],
        "p95_ms": ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)],
        "requests": len(ordered),
        "rps": len(ordered) / wall,
    }


def _load(port: int, path: str, cookie: str, *, clients: int, requests: int) -> dict[str, float]:
    """`requests` GETs of `path` by `clients` concurrent clients, each waiting for its response
    before sending the next (closed loop, no think time); latency percentiles in ms."""
    return asyncio.run(_load_async(port, path, cookie, clients=clients, requests=requests))


def _dashboard(db_dir: Path, *, clients: int, requests: int, workers: int) -> dict[str, Any]:
    port = 18765
    _django(db_dir)
    server = subprocess.Popen(_server_command(db_dir, port, workers), env=os.environ.copy())  # noqa: S603
    try:
        cookie = _session_cookie(db_dir, "sekretariat")
        for _ in range(150):  # wait for the server
            try:
                if asyncio.run(_get(port, "/akun/masuk/", "")) == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        # Warm both pages in every worker at full load (the first view of a filter in a worker
        # renders it); these requests are not counted.
        for path in ("/evaluasi/", "/"):
            _load(port, path, cookie, clients=clients, requests=max(requests // 4, clients * 5))
        dashboard = _load(port, "/evaluasi/", cookie, clients=clients, requests=requests)
        home = _load(port, "/", cookie, clients=clients, requests=requests)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"dashboard": dashboard, "home": home}


def _child(step: str, db_dir: Path, **extra: Any) -> dict[str, Any]:
    args = [sys.executable, __file__, "--worker", step, "--db", str(db_dir)]
    for key, value in extra.items():
        args += [f"--{key}", str(value)]
    completed = subprocess.run(args, check=False, capture_output=True, text=True)  # noqa: S603
    if completed.returncode:
        sys.stderr.write(completed.stderr[-4000:])
        raise SystemExit(f"step {step} failed")
    if step == "setup":  # prints the loaders' progress, no figures
        return {}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: cores + 1)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "setup":
        _setup(args.db)
        return
    if args.worker == "lp2kd":
        print(json.dumps(_lp2kd(args.db, args.year)))
        return
    if args.worker == "dashboard":
        result = _dashboard(
            args.db, clients=args.clients, requests=args.requests, workers=args.workers
        )
        print(json.dumps(result))
        return

    db_dir = Path(tempfile.mkdtemp(prefix="tkpk-bench-reports-"))
    try:
        started = time.perf_counter()
        _child("setup", db_dir)
        print(f"data: reference + demo loaded in {time.perf_counter() - started:.1f} s")
        lp2kd = _child("lp2kd", db_dir, year=args.year)
        # The pages are CPU-bound (local database, cached figures): one worker per core and a
        # spare measured best here (2 × cores + 1, gunicorn's rule for I/O-bound apps, was slower).
        workers = args.workers or (os.cpu_count() or 1) + 1
        load = _child(
            "dashboard", db_dir, clients=args.clients, requests=args.requests, workers=workers
        )
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)

    dash, home = load["dashboard"], load["home"]
    rows = [
        (
            "LP2KD DOCX+PDF s (vs one-page PDF)",
            f"{lp2kd['seconds']:.2f}",
            f"{lp2kd['baseline_seconds']:.2f}",
            f"{lp2kd['seconds'] / lp2kd['baseline_seconds']:.1f}×",
        ),
        (
            f"dashboard p95 ms, {args.clients} clients (vs home page)",
            f"{dash['p95_ms']:.1f}",
            f"{home['p95_ms']:.1f}",
            f"{dash['p95_ms'] / home['p95_ms']:.2f}×",
        ),
        ("dashboard p50 ms", f"{dash['p50_ms']:.1f}", f"{home['p50_ms']:.1f}", ""),
    ]
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
    result = {
        "lp2kd_seconds": round(lp2kd["seconds"], 3),
        "dashboard_p95_ms": round(dash["p95_ms"], 2),
        "lp2kd_baseline_one_page_pdf_seconds": round(lp2kd["baseline_seconds"], 3),
        "dashboard_p50_ms": round(dash["p50_ms"], 2),
        "home_p95_ms": round(home["p95_ms"], 2),
        "dashboard_requests": dash["requests"],
        "clients": args.clients,
        "server_workers": workers,
        "dashboard_rps": round(dash["rps"], 1),
        "year": args.year,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n→ {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
