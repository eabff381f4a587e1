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
    policy = signing_policy(request)
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


def sqlite_store(tmp_path: Path, policy: Path | None = None) -> Store:
    """An initialised SQLite store in ``tmp_path`` (first signing policy
    ``policy``, else the packaged one)."""
    keys = tmp_path / "keys"
    url = f"sqlite:///{tmp_path / 'letopis.db'}"
    done = initialise(
        url, keys, origin=ORIGIN, passphrase=PASSPHRASE, signing_policy=policy
    )
    return Store("sqlite", done.app_url, keys, url)


def signing_policy(request: pytest.FixtureRequest) -> Path | None:
    """The file a test names with ``@pytest.mark.signing_policy(PATH)``."""
    marker = request.node.get_closest_marker("signing_policy")
    return None if marker is None else Path(marker.args[0])
