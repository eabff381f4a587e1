"""The teacher's web pages under load on PostgreSQL, beside ``/health``.

Issue 14's benchmark. A throwaway PostgreSQL database gets a school of twenty
teachers, each with a class of 30 pupils and a quarter of lessons already in
its journal (``bench/_web_school.py``: nine weeks of school days, a lesson a
day with marks and absences). ``letopis serve`` runs it under uvicorn in its
own process; a load client in a third process (``bench/_web_client.py``)
plays the twenty teachers in parallel, each with their own session: sign in
through the form, then over and over open their journal page, save a lesson
sheet through its form (25 marks and 2 absences, with the page's CSRF token
and submission key) and open the page it leads to, one such round every
``LETOPIS_BENCH_WEB_INTERVAL`` seconds (a teacher typing fast). One more
thread calls ``/health`` 20 times a second: the baseline of what HTTP, uvicorn
and the client cost on this machine in the same run.

Targets: journal page p95 under 200 ms, a saved lesson sheet p99 under 300 ms,
no errors. Figures go to ``bench/results/web.json``.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from api.server.tables import API_TABLES
from bench import _web_school
from bench.api_load import _free_port, _percentile, _wait
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger
from projections.reports.source import views_runner
from tests.support import pg

ORIGIN = "letopis.bench/web"
PASSPHRASE = "bench-passphrase-for-a-throwaway-store"  # noqa: S105
TOKEN_SECRET = "bench-token-secret-" + "y" * 32
TEACHERS = int(os.environ.get("LETOPIS_BENCH_WEB_TEACHERS", "20"))
PUPILS = 30
INTERVAL = float(os.environ.get("LETOPIS_BENCH_WEB_INTERVAL", "3"))
HEALTH_PER_SECOND = 20
WARMUP = 8.0
SECONDS = float(os.environ.get("LETOPIS_BENCH_WEB_SECONDS", "30"))
TARGET_PAGE_P95 = 200.0
TARGET_SHEET_P99 = 300.0
RESULTS = Path(__file__).with_name("results") / "web.json"
IDLE_LIMIT = "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"


def run(console: Console) -> None:
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[yellow]skipped:[/yellow] {reason}")
        return
    with (
        pg.throwaway_database("letopis_bench_web", pg.BENCH_SERVER) as db,
        tempfile.TemporaryDirectory() as tmp,
    ):
        keys = Path(tmp) / "keys"
        done = initialise(
            db.admin_url,
            keys,
            origin=ORIGIN,
            passphrase=PASSPHRASE,
            owner_role=db.owner_role,
            app_role=db.app_role,
            side_tables=API_TABLES,
        )
        console.print(
            f"setting up {TEACHERS} teachers × a class of {PUPILS} with a "
            "quarter of lessons …"
        )
        school = _set_up(done.app_url, keys)
        console.print(
            f"each journal: {school.pupils} pupils × {school.lessons} lessons "
            "before the run"
        )
        result = _load(done.app_url, keys, school, Path(tmp), console)
    console.print(_table(result))
    _verdict(console, result)
    _write(result, school)


def _set_up(url: str, keys: Path) -> _web_school.WebSchool:
    """The school, and its records view built (as a school's server has it
    after `letopis rebuild`), so the load measures catching up, not a first
    build of the whole log."""
    app = open_ledger(url, keys=keys, passphrase=PASSPHRASE)
    try:
        school = _web_school.build(app, keys, PASSPHRASE, TEACHERS, PUPILS)
    finally:
        app.close()
    # the first build holds one transaction while it checks every entry: no
    # idle-in-transaction limit for it (as for `letopis rebuild`)
    os.environ[IDLE_LIMIT] = "0"
    try:
        app = open_ledger(url, keys=keys, passphrase=PASSPHRASE)
        try:
            views_runner(app).run()
        finally:
            app.close()
    finally:
        del os.environ[IDLE_LIMIT]
    return school


def _load(
    url: str,
    keys: Path,
    school: _web_school.WebSchool,
    tmp: Path,
    console: Console,
) -> dict[str, Any]:
    port = _free_port()
    env = {
        **os.environ,
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
        "LETOPIS_TOKEN_SECRET": TOKEN_SECRET,
        "LETOPIS_SCHOOL": _web_school.CODE,
        "LETOPIS_PASSWORD_TIME_COST": "1",
    }
    command = [sys.executable, "-m", "api", "serve", "--store", url]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [*command, "--keys", str(keys), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, server)
        plan = tmp / "plan.json"
        plan.write_text(
            json.dumps(
                {
                    "base": base,
                    "password": school.password,
                    "teachers": [asdict(t) for t in school.teachers],
                    "interval": INTERVAL,
                    "warmup": WARMUP,
                    "seconds": SECONDS,
                    "health_per_second": HEALTH_PER_SECOND,
                }
            )
        )
        console.print(
            f"load: {TEACHERS} teachers, each opening their journal, saving a "
            f"lesson sheet and seeing the page every {INTERVAL:g} s; /health "
            f"{HEALTH_PER_SECOND}/s; {WARMUP:.0f} s warm-up, {SECONDS:.0f} s "
            "measured"
        )
        client = subprocess.run(  # noqa: S603 - our own interpreter and client
            [sys.executable, "-m", "bench._web_client", str(plan)],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json.loads(client.stdout)
        if client.stderr.strip():
            console.print("[red]the load client said:[/red]")
            console.print(client.stderr[-3000:], markup=False, highlight=False)
    finally:
        server.send_signal(signal.SIGINT)
        _, log = server.communicate(timeout=60)
    if any(result[k]["errors"] for _, k in ROWS):
        console.print("[red]the server's log ends:[/red]")
        console.print(log[-3000:], markup=False, highlight=False)
    return result


ROWS = (
    ("GET /health (baseline)", "health"),
    ("GET journal page (30 × a quarter)", "page"),
    ("POST lesson sheet (form, 25 marks)", "sheet"),
)


def _figures(r: dict[str, Any], seconds: float) -> dict[str, float]:
    lat = r["latencies"]
    nan = float("nan")
    return {
        "per_second": len(lat) / seconds,
        "p50_ms": statistics.median(lat) if lat else nan,
        "p95_ms": _percentile(lat, 95),
        "p99_ms": _percentile(lat, 99),
        "max_ms": max(lat) if lat else nan,
        "errors": len(r["errors"]),
    }


def _table(result: dict[str, Any]) -> Table:
    seconds = result["seconds"]
    table = Table(title=f"Teacher's web pages on PostgreSQL, {seconds:.0f} s measured")
    for column in (
        "request",
        "per s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "errors",
    ):
        table.add_column(column, justify="left" if column == "request" else "right")
    for label, kind in ROWS:
        f = _figures(result[kind], seconds)
        table.add_row(
            label,
            f"{f['per_second']:.1f}",
            f"{f['p50_ms']:.1f}",
            f"{f['p95_ms']:.1f}",
            f"{f['p99_ms']:.1f}",
            f"{f['max_ms']:.1f}",
            str(f["errors"]),
        )
    return table


def _verdict(console: Console, result: dict[str, Any]) -> None:
    seconds = result["seconds"]
    page = _figures(result["page"], seconds)
    sheet = _figures(result["sheet"], seconds)
    errors = sum(len(result[k]["errors"]) for _, k in ROWS)
    checks = (
        ("journal page p95", page["p95_ms"], TARGET_PAGE_P95),
        ("saved lesson sheet p99", sheet["p99_ms"], TARGET_SHEET_P99),
    )
    for name, found, target in checks:
        met = found < target
        colour = "green" if met else "red"
        verdict = "met" if met else "missed"
        console.print(
            f"[{colour}]target {name} < {target:.0f} ms: {verdict} "
            f"({found:.1f} ms)[/{colour}]"
        )
    colour = "green" if errors == 0 else "red"
    console.print(f"[{colour}]target no errors: {errors} errors[/{colour}]")
    for kind in ("page", "sheet", "health"):
        for error in result[kind]["errors"][:3]:
            console.print(f"[red]{kind} error:[/red] {error}")


def _write(result: dict[str, Any], school: _web_school.WebSchool) -> None:
    seconds = result["seconds"]
    document = {
        "benchmark": "web",
        "teachers": len(school.teachers),
        "pupils": school.pupils,
        "lessons_before": school.lessons,
        "interval_s": INTERVAL,
        "seconds": seconds,
        **{kind: _figures(result[kind], seconds) for _, kind in ROWS},
        "targets": {"page_p95_ms": TARGET_PAGE_P95, "sheet_p99_ms": TARGET_SHEET_P99},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
