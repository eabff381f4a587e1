"""A deployment of several schools on one store (SQLite directory or one
PostgreSQL database), each made as `letopis init --school` makes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.server.accounts import Account, AccountStore
from api.server.app import create_app
from api.server.tables import API_TABLES
from ledger.storage.init import initialise
from ledger.storage.schools import school_keys, school_store
from tests.support.pg import PostgresDatabase
from tests.support.school import SmallSchool, build
from tests.support.serving import PASSWORD, settings_for
from tests.support.stores import PASSPHRASE, Store

MUNICIPALITY = "gorono"


@dataclass
class Deployment:
    """Where the schools live: the base store URL (admin and application) and
    the keys root."""

    kind: str
    admin_base: str
    keys: Path
    db: PostgresDatabase | None = None
    stores: dict[str, Store] = field(default_factory=dict)
    schools: dict[str, SmallSchool] = field(default_factory=dict)

    def roles(self) -> dict[str, str]:
        if self.db is None:
            return {}
        return {"owner_role": self.db.owner_role, "app_role": self.db.app_role}

    def add(self, code: str) -> Store:
        """A new school, as `letopis init --school CODE` makes it."""
        keys = school_keys(self.keys, code)
        admin = school_store(self.admin_base, code)
        done = initialise(
            admin,
            keys,
            origin=f"letopis.test/{code}",
            passphrase=PASSPHRASE,
            side_tables=API_TABLES,
            **self.roles(),
        )
        store = Store(self.kind, done.app_url, keys, admin)
        self.stores[code] = store
        return store

    def school(self, code: str) -> SmallSchool:
        """The small school's records, a teacher whose key the server keeps,
        and an auditor, in school ``code`` (made now, unless it was made)."""
        store = self.stores.get(code) or self.add(code)
        school = build(store, code=code)
        store.key_directory.add_signer("maths", school.keys["maths"])
        teacher = Account(
            "maths", ("teacher", "class_teacher"), school.staff("maths"), (), "maths"
        )
        self.accounts(code, teacher, Account("auditor", ("auditor",)))
        self.schools[code] = school
        return school

    def accounts(self, code: str, *accounts: Account) -> None:
        """Add ``accounts`` to school ``code``, as `letopis accounts add` does."""
        ledger = self.stores[code].open()
        store = AccountStore(ledger, PasswordHasher(time_cost=1, memory_cost=1024))
        for account in accounts:
            store.add(account, PASSWORD)

    @property
    def app_base(self) -> str:
        """The base URL the server uses (the application role on PostgreSQL):
        any school's URL, whose schema the server replaces per school; on
        SQLite the directory of the schools' files."""
        if self.db is None:
            return self.admin_base
        return next(iter(self.stores.values())).url

    def close(self) -> None:
        for store in self.stores.values():
            store.close_all()


def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Deployment:
    """An empty deployment of kind ``request.param`` (sqlite or postgres)."""
    if request.param == "sqlite":
        return Deployment("sqlite", f"sqlite:///{tmp_path / 'schools'}", tmp_path / "k")
    db: PostgresDatabase = request.getfixturevalue("postgres_database")
    return Deployment("postgres", db.admin_url, tmp_path / "k", db)


@contextmanager
def serving(d: Deployment, **settings: Any) -> Iterator[TestClient]:
    """The server of many schools on ``d`` (default school: the first made)."""
    base = Store(d.kind, d.app_base, d.keys, d.admin_base)
    values = {
        "many_schools": True,
        "school": next(iter(d.stores)),
        "municipality": MUNICIPALITY,
        **settings,
    }
    app = create_app(settings_for(base, **values), clock=_clock())
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.schools.close()


def _clock() -> Any:
    from datetime import UTC, datetime

    from tests.support.serving import DAY

    return lambda: datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC)


def token(client: TestClient, username: str) -> str:
    answer = client.post("/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    found: str = answer.json()["access_token"]
    return found
