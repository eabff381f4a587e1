"""`letopis init`: the key directory, the store's tables, and the first event.

The first event of every log registers the school's log key (the seal) in its
own key stream, self-signed, so the whole public key history is in the log.
On SQLite, triggers make the event and snapshot tables append-only; on
PostgreSQL, ``ledger.postgres_admin`` adds roles and grants on top (DESIGN §4).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledger.application import LedgerApplication, Signing
from ledger.errors import TrustError
from ledger.keys import KeyDirectory
from ledger.log import SQLITE_LOG_SCHEMA, SQLITE_LOG_TABLES, Sealer
from ledger.store import StoreURL, open_ledger, parse_store_url
from ledger.trust import SEAL_ROLE, KeyRecord, SignerKey, key_stream_id

SQLITE_TABLES = ("stored_events", "stored_snapshots", *SQLITE_LOG_TABLES)


@dataclass(frozen=True)
class Initialised:
    """What `init` made: the URL the application uses, and the log key id."""

    app_url: str
    log_key: str
    origin: str
    created_keys: bool


def initialise(
    url: str,
    keys: Path | str,
    *,
    origin: str,
    passphrase: str,
    app_role: str = "letopis_app",
    owner_role: str = "letopis_owner",
    app_password: str | None = None,
) -> Initialised:
    """Create (or complete) a store and its key directory; safe to run twice."""
    store = parse_store_url(url)
    created = not (Path(keys) / "letopis.json").exists()
    directory = (
        KeyDirectory.create(keys, origin=origin, passphrase=passphrase)
        if created
        else KeyDirectory.open(keys, passphrase)
    )
    if directory.origin != origin:
        msg = (
            f"key directory {keys} belongs to log {directory.origin!r}, not "
            f"{origin!r}; use --origin {directory.origin} or another --keys"
        )
        raise TrustError(msg)
    app_url = url
    if store.is_postgres:
        from ledger.postgres_admin import PostgresRoles, prepare_postgres

        roles = PostgresRoles(owner=owner_role, app=app_role, password=app_password)
        app_url = prepare_postgres(store, roles)
    else:
        _prepare_sqlite(store, keys, passphrase)
    app = open_ledger(app_url, keys=keys, passphrase=passphrase)
    try:
        _register_seal(app, directory)
        Sealer(app).seal()  # a new log starts with a signed checkpoint
    finally:
        app.close()
    return Initialised(app_url, directory.config["log_key"], origin, created)


def _prepare_sqlite(store: StoreURL, keys: Path | str, passphrase: str) -> None:
    store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    open_ledger(store.url, keys=keys, passphrase=passphrase).close()  # makes tables
    connection = sqlite3.connect(store.sqlite_path)
    try:
        with connection:
            for statement in SQLITE_LOG_SCHEMA:
                connection.execute(statement)
            for table in SQLITE_TABLES:
                for action in ("UPDATE", "DELETE"):
                    connection.execute(_sqlite_trigger(table, action))
    finally:
        connection.close()


def _sqlite_trigger(table: str, action: str) -> str:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} "
        f"BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, "
        f"'letopis: {table} is append-only; {action} is not allowed'); END"
    )


def _register_seal(app: LedgerApplication, keys: KeyDirectory) -> None:
    log_key = keys.log_key()
    if app.recorder.select_events(key_stream_id(log_key.key_id), limit=1):
        return
    record = KeyRecord(
        key=log_key.key_id,
        public_key=log_key.public_bytes,
        holder=keys.origin,
        roles=(SEAL_ROLE,),
        valid_from=datetime.now(UTC),
    )
    app.save(SignerKey.register(record), signed_by=Signing(log_key))
