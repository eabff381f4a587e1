"""Raw access to a store's tables, as an attacker with database rights would have.

SQLite: the file owner drops the append-only triggers. PostgreSQL: a superuser
turns triggers off for the session (``session_replication_role = replica``).
"""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import psycopg

from ledger.storage.disposal import sqlite_disposal_ddl
from ledger.storage.stores import parse_store_url
from ledger.storage.tables import (
    SQLITE_APPEND_ONLY,
    SQLITE_REFUSED,
    sqlite_trigger,
    trigger_name,
    views_schema,
)


def table(store_url: str, kind: str = "events") -> str:
    parsed = parse_store_url(store_url)
    if parsed.is_postgres:
        return f"{parsed.schema}.letopis_{kind}"
    return f"stored_{kind}"


def execute_as_superuser(
    store_url: str, admin_url: str, sql: str, params: tuple[Any, ...] = ()
) -> None:
    """Run ``sql`` (with ``{table}`` / ``{snapshots}``) around the triggers."""
    parsed = parse_store_url(store_url)
    statement = sql.format(
        table=table(store_url), snapshots=table(store_url, "snapshots")
    )
    if parsed.is_postgres:
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute("SET session_replication_role = replica")
            c.execute(statement.replace("?", "%s"), params)
        return
    connection = sqlite3.connect(parsed.sqlite_path)
    try:
        with connection:
            for name in SQLITE_APPEND_ONLY:
                for action in SQLITE_REFUSED:
                    trigger = trigger_name(name, action)
                    connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            connection.execute(statement, params)
            for name in SQLITE_APPEND_ONLY:
                for action in SQLITE_REFUSED:
                    connection.execute(sqlite_trigger(name, action))
            for restored in sqlite_disposal_ddl():  # the disposal's own triggers
                connection.execute(restored)
    finally:
        connection.close()


def rows(store_url: str, admin_url: str, kind: str = "events") -> list[tuple[Any, ...]]:
    """Every row of the table, in a stable order."""
    parsed = parse_store_url(store_url)
    sql = (
        f"SELECT originator_id, originator_version, topic, state FROM "
        f"{table(store_url, kind)} ORDER BY originator_id, originator_version"
    )
    if parsed.is_postgres:
        with psycopg.connect(admin_url) as c:
            return [
                (str(a), b, t, bytes(s)) for a, b, t, s in c.execute(sql).fetchall()
            ]
    connection = sqlite3.connect(parsed.sqlite_path)
    try:
        return [(str(a), b, t, bytes(s)) for a, b, t, s in connection.execute(sql)]
    finally:
        connection.close()


def insert_event(
    store_url: str, admin_url: str, stream: UUID, seq: int, topic: str, state: bytes
) -> None:
    """Insert an event row without the application (its role may insert)."""
    stored_id: Any = stream if parse_store_url(store_url).is_postgres else stream.hex
    execute_as_superuser(
        store_url,
        admin_url,
        "INSERT INTO {table} (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)",
        (stored_id, seq, topic, state),
    )


def view_table(store_url: str, name: str) -> str:
    """A report view's table as stored (``view_journal``, …)."""
    parsed = parse_store_url(store_url)
    if parsed.is_postgres:
        return f"{views_schema(parsed.schema)}.letopis_{name}"
    return name


def execute_on_view(
    store_url: str, admin_url: str, name: str, sql: str, params: tuple[Any, ...] = ()
) -> None:
    """Run ``sql`` on the view table ``{view}`` around its append-only triggers:
    SQLite's file owner drops them, PostgreSQL's superuser turns them off."""
    parsed = parse_store_url(store_url)
    statement = sql.format(view=view_table(store_url, name))
    if parsed.is_postgres:
        with psycopg.connect(admin_url, autocommit=True) as c:
            c.execute("SET session_replication_role = replica")
            c.execute(statement.replace("?", "%s"), params)
        return
    connection = sqlite3.connect(parsed.sqlite_path)
    try:
        with connection:
            for action in SQLITE_REFUSED:
                connection.execute(
                    f"DROP TRIGGER IF EXISTS {trigger_name(name, action)}"
                )
            connection.execute(statement, params)
            for action in SQLITE_REFUSED:
                connection.execute(sqlite_trigger(name, action))
    finally:
        connection.close()
