"""The stores the ``store`` fixtures hand out: initialised as `letopis init` does.

PostgreSQL stores live in a throwaway database (``tests/support/pg.py``). Where
no PostgreSQL server answers, a test that needs one skips with the reason,
unless ``LETOPIS_REQUIRE_POSTGRES`` is set (CI), where that skip is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ledger.application import LedgerApplication
from ledger.keys.directory import KeyDirectory
from ledger.storage.init import SideTable, initialise
from tests.support.pg import PostgresDatabase, unreachable_reason

PASSPHRASE = "test-passphrase"
ORIGIN = "letopis.test/school-1"


def require_postgres() -> None:
    """Skip (or, with ``LETOPIS_REQUIRE_POSTGRES``, fail) when PostgreSQL is away."""
    reason = unreachable_reason()
    if reason is None:
        return
    if os.environ.get("LETOPIS_REQUIRE_POSTGRES"):
        pytest.fail(f"LETOPIS_REQUIRE_POSTGRES is set but {reason}")
    pytest.skip(f"SKIPPING POSTGRESQL TEST: {reason}")


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

    def open(
        self, *, verify_on_read: bool = True, policy: Path | None = None
    ) -> LedgerApplication:
        from ledger.storage.stores import open_ledger

        extra = {"LETOPIS_SIGNING_POLICY": str(policy)} if policy else {}
        app = open_ledger(
            self.url,
            keys=self.keys,
            passphrase=PASSPHRASE,
            verify_on_read=verify_on_read,
            extra_env=extra,
        )
        self.opened.append(app)
        return app


def initialised_store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    side_tables: Sequence[SideTable] = (),
) -> Iterator[Store]:
    """A store of kind ``request.param``, made by `initialise` as `init` does
    (with ``side_tables``, as `letopis init` passes the HTTP API's)."""
    keys = tmp_path / "keys"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'letopis.db'}"
        done = initialise(
            url, keys, origin=ORIGIN, passphrase=PASSPHRASE, side_tables=side_tables
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
    )
    postgres = Store("postgres", done.app_url, keys, db.admin_url)
    yield postgres
    postgres.close_all()


def sqlite_store(tmp_path: Path) -> Store:
    """An initialised SQLite store in ``tmp_path``."""
    keys = tmp_path / "keys"
    url = f"sqlite:///{tmp_path / 'letopis.db'}"
    done = initialise(url, keys, origin=ORIGIN, passphrase=PASSPHRASE)
    return Store("sqlite", done.app_url, keys, url)
