"""Plain SQL beside the event tables, in the store's own datastore.

The Merkle log and the projections keep tables next to the events. This module
speaks both dialects: SQL is written once with ``?`` placeholders and
``{name}`` table references, and becomes PostgreSQL (``%s``, schema-qualified
names) or SQLite as the store needs. Driver errors are converted here.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import ApplicationRecorder, PersistenceError
from eventsourcing.persistence import IntegrityError as PersistenceIntegrityError
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger.errors import LedgerError
from ledger.storage.tables import postgres_name

if TYPE_CHECKING:
    #: Errors the datastores raise when a unique or primary key is violated
    #: (built on first use: see :func:`__getattr__`).
    DUPLICATE_ERRORS: tuple[type[Exception], ...]
    #: Errors a query raises through the datastores, e.g. of a table or column
    #: that is not there (a view made by an older version); built on first use.
    QUERY_ERRORS: tuple[type[Exception], ...]


def duplicate_errors() -> tuple[type[Exception], ...]:
    """The errors the datastores raise when a unique or primary key is violated.

    psycopg's own is among them once psycopg is loaded (a PostgreSQL store loads
    it); before that no PostgreSQL error can arise, and a SQLite reader (a proof,
    a checkpoint) does not pay for importing the PostgreSQL driver. Use it in the
    ``except`` clause itself, which is evaluated only when an error arrives."""
    found: tuple[type[Exception], ...] = (
        PersistenceIntegrityError,
        sqlite3.IntegrityError,
    )
    psycopg_errors = sys.modules.get("psycopg.errors")
    if psycopg_errors is not None:
        found += (psycopg_errors.UniqueViolation,)
    return found


def __getattr__(name: str) -> Any:
    """``DUPLICATE_ERRORS``, for modules that name the errors at import time
    (they run on PostgreSQL too, so psycopg is loaded for them)."""
    if name == "DUPLICATE_ERRORS":
        from psycopg.errors import UniqueViolation

        return (PersistenceIntegrityError, sqlite3.IntegrityError, UniqueViolation)
    if name == "QUERY_ERRORS":
        import psycopg

        return (PersistenceError, sqlite3.Error, psycopg.Error)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


class SqlStoreError(LedgerError):
    """The store is not one these tables can live in."""


class Transaction:
    """A cursor that takes SQL in the portable form."""

    def __init__(self, store: SqlStore, cursor: Any) -> None:
        self._store = store
        self._cursor = cursor

    def execute(self, text: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        self._cursor.execute(self._store.sql(text), tuple(params))
        raw = getattr(self._cursor, "sqlite_cursor", self._cursor)
        return int(raw.rowcount)

    def fetch(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        """The rows of a query, each readable by column name."""
        self._cursor.execute(self._store.sql(text), tuple(params))
        return list(self._cursor.fetchall())

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._store.sql(text), [tuple(r) for r in rows])

    def copy_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows into ``{table}``: ``COPY … FROM STDIN`` on PostgreSQL
        (one stream, not a statement a row), ``executemany`` on SQLite."""
        if not rows:
            return
        names = ", ".join(columns)
        if self._store.dialect == "postgresql":
            target = self._store.sql(f"{{{table}}}")
            with self._cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {{{table}}} ({names}) VALUES ({marks})", rows)


class SqlStore:
    """Tables named ``{name}`` in SQL, resolved for the recorder's dialect.

    ``tables`` maps each logical name to its SQLite table name; on PostgreSQL
    the table is ``<schema>.letopis_<sqlite name>`` in the recorder's schema, or
    in ``postgres_schema`` when given.
    """

    def __init__(
        self,
        recorder: ApplicationRecorder,
        tables: Sequence[str],
        *,
        postgres_schema: str | None = None,
    ) -> None:
        if isinstance(recorder, SQLiteApplicationRecorder):
            self.names: Mapping[str, str] = {t: t for t in tables}
            self.dialect = "sqlite"
            self._datastore: Any = recorder.datastore
            return
        from eventsourcing.postgres import PostgresApplicationRecorder

        if isinstance(recorder, PostgresApplicationRecorder):
            schema = postgres_schema or recorder.datastore.schema
            self.names = {t: f'"{schema}".{postgres_name(t)}' for t in tables}
            self.dialect = "postgresql"
        else:
            msg = f"tables beside the events need SQLite or PostgreSQL, not {recorder}"
            raise SqlStoreError(msg)
        self._datastore = recorder.datastore

    def sql(self, text: str) -> str:
        for name, qualified in self.names.items():
            text = text.replace("{" + name + "}", qualified)
        return text.replace("?", "%s") if self.dialect == "postgresql" else text

    def query(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows (by column name) of one read-only statement."""
        with self._datastore.transaction(commit=False) as cursor:
            return Transaction(self, cursor).fetch(text, params)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One committed transaction; rolled back if the block raises."""
        with self._datastore.transaction(commit=True) as cursor:
            yield Transaction(self, cursor)
