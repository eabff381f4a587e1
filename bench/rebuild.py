"""Full rebuild of the report projections beside the raw notification-log read.

One run, on the cached demo school of a little over a million events
(``bench/_demo_store.py``), on SQLite and on a PostgreSQL copy of the same rows:

- **read**: the store's own notification log read from the first event to the
  last in the runner's batch size (``recorder.select_notifications``), doing
  nothing with the events: the ceiling of any projection;
- **rebuild**: ``letopis rebuild`` as the command line does it (drop the views,
  replay every event, commit per batch, move the tracking position).

Each is measured in a child process of its own, so that its peak memory is
its own. Memory is sampled (resident set size) at every batch: the table
shows the peak, and the growth from the first tenth of the log to the end,
which stays flat when nothing is kept per event. Target (issue 5): at least
20,000 events/s on both stores, memory that does not grow with the log.

Figures are printed and written to ``bench/results/rebuild.json``; nothing is
asserted (STYLE §10). The first run makes the store (6-12 minutes); later runs
take about 3 minutes.
"""

from __future__ import annotations

import json
import multiprocessing
import platform
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _demo_store
from ledger.application import LedgerApplication
from ledger.storage.stores import open_ledger
from projections.reports.source import views_runner
from projections.runner import DEFAULT_BATCH
from tests.support import pg

TARGET = 20_000
RESULTS = Path(__file__).with_name("results")


@dataclass(frozen=True)
class Measured:
    """One pass over the log in a child process."""

    store: str
    what: str
    events: int
    seconds: float
    peak_rss_mb: float
    early_rss_mb: float
    late_rss_mb: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    @property
    def growth_mb(self) -> float:
        return self.late_rss_mb - self.early_rss_mb


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Sampler:
    """Resident memory at each step: the peak, and at a tenth and at the end."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.peak = self.early = self.late = _rss_mb()
        self.early_taken = False

    def step(self, events: int) -> None:
        self.done += events
        rss = _rss_mb()
        self.peak = max(self.peak, rss)
        if not self.early_taken and self.done >= self.total // 10:
            self.early, self.early_taken = rss, True
        self.late = rss


def _read_all(app: LedgerApplication, sampler: _Sampler) -> int:
    """Every notification, in the runner's batch size; nothing done with them."""
    recorder, start, events = app.recorder, 1, 0
    while notifications := recorder.select_notifications(
        start=start, limit=DEFAULT_BATCH
    ):
        events += len(notifications)
        start = notifications[-1].id + 1
        sampler.step(len(notifications))
    return events


def _rebuild(app: LedgerApplication, sampler: _Sampler) -> int:
    """What ``letopis rebuild`` does: drop the views, replay the whole log."""
    return views_runner(app).rebuild(progress=sampler.step)


PASSES: dict[str, Callable[[LedgerApplication, _Sampler], int]] = {
    "read": _read_all,
    "rebuild": _rebuild,
}


def _child(store: str, url: str, keys: str, what: str, total: int, out: Any) -> None:
    app = open_ledger(url, keys=Path(keys), passphrase=_demo_store.PASSPHRASE)
    try:
        sampler = _Sampler(total)
        started = perf_counter()
        events = PASSES[what](app, sampler)
        seconds = perf_counter() - started
    finally:
        app.close()
    out.put(
        asdict(
            Measured(
                store,
                what,
                events,
                seconds,
                round(sampler.peak, 1),
                round(sampler.early, 1),
                round(sampler.late, 1),
            )
        )
    )


def measure(store: str, url: str, keys: Path, what: str, total: int) -> Measured:
    """One pass in a fresh child process (fork: the parent's imports are shared)."""
    context = multiprocessing.get_context("fork")
    out: Any = context.Queue()
    child = context.Process(
        target=_child, args=(store, url, str(keys), what, total, out)
    )
    child.start()
    found = out.get()
    child.join()
    return Measured(**found)


@contextmanager
def _postgres_copy(
    console: Console, demo: _demo_store.DemoStore
) -> Iterator[str | None]:
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is not None:
        console.print(f"[yellow]SKIPPING PostgreSQL: {reason}[/]")
        yield None
        return
    with pg.throwaway_database("letopis_bench", pg.BENCH_SERVER) as database:
        console.print(f"copying {demo.events:,} events into PostgreSQL …")
        started = perf_counter()
        url = _demo_store.copy_to_postgres(demo, database)
        console.print(f"  copied in {perf_counter() - started:.0f} s")
        yield url


def table(rows: list[Measured]) -> Table:
    out = Table(title="Full rebuild beside the raw notification read (issue 5)")
    for name in ("store", "pass", "events", "events/s", "peak RSS", "RSS growth"):
        out.add_column(name, justify="left" if name in ("store", "pass") else "right")
    out.add_column("target")
    reads = {r.store: r for r in rows if r.what == "read"}
    for r in rows:
        verdict = ""
        if r.what == "rebuild":
            ok = r.per_second >= TARGET
            share = r.per_second / reads[r.store].per_second if r.store in reads else 0
            verdict = (
                f"≥ {TARGET:,}/s: {'[green]met[/]' if ok else '[red]missed[/]'}"
                f" ({share:.2f}× read)"
            )
        out.add_row(
            r.store,
            r.what,
            f"{r.events:,}",
            f"{r.per_second:,.0f}",
            f"{r.peak_rss_mb:,.0f} MB",
            f"{r.growth_mb:+,.1f} MB",
            verdict,
        )
    return out


def run(console: Console) -> None:
    started = perf_counter()
    demo = _demo_store.demo_store()
    how = "reused the cached" if demo.reused else "generated the"
    console.print(f"{how} demo store: {demo.events:,} events ({demo.path})")
    rows: list[Measured] = []
    for what in PASSES:
        console.print(f"sqlite: {what} …")
        rows.append(measure("sqlite", demo.url, demo.keys, what, demo.events))
    with _postgres_copy(console, demo) as url:
        if url is not None:
            for what in PASSES:
                console.print(f"postgresql: {what} …")
                rows.append(measure("postgresql", url, demo.keys, what, demo.events))
    console.print(table(rows))
    RESULTS.mkdir(exist_ok=True)
    report = {
        "machine": platform.platform(),
        "cpus": multiprocessing.cpu_count(),
        "store": demo.manifest,
        "rows": [asdict(r) | {"per_second": round(r.per_second)} for r in rows],
        "seconds": round(perf_counter() - started, 1),
    }
    path = RESULTS / "rebuild.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"written to {path} ({report['seconds']:.0f} s)")
