"""The server's tables beside the events: accounts, idempotent responses, the
access log, co-signature requests, verification runs. They are records, not
rebuildable views, so they are protected as the events are: every row is kept,
UPDATE and DELETE (and on PostgreSQL TRUNCATE) are refused by triggers.

On PostgreSQL `letopis init` creates them (``API_TABLES`` passed to
``ledger.storage.init.initialise``) in the events' schema, owned by the owner
role; the application role may only read and insert, and cannot drop them or
their triggers. The server only checks that they are there. On SQLite (one
file, no roles) the server creates them on start if they are missing.
"""

from __future__ import annotations

from typing import Any

from ledger.application import LedgerApplication
from ledger.errors import LedgerError
from ledger.storage.sql import SqlStore
from ledger.storage.tables import SideTable

ACCOUNTS = SideTable(
    "api_account_versions",
    "name TEXT NOT NULL, version INTEGER NOT NULL, change TEXT NOT NULL, "
    "password_hash TEXT NOT NULL, roles TEXT NOT NULL, staff TEXT, "
    "pupils TEXT NOT NULL, key_label TEXT, display_name TEXT NOT NULL, "
    "active INTEGER NOT NULL, changed_by TEXT NOT NULL, created_at TEXT NOT NULL, "
    "PRIMARY KEY (name, version)",
)
IDEMPOTENCY = SideTable(
    "api_idempotency",
    "account TEXT NOT NULL, idem_key TEXT NOT NULL, body_hash TEXT NOT NULL, "
    "status INTEGER NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL, "
    "PRIMARY KEY (account, idem_key)",
)
ACCESS_LOG = SideTable(
    "api_access_log",
    "position INTEGER PRIMARY KEY, at TEXT NOT NULL, account TEXT NOT NULL, "
    "roles TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, "
    "prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL",
)
#: Co-signature requests (``api.server.cosign``): one row per state of a request,
#: the latest version wins; nothing in them is in the log until it is signed.
COSIGNATURES = SideTable(
    "api_cosignatures",
    "request_id TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL, "
    "command TEXT NOT NULL, body TEXT NOT NULL, body_hash TEXT NOT NULL, "
    "submitted_by TEXT NOT NULL, submitter_staff TEXT NOT NULL, "
    "submitter_key TEXT NOT NULL, submitted_at TEXT NOT NULL, "
    "expires_at TEXT NOT NULL, needs TEXT NOT NULL, event_types TEXT NOT NULL, "
    "subject TEXT NOT NULL, summary TEXT NOT NULL, approvals TEXT NOT NULL, "
    "decided_by TEXT, decided_at TEXT, reason TEXT, events TEXT NOT NULL, "
    "superseded_by TEXT, created_at TEXT NOT NULL, "
    "PRIMARY KEY (request_id, version)",
)
#: Verification runs started on the server (``api.server.verification``): one
#: row per state of a run (running, then done or failed), the latest wins.
VERIFY_RUNS = SideTable(
    "api_verify_runs",
    "run_id TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL, "
    "started_by TEXT NOT NULL, started_at TEXT NOT NULL, mode TEXT NOT NULL, "
    "finished_at TEXT, ok INTEGER, tree_size BIGINT, result TEXT, error TEXT, "
    "PRIMARY KEY (run_id, version)",
)
#: What `letopis init` creates for the server (``initialise(side_tables=...)``).
API_TABLES = (ACCOUNTS, IDEMPOTENCY, ACCESS_LOG, COSIGNATURES, VERIFY_RUNS)


class SideTablesMissingError(LedgerError):
    """The store was prepared without the server's tables (PostgreSQL)."""


def side_store(app: LedgerApplication, table: SideTable) -> SqlStore:
    """A SqlStore for ``table``, ready to read and append.

    SQLite: created here if missing. PostgreSQL: made by `letopis init`;
    SideTablesMissingError if it is not there.
    """
    store = SqlStore(app.recorder, (table.name,))
    if store.dialect == "sqlite":
        _create_sqlite(store, table)
    else:
        require_postgres(store, app)
    return store


def _create_sqlite(store: SqlStore, table: SideTable) -> None:
    with store.transaction() as tx:
        for statement in table.sqlite_statements():
            tx.execute(statement)


def require_postgres(store: SqlStore, app: LedgerApplication) -> None:
    """Every API table is in the events' schema, or an error naming the fix."""
    missing = []
    for table in API_TABLES:
        qualified = SqlStore(app.recorder, (table.name,)).names[table.name]
        rows = store.query("SELECT to_regclass(?) IS NOT NULL AS found", (qualified,))
        if not rows[0]["found"]:
            missing.append(qualified)
    if missing:
        schema: Any = getattr(app.recorder, "datastore", None)
        msg = (
            f"the HTTP API's tables are missing: {', '.join(missing)}; run "
            "`letopis init --store <the administrator's postgresql:// URL> --keys "
            f"DIR` again (it is idempotent and adds them to schema "
            f"{getattr(schema, 'schema', '?')!r}), then start the server"
        )
        raise SideTablesMissingError(msg)
