"""Shared fixtures: a key directory and a ledger on every store kind.

PostgreSQL tests create their own database and drop it afterwards. Where no
PostgreSQL server answers they skip with the reason, unless
``LETOPIS_REQUIRE_POSTGRES`` is set (CI), where that skip is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

from ledger.application import LedgerApplication
from ledger.keys.directory import KeyDirectory
from ledger.storage.init import SideTable, initialise

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("local", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "local"))

PASSPHRASE = "test-passphrase"
ORIGIN = "letopis.test/school-1"
PG_ADMIN = os.environ.get("LETOPIS_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def _pg_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(f"{PG_ADMIN}/postgres", connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"PostgreSQL at {PG_ADMIN} is unreachable: {e}"


def require_postgres() -> None:
    reason = _pg_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("LETOPIS_REQUIRE_POSTGRES"):
        pytest.fail(f"LETOPIS_REQUIRE_POSTGRES is set but {reason}")
    pytest.skip(f"SKIPPING POSTGRESQL TEST: {reason}")


@dataclass
class PostgresDatabase:
    """A throwaway database and per-database role names."""

    name: str

    @property
    def admin_url(self) -> str:
        return f"{PG_ADMIN}/{self.name}"

    @property
    def owner_role(self) -> str:
        return f"{self.name}_owner"

    @property
    def app_role(self) -> str:
        return f"{self.name}_app"


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    require_postgres()
    db = PostgresDatabase(f"letopis_t_{uuid.uuid4().hex[:12]}")
    with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{db.name}"')
    try:
        yield db
    finally:
        with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
            for role in (db.app_role, db.owner_role):
                c.execute(f'DROP ROLE IF EXISTS "{role}"')


@dataclass
class Store:
    """An initialised store: where it is, its keys, and how to open it.

    Every application opened through it is closed when the test ends, so
    PostgreSQL connections never pile up.
    """

    kind: str
    url: str
    keys: Path
    admin_url: str
    opened: list[LedgerApplication] = field(default_factory=list)

    def close_all(self) -> None:
        for app in self.opened:
            app.close()
        self.opened.clear()

    @property
    def key_directory(self) -> KeyDirectory:
        return KeyDirectory.open(self.keys, PASSPHRASE)

    def open(self, *, verify_on_read: bool = True) -> LedgerApplication:
        """The ledger on this store; it signs under the policy the log holds
        (`init` adopted the test's ``signing_policy`` marker, else the packaged)."""
        from ledger.storage.stores import open_ledger

        app = open_ledger(
            self.url,
            keys=self.keys,
            passphrase=PASSPHRASE,
            verify_on_read=verify_on_read,
        )
        self.opened.append(app)
        return app


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An initialised, empty ledger store on SQLite and on PostgreSQL."""
    yield from initialised_store(request, tmp_path)


def initialised_store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    side_tables: Sequence[SideTable] = (),
) -> Iterator[Store]:
    """A store of kind ``request.param``, made by `initialise` as `init` does
    (with ``side_tables``, as `letopis init` passes the HTTP API's). Its first
    signing policy is the packaged one, or the file a test names with
    ``@pytest.mark.signing_policy(PATH)``."""
    keys = tmp_path / "keys"
    policy = _signing_policy(request)
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'letopis.db'}"
        done = initialise(
            url,
            keys,
            origin=ORIGIN,
            passphrase=PASSPHRASE,
            side_tables=side_tables,
            signing_policy=policy,
        )
        sqlite = Store("sqlite", done.app_url, keys, url)
        yield sqlite
        sqlite.close_all()
        return
    db: PostgresDatabase = request.getfixturevalue("postgres_database")
    done = initialise(
        db.admin_url,
        keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=db.owner_role,
        app_role=db.app_role,
        side_tables=side_tables,
        signing_policy=policy,
    )
    postgres = Store("postgres", done.app_url, keys, db.admin_url)
    yield postgres
    postgres.close_all()


@pytest.fixture
def sqlite_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An initialised SQLite store (its first signing policy as for `store`)."""
    keys = tmp_path / "keys"
    url = f"sqlite:///{tmp_path / 'letopis.db'}"
    done = initialise(
        url,
        keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        signing_policy=_signing_policy(request),
    )
    return Store("sqlite", done.app_url, keys, url)


def _signing_policy(request: pytest.FixtureRequest) -> Path | None:
    """The file a test names with ``@pytest.mark.signing_policy(PATH)``."""
    marker = request.node.get_closest_marker("signing_policy")
    return None if marker is None else Path(marker.args[0])
