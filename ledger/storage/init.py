"""`letopis init`: the key directory, the store's tables, and the first event.

The first event of every log registers the school's log key (the seal) in its
own key stream, self-signed, so the whole public key history is in the log;
the same save adopts the first signing and retention policies, signed by the
log key (no director exists yet): ``signing_policy`` / ``retention_policy``,
else the files named by ``LETOPIS_SIGNING_POLICY`` / ``LETOPIS_RETENTION_POLICY``,
else the packaged ones. Run again on a log made before policies were logged,
`init` adopts them there (in force from the log's start, `ledger.policy_log`).
On SQLite, triggers make the event and snapshot tables append-only; on
PostgreSQL, ``ledger.storage.postgres`` adds roles and grants on top (DESIGN §4).

A caller may add **side tables**: records kept beside the events that are not
rebuildable views (the HTTP API's accounts and access log). `init` creates
them with the same protection as the events: append-only, and on PostgreSQL
owned by the owner role, the application role only reading and inserting.
The caller gives their definitions (``ledger.storage.tables.SideTable``), so
this package never depends on its callers.

`init` never records anything in a store that holds events already: run again
on an intact store of the same log (every event sealed, the latest checkpoint
covering every leaf, this key directory's log key registered) it only adds
missing tables; any other store with events is refused before anything is
written, so that a damaged log is never re-sealed over (issue 11, item 12).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eventsourcing.domain import Aggregate

from ledger.application import LedgerApplication, Signing
from ledger.errors import LedgerError, TrustError
from ledger.keys.directory import KeyDirectory
from ledger.keys.registry import SEAL_ROLE, KeyRecord, SignerKey, key_stream_id
from ledger.log import Sealer
from ledger.policy import read_policy_file
from ledger.policy_log import RETENTION, SIGNING, checked_text, first_policy_texts
from ledger.records.policies import first_policies
from ledger.storage.disposal import sqlite_disposal_ddl
from ledger.storage.existing import Found, probe
from ledger.storage.stores import StoreURL, open_ledger, parse_store_url
from ledger.storage.tables import (
    SQLITE_APPEND_ONLY,
    SQLITE_LOG_SCHEMA,
    SQLITE_REFUSED,
    SideTable,
    sqlite_trigger,
)

__all__ = ["Initialised", "SideTable", "initialise", "prepare_store"]


class StoreInUseError(LedgerError):
    """`init` was pointed at a store with events it may not complete."""


@dataclass(frozen=True)
class Initialised:
    """What `init` made: the URL the application uses, and the log key id."""

    app_url: str
    log_key: str
    origin: str
    created_keys: bool
    kept_events: int = 0  # events the store held already (nothing recorded then)


def initialise(
    url: str,
    keys: Path | str,
    *,
    origin: str,
    passphrase: str,
    app_role: str = "letopis_app",
    owner_role: str = "letopis_owner",
    app_password: str | None = None,
    side_tables: Sequence[SideTable] = (),
    signing_policy: Path | str | None = None,
    retention_policy: Path | str | None = None,
) -> Initialised:
    """Create (or complete) a store and its key directory; safe to run twice.

    ``side_tables`` are created too (if missing), append-only; running `init`
    again with more of them adds them to an existing store. A store with events
    that is not an intact store of this key directory's log is refused with
    :class:`StoreInUseError` before anything is written. The policy
    files are read (and refused if malformed) before anything is created.
    """
    given = {
        name: checked_text(name, read_policy_file(path), str(path))
        for name, path in ((SIGNING, signing_policy), (RETENTION, retention_policy))
        if path is not None
    }
    parse_store_url(url)  # a malformed URL is refused before anything is made
    found = probe(url)
    if found is not None and found.events:
        _check_completable(url, found, keys, passphrase)
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
    app_url = prepare_store(
        url,
        keys,
        passphrase=passphrase,
        owner_role=owner_role,
        app_role=app_role,
        app_password=app_password,
        side_tables=side_tables,
    )
    kept = found.events if found is not None else 0
    if not kept:  # a store with events was checked above: nothing to record
        app = open_ledger(app_url, keys=keys, passphrase=passphrase)
        try:
            _register_seal(app, directory, first_policy_texts(app.env, given))
            Sealer(app).seal()  # a new log starts with a signed checkpoint
        finally:
            app.close()
    return Initialised(app_url, directory.config["log_key"], origin, created, kept)


def prepare_store(
    url: str,
    keys: Path | str,
    *,
    passphrase: str,
    app_role: str = "letopis_app",
    owner_role: str = "letopis_owner",
    app_password: str | None = None,
    side_tables: Sequence[SideTable] = (),
) -> str:
    """The store's tables, triggers (and on PostgreSQL roles and grants), with
    nothing recorded; the URL the application uses. `init` and `letopis
    restore` (``ledger.archive.restore``) share it, so a restored store is
    protected exactly as a new one."""
    store = parse_store_url(url)
    if store.is_postgres:
        from ledger.storage.postgres import PostgresRoles, prepare_postgres

        roles = PostgresRoles(owner=owner_role, app=app_role, password=app_password)
        return prepare_postgres(store, roles, extra=side_tables)
    _prepare_sqlite(store, keys, passphrase, side_tables)
    return url


def _check_completable(
    url: str, found: Found, keys: Path | str, passphrase: str
) -> None:
    """A store with events may only be completed: same log, every event sealed."""
    where = f"store {url!r} holds {found.events} events already"
    never = "`letopis init` makes new stores and never records into one with events"
    if not (Path(keys) / "letopis.json").exists():
        msg = f"{where}, and {keys} is not its key directory; {never}"
        raise StoreInUseError(msg)
    log_key = KeyDirectory.open(keys, passphrase).config["log_key"]
    mine = probe(url, stream=key_stream_id(log_key))
    if mine is None or not mine.has_stream:
        msg = (
            f"{where} of another log: its events do not register the log key "
            f"{log_key} of {keys}; {never}"
        )
        raise StoreInUseError(msg)
    if not found.intact_log:
        msg = (
            f"{where} that its Merkle log does not cover (log tables missing, or "
            f"leaves or checkpoints gone: {found.leaves} leaves, latest checkpoint "
            f"{found.checkpoint or 'none'}); {never}, so as not to sign a "
            "checkpoint over damage: run `letopis verify` on it"
        )
        raise StoreInUseError(msg)


def _prepare_sqlite(
    store: StoreURL,
    keys: Path | str,
    passphrase: str,
    side_tables: Sequence[SideTable] = (),
) -> None:
    store.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    open_ledger(store.url, keys=keys, passphrase=passphrase).close()  # makes tables
    connection = sqlite3.connect(store.sqlite_path)
    try:
        with connection:
            for statement in SQLITE_LOG_SCHEMA:
                connection.execute(statement)
            for side in side_tables:
                for statement in side.sqlite_statements():
                    connection.execute(statement)
            for table in SQLITE_APPEND_ONLY:
                for action in SQLITE_REFUSED:
                    connection.execute(sqlite_trigger(table, action))
            for statement in sqlite_disposal_ddl():
                connection.execute(statement)
    finally:
        connection.close()


def _register_seal(
    app: LedgerApplication, keys: KeyDirectory, policies: dict[str, str]
) -> None:
    """The log key's registration and the first policies, in one save; on a
    log that has the registration, only the policies it lacks."""
    log_key = keys.log_key()
    pending: list[Aggregate] = list(first_policies(app, policies))
    if not app.recorder.select_events(key_stream_id(log_key.key_id), limit=1):
        record = KeyRecord(
            key=log_key.key_id,
            public_key=log_key.public_bytes,
            holder=keys.origin,
            roles=(SEAL_ROLE,),
            valid_from=datetime.now(UTC),
        )
        pending.insert(0, SignerKey.register(record))
    if pending:
        app.save(*pending, signed_by=Signing(log_key))
