"""An attacker who owns the database rewrites the log's tail (no key needed).

The sealer-refusal, witness and renewal tests all make this attack; the raw
table access it needs (``table``, ``query``, ``as_owner``) serves their other
tampering too.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import psycopg

from ledger.storage.stores import parse_store_url
from tests.support import rawsql
from tests.support.stores import Store
from verify import merkle


def table(store: Store, name: str) -> str:
    """The SQL name of the events table or of a log table (``leaves``, …)."""
    if store.kind == "sqlite":
        return "stored_events" if name == "events" else f"log_{name}"
    schema = parse_store_url(store.url).schema
    return f"{schema}.letopis_{'events' if name == 'events' else 'log_' + name}"


def _nid(store: Store) -> str:
    return "rowid" if store.kind == "sqlite" else "notification_id"


def query(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Rows of ``sql`` (``?`` placeholders), read as the database owner."""
    if store.kind == "sqlite":
        connection = sqlite3.connect(parse_store_url(store.url).sqlite_path)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()
    with psycopg.connect(store.admin_url) as c:
        return c.execute(sql.replace("?", "%s"), params).fetchall()


def as_owner(store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Run ``sql`` around the append-only triggers, as the database owner can."""
    rawsql.execute_as_superuser(store.url, store.admin_url, sql, params)


def rewrite_history(store: Store, keep: int) -> None:
    """Keep the first ``keep`` entries; delete the rest, every checkpoint, and
    rebuild the leaf and node rows of what is left."""
    events, nid = table(store, "events"), _nid(store)
    rows = query(store, f"SELECT {nid}, state FROM {events} ORDER BY {nid}")
    cut = rows[keep][0]
    as_owner(store, f"DELETE FROM {events} WHERE {nid} >= ?", (cut,))
    for name in ("leaves", "nodes", "checkpoints"):
        as_owner(store, f"DELETE FROM {table(store, name)}")
    kept = rows[:keep]
    level = [merkle.leaf_hash(bytes(state)) for _, state in kept]
    for index, ((notification, _), digest) in enumerate(zip(kept, level, strict=True)):
        stream, seq = query(
            store,
            f"SELECT originator_id, originator_version FROM {events} WHERE {nid} = ?",
            (notification,),
        )[0]
        as_owner(
            store,
            f"INSERT INTO {table(store, 'leaves')} (leaf_index, notification_id, "
            "stream, seq, leaf_hash) VALUES (?, ?, ?, ?, ?)",
            (index, notification, str(UUID(str(stream))), seq, digest),
        )
    height = 1
    while len(level) > 1:
        level = [
            merkle.node_hash(level[i], level[i + 1])
            for i in range(0, len(level) - 1, 2)
        ]
        for index, digest in enumerate(level):
            as_owner(
                store,
                f"INSERT INTO {table(store, 'nodes')} (level, idx, hash) "
                "VALUES (?, ?, ?)",
                (height, index, digest),
            )
        height += 1
