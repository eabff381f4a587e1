"""Where the Merkle log lives: leaf, node and checkpoint rows beside the events.

Leaves, nodes and checkpoints live in the event store itself (SQLite tables or
the PostgreSQL schema; their names and DDL are in ``ledger.storage.tables``),
append-only like the events, and are written in one
transaction per batch (the sealer's), so a crash leaves the log either before
or after a batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from ledger.errors import LedgerError
from ledger.storage.sql import SqlStore, duplicate_errors
from ledger.storage.tables import SQLITE_LOG_TABLES

DEFAULT_SEAL_INTERVAL = 2.0


class LogError(LedgerError):
    """The Merkle log cannot do what was asked (the message says why)."""


class LogIntegrityError(LogError):
    """The stored tree disagrees with a checkpoint signed before: refuse to sign."""


class LogConflictError(LogError):
    """Another sealer appended the same leaves first; reload and go on."""


@dataclass(frozen=True)
class Leaf:
    """One leaf: its index, the event's notification id and name, its hash."""

    index: int
    notification_id: int
    stream: str
    seq: int
    hash: bytes


@dataclass(frozen=True)
class HeadedLeaf:
    """A leaf with its event's topic and the first bytes of its stored state:
    enough to tell its time (an envelope starts ``{"at":"…"``) or the act that
    disposed of it (a tombstone starts ``{"disposed":"…"``) without reading
    the whole entry."""

    index: int
    notification_id: int
    stream: str
    seq: int
    topic: str
    head: bytes


HEAD_BYTES = 80


@dataclass(frozen=True)
class StoredCheckpoint:
    """A signed checkpoint as stored: tree size, root, the note, when signed."""

    size: int
    root: bytes
    note: str
    signed_at: str


class LogStore:
    """The log's tables in the event store's own datastore (SQLite or PostgreSQL)."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._sql = SqlStore(recorder, SQLITE_LOG_TABLES)
        events: str = getattr(recorder, "events_table_name", "")
        if self._sql.dialect == "postgresql":
            events = f'"{recorder.datastore.schema}".{events}'  # type: ignore[attr-defined]
        self._events = events

    def _query(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._sql.query(_named(text), params)

    def size(self) -> int:
        rows = self._query("SELECT MAX(leaf_index) AS m FROM {leaves}")
        top = rows[0]["m"] if rows else None
        return 0 if top is None else int(top) + 1

    def last_notification_id(self) -> int:
        rows = self._query("SELECT MAX(notification_id) AS m FROM {leaves}")
        top = rows[0]["m"] if rows else None
        return 0 if top is None else int(top)

    def hashes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored hashes of complete subtrees by (level, index); level 0 = leaves."""
        found: dict[tuple[int, int], bytes] = {}
        leaves = sorted({i for level, i in keys if level == 0})
        inner = sorted({(level, i) for level, i in keys if level > 0})
        for chunk in _chunks(leaves, 500):
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT leaf_index AS i, leaf_hash AS h FROM {leaves} "
                f"WHERE leaf_index IN ({marks})"
            )
            found.update({(0, r["i"]): bytes(r["h"]) for r in self._query(sql, chunk)})
        for chunk in _chunks(inner, 250):
            where = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            params = [x for pair in chunk for x in pair]
            sql = f"SELECT level, idx, hash FROM {{nodes}} WHERE {where}"
            found.update(
                {
                    (r["level"], r["idx"]): bytes(r["hash"])
                    for r in self._query(sql, params)
                }
            )
        missing = [k for k in keys if k not in found]
        if missing:
            msg = f"the stored tree lacks subtrees {missing[:4]}: the log is damaged"
            raise LogIntegrityError(msg)
        return found

    def append(
        self, leaves: Sequence[Leaf], nodes: Sequence[tuple[int, int, bytes]]
    ) -> None:
        """Insert leaves and the subtrees they complete, in one transaction."""
        try:
            with self._sql.transaction() as cursor:
                cursor.executemany(
                    _named(
                        "INSERT INTO {leaves} (leaf_index, notification_id, stream, "
                        "seq, leaf_hash) VALUES (?, ?, ?, ?, ?)"
                    ),
                    [
                        (x.index, x.notification_id, x.stream, x.seq, x.hash)
                        for x in leaves
                    ],
                )
                cursor.executemany(
                    _named("INSERT INTO {nodes} (level, idx, hash) VALUES (?, ?, ?)"),
                    list(nodes),
                )
        except duplicate_errors() as e:
            msg = "another sealer appended these leaves first"
            raise LogConflictError(msg) from e

    def states(self, keys: Sequence[tuple[UUID, int]]) -> dict[tuple[UUID, int], bytes]:
        """The stored envelope bytes of events by (stream, seq), where present:
        one query per few hundred, not one per event (the sealer's chain check)."""
        found: dict[tuple[UUID, int], bytes] = {}
        sqlite = self._sql.dialect == "sqlite"
        for chunk in _chunks(sorted(set(keys)), 250):
            where = " OR ".join(
                "(originator_id = ? AND originator_version = ?)" for _ in chunk
            )
            params = [x for s, v in chunk for x in ((s.hex if sqlite else s), v)]
            sql = (
                "SELECT originator_id AS s, originator_version AS v, state FROM "
                f"{self._events} WHERE {where}"
            )
            for r in self._query(sql, params):
                stream = r["s"] if isinstance(r["s"], UUID) else UUID(str(r["s"]))
                found[(stream, int(r["v"]))] = bytes(r["state"])
        return found

    def headed_leaves(self, start: int, stop: int) -> list[HeadedLeaf]:
        """Leaves ``[start, stop)`` with their events' topics and first bytes."""
        sqlite = self._sql.dialect == "sqlite"
        key = "rowid" if sqlite else "notification_id"
        head = (
            f"substr(e.state, 1, {HEAD_BYTES})"
            if sqlite
            else f"substring(e.state FROM 1 FOR {HEAD_BYTES})"
        )
        rows = self._query(
            "SELECT l.leaf_index AS i, l.notification_id AS n, l.stream AS s, "
            f"l.seq AS q, e.topic AS t, {head} AS h FROM {{leaves}} AS l "
            f"JOIN {self._events} AS e ON e.{key} = l.notification_id "
            "WHERE l.leaf_index >= ? AND l.leaf_index < ? ORDER BY l.leaf_index",
            (start, stop),
        )
        return [
            HeadedLeaf(
                int(r["i"]),
                int(r["n"]),
                str(r["s"]),
                int(r["q"]),
                str(r["t"]),
                bytes(r["h"]),
            )
            for r in rows
        ]

    def states_of(self, notification_ids: Sequence[int]) -> dict[int, bytes]:
        """The stored bytes of events by notification id, where present."""
        key = "rowid" if self._sql.dialect == "sqlite" else "notification_id"
        found: dict[int, bytes] = {}
        for chunk in _chunks(sorted(set(notification_ids)), 500):
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT {key} AS n, state FROM {self._events} WHERE {key} IN ({marks})"
            )
            found.update(
                {int(r["n"]): bytes(r["state"]) for r in self._query(sql, chunk)}
            )
        return found

    def leaf(self, index: int) -> Leaf | None:
        rows = self._query(
            "SELECT leaf_index, notification_id, stream, seq, leaf_hash FROM {leaves} "
            "WHERE leaf_index = ?",
            (index,),
        )
        return _leaf(rows[0]) if rows else None

    def leaf_of(self, stream: str, seq: int) -> Leaf | None:
        rows = self._query(
            "SELECT leaf_index, notification_id, stream, seq, leaf_hash FROM {leaves} "
            "WHERE stream = ? AND seq = ?",
            (stream, seq),
        )
        return _leaf(rows[0]) if rows else None

    def leaves(self, start: int, stop: int) -> list[Leaf]:
        rows = self._query(
            "SELECT leaf_index, notification_id, stream, seq, leaf_hash FROM {leaves} "
            "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
            (start, stop),
        )
        return [_leaf(r) for r in rows]

    def checkpoints(self) -> list[StoredCheckpoint]:
        rows = self._query(
            "SELECT tree_size, root, note, signed_at FROM {checkpoints} "
            "ORDER BY tree_size"
        )
        return [_checkpoint(r) for r in rows]

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        """The checkpoint signed for tree size ``size``, if one was."""
        rows = self._query(
            "SELECT tree_size, root, note, signed_at FROM {checkpoints} "
            "WHERE tree_size = ?",
            (size,),
        )
        return _checkpoint(rows[0]) if rows else None

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        rows = self._query(
            "SELECT tree_size, root, note, signed_at FROM {checkpoints} "
            "ORDER BY tree_size DESC LIMIT 1"
        )
        return _checkpoint(rows[0]) if rows else None

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        try:
            with self._sql.transaction() as cursor:
                cursor.execute(
                    _named(
                        "INSERT INTO {checkpoints} (tree_size, root, note, signed_at) "
                        "VALUES (?, ?, ?, ?)"
                    ),
                    (
                        checkpoint.size,
                        checkpoint.root,
                        checkpoint.note,
                        checkpoint.signed_at,
                    ),
                )
        except duplicate_errors() as e:
            msg = f"a checkpoint of size {checkpoint.size} was signed already"
            raise LogConflictError(msg) from e


def _named(text: str) -> str:
    """This module's short table names to the SqlStore's ``{log_*}`` names."""
    return (
        text.replace("{leaves}", "{log_leaves}")
        .replace("{nodes}", "{log_nodes}")
        .replace("{checkpoints}", "{log_checkpoints}")
    )


def _leaf(row: Any) -> Leaf:
    return Leaf(
        index=int(row["leaf_index"]),
        notification_id=int(row["notification_id"]),
        stream=str(row["stream"]),
        seq=int(row["seq"]),
        hash=bytes(row["leaf_hash"]),
    )


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        size=int(row["tree_size"]),
        root=bytes(row["root"]),
        note=str(row["note"]),
        signed_at=str(row["signed_at"]),
    )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
