"""What a store URL points at, read without writing (DESIGN §7).

Every command but `letopis init` works on a store that exists: a mistyped
``sqlite:///`` path must not become an empty database, nor a missing
PostgreSQL database or schema a run of errors. `init` in turn never records
anything in a store that holds events already (issue 11, item 12): what it
finds there decides whether it may only complete the tables of an intact
store, or must refuse.

The probe opens SQLite read-only (``mode=ro``: a missing file stays missing)
and PostgreSQL with one short connection; driver errors become
:class:`StoreMissingError` or :class:`StoreUnreachableError` with a sentence.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.errors import LedgerError
from ledger.storage.stores import StoreURL, parse_store_url
from ledger.storage.tables import POSTGRES_LOG_TABLES, SQLITE_LOG_TABLES

if TYPE_CHECKING:  # the driver is loaded for a PostgreSQL store only
    import psycopg

#: The events table as the eventsourcing recorders name it (application "Letopis").
SQLITE_EVENTS = "stored_events"
POSTGRES_EVENTS = "letopis_events"


class StoreMissingError(LedgerError):
    """The store URL names a file, database or schema that does not exist."""


class StoreUnreachableError(LedgerError):
    """The store could not be read (no connection, no permission, not SQLite)."""


@dataclass(frozen=True)
class Found:
    """What the probe found in an existing store."""

    events: int  # rows in the events table (0 when there is no such table)
    has_events_table: bool
    has_log: bool  # every table of the Merkle log is there
    last_event: int  # the highest notification id (0: none)
    sealed_through: int  # the highest notification id with a leaf (0: none)
    checkpoint: int | None  # the size of the latest signed checkpoint
    leaves: int
    has_stream: bool  # the stream the caller asked about has events

    @property
    def intact_log(self) -> bool:
        """Every event has a leaf, and a checkpoint covers every leaf."""
        return (
            self.has_log
            and self.sealed_through == self.last_event
            and self.checkpoint == self.leaves
        )


def probe(url: str, *, stream: UUID | None = None) -> Found | None:
    """What the store at ``url`` holds (and whether ``stream`` has events);
    None when there is no store there."""
    store = parse_store_url(url)
    if store.is_postgres:
        return _probe_postgres(store, stream)
    return _probe_sqlite(store, stream)


def require_store(url: str) -> Found:
    """The store at ``url``, which must hold Letopis's tables; else one sentence."""
    store = parse_store_url(url)
    found = probe(url)
    if found is None or not found.has_events_table:
        what = _where(store)
        why = "does not exist" if found is None else "holds no Letopis tables"
        msg = (
            f"{what} {why}: check --store (or LETOPIS_STORE); "
            "a new store is made only by `letopis init`"
        )
        raise StoreMissingError(msg)
    return found


def _where(store: StoreURL) -> str:
    if store.is_postgres:
        env = store.env
        return (
            f"PostgreSQL database {env['POSTGRES_DBNAME']!r} (schema "
            f"{store.schema!r}) at {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}"
        )
    return f"SQLite store {store.sqlite_path}"


# -- SQLite ---------------------------------------------------------------------------


def _probe_sqlite(store: StoreURL, stream: UUID | None) -> Found | None:
    path = store.sqlite_path
    if str(path) == ":memory:" or not path.is_file():
        return None
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as e:  # pragma: no cover - a file we may not open
        msg = f"{_where(store)} cannot be opened: {e}"
        raise StoreUnreachableError(msg) from e
    try:
        return _found_sqlite(db, stream)
    except sqlite3.DatabaseError as e:
        msg = f"{_where(store)} is not an SQLite database Letopis can read: {e}"
        raise StoreUnreachableError(msg) from e
    finally:
        db.close()


def _found_sqlite(db: sqlite3.Connection, stream: UUID | None) -> Found:
    tables = {
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }

    def one(query: str, params: tuple[Any, ...] = ()) -> int | None:
        row = db.execute(query, params).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    has_events = SQLITE_EVENTS in tables
    has_log = set(SQLITE_LOG_TABLES) <= tables
    events = one(f"SELECT COUNT(*) FROM {SQLITE_EVENTS}") if has_events else 0
    last = one(f"SELECT MAX(rowid) FROM {SQLITE_EVENTS}") if has_events else 0
    leaves, sealed, checkpoint = 0, 0, None
    if has_log:
        leaves = one("SELECT COUNT(*) FROM log_leaves") or 0
        sealed = one("SELECT MAX(notification_id) FROM log_leaves") or 0
        checkpoint = one("SELECT MAX(tree_size) FROM log_checkpoints")
    query = f"SELECT 1 FROM {SQLITE_EVENTS} WHERE originator_id = ? LIMIT 1"
    has_stream = bool(has_events and stream and one(query, (stream.hex,)))
    return Found(
        events=events or 0,
        has_events_table=has_events,
        has_log=has_log,
        last_event=last or 0,
        sealed_through=sealed,
        checkpoint=checkpoint,
        leaves=leaves,
        has_stream=has_stream,
    )


# -- PostgreSQL -----------------------------------------------------------------------


def _probe_postgres(store: StoreURL, stream: UUID | None) -> Found | None:
    import psycopg

    env = store.env
    try:
        conn = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=10,
            autocommit=True,
        )
    except psycopg.OperationalError as e:
        text = str(e).strip().splitlines()[-1] if str(e).strip() else repr(e)
        if f'database "{env["POSTGRES_DBNAME"]}" does not exist' in str(e):
            return None
        msg = f"cannot reach the {_where(store)}: {text}"
        raise StoreUnreachableError(msg) from e
    try:
        return _found_postgres(conn, store.schema, stream)
    except psycopg.Error as e:
        msg = f"cannot read the {_where(store)}: {str(e).strip().splitlines()[0]}"
        raise StoreUnreachableError(msg) from e
    finally:
        conn.close()


def _found_postgres(
    conn: psycopg.Connection[Any], schema: str, stream: UUID | None
) -> Found | None:
    from psycopg import sql

    def one(query: sql.SQL | sql.Composed, params: tuple[Any, ...] = ()) -> Any:
        row = conn.execute(query, params).fetchone()
        return None if row is None else row[0]

    if not one(sql.SQL("SELECT 1 FROM pg_namespace WHERE nspname = %s"), (schema,)):
        return None

    def exists(table: str) -> bool:
        return bool(one(sql.SQL("SELECT to_regclass(%s)"), (f'"{schema}".{table}',)))

    def table(name: str) -> sql.Identifier:
        return sql.Identifier(schema, name)

    has_events = exists(POSTGRES_EVENTS)
    has_log = all(exists(t) for t in POSTGRES_LOG_TABLES)
    events_t = table(POSTGRES_EVENTS)
    count = sql.SQL("SELECT COUNT(*) FROM {}")
    top = sql.SQL("SELECT MAX({}) FROM {}")
    events = one(count.format(events_t)) if has_events else 0
    last = (
        one(top.format(sql.Identifier("notification_id"), events_t))
        if has_events
        else 0
    )
    leaves, sealed, checkpoint = 0, 0, None
    if has_log:
        leaves_t, _, checkpoints_t = (table(t) for t in POSTGRES_LOG_TABLES)
        leaves = one(count.format(leaves_t)) or 0
        sealed = one(top.format(sql.Identifier("notification_id"), leaves_t)) or 0
        checkpoint = one(top.format(sql.Identifier("tree_size"), checkpoints_t))

    query = sql.SQL("SELECT 1 FROM {} WHERE originator_id = %s LIMIT 1")
    has_stream = bool(has_events and stream and one(query.format(events_t), (stream,)))

    return Found(
        events=int(events or 0),
        has_events_table=has_events,
        has_log=has_log,
        last_event=int(last or 0),
        sealed_through=int(sealed),
        checkpoint=None if checkpoint is None else int(checkpoint),
        leaves=int(leaves),
        has_stream=has_stream,
    )
