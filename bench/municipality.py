"""A municipality on one server: many schools on one PostgreSQL, beside one school.

Issue 17, item 4. In one throwaway PostgreSQL database, ``letopis init
--school`` makes 100 schools (a schema and a key directory each, shared
roles); 20 of them get a class of 25 pupils and a teacher. One ``letopis
serve`` with ``LETOPIS_MANY_SCHOOLS`` serves them all; 20 teachers, one per
active school, each signed in as ``teacher@<school>``, post lesson sheets
back to back (the load client of ``bench/api_load.py``, a thread each).

The baseline, in the same run: one school alone (its own schema in the same
database) on a single-school ``letopis serve``, its one teacher account
posting from the same number of threads. The table gives marks per second
and the latency percentiles of both, and ``/health`` of each server.

Target: p99 under 100 ms for the schools' lesson sheets and at least 0.8× of
the single school's marks per second.

Smaller runs: ``python -m bench.municipality --schools 10 --teachers 4
--seconds 5`` (or ``LETOPIS_BENCH_SCHOOLS``, ``LETOPIS_BENCH_TEACHERS``,
``LETOPIS_BENCH_API_SECONDS`` for ``python -m bench municipality``).
``--seal-thread-too`` (``LETOPIS_BENCH_SEAL_THREAD=1``) also serves the
schools with their sealing loop in a thread of the server instead of its
child process, in the same run, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from api.server.schools import Schools
from api.server.sealing import seal_round
from api.server.settings import Settings
from api.server.tables import API_TABLES
from bench import _api_school
from bench.api_load import _free_port, _percentile, _wait
from ledger.storage.init import initialise
from ledger.storage.schools import school_keys, school_store
from ledger.storage.stores import open_ledger
from tests.support import pg

PASSPHRASE = "bench-passphrase-for-a-throwaway-store"  # noqa: S105
TOKEN_SECRET = "bench-token-secret-" + "x" * 32
PUPILS = 25
HEALTH_PER_SECOND = 20
WARMUP = 3.0
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.8


@dataclass(frozen=True)
class Size:
    """How big a run is."""

    schools: int = int(os.environ.get("LETOPIS_BENCH_SCHOOLS", "100"))
    teachers: int = int(os.environ.get("LETOPIS_BENCH_TEACHERS", "20"))
    seconds: float = float(os.environ.get("LETOPIS_BENCH_API_SECONDS", "20"))
    #: marks per second of the paced run (all teachers together)
    rate: float = float(os.environ.get("LETOPIS_BENCH_RATE", "500"))
    #: also serve the schools with their sealing loop in a thread of the
    #: server (``SEAL_PROCESS=false``), for comparison in the same run
    seal_thread_too: bool = os.environ.get("LETOPIS_BENCH_SEAL_THREAD") == "1"


def run(console: Console, size: Size | None = None) -> None:
    size = size or Size()
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[yellow]skipped:[/yellow] {reason}")
        return
    if not 1 <= size.teachers <= size.schools:
        msg = f"teachers ({size.teachers}) must be 1 to schools ({size.schools})"
        raise ValueError(msg)
    with (
        pg.throwaway_database("letopis_bench", pg.BENCH_SERVER) as db,
        tempfile.TemporaryDirectory() as tmp,
    ):
        root = Path(tmp) / "keys"
        roles = {"owner_role": db.owner_role, "app_role": db.app_role}
        started = time.perf_counter()
        codes = [f"school-{n:03d}" for n in range(1, size.schools + 1)]
        active = codes[: size.teachers]
        console.print(
            f"setting up {size.schools} schools ({size.teachers} with a class of "
            f"{PUPILS} pupils and a teacher) and one school alone …"
        )
        urls = {}
        teachers = []
        for code in ["alone", *codes]:
            done = initialise(
                school_store(db.admin_url, code),
                school_keys(root, code),
                origin=f"letopis.bench/{code}",
                passphrase=PASSPHRASE,
                side_tables=API_TABLES,
                **roles,
            )
            urls[code] = done.app_url
            if code in active or code == "alone":
                # the school alone gets a class a teacher, so that its threads
                # (sharing its free lessons) never post lesson 2 before lesson 1
                classes = size.teachers if code == "alone" else 1
                school = _build(done.app_url, school_keys(root, code), code, classes)
                if code == "alone":
                    alone = school
                else:
                    teachers.append(
                        {**asdict(school), "account": f"{school.account}@{code}"}
                    )
        console.print(f"set up in {time.perf_counter() - started:.0f} s")
        threads = size.teachers
        paced = PUPILS * threads / size.rate  # seconds between a teacher's sheets
        alone_where = (
            ["--store", urls["alone"], "--keys", str(school_keys(root, "alone"))],
            {"LETOPIS_SCHOOL": "alone"},
        )
        many_where = (
            ["--store", urls[codes[0]], "--keys", str(root)],
            {"LETOPIS_SCHOOL": codes[0], "LETOPIS_MANY_SCHOOLS": "true"},
        )
        servers = [(f"{size.schools} schools", many_where)]
        if size.seal_thread_too:
            thread = (many_where[0], {**many_where[1], "LETOPIS_SEAL_PROCESS": "false"})
            servers.append((f"{size.schools} schools, sealing in a thread", thread))
        results = {}
        modes = (("back to back", 0.0), (f"{size.rate:.0f} marks/s", paced))
        parts = len(modes) * len(servers)  # the schools' days, one part per load
        for half, (mode, interval) in enumerate(modes):
            alone_plan = {**_days(asdict(alone), half, 2), "threads": threads}
            loads = [("one school", alone_where, alone_plan)]
            for k, (label, server) in enumerate(servers):
                part = half * len(servers) + k
                days = [_days(t, part, parts) for t in teachers]
                loads.append((label, server, {"teachers": days, "threads": threads}))
            for label, (where, env), plan in loads:
                console.print(f"load: {label}, {threads} teachers, {mode} …")
                results[(mode, label)] = _load(
                    where,
                    env,
                    {**plan, "sheet_interval": interval},
                    size,
                    Path(tmp) / "plan.json",
                )
        idle = _idle_round(urls[codes[0]], root, active)
    console.print(_table(size, results))
    for mode in dict.fromkeys(m for m, _ in results):
        single = results[(mode, "one school")]
        many = results[(mode, f"{size.schools} schools")]
        _verdict(console, mode, single, many)
    full, loop = (seconds * 1000 / len(active) for seconds in idle)
    console.print(
        f"sealing, a round over {len(active)} open schools with nothing new, per "
        f"school: the sealer's round {full:.1f} ms, the server's loop {loop:.1f} ms "
        "(best of 5)"
    )


def _days(teacher: dict[str, Any], part: int, parts: int) -> dict[str, Any]:
    """The teacher with the free lessons of every ``parts``-th school day from
    the ``part``-th, so that the loads of a run never post the same lesson."""
    days = sorted({slot["day"] for slot in teacher["slots"]})
    mine = set(days[part::parts])
    return {**teacher, "slots": [s for s in teacher["slots"] if s["day"] in mine]}


def _idle_round(url: str, root: Path, codes: list[str]) -> tuple[float, float]:
    """Seconds a sealing round takes over ``codes``' schools, all sealed
    already: the sealer's own round on each (what a loop without the
    nothing-new check would spend), and the server's loop. Best of 5."""
    settings = Settings(
        store=url,
        keys=root,
        key_passphrase=SecretStr(PASSPHRASE),
        many_schools=True,
        school=codes[0],
    )
    schools = Schools(settings, clock=lambda: datetime.now(UTC))
    try:
        offices = [schools.office(code) for code in codes]
        full, loop = [], []
        for _ in range(5):
            started = time.perf_counter()
            for office in offices:
                assert seal_round(office.sealer, office.seal_state)
            full.append(time.perf_counter() - started)
            assert schools.sealing.round()
            assert schools.sealing.last_round_seconds is not None
            loop.append(schools.sealing.last_round_seconds)
        return min(full), min(loop)
    finally:
        schools.close()


def _build(url: str, keys: Path, code: str, classes: int) -> _api_school.BenchSchool:
    app = open_ledger(url, keys=keys, passphrase=PASSPHRASE)
    try:
        return _api_school.build(app, keys, PASSPHRASE, classes, PUPILS, code=code)
    finally:
        app.close()


def _load(
    where: list[str],
    env_extra: dict[str, str],
    plan: dict[str, Any],
    size: Size,
    plan_path: Path,
) -> dict[str, Any]:
    """Serve, run the load client against the server, stop the server."""
    port = _free_port()
    env = {
        **os.environ,
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
        "LETOPIS_TOKEN_SECRET": TOKEN_SECRET,
        "LETOPIS_PASSWORD_TIME_COST": "1",
        **env_extra,
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "api", "serve", *where, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, server)
        plan_path.write_text(
            json.dumps(
                {
                    "base": base,
                    **plan,
                    "warmup": WARMUP,
                    "seconds": size.seconds,
                    "health_per_second": HEALTH_PER_SECOND,
                }
            )
        )
        client = subprocess.run(  # noqa: S603 - our own interpreter and client
            [sys.executable, "-m", "bench._api_client", str(plan_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        result: dict[str, Any] = json.loads(client.stdout)
        return result
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=120)


def _row(result: dict[str, Any], kind: str) -> tuple[float, float, float, int]:
    r = result[kind]
    lat = r["latencies"]
    seconds = result["seconds"]
    rate = (r["marks"] if kind == "sheets" else len(lat)) / seconds
    p50 = _percentile(lat, 50)
    return rate, p50, _percentile(lat, 99), len(r["errors"])


def _table(size: Size, results: dict[tuple[str, str], dict[str, Any]]) -> Table:
    table = Table(
        title=f"{size.schools} schools on one PostgreSQL, {size.teachers} teachers "
        f"posting, beside one school alone; {size.seconds:.0f} s measured each"
    )
    columns = ("load", "server", "marks/s", "p50 ms", "p99 ms", "health p99", "errors")
    for column in columns:
        left = column in ("load", "server")
        table.add_column(column, justify="left" if left else "right")
    for (mode, label), result in results.items():
        rate, p50, p99, errors = _row(result, "sheets")
        _, _, health, _ = _row(result, "health")
        table.add_row(
            mode,
            label,
            f"{rate:,.0f}",
            f"{p50:.1f}",
            f"{p99:.1f}",
            f"{health:.1f}",
            str(errors),
        )
    return table


def _verdict(
    console: Console, mode: str, single: dict[str, Any], many: dict[str, Any]
) -> None:
    alone, _, _, _ = _row(single, "sheets")
    marks, _, p99, errors = _row(many, "sheets")
    ratio = marks / alone if alone else float("nan")
    met = p99 < TARGET_P99_MS and ratio >= TARGET_RATIO and not errors
    colour = "green" if met else "red"
    target = f"p99 < {TARGET_P99_MS:.0f} ms and ≥ {TARGET_RATIO}× one school's marks/s"
    found = f"p99 {p99:.1f} ms, {marks:,.0f} marks/s = {ratio:.2f}× of {alone:,.0f}"
    verdict = "met" if met else "missed"
    console.print(f"[{colour}]{mode}: target {target}: {verdict} ({found})[/{colour}]")
    for label, result in (("one school", single), ("schools", many)):
        for error in result["sheets"]["errors"][:2]:
            console.print(f"[red]error ({label}):[/red] {error}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Size()
    parser.add_argument("--schools", type=int, default=defaults.schools)
    parser.add_argument("--teachers", type=int, default=defaults.teachers)
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--rate", type=float, default=defaults.rate)
    parser.add_argument(
        "--seal-thread-too",
        action="store_true",
        default=defaults.seal_thread_too,
        help="also serve the schools with their sealing loop in a thread",
    )
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 110)
    size = Size(args.schools, args.teachers, args.seconds, args.rate)
    run(console, replace(size, seal_thread_too=args.seal_thread_too))


if __name__ == "__main__":
    main(sys.argv[1:])
