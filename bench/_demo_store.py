"""A demo school of about a million events, made once and cached.

``letopis demo --students 1300 --years 3`` (three simulated school years of a
large school, every event through the records rules, signed for real and
sealed) writes a little over a million events into a SQLite store. That takes
about 6-12 minutes on this 2-core machine, so the store is kept under
``bench/results/.cache/`` and reused while its manifest matches.

For PostgreSQL the same stored rows are copied into a fresh throwaway database
prepared exactly as ``letopis init`` prepares one (roles, append-only
triggers, grants), without signing anything new: both stores then hold the
same bytes, so their rebuilds do the same work.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import psycopg
from psycopg import sql

from bench import _cache
from ledger.keys.directory import DEMO_PASSPHRASE
from ledger.storage.postgres import PostgresRoles, prepare_postgres
from ledger.storage.stores import parse_store_url
from tests.support import pg

FORMAT = 1  # bump when the demo's content changes in a way that matters here
STUDENTS = 1300
YEARS = 3
PASSPHRASE = DEMO_PASSPHRASE
COPY_BATCH = 20_000


@dataclass(frozen=True)
class DemoStore:
    """The cached SQLite demo store and what it holds."""

    path: Path
    manifest: dict[str, Any]
    reused: bool

    @property
    def db(self) -> Path:
        return self.path / "letopis.db"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def keys(self) -> Path:
        return self.path / "keys"

    @property
    def events(self) -> int:
        return int(self.manifest["events"])


def cache_dir(students: int = STUDENTS, years: int = YEARS) -> Path:
    return _cache.RESULTS / f"rebuild-demo-v{FORMAT}-{students}x{years}"


def demo_store(students: int = STUDENTS, years: int = YEARS) -> DemoStore:
    """The cached store of ``letopis demo --students S --years Y`` (by default
    the million-event school), generated first with the demo's own progress bar."""
    path = cache_dir(students, years)
    manifest, reused = _cache.cached(
        path, FORMAT, lambda folder: _generate(folder, students, years)
    )
    return DemoStore(path, manifest, reused)


def _generate(folder: Path, students: int, years: int) -> _cache.Manifest:
    started = perf_counter()
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
            str(students),
            "--years",
            str(years),
        ],
        check=True,
        env={"LETOPIS_KEY_PASSPHRASE": PASSPHRASE, "PATH": "/usr/bin:/bin"},
    )
    with sqlite3.connect(folder / "letopis.db") as db:
        (events,) = db.execute("SELECT count(*) FROM stored_events").fetchone()
    return {
        "students": students,
        "years": years,
        "events": int(events),
        "generate_seconds": round(perf_counter() - started, 1),
    }


# -- the same rows in PostgreSQL -------------------------------------------------


_TABLES = (  # (SQLite table, PostgreSQL table, columns in both, order)
    (
        "stored_events",
        "letopis_events",
        ("originator_id", "originator_version", "topic", "state"),
        "rowid",
    ),
    (
        "log_leaves",
        "letopis_log_leaves",
        ("leaf_index", "notification_id", "stream", "seq", "leaf_hash"),
        "leaf_index",
    ),
    ("log_nodes", "letopis_log_nodes", ("level", "idx", "hash"), "level, idx"),
    (
        "log_checkpoints",
        "letopis_log_checkpoints",
        ("tree_size", "root", "note", "signed_at"),
        "tree_size",
    ),
)


def copy_to_postgres(store: DemoStore, database: pg.PostgresDatabase) -> str:
    """Prepare ``database`` as ``letopis init`` does and copy every stored row of
    ``store`` into it (events first, in notification order); its app URL."""
    url = parse_store_url(f"{database.admin_url}?schema=letopis")
    roles = PostgresRoles(owner=database.owner_role, app=database.app_role)
    app_url = prepare_postgres(url, roles)
    source = sqlite3.connect(f"file:{store.db}?mode=ro", uri=True)
    try:
        with psycopg.connect(database.admin_url) as target:
            for table, pg_table, columns, order in _TABLES:
                _copy(source, target, table, pg_table, columns, order)
    finally:
        source.close()
    return app_url


def _copy(
    source: sqlite3.Connection,
    target: psycopg.Connection[Any],
    table: str,
    pg_table: str,
    columns: tuple[str, ...],
    order: str,
) -> None:
    names = ", ".join(columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier("letopis", pg_table),
        sql.SQL(", ").join(sql.Identifier(c) for c in columns),
    )
    with target.cursor() as cursor, cursor.copy(statement) as copy:
        for rows in _batches(source, f"SELECT {names} FROM {table} ORDER BY {order}"):
            for row in rows:
                copy.write_row(_pg_row(table, row))


def _batches(source: sqlite3.Connection, query: str) -> Iterator[list[Any]]:
    cursor = source.execute(query)
    while rows := cursor.fetchmany(COPY_BATCH):
        yield rows


def _pg_row(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    if table == "stored_events":  # SQLite keeps stream ids as uuid.hex
        stream, *rest = row
        return (
            f"{stream[:8]}-{stream[8:12]}-{stream[12:16]}-{stream[16:20]}-{stream[20:]}",
            *rest,
        )
    return row
