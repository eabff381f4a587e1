"""The server's tables beside the events: accounts, idempotent responses, the
access log. SQLite tables in the store's file; on PostgreSQL in the
``<schema>_views`` schema, where the application role may create tables.

Tables that must never change (the access log, the accounts) refuse UPDATE and
DELETE with triggers on both backends, as the event and log tables do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.application import LedgerApplication
from ledger.sqlstore import SqlStore

TRIGGER_FUNCTION = "letopis_api_refuse_change"


def side_store(app: LedgerApplication, tables: Sequence[str]) -> SqlStore:
    """A SqlStore for ``tables`` in the views schema (PostgreSQL) or the file."""
    datastore: Any = getattr(app.recorder, "datastore", None)
    schema: Any = getattr(datastore, "schema", None)
    return SqlStore(
        app.recorder, tables, postgres_schema=f"{schema}_views" if schema else None
    )


def create(
    store: SqlStore, statements: Sequence[str], append_only: Sequence[str]
) -> None:
    """Create tables if missing; ``append_only`` ones refuse UPDATE and DELETE."""
    with store.transaction() as tx:
        for statement in statements:
            tx.execute(statement)
        for table in append_only:
            for text in _refusals(store, table):
                tx.execute(text)


def _refusals(store: SqlStore, table: str) -> list[str]:
    if store.dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} "
            f"BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, "
            f"'letopis: {table} is append-only; {action} is not allowed'); END"
            for action in ("UPDATE", "DELETE")
        ]
    qualified = store.names[table]
    schema = qualified.split(".", 1)[0]
    function = f"{schema}.{TRIGGER_FUNCTION}"
    statements = [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path = pg_catalog AS $$ BEGIN "
        "RAISE EXCEPTION 'letopis: %% is append-only; %% is not allowed', "
        "TG_TABLE_NAME, TG_OP; END $$"
    ]
    for action, level in (
        ("UPDATE", "ROW"),
        ("DELETE", "ROW"),
        ("TRUNCATE", "STATEMENT"),
    ):
        statements.append(
            f"CREATE OR REPLACE TRIGGER {table}_no_{action.lower()} BEFORE {action} "
            f"ON {qualified} FOR EACH {level} EXECUTE FUNCTION {function}()"
        )
    return statements
