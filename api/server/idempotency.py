"""Idempotent appends: an ``Idempotency-Key`` makes a retry safe.

The answer to a key (per account) is stored with a hash of the request body
in the same database transaction as the events it answers: the server opens
its ledger with a recorder (``IdempotentSQLiteRecorder``,
``IdempotentPostgresRecorder``) whose insert of the events also inserts the
pending answer, so either both are written or neither is. A retry after a
crash, a dropped connection or a race between two servers on one key finds
that answer and gets it again; the same key with another body is refused
(422). Keys live in an insert-only table beside the events.

The PostgreSQL recorder also tries every statement once: the library retries
a lost connection ten times with waits, which held an append for 14 s during
an outage; the server answers 503 instead and the client retries (safely,
with its key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

from api.server.tables import IDEMPOTENCY, side_store
from ledger.application import LedgerApplication
from ledger.storage.pg_recorder import BinaryInsertRecorder
from ledger.storage.sql import SqlStore

MAX_KEY_LENGTH = 200
RECONNECT_SECONDS = 1.0
_INSERT = (
    "INSERT INTO {api_idempotency} (account, idem_key, body_hash, status, "
    "response, created_at) VALUES (?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Stored:
    """A response kept for a key, and the hash of the body it answered."""

    body_hash: str
    status: int
    response: Any


def body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


Answer = Callable[[Sequence[StoredEvent]], dict[str, Any]]


@dataclass
class Pending:
    """The answer to keep with the next append of this request."""

    account: str
    key: str
    body_hash: str
    answer: Answer
    kept: Stored | None = field(default=None)

    def row(self, events: Sequence[StoredEvent]) -> tuple[Any, ...]:
        self.kept = Stored(self.body_hash, 201, self.answer(events))
        return (
            self.account,
            self.key,
            self.body_hash,
            self.kept.status,
            json.dumps(self.kept.response, ensure_ascii=False),
            datetime.now(UTC).isoformat(),
        )


_pending: ContextVar[Pending | None] = ContextVar("letopis_idempotent", default=None)


@contextmanager
def keeping(pending: Pending) -> Iterator[Pending]:
    """Keep ``pending``'s answer with the append made inside this block (in
    this thread); it is ``kept`` afterwards if the append was committed."""
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


_captured: ContextVar[list[StoredEvent] | None] = ContextVar(
    "letopis_captured", default=None
)


@contextmanager
def capturing() -> Iterator[list[StoredEvent]]:
    """The events inserted inside this block (in this thread), in order: how a
    route names what a command appended without knowing the command."""
    found: list[StoredEvent] = []
    token = _captured.set(found)
    try:
        yield found
    finally:
        _captured.reset(token)


def _capture(stored_events: Sequence[StoredEvent]) -> None:
    found = _captured.get()
    if found is not None:
        found.extend(stored_events)


def _take() -> Pending | None:
    """The pending answer of this request, once (a command saves once)."""
    pending = _pending.get()
    if pending is None or pending.kept is not None:
        return None
    return pending


class IdempotentSQLiteRecorder(SQLiteApplicationRecorder):
    """Inserts a request's pending answer in the events' transaction."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name)
        self._insert = SqlStore(self, (IDEMPOTENCY.name,)).sql(_INSERT)

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        _capture(stored_events)
        pending = _take()
        if pending is not None and stored_events:
            c.execute(self._insert, pending.row(stored_events))
        return ids


def _once(method: Any) -> Any:
    """The library's method without its retry loop (ten tries with waits)."""
    return getattr(method, "__wrapped__", method)


class IdempotentPostgresRecorder(BinaryInsertRecorder):
    """Inserts a request's pending answer in the events' transaction, and
    tries each statement once (an outage is answered at once, not retried).
    The events go in binary arrays, as every Letopis store's do
    (``ledger.storage.pg_recorder``)."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self._insert = SqlStore(self, (IDEMPOTENCY.name,)).sql(_INSERT)
        # A connection lost in an outage is retried with a growing delay (1, 2,
        # 4, 8 … s) until reconnect_timeout; after that the pool makes one
        # when a request asks. Giving up after a second keeps the next attempt
        # close to the request that needs it, so service resumes as soon as the
        # database does (not up to 16 s later).
        datastore.pool.reconnect_timeout = RECONNECT_SECONDS
        # A new connection gives up as a request does (libpq's own default
        # waits for ever on an unreachable host), and TCP keepalives notice a
        # server that vanished mid-statement (a network partition) in seconds,
        # not the kernel's minutes.
        kwargs = datastore.pool.kwargs
        if isinstance(kwargs, dict):
            kwargs.update(
                connect_timeout=max(2, int(datastore.pool.timeout)),
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=3,
            )

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        _capture(stored_events)
        pending = _take()
        if pending is not None and stored_events:
            curs.execute(self._insert, pending.row(stored_events))

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        method = _once(PostgresApplicationRecorder.insert_events)
        ids: Sequence[int] | None = method(self, stored_events, **kwargs)
        return ids

    def select_events(
        self,
        originator_id: Any,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        method = _once(PostgresApplicationRecorder.select_events)
        found: Sequence[StoredEvent] = method(
            self, originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        return found

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        method = _once(PostgresApplicationRecorder.select_notifications)
        found: Sequence[Notification] = method(
            self, start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )
        return found

    def max_notification_id(self) -> int | None:
        method = _once(PostgresApplicationRecorder.max_notification_id)
        found: int | None = method(self)
        return found


def recorder_env(url: str, db_timeout: int) -> dict[str, str]:
    """The ledger environment for the server: its recorder, a bounded wait for
    a lock (SQLite) or a connection (PostgreSQL), and on PostgreSQL a check of
    each pooled connection before use (a connection broken by a restart is
    replaced, not failed on)."""
    if url.startswith("sqlite"):
        topic = f"{__name__}:{IdempotentSQLiteRecorder.__name__}"
        # a write waits this long for another writer's lock, then 503
        return {
            "APPLICATION_RECORDER_TOPIC": topic,
            "SQLITE_LOCK_TIMEOUT": str(db_timeout),
        }
    return {
        "APPLICATION_RECORDER_TOPIC": (
            f"{__name__}:{IdempotentPostgresRecorder.__name__}"
        ),
        "POSTGRES_CONNECT_TIMEOUT": str(db_timeout),
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": str(db_timeout),
    }


class IdempotencyStore:
    """Responses by (account, key)."""

    def __init__(self, app: LedgerApplication) -> None:
        self.store = side_store(app, IDEMPOTENCY)

    def get(self, account: str, key: str) -> Stored | None:
        rows = self.store.query(
            "SELECT body_hash, status, response FROM {api_idempotency} "
            "WHERE account = ? AND idem_key = ?",
            (account, key),
        )
        if not rows:
            return None
        row = rows[0]
        return Stored(
            str(row["body_hash"]), int(row["status"]), json.loads(row["response"])
        )
