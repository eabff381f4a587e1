"""The diary pages of pupils and guardians: scope, content, escaping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.diary_school import DiarySchool, diary_app
from tests.support.stores import Store
from tests.support.web import sign_in


@pytest.fixture
def diary(store: Store) -> Iterator[DiarySchool]:
    with diary_app(store) as d:
        yield d


def client_of(d: DiarySchool, login: str) -> TestClient:
    client = TestClient(d.app)
    sign_in(client, login)
    return client


def test_smoke(diary: DiarySchool) -> None:
    c = client_of(diary, "guardian")
    page = c.get(f"/app/proof/{diary.corrected}")
    print(page.status_code, page.text)
