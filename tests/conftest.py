"""Shared fixtures: a key directory and a ledger on every store kind.

The helpers behind them are in ``tests/support/``. PostgreSQL tests create
their own database and drop it afterwards. Where no PostgreSQL server answers
they skip with the reason, unless ``LETOPIS_REQUIRE_POSTGRES`` is set (CI),
where that skip is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support import stores
from tests.support.pg import PostgresDatabase, throwaway_database
from tests.support.stores import Store, initialised_store, require_postgres

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("local", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "local"))


@pytest.fixture
def postgres_database() -> Iterator[PostgresDatabase]:
    require_postgres()
    with throwaway_database("letopis_t") as db:
        yield db


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An initialised, empty ledger store on SQLite and on PostgreSQL."""
    yield from initialised_store(request, tmp_path)


@pytest.fixture
def sqlite_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An initialised SQLite store (its first signing policy as for `store`)."""
    return stores.sqlite_store(tmp_path, stores.signing_policy(request))
