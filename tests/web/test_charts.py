"""Charts: smoke."""

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


def test_smoke(diary: DiarySchool) -> None:
    c = TestClient(diary.app)
    sign_in(c, "guardian")
    page = c.get(f"/app/charts/pupil/{diary.ivanov}")
    print(page.status_code, page.text[:20000])
    c = TestClient(diary.app)
    sign_in(c, "deputy")
    page = c.get("/app/charts")
    print(page.status_code, page.text[-3000:])
    page = c.get(f"/app/charts/class/{diary.school.klass('9А')}")
    print(page.status_code, page.text[-9000:])
