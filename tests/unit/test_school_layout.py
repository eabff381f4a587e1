"""Where a school of a deployment lives: schema, file, key directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.storage.schools import (
    SchoolCodeError,
    SchoolEntry,
    list_schools,
    school_keys,
    school_schema,
    school_store,
)
from ledger.storage.stores import parse_store_url


def test_a_school_has_its_own_schema_on_postgres() -> None:
    url = school_store("postgresql://app:pw@db:5433/region?schema=school_x", "n-7")
    store = parse_store_url(url)
    assert store.schema == "school_n_7"
    assert store.env["POSTGRES_DBNAME"] == "region"
    assert store.env["POSTGRES_PORT"] == "5433"
    assert store.env["POSTGRES_PASSWORD"] == "pw"
    assert school_schema("school-131") == "school_school_131"


def test_a_school_has_its_own_file_on_sqlite(tmp_path: Path) -> None:
    url = school_store(f"sqlite:///{tmp_path}/schools", "n-7")
    assert parse_store_url(url).sqlite_path == tmp_path / "schools" / "n-7.db"
    assert school_keys(tmp_path / "keys", "n-7") == tmp_path / "keys" / "n-7"


@pytest.mark.parametrize(
    "code", ["", "School-1", "a_b", "-a", "a/b", "../x", "a" * 49, "школа"]
)
def test_a_code_that_cannot_name_a_schema_is_refused(code: str) -> None:
    with pytest.raises(SchoolCodeError, match=r"school code .* is not usable: use"):
        school_schema(code)
    with pytest.raises(SchoolCodeError):
        school_keys("/keys", code)


def test_the_schools_are_the_key_directories(tmp_path: Path) -> None:
    for code, origin in (("b-2", "letopis.test/b"), ("a-1", "letopis.test/a")):
        (tmp_path / code).mkdir()
        (tmp_path / code / "letopis.json").write_text(
            json.dumps({"origin": origin, "log_key": "k"})
        )
    (tmp_path / "not_a_school").mkdir()  # `_` is not in a code
    (tmp_path / "c-3").mkdir()  # no letopis.json: not made by init
    assert list_schools(tmp_path) == [
        SchoolEntry("a-1", "letopis.test/a"),
        SchoolEntry("b-2", "letopis.test/b"),
    ]
    assert list_schools(tmp_path / "absent") == []
