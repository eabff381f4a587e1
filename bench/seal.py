"""What the sealer's checks cost: sealing a few thousand events, checked or not.

The sealer reads each new entry's envelope before it becomes a leaf and checks
its chain, signatures and key windows (``ledger/log/entries.py``), and keeps
the latest checkpoint it signed in the key directory. This benchmark seals the
same unsealed store (a small demo school, a few thousand events) with the
checks and without them (the sealer as it was before them: leaves, nodes, a
signed checkpoint), alternating, three times each, on SQLite and, when a
server answers, on PostgreSQL. The store is unsealed again (log rows deleted,
the sealer's memory removed) before every round.

Figures are printed and written to ``bench/results/seal.json``; nothing is
asserted (STYLE §10). About two minutes on this 2-core machine (most of it
building the school).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

import psycopg
from eventsourcing.persistence import Notification
from rich.console import Console
from rich.table import Table

from bench import _demo_store
from ledger.application import LedgerApplication
from ledger.keys.directory import DEMO_PASSPHRASE
from ledger.log import Sealer
from ledger.log.entries import EntryChecker
from ledger.log.remembered import STATE_FOLDER
from ledger.storage.postgres import PostgresRoles, prepare_postgres
from ledger.storage.stores import open_ledger, parse_store_url
from ledger.storage.tables import SQLITE_LOG_TABLES, postgres_name
from tests.support import pg

UNTIL = "2025-09-30"  # the demo year's first month: a few thousand events
ROUNDS = 3
RESULTS = Path(__file__).with_name("results") / "seal.json"


class _AcceptAll(EntryChecker):
    def check(
        self, notifications: Sequence[Notification], after: int, size: int
    ) -> int:
        return len(notifications)


class UncheckedSealer(Sealer):
    """The sealer without the entry checks: what sealing cost before them."""

    def __init__(self, app: LedgerApplication) -> None:
        super().__init__(app)
        self.entries = _AcceptAll(app, self.store)


def run(console: Console) -> None:
    with tempfile.TemporaryDirectory(prefix="letopis-seal-") as folder:
        school = Path(folder)
        console.print(f"building the demo school until {UNTIL} ...")
        events = _build(school)
        results: dict[str, Any] = {"events": events, "rounds": ROUNDS}
        results["sqlite"] = _measure(*_sqlite(school))
        reason = pg.unreachable_reason(pg.BENCH_SERVER)
        if reason is None:
            with pg.throwaway_database("letopis_bench", pg.BENCH_SERVER) as database:
                results["postgres"] = _measure(*_postgres_store(school, database))
        else:
            results["postgres"] = {"skipped": reason}
    _print(console, results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def _build(folder: Path) -> int:
    subprocess.run(  # noqa: S603 - our own interpreter and command line
        [
            sys.executable,
            "-m",
            "api",
            "demo",
            "--store",
            f"sqlite:///{folder / 'letopis.db'}",
            "--keys",
            str(folder / "keys"),
            "--students",
            "60",
            "--years",
            "1",
            "--until",
            UNTIL,
        ],
        check=True,
        capture_output=True,
        env={"LETOPIS_KEY_PASSPHRASE": DEMO_PASSPHRASE, "PATH": "/usr/bin:/bin"},
    )
    with sqlite3.connect(folder / "letopis.db") as db:
        (events,) = db.execute("SELECT count(*) FROM stored_events").fetchone()
    return int(events)


def _sqlite(school: Path) -> tuple[str, Path, Any]:
    url = f"sqlite:///{school / 'letopis.db'}"
    path = school / "letopis.db"

    def unseal() -> None:
        connection = sqlite3.connect(path)
        try:
            with connection:
                for table in SQLITE_LOG_TABLES:
                    connection.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
                    connection.execute(f"DELETE FROM {table}")
        finally:
            connection.close()

    return url, school / "keys", unseal


def _postgres_store(
    school: Path, database: pg.PostgresDatabase
) -> tuple[str, Path, Any]:
    store = _demo_store.DemoStore(school, {}, reused=False)
    url = parse_store_url(f"{database.admin_url}?schema=letopis")
    roles = PostgresRoles(database.owner_role, database.app_role)
    app_url = prepare_postgres(url, roles)
    source = sqlite3.connect(f"file:{store.db}?mode=ro", uri=True)
    try:
        with psycopg.connect(database.admin_url) as target:
            events = _demo_store._TABLES[0]
            _demo_store._copy(source, target, events[0], *events[1:])
    finally:
        source.close()

    def unseal() -> None:
        with psycopg.connect(database.admin_url, autocommit=True) as c:
            c.execute("SET session_replication_role = replica")
            for table in SQLITE_LOG_TABLES:
                c.execute(f"DELETE FROM letopis.{postgres_name(table)}")

    return app_url, school / "keys", unseal


def _measure(url: str, keys: Path, unseal: Any) -> dict[str, Any]:
    seconds: dict[str, list[float]] = {"unchecked": [], "checked": []}
    for _ in range(ROUNDS):
        for name, kind in (("unchecked", UncheckedSealer), ("checked", Sealer)):
            unseal()
            shutil.rmtree(keys / STATE_FOLDER, ignore_errors=True)
            with _opened(url, keys) as app:
                sealer = kind(app)
                started = perf_counter()
                checkpoint = sealer.seal()
                seconds[name].append(perf_counter() - started)
            assert checkpoint.size > 0
    median = {k: statistics.median(v) for k, v in seconds.items()}
    return {
        "seconds": seconds,
        "median_seconds": median,
        "size": checkpoint.size,
        "checked_over_unchecked": median["checked"] / median["unchecked"],
    }


@contextmanager
def _opened(url: str, keys: Path) -> Iterator[Any]:
    app = open_ledger(url, keys=keys, passphrase=DEMO_PASSPHRASE)
    try:
        yield app
    finally:
        app.close()


def _print(console: Console, results: dict[str, Any]) -> None:
    table = Table(title=f"sealing {results['events']} events from scratch (median)")
    for column in ("store", "unchecked (before)", "checked (now)", "ratio", "µs/event"):
        table.add_column(column)
    for kind in ("sqlite", "postgres"):
        figures = results[kind]
        if "skipped" in figures:
            table.add_row(kind, figures["skipped"], "", "", "")
            continue
        median = figures["median_seconds"]
        extra = (median["checked"] - median["unchecked"]) / figures["size"] * 1e6
        table.add_row(
            kind,
            f"{median['unchecked']:.3f} s",
            f"{median['checked']:.3f} s",
            f"{figures['checked_over_unchecked']:.2f}×",
            f"+{extra:.0f}",
        )
    console.print(table)
