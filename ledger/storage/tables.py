"""Every table of a Letopis store: its name and its DDL, on SQLite and PostgreSQL.

A table has one **logical name**, which is its SQLite name; on PostgreSQL it is
``<schema>.letopis_<logical name>`` (``postgres_name``), as
:class:`ledger.storage.sql.SqlStore` resolves ``{name}`` in SQL. The groups:

- **events and snapshots**: created and named by the eventsourcing library's
  recorders (``stored_events``/``stored_snapshots`` on SQLite,
  ``letopis_events``/``letopis_snapshots`` on PostgreSQL, from the
  application's name); their names are here so that nothing else spells them;
- **the Merkle log** (``ledger.log``): leaves, stored subtrees, checkpoints;
- **side tables**: records beside the events that a caller of ``init`` defines
  (the HTTP API's accounts, idempotent responses and access log,
  ``api/server/tables.py``), append-only like the events;
- **views** (``projections``): rebuildable tables in ``<schema>_views`` on
  PostgreSQL (the records view's made and filled by the owner role's
  functions, ``ledger.storage.records_view``; other projections by the
  application role), beside the events on SQLite.

Every table is append-only: SQLite triggers refuse UPDATE and DELETE;
PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE
(``ledger.storage.postgres``, ``docs/postgres.md``). The views' triggers
are created with the views (``view_protection_ddl``); a rebuild replaces the
views whole, and ``letopis verify`` compares them with the log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ledger.errors import LedgerError

POSTGRES_PREFIX = "letopis_"


def postgres_name(name: str) -> str:
    """The PostgreSQL table (in the events' schema) of a logical table name."""
    return f"{POSTGRES_PREFIX}{name}"


# -- events and snapshots (named by the eventsourcing library) --------------------

SQLITE_EVENTS = "stored_events"
SQLITE_SNAPSHOTS = "stored_snapshots"
POSTGRES_EVENTS = postgres_name("events")
POSTGRES_SNAPSHOTS = postgres_name("snapshots")

# -- the Merkle log ----------------------------------------------------------------

LOG_LEAVES = "log_leaves"
LOG_NODES = "log_nodes"
LOG_CHECKPOINTS = "log_checkpoints"
SQLITE_LOG_TABLES = (LOG_LEAVES, LOG_NODES, LOG_CHECKPOINTS)
POSTGRES_LOG_TABLES = tuple(postgres_name(t) for t in SQLITE_LOG_TABLES)
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


# -- append-only protection --------------------------------------------------------

#: The SQLite tables `init` protects: the events, snapshots and the log's.
SQLITE_APPEND_ONLY = (SQLITE_EVENTS, SQLITE_SNAPSHOTS, *SQLITE_LOG_TABLES)
#: What the SQLite triggers refuse (SQLite has no TRUNCATE).
SQLITE_REFUSED = ("UPDATE", "DELETE")
#: What the PostgreSQL triggers refuse, and at which level each trigger fires.
POSTGRES_REFUSED = (("UPDATE", "ROW"), ("DELETE", "ROW"), ("TRUNCATE", "STATEMENT"))
#: The PostgreSQL function every append-only trigger calls (in the events' schema).
TRIGGER_FUNCTION = "letopis_refuse_change"
#: Its definition; ``{}`` is the function's qualified name.
TRIGGER_FUNCTION_DDL = (
    "CREATE OR REPLACE FUNCTION {}() RETURNS trigger "
    "LANGUAGE plpgsql SET search_path = pg_catalog AS $$ BEGIN "
    "RAISE EXCEPTION 'letopis: % is append-only; % is not allowed', "
    "TG_TABLE_NAME, TG_OP USING HINT = 'a correction is a new event "
    "that names the event it corrects'; END $$"
)


def trigger_name(table: str, action: str) -> str:
    """The name of the trigger refusing ``action`` on ``table`` (both dialects)."""
    return f"{table}_no_{action.lower()}"


def postgres_trigger_ddl(action: str, level: str) -> str:
    """The trigger refusing ``action``; ``{}`` are its name, the qualified table
    and the trigger function, in that order."""
    return (
        "CREATE OR REPLACE TRIGGER {} BEFORE " + action + " ON {} "
        "FOR EACH " + level + " EXECUTE FUNCTION {}()"
    )


def sqlite_trigger(table: str, action: str) -> str:
    """The SQLite trigger that refuses ``action`` (UPDATE or DELETE) on ``table``."""
    return (
        f"CREATE TRIGGER IF NOT EXISTS {trigger_name(table, action)} "
        f"BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, "
        f"'letopis: {table} is append-only; {action} is not allowed'); END"
    )


# -- side tables ------------------------------------------------------------------

_SIDE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


@dataclass(frozen=True)
class SideTable:
    """An append-only table beside the events, defined by the caller of `init`.

    ``name`` is the SQLite table name; on PostgreSQL the table is
    ``<schema>.letopis_<name>`` in the events' schema (as ``SqlStore`` names
    it). ``columns`` is what goes between the parentheses of CREATE TABLE,
    portable between SQLite and PostgreSQL.
    """

    name: str
    columns: str

    def __post_init__(self) -> None:
        if not _SIDE_NAME.fullmatch(self.name):
            msg = (
                f"side table name {self.name!r} is not usable: use a-z, 0-9 and _, "
                "starting with a letter, at most 41 characters"
            )
            raise LedgerError(msg)

    @property
    def postgres_name(self) -> str:
        """Its PostgreSQL name (as ``ledger.storage.sql`` names it)."""
        return postgres_name(self.name)

    def sqlite_statements(self) -> tuple[str, ...]:
        """CREATE TABLE (if missing) and the triggers refusing UPDATE, DELETE."""
        return (
            f"CREATE TABLE IF NOT EXISTS {self.name} ({self.columns})",
            *(sqlite_trigger(self.name, action) for action in SQLITE_REFUSED),
        )

    def postgres_ddl(self) -> str:
        """CREATE TABLE (if missing); ``{}`` is the qualified table name."""
        return "CREATE TABLE IF NOT EXISTS {} (" + self.columns + ")"


# -- views (projections) -------------------------------------------------------------


def views_schema(schema: str) -> str:
    """The PostgreSQL schema of the projections beside ``schema``."""
    return f"{schema}_views"


#: Where each projection runner keeps the position it has applied up to.
PROJECTION_TRACKING = "projection_tracking"
PROJECTION_TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS {projection_tracking} ("
    "name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
)

#: The records view's tables (``projections/views.py``), one per area.
VIEW_TABLES = (
    "view_school",
    "view_people",
    "view_journal",
    "view_grades",
    "view_book",
    "view_portfolio",
)
#: Their columns, in the order rows are written.
VIEW_COLUMNS = (
    "position",
    "at",
    "event",
    "type",
    "stream",
    "class_id",
    "pupil",
    "subject",
    "year",
    "day",
    "target",
    "data",
    "leaf_index",
    "leaf_hash",
)
#: Their indexes (column lists), built after a rebuild's replay.
VIEW_INDEXES: Mapping[str, tuple[str, ...]] = {
    "view_school": ("type",),
    "view_people": ("pupil", "class_id"),
    "view_journal": ("stream", "class_id, subject", "pupil"),
    "view_grades": ("stream", "pupil", "class_id, year, type"),
    "view_book": ("stream",),
    "view_portfolio": ("pupil", "stream"),
}


#: The columns of a records-view table after ``position``, as CREATE TABLE has them.
VIEW_COLUMNS_DDL = (
    "at TEXT NOT NULL, event TEXT NOT NULL, type TEXT NOT NULL, "
    "stream TEXT NOT NULL, class_id TEXT, pupil TEXT, subject TEXT, year TEXT, "
    "day TEXT, target TEXT, data TEXT NOT NULL, leaf_index BIGINT NOT NULL, "
    "leaf_hash TEXT NOT NULL"
)


def view_table_ddl(table: str) -> str:
    """CREATE TABLE (if missing) of one records-view table, as ``{table}``."""
    return (
        f"CREATE TABLE IF NOT EXISTS {{{table}}} ("
        f"position BIGINT PRIMARY KEY, {VIEW_COLUMNS_DDL})"
    )


def view_protection_ddl(
    table: str, dialect: str, events_schema: str | None
) -> tuple[str, ...]:
    """The triggers refusing UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
    the view table ``{table}``, calling the events' trigger function there."""
    if dialect == "sqlite":
        return tuple(sqlite_trigger(table, action) for action in SQLITE_REFUSED)
    function = f'"{events_schema}".{TRIGGER_FUNCTION}'
    return tuple(
        postgres_trigger_ddl(action, level).format(
            trigger_name(table, action), f"{{{table}}}", function
        )
        for action, level in POSTGRES_REFUSED
    )


def index_name(table: str, columns: str) -> str:
    """The name of an index on ``columns`` of ``table``."""
    return "_".join([table, *re.findall(r"\w+", columns)])


def index_ddl(table: str, columns: str) -> str:
    """CREATE INDEX (if missing) on ``columns`` of ``{table}``."""
    return (
        f"CREATE INDEX IF NOT EXISTS {index_name(table, columns)} "
        f"ON {{{table}}} ({columns})"
    )


#: On PostgreSQL the records view is built by the owner role's functions
#: (``ledger.storage.records_view``), which keep the position they have applied
#: up to in this table of the views' schema, one row a catch-up (append-only).
RECORDS_POSITION = "records_position"
RECORDS_POSITION_DDL = (
    "position BIGINT PRIMARY KEY, entries BIGINT NOT NULL, "
    "made_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()"
)
