"""The Merkle log: leaves in notification order, stored subtrees, signed checkpoints.

The sealer follows the store's notification order (DESIGN §3) and gives each
event the next 0-based leaf index; notification ids may have gaps, leaf
indexes never do. Beside the leaves it stores the hash of every complete,
aligned subtree (level k, index i covers leaves [i·2ᵏ, (i+1)·2ᵏ)), so a root
or a proof reads O(log n) rows and never all leaves. Checkpoints are C2SP
signed notes by the school's log key; the sealer refuses to sign a checkpoint
that is inconsistent with one it signed before.

Leaves, nodes and checkpoints live in the event store itself (SQLite tables or
the PostgreSQL schema), append-only like the events, and are written in one
transaction per batch: a crash leaves the log either before or after a batch,
and a restarted sealer resumes after the last sealed notification.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

from ledger.application import LedgerApplication
from ledger.envelope import format_time
from ledger.errors import LedgerError
from ledger.keys import SigningKey
from ledger.sqlstore import DUPLICATE_ERRORS, SqlStore
from ledger.store import parse_store_url
from verify import merkle
from verify.note import checkpoint_body, signed_note

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
class StoredCheckpoint:
    """A signed checkpoint as stored: tree size, root, the note, when signed."""

    size: int
    root: bytes
    note: str
    signed_at: str


# -- storage ------------------------------------------------------------------------

SQLITE_LOG_TABLES = ("log_leaves", "log_nodes", "log_checkpoints")
SQLITE_LOG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS log_leaves (leaf_index INTEGER PRIMARY KEY, "
    "notification_id INTEGER NOT NULL UNIQUE, stream TEXT NOT NULL, "
    "seq INTEGER NOT NULL, leaf_hash BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS log_leaves_event ON log_leaves (stream, seq)",
    "CREATE TABLE IF NOT EXISTS log_nodes (level INTEGER NOT NULL, "
    "idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) "
    "WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS log_checkpoints (tree_size INTEGER PRIMARY KEY, "
    "root BLOB NOT NULL, note TEXT NOT NULL, signed_at TEXT NOT NULL)",
)
POSTGRES_LOG_TABLES = (
    "letopis_log_leaves",
    "letopis_log_nodes",
    "letopis_log_checkpoints",
)


def postgres_log_schema(schema: str) -> tuple[str, ...]:
    """The PostgreSQL DDL of the log tables in ``schema`` (a checked identifier)."""
    return (
        f'CREATE TABLE IF NOT EXISTS "{schema}".letopis_log_leaves ('
        "leaf_index bigint PRIMARY KEY, notification_id bigint NOT NULL UNIQUE, "
        "stream text NOT NULL, seq bigint NOT NULL, leaf_hash bytea NOT NULL)",
        "CREATE INDEX IF NOT EXISTS letopis_log_leaves_event ON "
        f'"{schema}".letopis_log_leaves (stream, seq)',
        f'CREATE TABLE IF NOT EXISTS "{schema}".letopis_log_nodes ('
        "level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, "
        "PRIMARY KEY (level, idx))",
        f'CREATE TABLE IF NOT EXISTS "{schema}".letopis_log_checkpoints ('
        "tree_size bigint PRIMARY KEY, root bytea NOT NULL, note text NOT NULL, "
        "signed_at text NOT NULL)",
    )


class LogStore:
    """The log's tables in the event store's own datastore (SQLite or PostgreSQL)."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._sql = SqlStore(recorder, ("log_leaves", "log_nodes", "log_checkpoints"))

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
        except DUPLICATE_ERRORS as e:
            msg = "another sealer appended these leaves first"
            raise LogConflictError(msg) from e

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
        except DUPLICATE_ERRORS as e:
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


def open_log(url: str) -> tuple[LogStore, StoredTree]:
    """The log of the store at ``url``, read-only, without keys (for proofs)."""
    env = Environment(LedgerApplication.name, dict(parse_store_url(url).env))
    env["CREATE_TABLE"] = "n"
    recorder = InfrastructureFactory.construct(env).application_recorder()
    store = LogStore(recorder)
    return store, StoredTree(store)


# -- the tree -----------------------------------------------------------------------


def border_keys(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees that make up a tree of ``size``,
    left to right: one per set bit of ``size``, the largest first."""
    keys = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


class StoredTree:
    """Roots and proofs from the stored subtrees: O(log n) rows per question."""

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def root(self, size: int) -> bytes:
        """The RFC 6962 root of the first ``size`` leaves."""
        if size == 0:
            return merkle.EMPTY_ROOT
        keys = border_keys(size)
        found = self.store.hashes(keys)
        root = found[keys[-1]]
        for key in reversed(keys[:-1]):
            root = merkle.node_hash(found[key], root)
        return root

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._prove(lambda get: merkle.inclusion_proof(index, size, get))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return self._prove(lambda get: merkle.consistency_proof(size1, size2, get))

    def _prove(
        self, prove: Callable[[Callable[[int, int], bytes]], list[bytes]]
    ) -> list[bytes]:
        # The proof asks only for complete aligned subtrees, and which ones does
        # not depend on their hashes: collect them with a dry run, fetch them all
        # in one query, then build the proof for real.
        wanted: list[tuple[int, int]] = []

        def dry(start: int, end: int) -> bytes:
            wanted.append(_key(start, end))
            return bytes(32)

        prove(dry)
        found = self.store.hashes(wanted)
        return prove(lambda start, end: found[_key(start, end)])


def _key(start: int, end: int) -> tuple[int, int]:
    level = (end - start).bit_length() - 1
    return level, start >> level


# -- the sealer ---------------------------------------------------------------------


class Sealer:
    """Seals the log: leaves for new events, then a signed checkpoint.

    Use ``Sealer(app).seal()`` after appends (the command line does, before it
    exits) or :class:`AutoSealer` in a long-running process, so that every
    acknowledged append is covered by a checkpoint within the seal interval.
    """

    def __init__(
        self, app: LedgerApplication, *, log_key: SigningKey | None = None
    ) -> None:
        self.app = app
        self.store = LogStore(app.recorder)
        self.tree = StoredTree(self.store)
        self._log_key = log_key
        self._lock = threading.Lock()

    @property
    def origin(self) -> str:
        return self.app.context.origin

    def log_key(self) -> SigningKey:
        if self._log_key is None:
            self._log_key = self.app.context.log_key()
        return self._log_key

    def seal(
        self, *, progress: Callable[[int], None] | None = None
    ) -> StoredCheckpoint:
        """Append every pending event as a leaf; sign a checkpoint if the tree grew."""
        with self._lock:
            latest = self.store.latest_checkpoint()
            if latest is not None:
                self._check_extends(latest, self.store.size())
            while self.append_pending(progress=progress):
                pass
            return self._checkpoint()

    def append_pending(
        self, *, batch: int = 2000, progress: Callable[[int], None] | None = None
    ) -> int:
        """Append up to ``batch`` unsealed events as leaves; how many were added."""
        size = self.store.size()
        after = self.store.last_notification_id()
        notifications = self.app.recorder.select_notifications(
            start=after + 1, limit=batch
        )
        if not notifications:
            return 0
        border = self._border(size)
        leaves, nodes = [], []
        for offset, n in enumerate(notifications):
            index = size + offset
            digest = merkle.leaf_hash(n.state)
            leaves.append(
                Leaf(index, n.id, str(n.originator_id), n.originator_version, digest)
            )
            nodes.extend(_grow(border, index, digest))
        try:
            self.store.append(leaves, nodes)
        except LogConflictError:
            return 1  # someone else sealed these; the next round re-reads
        if progress is not None:
            progress(len(leaves))
        return len(leaves)

    def _border(self, size: int) -> list[tuple[int, int, bytes]]:
        keys = border_keys(size)
        found = self.store.hashes(keys)
        return [(level, index, found[(level, index)]) for level, index in keys]

    def _checkpoint(self) -> StoredCheckpoint:
        size = self.store.size()
        latest = self.store.latest_checkpoint()
        if latest is not None and latest.size == size:
            return latest
        root = self.tree.root(size)
        if latest is not None:
            self._check_consistent(latest, size, root)
        key = self.log_key()
        note = signed_note(
            checkpoint_body(self.origin, size, root),
            self.origin,
            key.public_bytes,
            key.sign,
        )
        checkpoint = StoredCheckpoint(size, root, note, format_time(datetime.now(UTC)))
        try:
            self.store.add_checkpoint(checkpoint)
        except LogConflictError:
            stored = self.store.latest_checkpoint()
            assert stored is not None
            return stored
        return checkpoint

    def _check_consistent(
        self, latest: StoredCheckpoint, size: int, root: bytes
    ) -> None:
        """Refuse to sign unless the new tree extends the one signed before."""
        self._check_extends(latest, size)
        proof = self.tree.consistency_proof(latest.size, size)
        try:
            merkle.verify_consistency(latest.size, size, proof, latest.root, root)
        except merkle.MerkleProofError as e:
            msg = f"refusing to sign: size {size} does not extend {latest.size}: {e}"
            raise LogIntegrityError(msg) from e

    def _check_extends(self, latest: StoredCheckpoint, size: int) -> None:
        """The stored tree still holds, unchanged, what ``latest`` signed."""
        if size < latest.size:
            msg = (
                f"refusing to sign: the log has {size} leaves but a checkpoint of "
                f"size {latest.size} was signed before; leaves were removed"
            )
            raise LogIntegrityError(msg)
        if self.tree.root(latest.size) != latest.root:
            msg = (
                f"refusing to sign: the stored tree's root at size {latest.size} "
                "differs from the checkpoint signed then; the log was altered"
            )
            raise LogIntegrityError(msg)

    def latest(self) -> StoredCheckpoint | None:
        return self.store.latest_checkpoint()


def _grow(
    border: list[tuple[int, int, bytes]], index: int, digest: bytes
) -> list[tuple[int, int, bytes]]:
    """Add leaf ``index`` to the right border; return the subtrees it completes."""
    completed = []
    level, position, current = 0, index, digest
    while border and border[-1][0] == level:
        _, left_position, left = border.pop()
        level, position = level + 1, left_position >> 1
        current = merkle.node_hash(left, current)
        completed.append((level, position, current))
    border.append((level, position, current))
    return completed


class AutoSealer:
    """Seals in a background thread every ``interval`` seconds while running."""

    def __init__(self, sealer: Sealer, interval: float = DEFAULT_SEAL_INTERVAL) -> None:
        self.sealer = sealer
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="letopis-sealer", daemon=True
        )
        self.error: Exception | None = None

    def start(self) -> AutoSealer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and seal once more, so nothing appended is left out."""
        self._stop.set()
        self._thread.join()
        self.sealer.seal()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sealer.seal()
            except LedgerError as e:  # kept for whoever runs the sealer to see
                self.error = e

    def __enter__(self) -> AutoSealer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
