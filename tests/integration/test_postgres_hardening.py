"""PostgreSQL hardening: the roles, grants and triggers that `letopis init` sets up.

The application role may read and append; the database refuses it everything
else. The owner role owns the tables, yet the triggers refuse it UPDATE, DELETE
and TRUNCATE too. After every refused statement the stored rows are unchanged,
byte for byte. See docs/postgres.md for what a superuser could still do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg import sql

from api.server.access_log import AccessLog
from api.server.accounts import Account, AccountStore
from api.server.cosign import CosignStore
from api.server.tables import (
    API_TABLES,
    COSIGNATURES,
    SideTablesMissingError,
    side_store,
)
from api.server.verification import VerificationRuns
from ledger.errors import LedgerError
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.services import register_signer
from ledger.log import Sealer
from ledger.storage.init import Initialised, initialise
from ledger.storage.postgres import (
    AdminPrivilegeError,
    PostgresRoles,
    PostgresSetupError,
    prepare_postgres,
)
from ledger.storage.stores import open_ledger, parse_store_url
from tests.support.cosign import waiting_request
from tests.support.pg import PG_ADMIN, PostgresDatabase
from tests.support.stores import ORIGIN, PASSPHRASE

SCHEMA = "letopis"
EVENTS = "letopis_events"
SNAPSHOTS = "letopis_snapshots"
LOG_TABLES = ("letopis_log_leaves", "letopis_log_nodes", "letopis_log_checkpoints")
TABLES = (EVENTS, SNAPSHOTS, *LOG_TABLES)
REGISTER = "letopis_disposal_ranges"  # what disposal acts cover (docs/archive.md)
MAINTAIN_SINCE = 170000
UPDATABLE = {
    "letopis_log_leaves": "stream",
    "letopis_log_nodes": "hash",
    "letopis_log_checkpoints": "note",
}

Connection = psycopg.Connection[tuple[Any, ...]]


@dataclass
class Ready:
    """An initialised PostgreSQL store and the database it lives in."""

    db: PostgresDatabase
    done: Initialised
    keys: Path


def _init(
    db: PostgresDatabase, keys: Path, admin_url: str | None = None
) -> Initialised:
    return initialise(
        admin_url or db.admin_url,
        keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=db.owner_role,
        app_role=db.app_role,
    )


@contextmanager
def _connect(url: str) -> Iterator[Connection]:
    """A connection as the user of a store URL (its ?schema= dropped)."""
    env = parse_store_url(url).env
    with psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        autocommit=True,
    ) as conn:
        yield conn


@contextmanager
def _as_owner(ready: Ready) -> Iterator[Connection]:
    with _connect(ready.db.admin_url) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(ready.db.owner_role)))
        yield conn


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(SCHEMA, name)


def _rows(conn: Connection, table: str) -> list[tuple[Any, ...]]:
    """Every stored row with its exact bytes, in a stable order."""
    query = sql.SQL("SELECT * FROM {} ORDER BY 1, 2")
    return conn.execute(query.format(_table(table))).fetchall()


def _statement(action: str, table: str) -> sql.Composed:
    column = UPDATABLE.get(table, "topic")
    template = {
        "UPDATE": "UPDATE {} SET " + column + " = 'forged'",
        "DELETE": "DELETE FROM {}",
        "TRUNCATE": "TRUNCATE {}",
    }[action]
    return sql.SQL(template).format(_table(table))


def _refusal(action: str, table: str) -> str:
    return f"letopis: {table} is append-only; {action} is not allowed"


@pytest.fixture
def ready(postgres_database: PostgresDatabase, tmp_path: Path) -> Ready:
    """An initialised store with two events, one snapshot row, and a sealed log.

    The snapshot row is appended raw by the application role (which may INSERT),
    so that row-level triggers on the snapshot table have a row to refuse; the
    seal gives the log tables two leaves, one subtree and a checkpoint.
    """
    done = _init(postgres_database, tmp_path / "keys")
    app = open_ledger(done.app_url, keys=tmp_path / "keys", passphrase=PASSPHRASE)
    try:
        teacher = SigningKey.generate()
        register_signer(
            app,
            KeyDirectory.open(tmp_path / "keys", PASSPHRASE).log_key(),
            public_key=teacher.public_bytes,
            holder="teacher",
            roles=("teacher",),
            valid_from=datetime.now(UTC),
        )
        Sealer(app).seal()
    finally:
        app.close()
    with _connect(done.app_url) as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state) "
                "VALUES (gen_random_uuid(), 1, 'test.Snapshot', '\\x00ff'::bytea)"
            ).format(_table(SNAPSHOTS))
        )
    return Ready(postgres_database, done, tmp_path / "keys")


def test_init_returns_the_application_role_url(ready: Ready) -> None:
    store = parse_store_url(ready.done.app_url)
    assert store.env["POSTGRES_USER"] == ready.db.app_role
    assert store.env["POSTGRES_DBNAME"] == ready.db.name
    assert store.schema == SCHEMA


def test_app_role_appends_through_the_application(ready: Ready) -> None:
    with _connect(ready.done.app_url) as conn:
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_table(EVENTS)))
        assert count.fetchone() == (4,)  # init: the log key and two policies; a note


def test_app_role_holds_exactly_the_needed_privileges(ready: Ready) -> None:
    with _connect(ready.done.app_url) as conn:
        grants = conn.execute(
            "SELECT table_name, privilege_type FROM information_schema."
            "role_table_grants WHERE grantee = current_user AND table_schema = %s",
            (SCHEMA,),
        ).fetchall()
        lock = "TRUNCATE" if conn.info.server_version < MAINTAIN_SINCE else "MAINTAIN"
        schema_create = conn.execute(
            "SELECT has_schema_privilege(%s, 'CREATE')", (SCHEMA,)
        ).fetchone()
    assert set(grants) == {
        (EVENTS, "SELECT"),
        (EVENTS, "INSERT"),
        (EVENTS, lock),
        (SNAPSHOTS, "SELECT"),
        (SNAPSHOTS, "INSERT"),
        *(
            (table, privilege)
            for table in LOG_TABLES
            for privilege in ("SELECT", "INSERT")
        ),
    }
    assert schema_create == (False,)


def _app_protection(action: str, table: str, server_version: int) -> str | None:
    """The trigger message that refuses the app role, or None: no privilege."""
    lock_via_truncate = table == EVENTS and server_version < MAINTAIN_SINCE
    if action == "TRUNCATE" and lock_via_truncate:
        return _refusal(action, table)
    return None


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("action", ["UPDATE", "DELETE", "TRUNCATE"])
def test_app_role_cannot_change_or_remove_rows(
    ready: Ready, action: str, table: str
) -> None:
    with _connect(ready.done.app_url) as conn:
        before = _rows(conn, table)
        expected = _app_protection(action, table, conn.info.server_version)
        if expected is None:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="denied"):
                conn.execute(_statement(action, table))
        else:
            with pytest.raises(psycopg.errors.RaiseException, match=expected):
                conn.execute(_statement(action, table))
        assert _rows(conn, table) == before
    assert before


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("CREATE TABLE letopis.x (id int)", "permission denied for schema"),
        ("ALTER TABLE letopis.letopis_events DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TRIGGER letopis_events_no_truncate ON letopis.letopis_events", "owner"),
        ("SELECT setval('letopis.letopis_events_notification_id_seq', 1)", "denied"),
        ("SELECT * FROM letopis.letopis_events FOR UPDATE", "denied"),
        ("SET session_replication_role = replica", "denied"),
    ],
)
def test_app_role_cannot_create_or_unprotect(
    ready: Ready, statement: str, refusal: str
) -> None:
    with _connect(ready.done.app_url) as conn:
        before = [_rows(conn, t) for t in TABLES]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
            conn.execute(statement.encode())
        assert [_rows(conn, t) for t in TABLES] == before
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s", (SCHEMA,)
        ).fetchone()
    assert tables == (len(TABLES) + 1,)  # and the disposal register


def test_the_disposal_register_is_the_owners_and_holds_only_what_acts_name(
    ready: Ready,
) -> None:
    denied = pytest.raises(psycopg.errors.InsufficientPrivilege, match="denied")
    with _connect(ready.done.app_url) as conn, denied:
        conn.execute(sql.SQL("SELECT * FROM {}").format(_table(REGISTER)))
    with _as_owner(ready) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="act names"):
            conn.execute(
                sql.SQL("INSERT INTO {} VALUES ('x:1', 1, 0, 0)").format(
                    _table(REGISTER)
                )
            )
        count = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(_table(REGISTER))
        ).fetchone()
    assert count == (0,)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("action", ["UPDATE", "DELETE", "TRUNCATE"])
def test_triggers_refuse_the_owner_role_too(
    ready: Ready, action: str, table: str
) -> None:
    with _as_owner(ready) as conn:
        before = _rows(conn, table)
        with pytest.raises(
            psycopg.errors.RaiseException, match=_refusal(action, table)
        ):
            conn.execute(_statement(action, table))
        assert _rows(conn, table) == before
    assert before


def test_everything_in_the_schema_belongs_to_the_owner(ready: Ready) -> None:
    with _connect(ready.db.admin_url) as conn:
        owners = conn.execute(
            "SELECT DISTINCT relowner::regrole::text FROM pg_class "
            "WHERE relnamespace = %s::regnamespace",
            (SCHEMA,),
        ).fetchall()
        login = conn.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
            (ready.db.owner_role,),
        ).fetchone()
    assert owners == [(ready.db.owner_role,)]
    assert login == (False,)


def test_init_twice_is_idempotent(ready: Ready) -> None:
    with _connect(ready.done.app_url) as conn:
        events_before = _rows(conn, EVENTS)

    again = _init(ready.db, ready.keys)

    assert again.app_url == ready.done.app_url
    assert not again.created_keys
    with _connect(again.app_url) as conn:
        assert _rows(conn, EVENTS) == events_before
    assert len(events_before) == 4  # the log key, two policies, a note


def _catalog_state(ready: Ready) -> list[Any]:
    """Rows, objects, privileges and roles: what a bad `init` must not change."""
    with _connect(ready.db.admin_url) as conn:
        pattern = ready.db.name + "%"
        return [
            [_rows(conn, t) for t in TABLES],
            conn.execute(
                "SELECT relname, relowner, relacl::text FROM pg_class "
                "WHERE relnamespace = %s::regnamespace ORDER BY relname",
                (SCHEMA,),
            ).fetchall(),
            conn.execute(
                "SELECT nspowner, nspacl::text FROM pg_namespace WHERE nspname = %s",
                (SCHEMA,),
            ).fetchall(),
            conn.execute(
                "SELECT rolname, rolcanlogin, rolcreaterole FROM pg_roles "
                "WHERE rolname LIKE %s ORDER BY rolname",
                (pattern,),
            ).fetchall(),
            conn.execute(
                "SELECT roleid::regrole::text, member::regrole::text "
                "FROM pg_auth_members ORDER BY 1, 2"
            ).fetchall(),
        ]


def test_app_role_as_administrator_is_refused_and_writes_nothing(
    ready: Ready,
) -> None:
    before = _catalog_state(ready)
    store = parse_store_url(ready.done.app_url)
    roles = PostgresRoles(owner=ready.db.owner_role, app=ready.db.app_role)

    with pytest.raises(AdminPrivilegeError, match="application role"):
        prepare_postgres(store, roles)

    assert _catalog_state(ready) == before


def test_administrator_without_createrole_is_refused_and_writes_nothing(
    ready: Ready,
) -> None:
    before = _catalog_state(ready)
    store = parse_store_url(ready.done.app_url)
    other = PostgresRoles(
        owner=f"{ready.db.name}_o2", app=f"{ready.db.name}_a2", password="secret"
    )

    with pytest.raises(LedgerError, match="lacks CREATEROLE") as refused:
        prepare_postgres(store, other)

    assert "superuser" in str(refused.value)
    assert isinstance(refused.value, PostgresSetupError)
    assert _catalog_state(ready) == before


def test_unreachable_server_is_a_ledger_error(tmp_path: Path) -> None:
    store = parse_store_url("postgresql://postgres@127.0.0.1:1/nowhere")
    roles = PostgresRoles(owner="nowhere_owner", app="nowhere_app")

    with pytest.raises(PostgresSetupError, match="cannot connect to PostgreSQL"):
        prepare_postgres(store, roles)


@pytest.mark.parametrize(
    ("owner", "app", "password"),
    [
        ("Letopis_Owner", "letopis_app", None),
        ("letopis_owner", 'app"; DROP ROLE postgres; --', None),
        ("pg_letopis", "letopis_app", None),
        ("letopis", "letopis", None),
        ("letopis_owner", "letopis_app", ""),
        ("x" * 64, "letopis_app", None),
    ],
)
def test_role_names_must_be_lowercase_identifiers(
    owner: str, app: str, password: str | None
) -> None:
    with pytest.raises(PostgresSetupError):
        PostgresRoles(owner=owner, app=app, password=password)


def test_password_is_stored_hashed_and_percent_encoded(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    db = postgres_database
    password = "p@ss/wörd:1?"

    done = initialise(
        db.admin_url,
        tmp_path / "keys",
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=db.owner_role,
        app_role=db.app_role,
        app_password=password,
    )

    assert "p%40ss%2Fw%C3%B6rd%3A1%3F@" in done.app_url
    assert parse_store_url(done.app_url).env["POSTGRES_PASSWORD"] == password
    with _connect(db.admin_url) as conn:
        stored = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (db.app_role,)
        ).fetchone()
    assert stored is not None
    assert stored[0].startswith(("SCRAM-SHA-256$", "md5"))
    assert password not in stored[0]


def test_non_superuser_administrator_with_createrole(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> None:
    db = postgres_database
    admin = sql.Identifier(f"{db.name}_admin")
    with _connect(db.admin_url) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(admin))
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(db.name), admin
            )
        )
    server = urlsplit(PG_ADMIN)
    admin_url = f"postgresql://{db.name}_admin@{server.netloc.split('@')[-1]}/{db.name}"
    try:
        done = _init(db, tmp_path / "keys", admin_url=admin_url)
        with _connect(done.app_url) as conn:
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(_table(EVENTS))
            )
            assert count.fetchone() == (3,)  # the log key and two policies
    finally:
        with _connect(db.admin_url) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(admin))
            conn.execute(sql.SQL("DROP ROLE {}").format(admin))


# -- the HTTP API's side tables: records, protected like the events --------------

API = {t.name: f"letopis_{t.name}" for t in API_TABLES}
API_COLUMN = {
    "api_account_versions": "password_hash",
    "api_idempotency": "response",
    "api_access_log": "subject",
    "api_cosignatures": "summary",
    "api_verify_runs": "state",
}


@pytest.fixture
def ready_api(postgres_database: PostgresDatabase, tmp_path: Path) -> Ready:
    """A store made as `letopis init` makes it, one row appended to each API
    table by the server's own code, as the application role."""
    db = postgres_database
    done = initialise(
        db.admin_url,
        tmp_path / "keys",
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=db.owner_role,
        app_role=db.app_role,
        side_tables=API_TABLES,
    )
    app = open_ledger(done.app_url, keys=tmp_path / "keys", passphrase=PASSPHRASE)
    try:
        hasher = PasswordHasher(time_cost=1, memory_cost=1024)
        accounts = AccountStore(app, hasher)
        auditor = accounts.add(Account("auditor", ("auditor",)), "a long passphrase")
        AccessLog(app).record(auditor, "read", "class:9A", datetime.now(UTC))
        CosignStore(side_store(app, COSIGNATURES)).append(
            waiting_request(), datetime.now(UTC)
        )
        VerificationRuns(app).started(
            "auditor", datetime.now(UTC), full=False, trusted=False
        )
    finally:
        app.close()
    with _connect(done.app_url) as conn:  # an answer kept for a key, as an append
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (account, idem_key, body_hash, status, response, "
                "created_at) VALUES ('auditor', 'k1', 'sha256:00', 201, '{{}}', 'now')"
            ).format(_table(API["api_idempotency"]))
        )
    return Ready(db, done, tmp_path / "keys")


@pytest.mark.parametrize("table", sorted(API))
def test_app_role_cannot_drop_alter_or_change_api_tables(
    ready_api: Ready, table: str
) -> None:
    name = sql.Identifier(SCHEMA, API[table])
    trigger = sql.Identifier(f"{API[table]}_no_delete")
    refused = {
        "DROP TABLE {}": "must be owner",
        "ALTER TABLE {} DISABLE TRIGGER ALL": "must be owner",
        "ALTER TABLE {} RENAME TO gone": "must be owner",
        "UPDATE {} SET " + API_COLUMN[table] + " = 'forged'": "denied",
        "DELETE FROM {}": "denied",
        "TRUNCATE {}": "denied",
    }
    with _connect(ready_api.done.app_url) as conn:
        before = conn.execute(sql.SQL("SELECT * FROM {}").format(name)).fetchall()
        for statement, refusal in refused.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
                conn.execute(sql.SQL(statement).format(name))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="owner"):
            conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(trigger, name))
        after = conn.execute(sql.SQL("SELECT * FROM {}").format(name)).fetchall()
    assert after == before
    assert len(before) == 1


@pytest.mark.parametrize("action", ["UPDATE", "DELETE", "TRUNCATE"])
def test_triggers_refuse_the_owner_role_on_api_tables(
    ready_api: Ready, action: str
) -> None:
    with _as_owner(ready_api) as conn:
        for table, name in API.items():
            statement = {
                "UPDATE": "UPDATE {} SET " + API_COLUMN[table] + " = 'forged'",
                "DELETE": "DELETE FROM {}",
                "TRUNCATE": "TRUNCATE {}",
            }[action]
            with pytest.raises(
                psycopg.errors.RaiseException, match=_refusal(action, name)
            ):
                conn.execute(sql.SQL(statement).format(_table(name)))
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(_table(name))
            ).fetchone()
            assert count == (1,)


def test_api_tables_belong_to_the_owner_and_app_may_read_and_insert(
    ready_api: Ready,
) -> None:
    with _connect(ready_api.done.app_url) as conn:
        grants = conn.execute(
            "SELECT table_name, privilege_type FROM information_schema."
            "role_table_grants WHERE grantee = current_user AND table_name = ANY(%s)",
            (list(API.values()),),
        ).fetchall()
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables "
            "WHERE schemaname = %s AND tablename = ANY(%s)",
            (SCHEMA, list(API.values())),
        ).fetchall()
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (account, idem_key, body_hash, status, response, "
                "created_at) VALUES ('auditor', 'k2', 'x', 200, '{{}}', 'now')"
            ).format(_table(API["api_idempotency"]))
        )
    assert set(grants) == {
        (name, privilege) for name in API.values() for privilege in ("SELECT", "INSERT")
    }
    assert owners == [(ready_api.db.owner_role,)]


def test_init_again_adds_the_api_tables_to_an_older_store(ready: Ready) -> None:
    app = open_ledger(ready.done.app_url, keys=ready.keys, passphrase=PASSPHRASE)
    try:
        with pytest.raises(SideTablesMissingError, match="run `letopis init"):
            AccountStore(app)
    finally:
        app.close()

    again = initialise(
        ready.db.admin_url,
        ready.keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=ready.db.owner_role,
        app_role=ready.db.app_role,
        side_tables=API_TABLES,
    )

    app = open_ledger(again.app_url, keys=ready.keys, passphrase=PASSPHRASE)
    try:
        assert AccountStore(app).current() == []
    finally:
        app.close()
