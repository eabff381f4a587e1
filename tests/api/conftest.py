from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.serving import Served, serve
from tests.conftest import Store


@pytest.fixture
def served(store: Store) -> Iterator[Served]:
    with serve(store) as s:
        yield s
