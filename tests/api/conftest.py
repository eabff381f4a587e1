from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.server.tables import API_TABLES
from tests.support.serving import Served, serve
from tests.support.stores import Store, initialised_store


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store prepared as `letopis init` prepares it: with the API's tables."""
    yield from initialised_store(request, tmp_path, API_TABLES)


@pytest.fixture
def served(store: Store) -> Iterator[Served]:
    with serve(store) as s:
        yield s
