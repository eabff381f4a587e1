"""Lesson sheets over HTTP on PostgreSQL, beside a trivial endpoint of the same app.

A school of 10 classes × 25 pupils is set up on a throwaway PostgreSQL database
(``tests/support/pg.py``); ``letopis serve`` runs it under uvicorn in its own
process; a load client in a third process (``bench/_api_client.py``) posts
lesson sheets (one lesson, a mark for each of the 25 pupils: 26 signed events,
one save) from several threads back to back, while one thread calls ``/health``
50 times a second. After a warm-up, requests that start and finish inside the
measured window count. The table gives marks per second sustained and the
latency percentiles of both endpoints: the baseline (``/health``) shows what
HTTP, uvicorn and the client cost on this machine in the same run.

Target: at least 1,000 marks/s with p99 under 100 ms for the lesson sheets.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from api.server.tables import API_TABLES
from bench import _api_school
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger
from tests.support import pg

ORIGIN = "letopis.bench/api"
PASSPHRASE = "bench-passphrase-for-a-throwaway-store"  # noqa: S105
TOKEN_SECRET = "bench-token-secret-" + "x" * 32
CLASSES = 10
PUPILS = 25
THREADS = int(os.environ.get("LETOPIS_BENCH_API_THREADS", "2"))
HEALTH_PER_SECOND = 50
WARMUP = 3.0
SECONDS = float(os.environ.get("LETOPIS_BENCH_API_SECONDS", "20"))
TARGET_MARKS = 1000
TARGET_P99_MS = 100.0


def run(console: Console) -> None:
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[yellow]skipped:[/yellow] {reason}")
        return
    with (
        pg.throwaway_database("letopis_bench", pg.BENCH_SERVER) as db,
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
        app = open_ledger(done.app_url, keys=keys, passphrase=PASSPHRASE)
        try:
            console.print(f"setting up {CLASSES} classes × {PUPILS} pupils …")
            school = _api_school.build(app, keys, PASSPHRASE, CLASSES, PUPILS)
        finally:
            app.close()
        result = _load(done.app_url, keys, school, Path(tmp), console)
    console.print(_table(result))
    _verdict(console, result)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _load(
    url: str, keys: Path, school: _api_school.BenchSchool, tmp: Path, console: Console
) -> dict[str, Any]:
    port = _free_port()
    env = {
        **os.environ,
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
        "LETOPIS_TOKEN_SECRET": TOKEN_SECRET,
        "LETOPIS_SCHOOL": _api_school.CODE,
        "LETOPIS_PASSWORD_TIME_COST": "1",
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [
            sys.executable,
            "-m",
            "api",
            "serve",
            "--store",
            url,
            "--keys",
            str(keys),
            "--port",
            str(port),
        ],
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
                    "account": school.account,
                    "password": school.password,
                    "pupils": school.pupils,
                    "slots": [asdict(s) for s in school.slots],
                    "threads": THREADS,
                    "warmup": WARMUP,
                    "seconds": SECONDS,
                    "health_per_second": HEALTH_PER_SECOND,
                }
            )
        )
        console.print(
            f"load: {THREADS} threads of lesson sheets back to back + /health "
            f"{HEALTH_PER_SECOND}/s, "
            f"{WARMUP:.0f} s warm-up, {SECONDS:.0f} s measured"
        )
        client = subprocess.run(  # noqa: S603 - our own interpreter and client
            [sys.executable, "-m", "bench._api_client", str(plan)],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json.loads(client.stdout)
        return result
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)


def _wait(base: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            msg = f"the server stopped: {server.stderr.read() if server.stderr else ''}"
            raise RuntimeError(msg)
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    msg = "the server did not answer within 60 s"
    raise RuntimeError(msg)


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _table(result: dict[str, Any]) -> Table:
    seconds = result["seconds"]
    table = Table(title=f"HTTP API on PostgreSQL, {seconds:.0f} s measured")
    for column in (
        "endpoint",
        "requests/s",
        "marks/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
    ):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    rows = (
        ("GET /health (baseline)", "health"),
        (f"POST /lesson-sheets ({PUPILS} marks)", "sheets"),
    )
    for label, kind in rows:
        r = result[kind]
        lat = r["latencies"]
        table.add_row(
            label,
            f"{len(lat) / seconds:,.0f}",
            f"{r['marks'] / seconds:,.0f}" if kind == "sheets" else "—",
            f"{statistics.median(lat) if lat else float('nan'):.1f}",
            f"{_percentile(lat, 99):.1f}",
            f"{max(lat) if lat else float('nan'):.1f}",
            str(len(r["errors"])),
        )
    return table


def _verdict(console: Console, result: dict[str, Any]) -> None:
    sheets = result["sheets"]
    marks = sheets["marks"] / result["seconds"]
    p99 = _percentile(sheets["latencies"], 99)
    met = marks >= TARGET_MARKS and p99 < TARGET_P99_MS and not sheets["errors"]
    colour = "green" if met else "red"
    target = f"≥ {TARGET_MARKS:,} marks/s with p99 < {TARGET_P99_MS:.0f} ms"
    found = f"{marks:,.0f} marks/s, p99 {p99:.1f} ms"
    verdict = "met" if met else "missed"
    console.print(f"[{colour}]target {target}: {verdict} ({found})[/{colour}]")
    for error in sheets["errors"][:3]:
        console.print(f"[red]error:[/red] {error}")
