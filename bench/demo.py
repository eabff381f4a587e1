"""Demo generation throughput (the records rules at work) beside signed append.

The demo's school (``simulation``: 330 pupils, 20 classes) is simulated from
1 September to 7 November 2025 — the first quarter with its lessons, marks,
absences, corrections, olympiad results and the quarter grades — through the
records services, on SQLite and on PostgreSQL. Every event passes the domain
rules (enrolment, teaching assignments, scales, dates) before it is signed.

Beside it, in the same run and on a fresh store of the same kind, the plain
signed append of ``bench.append`` (no rules: a ready-made mark sheet per save)
at the demo's mean number of events per save, best of 3. The ratio
demo ÷ signed append is what the rules and the simulation's own work cost.
Timed: the whole simulation (wall clock); for signed append, only ``save()``.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Unpack

from rich.console import Console
from rich.table import Table

from bench.append import REPEATS, MarkWriter, Shape, signed_application
from ledger.keys.directory import DEMO_PASSPHRASE, KeyDirectory
from ledger.keys.personal import DataKeyStore
from ledger.storage.init import initialise
from ledger.storage.stores import open_ledger
from simulation.school import ORIGIN, Scale, SchoolSimulation, simulate
from tests.support import pg

PASSPHRASE = DEMO_PASSPHRASE  # throwaway keys in a temporary directory
STUDENTS = 330
UNTIL = date(2025, 11, 7)  # the first quarter, its grades, a week of the second
SEED = 131


@dataclass(frozen=True)
class DemoRun:
    """What one simulated stretch of the school year wrote, and how fast."""

    events: int
    saves: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    @property
    def per_save(self) -> float:
        return self.events / self.saves


@dataclass(frozen=True)
class Row:
    """One store: the demo and the signed append at the demo's batch size."""

    store: str
    demo: DemoRun
    signed_per_second: float

    @property
    def ratio(self) -> float:
        return self.demo.per_second / self.signed_per_second


def demo_run(admin_url: str, keys: Path, **roles: Unpack[pg.Roles]) -> DemoRun:
    """Initialise a store and simulate the school up to :data:`UNTIL`."""
    done = initialise(admin_url, keys, origin=ORIGIN, passphrase=PASSPHRASE, **roles)
    ledger = open_ledger(done.app_url, keys=keys, passphrase=PASSPHRASE)
    try:
        simulation = SchoolSimulation(
            ledger,
            KeyDirectory.open(keys, PASSPHRASE),
            DataKeyStore.in_key_directory(keys, PASSPHRASE),
            Scale(STUDENTS, 1),
            SEED,
        )
        before = ledger.recorder.max_notification_id() or 0
        started = perf_counter()
        simulate(simulation, until=UNTIL)
        seconds = perf_counter() - started
        events = (ledger.recorder.max_notification_id() or 0) - before
    finally:
        ledger.close()
    return DemoRun(events, simulation.commands, seconds)


def signed_rate(
    admin_url: str, keys: Path, per_save: int, **roles: Unpack[pg.Roles]
) -> float:
    """Best-of-3 events/s of signed saves of ``per_save`` events, no rules."""
    shape = Shape("demo-size", saves=200, events_per_save=per_save, warmup_saves=20)
    with signed_application(admin_url, keys, **roles) as save:
        writer = MarkWriter(save)
        writer.run(shape, shape.warmup_saves)
        best = min(writer.run(shape, shape.saves) for _ in range(REPEATS))
    return shape.events / best


def bench_sqlite(console: Console) -> Row:
    with tempfile.TemporaryDirectory(prefix="letopis-bench-") as tmp:
        root = Path(tmp)
        console.print("SQLite: simulating the demo school to 7 November …")
        run = demo_run(f"sqlite:///{root / 'demo.db'}", root / "demo-keys")
        rate = signed_rate(
            f"sqlite:///{root / 'append.db'}", root / "keys", round(run.per_save)
        )
    return Row("sqlite", run, rate)


def bench_postgres(console: Console) -> Row | None:
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[bold red]PostgreSQL SKIPPED:[/] {reason}")
        return None
    with (
        ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="letopis-bench-") as tmp,
    ):
        root = Path(tmp)
        demo_db = stack.enter_context(
            pg.throwaway_database("letopis_bench", pg.BENCH_SERVER)
        )
        console.print(f"PostgreSQL: simulating the demo school in {demo_db.name} …")
        run = demo_run(demo_db.admin_url, root / "demo-keys", **demo_db.roles())
        append_db = stack.enter_context(
            pg.throwaway_database("letopis_bench", pg.BENCH_SERVER)
        )
        rate = signed_rate(
            append_db.admin_url,
            root / "keys",
            round(run.per_save),
            **append_db.roles(),
        )
    return Row("postgresql", run, rate)


def table(rows: list[Row]) -> Table:
    out = Table(title="Demo generation vs signed append, events/s (same run)")
    out.add_column("store", no_wrap=True)
    for name in ("events", "saves", "ev/save", "demo ev/s", "signed ev/s", "ratio"):
        out.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        out.add_row(
            row.store,
            f"{row.demo.events:,}",
            f"{row.demo.saves:,}",
            f"{row.demo.per_save:.1f}",
            f"{row.demo.per_second:,.0f}",
            f"{row.signed_per_second:,.0f}",
            f"{row.ratio:.2f}×",
        )
    return out


def run(console: Console) -> None:
    """Simulate on both stores, measure signed append beside, print the table."""
    started = perf_counter()
    rows = [bench_sqlite(console)]
    postgres = bench_postgres(console)
    if postgres is not None:
        rows.append(postgres)
    console.print(table(rows))
    console.print(
        "demo: 1 Sept – 7 Nov 2025 of the demo school through the records services "
        "(wall clock); signed: bench.append's mark sheets at the demo's events per "
        f"save, only save() timed, best of {REPEATS}. ratio < 1 is the cost of the "
        f"rules and the simulation. ({perf_counter() - started:.0f} s)"
    )
