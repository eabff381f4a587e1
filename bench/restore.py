"""Restore of a million-entry archive beside a plain import of the same envelopes.

One run, on the exported bag of the log benchmark's store (``bench/_million.py``:
a million signed entries, sealed, exported; cached under ``bench/results/``),
into a fresh store on SQLite and on PostgreSQL (a throwaway database):

- **restore**: ``ledger.archive.restore.restore_store``, what `letopis restore`
  runs: the archive's lines checked against its own checkpoint, the store made
  as `init` makes it, every envelope inserted byte for byte, then sealed
  through the sealer's own path (each entry's canonical form, chain and
  signature checked, the stored tree built) and the checkpoints added, each
  verified against the log key and the rebuilt root;
- **plain import**: the same envelopes into a store made the same way, through
  the same recorder in batches of the same size, nothing checked and no tree:
  what copying the rows alone costs.

Figures: wall time, entries per second, the restore's time as a multiple of the
plain import's. No target is set by the issue; the gap is the price of checking
every signature and rebuilding the tree, which a restore must pay once.
Written to ``bench/results/restore.json``; nothing is asserted (STYLE §10).
The keys are copied to a temporary folder first (a restore writes notes
beside them). About 4 minutes on this 2-core machine once the store is cached.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _million
from bench.log import SIZE, _bar
from ledger.archive.restore import _insert_events, restore_store
from ledger.storage.init import prepare_store
from ledger.storage.stores import open_ledger
from tests.support import pg

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results") / "restore.json"


@contextmanager
def sqlite_target(tmp: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A URL for a new SQLite store in ``tmp`` (no roles there)."""
    yield f"sqlite:///{tmp / 'letopis.db'}", {}


@contextmanager
def postgres_target(_: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A throwaway PostgreSQL database (dropped with its roles at the end)."""
    with pg.throwaway_database("letopis_bench_restore", pg.BENCH_SERVER) as db:
        yield db.admin_url, {"owner_role": db.owner_role, "app_role": db.app_role}


def restore(bag: Path, keys: Path, url: str, roles: dict[str, str]) -> int:
    done = restore_store(
        bag, url, keys, passphrase=_million.PASSPHRASE,
        owner_role=roles.get("owner_role", "letopis_owner"),
        app_role=roles.get("app_role", "letopis_app"),
    )  # fmt: skip
    return done.entries


def plain_import(bag: Path, keys: Path, url: str, roles: dict[str, str]) -> int:
    """The restore's insert step alone: same store, recorder and batches."""
    app_url = prepare_store(
        url, keys, passphrase=_million.PASSPHRASE,
        owner_role=roles.get("owner_role", "letopis_owner"),
        app_role=roles.get("app_role", "letopis_app"),
    )  # fmt: skip
    app = open_ledger(app_url, keys=keys, passphrase=_million.PASSPHRASE)
    try:
        _insert_events(app, bag)
        return int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()


def timed(
    step: Callable[[Path, Path, str, dict[str, str]], int],
    target: Callable[[Path], AbstractContextManager[tuple[str, dict[str, str]]]],
    store: _million.MillionStore,
) -> dict[str, Any]:
    """Wall time and entries of ``step`` into a fresh target, keys copied."""
    with tempfile.TemporaryDirectory(prefix="letopis-bench-restore-") as tmp:
        folder = Path(tmp)
        keys = folder / "keys"
        shutil.copytree(store.keys, keys)
        with target(folder) as (url, roles):
            started = perf_counter()
            entries = step(store.bag, keys, url, roles)
            seconds = perf_counter() - started
    return {"entries": entries, "seconds": round(seconds, 2)}


def measure(console: Console, store: _million.MillionStore) -> dict[str, Any]:
    targets: dict[str, Callable[[Path], Any]] = {"sqlite": sqlite_target}
    reason = pg.unreachable_reason(pg.BENCH_SERVER)
    if reason is None:
        targets["postgresql"] = postgres_target
    else:
        console.print(f"[bold red]PostgreSQL SKIPPED:[/] {reason}")
    found: dict[str, Any] = {}
    for name, target in targets.items():
        console.print(f"{name}: plain import of {store.size:,} envelopes …")
        plain = timed(plain_import, target, store)
        console.print(f"{name}: restore of the archive …")
        restored = timed(restore, target, store)
        found[name] = {"plain_import": plain, "restore": restored}
    return found


def table(found: dict[str, Any]) -> Table:
    out = Table(title="restore of a million-entry archive beside a plain import")
    for column in ("store", "entries", "plain import s", "plain entries/s",
                   "restore s", "restore entries/s", "restore ÷ plain"):  # fmt: skip
        out.add_column(column, justify="left" if column == "store" else "right")
    for name, row in found.items():
        plain, restored = row["plain_import"], row["restore"]
        out.add_row(
            name, f"{restored['entries']:,}",
            f"{plain['seconds']:.1f}", f"{plain['entries'] / plain['seconds']:,.0f}",
            f"{restored['seconds']:.1f}",
            f"{restored['entries'] / restored['seconds']:,.0f}",
            f"{restored['seconds'] / plain['seconds']:.1f}×",
        )  # fmt: skip
    return out


def run(console: Console) -> None:
    started = perf_counter()
    load = round(os.getloadavg()[0], 2)
    with _bar(console) as update:
        store = _million.million_store(SIZE, update)
    console.print(
        f"{'reused' if store.reused else 'generated'} the store of {store.size:,} "
        f"entries and its bag: {store.path.relative_to(REPO)}"
    )
    found = measure(console, store)
    console.print(table(found))
    console.print(
        "restore: archive checked, envelopes inserted, every entry's signature and "
        "chain checked while sealing, tree built, checkpoints verified; plain "
        "import: the same inserts alone"
    )
    document = {
        "written_at": datetime.now(UTC).isoformat(),
        "total_seconds": round(perf_counter() - started, 1),
        "load_average_at_start": load,
        "machine": {"python": sys.version.split()[0],
                    "platform": platform.platform(), "cpus": os.cpu_count()},
        **found,
    }  # fmt: skip
    RESULTS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    console.print(f"wrote {RESULTS.relative_to(REPO)} in {document['total_seconds']} s")


if __name__ == "__main__":
    run(Console())
