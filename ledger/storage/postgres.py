"""`letopis init` on PostgreSQL: roles, schema, tables, append-only triggers, grants.

Two roles keep the log append-only in the database as well as in the code:

- the **owner** role (NOLOGIN) owns the schema, the eventsourcing tables and the
  trigger function; nobody logs in as it;
- the **application** role (LOGIN) may read and append, nothing else.

Triggers refuse UPDATE, DELETE and TRUNCATE on both tables, for every role
(the owner included). The caller's side tables (``extra``: the HTTP API's
accounts, idempotent responses and access log) get the same treatment, in
the same schema: they are records, not views to rebuild, so the application
role must not be able to drop them or their triggers. What a superuser
could still do, and how signed checkpoints detect it, is in
``docs/postgres.md``.

The administrator is the user of the store URL given to `letopis init`: a
superuser, or a role with CREATEROLE and CREATE on the database. Every step
is idempotent, so running `init` again completes or repairs a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresFactory
from eventsourcing.utils import Environment
from psycopg import sql

from ledger.application import LedgerApplication
from ledger.errors import LedgerError
from ledger.storage.disposal import postgres_disposal_ddl
from ledger.storage.records_view import VIEWS_PREPARE, postgres_view_functions
from ledger.storage.stores import StoreURL
from ledger.storage.tables import (
    POSTGRES_LOG_TABLES,
    POSTGRES_REFUSED,
    TRIGGER_FUNCTION,
    TRIGGER_FUNCTION_DDL,
    SideTable,
    postgres_log_schema,
    postgres_trigger_ddl,
    trigger_name,
    views_schema,
)

NAME_RULE = "a lowercase identifier: a-z, 0-9 and _, not starting with a digit"
NEEDED = (
    "connect as a PostgreSQL superuser, or as a role with CREATEROLE and CREATE "
    "on the database"
)
# PostgreSQL 17 added MAINTAIN, which allows LOCK TABLE without any right to
# change rows; before it, LOCK ... IN EXCLUSIVE MODE needs UPDATE, DELETE or
# TRUNCATE (see `_lock_privilege`).
MAINTAIN_SINCE = 170000
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_MAX_NAME_BYTES = 63

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresSetupError(LedgerError):
    """The PostgreSQL store could not be prepared; the message says why."""


class AdminPrivilegeError(PostgresSetupError):
    """The administrator in the store URL may not create roles or the schema."""


@dataclass(frozen=True)
class PostgresRoles:
    """The owner role (NOLOGIN) and the application role (LOGIN) of one store."""

    owner: str
    app: str
    password: str | None = None

    def __post_init__(self) -> None:
        check_name("owner role", self.owner)
        check_name("application role", self.app)
        if self.owner == self.app:
            msg = (
                f"owner and application role are both {self.owner!r}; they must differ"
            )
            raise PostgresSetupError(msg)
        if self.password == "":
            msg = "the application role's password is empty; give one or None"
            raise PostgresSetupError(msg)


@dataclass(frozen=True)
class Tables:
    """The schema and the names the eventsourcing factory gave the two tables."""

    schema: str
    events: str
    snapshots: str
    log: tuple[str, ...] = POSTGRES_LOG_TABLES

    @property
    def all(self) -> tuple[str, ...]:
        """Every append-only table: events, snapshots and the Merkle log's."""
        return (self.events, self.snapshots, *self.log)

    def ident(self, table: str) -> sql.Identifier:
        return sql.Identifier(self.schema, table)


def check_name(what: str, name: str) -> None:
    """Refuse a role or schema name that is not a plain lowercase identifier."""
    too_long = len(name.encode()) > _MAX_NAME_BYTES
    if not _NAME.fullmatch(name) or too_long or name.startswith("pg_"):
        msg = (
            f"{what} {name!r} is not usable: use {NAME_RULE}, at most "
            f"{_MAX_NAME_BYTES} bytes, not starting with pg_"
        )
        raise PostgresSetupError(msg)


def prepare_postgres(
    store: StoreURL, roles: PostgresRoles, extra: Sequence[SideTable] = ()
) -> str:
    """Prepare the store at ``store`` and return the application role's URL.

    ``extra`` side tables are created as the owner in the events' schema,
    append-only, the application role granted SELECT and INSERT only.
    """
    schema = store.schema
    check_name("schema", schema)
    with _admin_connection(store) as conn:
        # 1. Check the administrator before anything is written.
        with _converted("check the administrator's privileges"):
            _check_admin(conn, roles)
            _check_existing_roles(conn, roles)
            _check_schema_owner(conn, schema, roles.owner)
        # 2. Roles and the schema, in one transaction.
        with _converted("create the roles and the schema"), conn.transaction():
            _create_roles(conn, roles)
            _create_schema(conn, schema, roles)
    # 3. The tables, made by the library's own recorders, as the owner.
    with _converted("create the event and snapshot tables as the owner role"):
        tables = _create_tables(store, roles.owner)
    # 4-5. Triggers and grants, in one transaction, as the owner.
    step = "install triggers and grants"
    with _admin_connection(store) as conn, _converted(step), conn.transaction():
        _set_role(conn, roles.owner)
        for statement in postgres_log_schema(tables.schema):
            conn.execute(sql.SQL(statement))
        _install_triggers(conn, tables.schema, tables.all)
        _create_view_functions(conn, tables, roles)
        for statement in postgres_disposal_ddl(tables.schema, roles.app):
            conn.execute(sql.SQL(statement))
        _grant(conn, tables, roles.app)
        _create_side_tables(conn, tables.schema, extra, roles.app)
    # 6. The URL the application uses from now on.
    return app_url(store, roles)


def app_url(store: StoreURL, roles: PostgresRoles) -> str:
    """``postgresql://app[:password]@host:port/dbname?schema=name``."""
    env = store.env
    user = roles.app
    if roles.password is not None:
        user += ":" + quote(roles.password, safe="")
    host = env["POSTGRES_HOST"]
    if ":" in host:
        host = f"[{host}]"
    dbname = quote(env["POSTGRES_DBNAME"], safe="")
    port = env["POSTGRES_PORT"]
    return f"postgresql://{user}@{host}:{port}/{dbname}?schema={store.schema}"


# -- connections and error conversion -------------------------------------------


@contextmanager
def _admin_connection(store: StoreURL) -> Iterator[Connection]:
    env = store.env
    where = (
        f"{env['POSTGRES_USER']!r} at {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}"
        f"/{env['POSTGRES_DBNAME']}"
    )
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
    except psycopg.Error as e:
        msg = f"cannot connect to PostgreSQL as {where}: {_first_line(e)}"
        raise PostgresSetupError(msg) from e
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _converted(step: str) -> Iterator[None]:
    """Turn driver and library errors into ledger errors that name the step."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as e:
        msg = f"cannot {step}: {_first_line(e)}; {NEEDED}"
        raise AdminPrivilegeError(msg) from e
    except (psycopg.Error, PersistenceError) as e:
        msg = f"cannot {step}: PostgreSQL said: {_first_line(e)}"
        raise PostgresSetupError(msg) from e


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _one(conn: Connection, query: sql.SQL, *params: object) -> Any:
    row = conn.execute(query, params or None).fetchone()
    return None if row is None else row[0]


def _set_role(conn: Connection, role: str) -> None:
    conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))


# -- 1. checks ------------------------------------------------------------------


def _check_admin(conn: Connection, roles: PostgresRoles) -> None:
    row = conn.execute(
        "SELECT current_user, rolsuper, rolcreaterole, "
        "has_database_privilege(current_database(), 'CREATE') "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row is not None
    user, superuser, createrole, create_db = row
    if user in (roles.owner, roles.app):
        msg = (
            f"the administrator {user!r} is also the owner or application role; "
            f"{NEEDED} other than {roles.owner!r} and {roles.app!r}"
        )
        raise AdminPrivilegeError(msg)
    if not superuser and not (createrole and create_db):
        lacks = "CREATEROLE" if not createrole else "CREATE on the database"
        msg = (
            f"PostgreSQL user {user!r} may not prepare the store: it lacks {lacks}; "
            f"{NEEDED} (the store URL given to `letopis init` names the "
            "administrator, the application then uses its own role)"
        )
        raise AdminPrivilegeError(msg)


def _check_existing_roles(conn: Connection, roles: PostgresRoles) -> None:
    """Refuse roles that would defeat the triggers: superusers, or app in owner."""
    for role in (roles.owner, roles.app):
        query = "SELECT rolsuper FROM pg_roles WHERE rolname = %s"
        if _one(conn, sql.SQL(query), role):
            msg = f"role {role!r} is a superuser; use a role without SUPERUSER"
            raise PostgresSetupError(msg)
    if _role_exists(conn, roles.owner) and _role_exists(conn, roles.app):
        query = "SELECT pg_has_role(%s::name, %s::name, 'MEMBER')"
        if _one(conn, sql.SQL(query), roles.app, roles.owner):
            msg = (
                f"application role {roles.app!r} is a member of owner role "
                f"{roles.owner!r} and could disable the triggers; "
                f"REVOKE {roles.owner} FROM {roles.app} first"
            )
            raise PostgresSetupError(msg)


def _check_schema_owner(conn: Connection, schema: str, owner: str) -> None:
    query = "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s"
    found = _one(conn, sql.SQL(query), schema)
    if found is not None and found != owner:
        msg = (
            f"schema {schema!r} already exists and belongs to {found!r}, not to the "
            f"owner role {owner!r}; choose another ?schema= in the store URL or "
            f"ALTER SCHEMA {schema} OWNER TO {owner}"
        )
        raise PostgresSetupError(msg)


def _role_exists(conn: Connection, role: str) -> bool:
    query = sql.SQL("SELECT 1 FROM pg_roles WHERE rolname = %s")
    return _one(conn, query, role) is not None


# -- 2. roles and schema ----------------------------------------------------------


def _create_roles(conn: Connection, roles: PostgresRoles) -> None:
    owner, app = sql.Identifier(roles.owner), sql.Identifier(roles.app)
    verb = "ALTER" if _role_exists(conn, roles.owner) else "CREATE"
    conn.execute(sql.SQL(verb + " ROLE {} NOLOGIN").format(owner))
    verb = "ALTER" if _role_exists(conn, roles.app) else "CREATE"
    login = sql.SQL(verb + " ROLE {} LOGIN").format(app)
    if roles.password is not None:
        # libpq hashes the password (SCRAM), so it never reaches the server or
        # its statement log in clear.
        hashed = conn.pgconn.encrypt_password(
            roles.password.encode(), roles.app.encode()
        )
        login += sql.SQL(" PASSWORD {}").format(sql.Literal(hashed.decode()))
    conn.execute(login)
    # The administrator acts as the owner (SET ROLE) to create what the owner
    # owns; a non-superuser administrator needs membership for that.
    query = sql.SQL("SELECT pg_has_role(current_user, %s::name, 'MEMBER')")
    if not _one(conn, query, roles.owner):
        conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(owner))


def _create_schema(conn: Connection, schema: str, roles: PostgresRoles) -> None:
    name, owner = sql.Identifier(schema), sql.Identifier(roles.owner)
    app = sql.Identifier(roles.app)
    conn.execute(
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(name, owner)
    )
    _set_role(conn, roles.owner)
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC, {}").format(name, app))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(name, app))
    conn.execute(sql.SQL("RESET ROLE"))
    _create_views_schema(conn, views_schema(schema), roles)


def _create_views_schema(conn: Connection, schema: str, roles: PostgresRoles) -> None:
    """Projections are rebuilt by dropping and replaying them, so the application
    role may create (and so drop) tables here; never in the events' schema."""
    check_name("views schema", schema)
    name, owner = sql.Identifier(schema), sql.Identifier(roles.owner)
    conn.execute(
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(name, owner)
    )
    _set_role(conn, roles.owner)
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(name))
    conn.execute(
        sql.SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(
            name, sql.Identifier(roles.app)
        )
    )
    conn.execute(sql.SQL("RESET ROLE"))


def _create_view_functions(
    conn: Connection, tables: Tables, roles: PostgresRoles
) -> None:
    """The owner's functions that build the records view (as the owner, after
    the trigger function they call exists), then an empty set of views unless
    a current one is there: views an older version made, which the
    application role could write, are replaced."""
    views = views_schema(tables.schema)
    for statement in postgres_view_functions(
        views, tables.schema, tables.events, roles.app
    ):
        conn.execute(sql.SQL(statement))
    conn.execute(sql.SQL("SELECT {}()").format(sql.Identifier(views, VIEWS_PREPARE)))


# -- 3. tables --------------------------------------------------------------------


def _create_tables(store: StoreURL, owner: str) -> Tables:
    """Let the library's recorders create their tables, acting as ``owner``.

    The eventsourcing factory has no setting for SET ROLE, but libpq's startup
    option ``-c role=...`` makes each connection of the factory's pool act as
    the owner from its first statement. So every object the library creates
    (tables, primary keys, the notification id sequence and index, the
    composite type) belongs to the owner, and nothing here needs to know those
    objects to hand them over afterwards with ALTER ... OWNER.
    """
    env = Environment(
        LedgerApplication.name,
        {
            **store.env,
            "CREATE_TABLE": "y",
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",  # DESIGN §8: keep it off
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "0",
            "POSTGRES_CONNECT_TIMEOUT": "10",
        },
    )
    factory = PostgresFactory(env)
    try:
        kwargs = factory.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        kwargs["options"] = f"-c role={owner}"  # a checked identifier: no quoting
        events = factory.application_recorder()
        snapshots = factory.aggregate_recorder("snapshots")
    finally:
        factory.close()
    assert isinstance(events, PostgresAggregateRecorder)
    assert isinstance(snapshots, PostgresAggregateRecorder)
    return Tables(store.schema, events.events_table_name, snapshots.events_table_name)


# -- 4. triggers ------------------------------------------------------------------


def _install_triggers(conn: Connection, schema: str, tables: Sequence[str]) -> None:
    function = sql.Identifier(schema, TRIGGER_FUNCTION)
    conn.execute(sql.SQL(TRIGGER_FUNCTION_DDL).format(function))
    for table in tables:
        for action, level in POSTGRES_REFUSED:
            name = sql.Identifier(trigger_name(table, action))
            conn.execute(
                sql.SQL(postgres_trigger_ddl(action, level)).format(
                    name, sql.Identifier(schema, table), function
                )
            )


def _create_side_tables(
    conn: Connection, schema: str, extra: Sequence[SideTable], app_role: str
) -> None:
    """Create, protect and grant the caller's side tables, as the owner."""
    if not extra:
        return
    names = tuple(side.postgres_name for side in extra)
    for side, name in zip(extra, names, strict=True):
        conn.execute(sql.SQL(side.postgres_ddl()).format(sql.Identifier(schema, name)))
    _install_triggers(conn, schema, names)
    app = sql.Identifier(app_role)
    listed = sql.SQL(", ").join(sql.Identifier(schema, t) for t in names)
    conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(listed, app))
    conn.execute(sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(listed, app))
    for sequence in _owned_sequences(conn, schema, names):
        conn.execute(
            sql.SQL("REVOKE ALL ON SEQUENCE {} FROM PUBLIC, {}").format(sequence, app)
        )
        conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sequence, app))


def _owned_sequences(
    conn: Connection, schema: str, tables: Sequence[str]
) -> list[sql.Identifier]:
    """Sequences of serial or identity columns of ``tables`` (nextval only)."""
    query = sql.SQL(
        "SELECT s.relname FROM pg_depend d "
        "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = %s AND t.relname = ANY(%s) AND d.deptype IN ('a', 'i')"
    )
    rows = conn.execute(query, (schema, list(tables))).fetchall()
    return [sql.Identifier(schema, row[0]) for row in rows]


# -- 5. grants --------------------------------------------------------------------


def _grant(conn: Connection, tables: Tables, app_role: str) -> None:
    """Exactly what the application needs; REVOKE first, so re-runs converge."""
    app = sql.Identifier(app_role)
    both = sql.SQL(", ").join(tables.ident(t) for t in tables.all)
    conn.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM PUBLIC, {}").format(both, app))
    conn.execute(sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(both, app))
    lock = _lock_privilege(conn)
    conn.execute(
        sql.SQL("GRANT " + lock + " ON TABLE {} TO {}").format(
            tables.ident(tables.events), app
        )
    )
    sequence = _notification_sequence(conn, tables)
    conn.execute(
        sql.SQL("REVOKE ALL ON SEQUENCE {} FROM PUBLIC, {}").format(sequence, app)
    )
    # USAGE allows nextval() for the bigserial default; not setval().
    conn.execute(sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(sequence, app))


def _lock_privilege(conn: Connection) -> str:
    """The least privilege that lets the recorder LOCK the events table.

    The eventsourcing recorder runs ``LOCK TABLE ... IN EXCLUSIVE MODE`` before
    each insert, so that commit order equals notification id order. PostgreSQL
    15 allows that lock mode only with UPDATE, DELETE or TRUNCATE on the table;
    17 also with MAINTAIN, which changes no row and is then the choice. Of the
    three, TRUNCATE is the narrowest: its BEFORE TRUNCATE statement trigger
    refuses every use, even on an empty table; it cannot change or remove
    chosen rows (a quiet forgery) but only everything at once; and unlike
    UPDATE it gives no row locks (SELECT ... FOR UPDATE).
    """
    return "MAINTAIN" if conn.info.server_version >= MAINTAIN_SINCE else "TRUNCATE"


def _notification_sequence(conn: Connection, tables: Tables) -> sql.Identifier:
    qualified = tables.ident(tables.events).as_string(conn)
    query = sql.SQL(
        "SELECT n.nspname, c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = pg_get_serial_sequence(%s, 'notification_id')::regclass"
    )
    row = conn.execute(query, (qualified,)).fetchone()
    if row is None:
        msg = f"table {qualified} has no notification_id sequence"
        raise PostgresSetupError(msg)
    return sql.Identifier(row[0], row[1])
