"""A ten-million-leaf Merkle log in the stored-subtree layout, for proof timing.

Leaves are pseudo-random 32-byte hashes (a seeded generator): what is measured
is the proof path, not the leaves. The SQLite file has the tables and columns
``ledger.log`` reads (``log_leaves``, ``log_nodes``, ``log_checkpoints``; every
complete aligned subtree stored as (level, index, hash)), as WITHOUT ROWID
tables keyed like the real ones, without the secondary indexes on the event
names that a proof never uses. It is built in aligned chunks of 2¹⁶ leaves,
level by level, with ``executemany`` in large transactions, then kept under
``bench/results/`` (renamed into place only when complete) and reused.

The root is computed independently while building (``verify.merkle``'s
streaming ``TreeBuilder``) and kept beside the file, so every run can check
that the stored tree answers with the same root.

For PostgreSQL, the first million leaves and their subtrees are copied from the
SQLite file into a throwaway database with the real DDL of ``ledger.log``.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg

from bench import _cache
from ledger.log import postgres_log_schema
from tests.support import pg
from verify import merkle

FORMAT = 1
RESULTS = _cache.RESULTS
CHUNK_LEVEL = 16
CHUNK = 1 << CHUNK_LEVEL
SEED = 6962
SCHEMA = (
    "CREATE TABLE log_leaves (leaf_index INTEGER PRIMARY KEY, "
    "notification_id INTEGER NOT NULL, stream TEXT NOT NULL, seq INTEGER NOT NULL, "
    "leaf_hash BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE log_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, "
    "hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID",
    "CREATE TABLE log_checkpoints (tree_size INTEGER PRIMARY KEY, "
    "root BLOB NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL)",
)

Progress = Callable[[int, int], None]
_node = hashlib.sha256


def tree_file(size: int) -> Path:
    return RESULTS / f"log-tree-v{FORMAT}-{size}.db"


def big_tree(size: int, progress: Progress) -> tuple[Path, bytes, bool]:
    """The cached tree file of ``size`` leaves, its root, and whether reused."""
    path = tree_file(size)
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists():
        return path, bytes.fromhex(json.loads(sidecar.read_text())["root"]), True
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    root = _build(partial, size, progress)
    partial.rename(path)
    sidecar.write_text(json.dumps({"size": size, "root": root.hex()}) + "\n")
    return path, root, False


def _build(path: Path, size: int, progress: Progress) -> bytes:
    rng = random.Random(SEED)
    builder = merkle.TreeBuilder()
    tops: list[bytes] = []
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
            connection.execute(f"PRAGMA {pragma}")
        for statement in SCHEMA:
            connection.execute(statement)
        for first in range(0, size, CHUNK):
            leaves = _leaves(rng, min(CHUNK, size - first))
            builder.extend(leaves)
            connection.execute("BEGIN")
            top = _insert_chunk(connection, first, leaves)
            connection.execute("COMMIT")
            if top is not None:
                tops.append(top)
            progress(first + len(leaves), size)
        connection.execute("BEGIN")
        _insert_levels(connection, CHUNK_LEVEL, 0, tops)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return builder.root()


def _leaves(rng: random.Random, count: int) -> list[bytes]:
    blob = rng.randbytes(32 * count)
    return [blob[k : k + 32] for k in range(0, len(blob), 32)]


def _insert_chunk(
    connection: sqlite3.Connection, first: int, leaves: list[bytes]
) -> bytes | None:
    """Insert a chunk's leaves and its subtrees; its root if the chunk is full."""
    connection.executemany(
        "INSERT INTO log_leaves VALUES (?, ?, '', 0, ?)",
        ((first + k, first + k + 1, h) for k, h in enumerate(leaves)),
    )
    top = _insert_levels(connection, 0, first, leaves)
    return top if len(leaves) == CHUNK else None


def _insert_levels(
    connection: sqlite3.Connection, level: int, first: int, hashes: list[bytes]
) -> bytes | None:
    """Store every complete subtree above ``hashes`` (aligned nodes of ``level``
    from index ``first``), level by level; the top one if a single one is left."""
    index = first
    while len(hashes) >= 2:
        hashes = [
            _node(b"\x01" + hashes[k] + hashes[k + 1]).digest()
            for k in range(0, len(hashes) - 1, 2)
        ]
        level, index = level + 1, index >> 1
        connection.executemany(
            "INSERT INTO log_nodes VALUES (?, ?, ?)",
            ((level, index + k, h) for k, h in enumerate(hashes)),
        )
    return hashes[0] if len(hashes) == 1 else None


# -- PostgreSQL ---------------------------------------------------------------------


def copy_to_postgres(source: Path, size: int, db: pg.PostgresDatabase) -> str:
    """Copy the first ``size`` leaves and their subtrees into ``db``'s public
    schema with the real DDL; the store URL to open it with."""
    with psycopg.connect(db.admin_url, autocommit=True) as connection:
        for statement in postgres_log_schema("public"):
            connection.execute(statement)
        _copy(
            connection,
            "COPY public.letopis_log_leaves (leaf_index, notification_id, stream, "
            "seq, leaf_hash) FROM STDIN",
            _rows(
                source,
                "SELECT leaf_index, notification_id, stream, seq, leaf_hash "
                "FROM log_leaves WHERE leaf_index < ? ORDER BY leaf_index",
                size,
            ),
        )
        _copy(
            connection,
            "COPY public.letopis_log_nodes (level, idx, hash) FROM STDIN",
            _rows(
                source,
                "SELECT level, idx, hash FROM log_nodes "
                "WHERE ((idx + 1) << level) <= ? ORDER BY level, idx",
                size,
            ),
        )
        connection.execute("ANALYZE")
    return f"{db.admin_url}?schema=public"


def _copy(connection: psycopg.Connection[Any], sql: str, rows: Iterator[Any]) -> None:
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _rows(source: Path, sql: str, size: int) -> Iterator[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        yield from connection.execute(sql, (size,))
    finally:
        connection.close()
