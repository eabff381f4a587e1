"""The database's part in disposal by act (DESIGN §6; ``verify.disposal``).

Every event table is append-only: triggers refuse UPDATE and DELETE to every
role, the owner included. Disposal needs exactly one exception, and the
database itself decides where it applies, from the act in the log:

1. **The register** (``disposal_ranges``; ``letopis_disposal_ranges`` on
   PostgreSQL): the ranges of leaf indexes each disposal act names. When an
   ``archive.DisposalActApproved`` is appended, a trigger on the events
   table copies its ranges into the register; a trigger on the register
   refuses any row that is not a range the act's own stored bytes name, so
   the register holds what the acts say and nothing else. It is append-only
   like every table; the application role has no right on it at all.
2. **The events' UPDATE trigger** admits one change only: the stored bytes of
   a sealed entry replaced by its tombstone (``verify.disposal``), the
   columns unchanged, the entry in a range the register holds for a sealed
   act named by the tombstone, and the tombstone keeping the entry's leaf
   hash, place, type, time and ``prev``; on PostgreSQL also the hash of the
   old bytes (SQLite has no SHA-256 in SQL: there the verifier's chain and
   tree checks catch a wrong one). A tombstone is never replaced again.
3. **The snapshots' DELETE trigger** admits deleting a snapshot only of a
   stream in which an entry at or before its version was disposed of (a
   snapshot would keep the disposed payload); snapshots are a cache, never
   part of the log.

On PostgreSQL only the owner role holds UPDATE and DELETE on these tables, so
the removal is the owner's (the administrator acts as the owner, as `letopis
init` does); the application role can neither update nor delete, whatever
the triggers say. On SQLite whoever may write the file is the owner; the
triggers keep every other UPDATE and DELETE out. What neither can stop — an
owner who drops the triggers — the verifier reports: a missing payload is a
finding unless a valid act covers it.

:func:`remove_payloads` does the owner's part; :func:`check_owner` refuses
early (before an act is appended) a URL that cannot act as the owner.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.errors import LedgerError
from ledger.storage.stores import StoreURL, parse_store_url
from ledger.storage.tables import (
    POSTGRES_EVENTS,
    POSTGRES_SNAPSHOTS,
    SQLITE_EVENTS,
    SQLITE_SNAPSHOTS,
    postgres_name,
    sqlite_trigger,
    trigger_name,
)
from verify.disposal import ACT_TYPE

REGISTER = "disposal_ranges"
"""The register's logical (SQLite) name."""
POSTGRES_REGISTER = postgres_name(REGISTER)
_PREFIX = "7B22646973706F736564223A22"  # hex of {"disposed":"  (a tombstone)
_PG_PREFIX = f"'\\x{_PREFIX.lower()}'::bytea"
_REFUSED = (
    "letopis: {table} is append-only; {action} is not allowed (a disposal "
    "replaces only the bytes of a sealed entry that a sealed disposal act "
    "covers, by its tombstone)"
)


class DisposalStoreError(LedgerError):
    """The store cannot take a disposal (the message says why and what to do)."""


@contextmanager
def _sqlite_connection(store: StoreURL) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(store.sqlite_path)
    try:
        yield connection
    finally:
        connection.close()


# -- SQLite ---------------------------------------------------------------------


def _sqlite_ranges(row: str, source: str = "") -> str:
    """The ranges an act's stored bytes name, one row each: ``row`` is the
    act's row (an alias in ``source``, or NEW in a trigger)."""
    state = f"CAST({row}.state AS TEXT)"
    return (
        f"SELECT json_extract({state}, '$.stream') || ':' || "
        f"json_extract({state}, '$.seq') AS act, {row}.rowid AS act_notification, "
        "json_extract(r.value, '$[0]') AS first_leaf, "
        "json_extract(r.value, '$[1]') AS last_leaf "
        f"FROM {source}json_each({state}, '$.data.files') AS f, "
        "json_each(f.value, '$.entries') AS r"
    )


def sqlite_disposal_ddl() -> tuple[str, ...]:
    """The register, its triggers, and the events' and snapshots' triggers that
    admit a disposal (replacing the unconditional ones `init` made before),
    then the ranges of acts appended before the register existed."""
    columns = "(act, act_notification, first_leaf, last_leaf)"
    stored = _sqlite_ranges("e", f"{SQLITE_EVENTS} AS e, ")
    acts = f"e.topic = '{ACT_TYPE}' AND json_valid(CAST(e.state AS TEXT))"
    return (
        f"CREATE TABLE IF NOT EXISTS {REGISTER} (act TEXT NOT NULL, "
        "act_notification INTEGER NOT NULL, first_leaf INTEGER NOT NULL, "
        "last_leaf INTEGER NOT NULL, PRIMARY KEY (act, first_leaf))",
        *(sqlite_trigger(REGISTER, action) for action in ("UPDATE", "DELETE")),
        f"CREATE TRIGGER IF NOT EXISTS {REGISTER}_from_acts BEFORE INSERT ON "
        f"{REGISTER} WHEN NOT EXISTS (SELECT 1 FROM ({stored} WHERE e.rowid = "
        f"NEW.act_notification AND {acts}) AS named WHERE named.act = NEW.act "
        "AND named.first_leaf = NEW.first_leaf AND named.last_leaf = NEW.last_leaf)"
        " BEGIN SELECT RAISE(ABORT, 'letopis: the disposal register holds only "
        "ranges a disposal act names'); END",
        f"CREATE TRIGGER IF NOT EXISTS {SQLITE_EVENTS}_disposal_act AFTER INSERT ON "
        f"{SQLITE_EVENTS} WHEN NEW.topic = '{ACT_TYPE}' AND "
        f"json_valid(CAST(NEW.state AS TEXT)) BEGIN INSERT OR IGNORE INTO "
        f"{REGISTER} {columns} {_sqlite_ranges('NEW')}; END",
        f"DROP TRIGGER IF EXISTS {trigger_name(SQLITE_EVENTS, 'UPDATE')}",
        _sqlite_update_trigger(),
        f"DROP TRIGGER IF EXISTS {trigger_name(SQLITE_SNAPSHOTS, 'DELETE')}",
        f"CREATE TRIGGER {trigger_name(SQLITE_SNAPSHOTS, 'DELETE')} BEFORE DELETE ON "
        f"{SQLITE_SNAPSHOTS} WHEN NOT EXISTS (SELECT 1 FROM {SQLITE_EVENTS} AS e "
        "WHERE e.originator_id = OLD.originator_id AND e.originator_version <= "
        f"OLD.originator_version AND substr(e.state, 1, 13) = X'{_PREFIX}') "
        "BEGIN SELECT RAISE(ABORT, 'letopis: stored_snapshots is append-only; "
        "DELETE is not allowed'); END",
        f"INSERT OR IGNORE INTO {REGISTER} {columns} SELECT * FROM ({stored} "
        f"WHERE {acts})",
    )


def _sqlite_update_trigger() -> str:
    def stone(path: str) -> str:
        return f"json_extract(CAST(NEW.state AS TEXT), '{path}')"

    def old(path: str) -> str:
        return f"json_extract(CAST(OLD.state AS TEXT), '{path}')"

    return (
        f"CREATE TRIGGER {trigger_name(SQLITE_EVENTS, 'UPDATE')} BEFORE UPDATE ON "
        f"{SQLITE_EVENTS} WHEN NOT (NEW.rowid IS OLD.rowid "
        "AND NEW.originator_id IS OLD.originator_id "
        "AND NEW.originator_version IS OLD.originator_version "
        "AND NEW.topic IS OLD.topic "
        f"AND substr(NEW.state, 1, 13) = X'{_PREFIX}' "
        f"AND substr(OLD.state, 1, 13) IS NOT X'{_PREFIX}' "
        "AND EXISTS (SELECT 1 FROM log_leaves AS l "
        f"JOIN {REGISTER} AS r ON l.leaf_index BETWEEN r.first_leaf AND r.last_leaf "
        "JOIN log_leaves AS a ON a.notification_id = r.act_notification "
        "WHERE l.notification_id = OLD.rowid "
        f"AND r.act = {stone('$.disposed')} "
        f"AND {stone('$.leaf')} = 'sha256:' || lower(hex(l.leaf_hash)) "
        f"AND replace({stone('$.stream')}, '-', '') = OLD.originator_id "
        f"AND {stone('$.seq')} = OLD.originator_version "
        f"AND {stone('$.type')} = OLD.topic "
        f"AND {stone('$.recorded')} = {old('$.at')} "
        f"AND {stone('$.prev')} IS {old('$.prev')})) "
        "BEGIN SELECT RAISE(ABORT, '"
        + _REFUSED.format(table=SQLITE_EVENTS, action="UPDATE")
        + "'); END"
    )


# -- PostgreSQL --------------------------------------------------------------------


def _postgres_ranges(row: str) -> str:
    """The ranges an act's stored bytes name, one row each (``row``: the act's
    row, an alias or NEW)."""
    return (
        f"SELECT {row}.originator_id::text || ':' || {row}.originator_version AS act, "
        f"{row}.notification_id AS act_notification, (r->>0)::bigint AS first_leaf, "
        "(r->>1)::bigint AS last_leaf FROM jsonb_array_elements(convert_from("
        f"{row}.state, 'UTF8')::jsonb->'data'->'files') AS f, "
        "jsonb_array_elements(f->'entries') AS r"
    )


def postgres_disposal_ddl(schema: str, app_role: str) -> tuple[str, ...]:
    """The register (owner-owned, append-only, nothing granted to ``app_role``),
    the functions and triggers of the module docstring, and the ranges of acts
    appended before the register existed. ``schema`` and ``app_role`` are
    checked identifiers; run as the owner, after the trigger function exists."""
    s = f'"{schema}"'
    events, snapshots = f"{s}.{POSTGRES_EVENTS}", f"{s}.{POSTGRES_SNAPSHOTS}"
    register, leaves = f"{s}.{POSTGRES_REGISTER}", f"{s}.letopis_log_leaves"
    columns = "(act, act_notification, first_leaf, last_leaf)"
    plpgsql = "LANGUAGE plpgsql SET search_path = pg_catalog AS $$ "
    refusals = (("UPDATE", "ROW"), ("DELETE", "ROW"), ("TRUNCATE", "STATEMENT"))
    return (
        f"CREATE TABLE IF NOT EXISTS {register} (act text NOT NULL, "
        "act_notification bigint NOT NULL, first_leaf bigint NOT NULL, "
        "last_leaf bigint NOT NULL, PRIMARY KEY (act, first_leaf))",
        f'REVOKE ALL ON TABLE {register} FROM PUBLIC, "{app_role}"',
        *(
            f"CREATE OR REPLACE TRIGGER {trigger_name(POSTGRES_REGISTER, action)} "
            f"BEFORE {action} ON {register} FOR EACH {level} "
            f"EXECUTE FUNCTION {s}.letopis_refuse_change()"
            for action, level in refusals
        ),
        f"CREATE OR REPLACE FUNCTION {s}.letopis_register_named() RETURNS trigger "
        + plpgsql
        + f"BEGIN IF NOT EXISTS (SELECT 1 FROM {events} AS e, LATERAL "
        f"({_postgres_ranges('e')}) AS named WHERE e.notification_id = "
        f"NEW.act_notification AND e.topic = '{ACT_TYPE}' AND named.act = NEW.act "
        "AND named.first_leaf = NEW.first_leaf AND named.last_leaf = NEW.last_leaf)"
        " THEN RAISE EXCEPTION 'letopis: the disposal register holds only ranges "
        "a disposal act names'; END IF; RETURN NEW; END $$",
        f"CREATE OR REPLACE TRIGGER {POSTGRES_REGISTER}_from_acts BEFORE INSERT ON "
        f"{register} FOR EACH ROW EXECUTE FUNCTION {s}.letopis_register_named()",
        f"CREATE OR REPLACE FUNCTION {s}.letopis_disposal_act() RETURNS trigger "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ "
        f"BEGIN INSERT INTO {register} {columns} {_postgres_ranges('NEW')} "
        "ON CONFLICT DO NOTHING; RETURN NULL; "
        "EXCEPTION WHEN OTHERS THEN RETURN NULL; END $$",
        f"REVOKE ALL ON FUNCTION {s}.letopis_disposal_act() FROM PUBLIC",
        f"CREATE OR REPLACE TRIGGER {POSTGRES_EVENTS}_disposal_act AFTER INSERT ON "
        f"{events} FOR EACH ROW WHEN (NEW.topic = '{ACT_TYPE}') "
        f"EXECUTE FUNCTION {s}.letopis_disposal_act()",
        _postgres_update_function(s, register, leaves),
        f"CREATE OR REPLACE TRIGGER {trigger_name(POSTGRES_EVENTS, 'UPDATE')} "
        f"BEFORE UPDATE ON {events} FOR EACH ROW EXECUTE FUNCTION "
        f"{s}.letopis_dispose_only()",
        f"CREATE OR REPLACE FUNCTION {s}.letopis_snapshot_disposed() RETURNS "
        "trigger "
        + plpgsql
        + f"BEGIN IF NOT EXISTS (SELECT 1 FROM {events} AS e WHERE e.originator_id "
        "= OLD.originator_id AND e.originator_version <= OLD.originator_version "
        f"AND substring(e.state FROM 1 FOR 13) = {_PG_PREFIX}) THEN "
        "RAISE EXCEPTION 'letopis: % is append-only; % is not allowed', "
        "TG_TABLE_NAME, TG_OP; END IF; RETURN OLD; END $$",
        f"CREATE OR REPLACE TRIGGER {trigger_name(POSTGRES_SNAPSHOTS, 'DELETE')} "
        f"BEFORE DELETE ON {snapshots} FOR EACH ROW EXECUTE FUNCTION "
        f"{s}.letopis_snapshot_disposed()",
        f"INSERT INTO {register} {columns} SELECT named.* FROM {events} AS e, "
        f"LATERAL ({_postgres_ranges('e')}) AS named WHERE e.topic = '{ACT_TYPE}' "
        "ON CONFLICT DO NOTHING",
    )


def _postgres_update_function(s: str, register: str, leaves: str) -> str:
    refused = (
        "RAISE EXCEPTION 'letopis: % is append-only; % is not allowed', "
        "TG_TABLE_NAME, TG_OP USING HINT = 'a correction is a new event that names "
        "the event it corrects; a disposal replaces only the bytes of a sealed "
        "entry that a sealed disposal act covers, by its tombstone'"
    )
    return (
        f"CREATE OR REPLACE FUNCTION {s}.letopis_dispose_only() RETURNS trigger "
        "LANGUAGE plpgsql SET search_path = pg_catalog AS $$ "
        "DECLARE stone jsonb; was jsonb; v_index bigint; v_hash bytea; "
        "BEGIN "
        "IF NEW.notification_id IS DISTINCT FROM OLD.notification_id "
        "OR NEW.originator_id IS DISTINCT FROM OLD.originator_id "
        "OR NEW.originator_version IS DISTINCT FROM OLD.originator_version "
        "OR NEW.topic IS DISTINCT FROM OLD.topic "
        f"OR substring(NEW.state FROM 1 FOR 13) IS DISTINCT FROM {_PG_PREFIX} "
        f"OR substring(OLD.state FROM 1 FOR 13) = {_PG_PREFIX} THEN {refused}; "
        "END IF; "
        f"SELECT l.leaf_index, l.leaf_hash INTO v_index, v_hash FROM {leaves} AS l "
        "WHERE l.notification_id = OLD.notification_id; "
        "IF NOT FOUND OR v_hash <> sha256('\\x00'::bytea || OLD.state) THEN "
        f"{refused}; END IF; "
        "stone := convert_from(NEW.state, 'UTF8')::jsonb; "
        "was := convert_from(OLD.state, 'UTF8')::jsonb; "
        "IF stone->>'leaf' IS DISTINCT FROM 'sha256:' || encode(v_hash, 'hex') "
        "OR stone->>'envelope' IS DISTINCT FROM 'sha256:' || "
        "encode(sha256(OLD.state), 'hex') "
        "OR stone->>'stream' IS DISTINCT FROM OLD.originator_id::text "
        "OR stone->'seq' IS DISTINCT FROM to_jsonb(OLD.originator_version) "
        "OR stone->>'type' IS DISTINCT FROM OLD.topic "
        "OR stone->'prev' IS DISTINCT FROM was->'prev' "
        "OR stone->'recorded' IS DISTINCT FROM was->'at' "
        f"OR NOT EXISTS (SELECT 1 FROM {register} AS r JOIN {leaves} AS a ON "
        "a.notification_id = r.act_notification WHERE r.act = stone->>'disposed' "
        "AND v_index BETWEEN r.first_leaf AND r.last_leaf) "
        f"THEN {refused}; END IF; RETURN NEW; END $$"
    )


# -- the owner's removal ------------------------------------------------------------


@dataclass(frozen=True)
class Tombstoned:
    """One entry to dispose of: its notification id and stream (the snapshots
    of the stream go too), and the tombstone that replaces its bytes."""

    notification_id: int
    stream: UUID
    tombstone: bytes


def check_owner(url: str, owner_role: str) -> None:
    """Refuse, before anything is written, a store that cannot take a disposal:
    no register (made before disposal existed: run `letopis init` again), or on
    PostgreSQL a URL whose user may not act as ``owner_role``."""
    store = parse_store_url(url)
    if not store.is_postgres:
        with _sqlite_connection(store) as connection:
            found = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                (REGISTER,),
            ).fetchone()
        if not found or not found[0]:
            raise DisposalStoreError(_NO_REGISTER.format(url=url))
        return
    with _owner(store, owner_role) as conn:
        conn.execute(f'SELECT 1 FROM "{store.schema}".{POSTGRES_REGISTER} LIMIT 1')


def remove_payloads(url: str, entries: Sequence[Tombstoned], *, owner_role: str) -> int:
    """Replace each entry's stored bytes by its tombstone and drop the snapshots
    the disposal leaves stale, as the owner, in one transaction; how many
    entries. The triggers refuse anything an act does not cover: then nothing
    changes and :class:`DisposalStoreError` says what the database said."""
    store = parse_store_url(url)
    if not entries:
        return 0
    if store.is_postgres:
        return _remove_postgres(store, entries, owner_role)
    return _remove_sqlite(store, entries)


def _remove_sqlite(store: StoreURL, entries: Sequence[Tombstoned]) -> int:
    streams = sorted({e.stream.hex for e in entries})
    with _sqlite_connection(store) as connection:
        try:
            with connection:
                changed = 0
                for entry in entries:
                    changed += connection.execute(
                        f"UPDATE {SQLITE_EVENTS} SET state = ? WHERE rowid = ?",
                        (entry.tombstone, entry.notification_id),
                    ).rowcount
                _check_changed(changed, len(entries))
                stale = _stale_snapshots(
                    SQLITE_SNAPSHOTS,
                    SQLITE_EVENTS,
                    "?",
                    f"substr(e.state, 1, 13) = X'{_PREFIX}'",
                )
                for stream in streams:
                    connection.execute(stale, (stream,))
        except sqlite3.Error as e:
            raise DisposalStoreError(_refused(e)) from e
    return changed


def _remove_postgres(
    store: StoreURL, entries: Sequence[Tombstoned], owner_role: str
) -> int:
    import psycopg

    schema = f'"{store.schema}"'
    events = f"{schema}.{POSTGRES_EVENTS}"
    snapshots = f"{schema}.{POSTGRES_SNAPSHOTS}"
    try:
        with _owner(store, owner_role) as conn:
            conn.execute(
                "CREATE TEMP TABLE letopis_disposing (notification_id bigint "
                "PRIMARY KEY, state bytea NOT NULL) ON COMMIT DROP"
            )
            with conn.cursor().copy(
                "COPY letopis_disposing (notification_id, state) FROM STDIN"
            ) as copy:
                for entry in entries:
                    copy.write_row((entry.notification_id, entry.tombstone))
            changed: int = conn.execute(
                f"UPDATE {events} AS e SET state = d.state FROM letopis_disposing "
                "AS d WHERE e.notification_id = d.notification_id"
            ).rowcount
            _check_changed(changed, len(entries))
            streams = sorted({e.stream for e in entries})
            conn.execute(
                _stale_snapshots(
                    snapshots,
                    events,
                    "ANY(%s)",
                    f"substring(e.state FROM 1 FOR 13) = {_PG_PREFIX}",
                ),
                (streams,),
            )
    except psycopg.Error as e:
        raise DisposalStoreError(_refused(e)) from e
    return changed


def _stale_snapshots(snapshots: str, events: str, streams: str, disposed: str) -> str:
    """DELETE the snapshots of ``streams`` at or after a disposed entry."""
    return (
        f"DELETE FROM {snapshots} AS s WHERE s.originator_id = {streams} AND EXISTS "
        f"(SELECT 1 FROM {events} AS e WHERE e.originator_id = s.originator_id AND "
        f"e.originator_version <= s.originator_version AND {disposed})"
    )


def _check_changed(changed: int, wanted: int) -> None:
    if changed != wanted:
        msg = (
            f"the store changed {changed} entries, not the {wanted} the act covers: "
            "nothing was disposed of; run `letopis verify` on the store"
        )
        raise DisposalStoreError(msg)


@contextmanager
def _owner(store: StoreURL, owner_role: str) -> Iterator[Any]:
    """A transaction on ``store`` as its owner role (committed if the block
    ends well); DisposalStoreError if the URL's user may not act as it."""
    import psycopg
    from psycopg import sql

    env = store.env
    try:
        conn = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=10,
        )
    except psycopg.Error as e:
        msg = f"cannot connect to {store.url}: {_first_line(e)}"
        raise DisposalStoreError(msg) from e
    try:
        with conn.transaction():
            try:
                conn.execute(
                    sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner_role))
                )
            except psycopg.Error as e:
                msg = (
                    f"{env['POSTGRES_USER']!r} may not act as the owner role "
                    f"{owner_role!r} ({_first_line(e)}): the removal of payloads is "
                    "the owner's; give the administrator's store URL (as for "
                    "`letopis init`) and the store's --owner-role"
                )
                raise DisposalStoreError(msg) from e
            try:
                yield conn
            except psycopg.errors.UndefinedTable as e:
                raise DisposalStoreError(_NO_REGISTER.format(url=store.url)) from e
    finally:
        conn.close()


_NO_REGISTER = (
    "store {url} has no disposal register (it was made before disposal by act "
    "existed): run `letopis init` on it again, as the administrator, to add it"
)


def _refused(error: Exception) -> str:
    return (
        f"the database refused the disposal ({_first_line(error)}); nothing was "
        "disposed of"
    )


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
