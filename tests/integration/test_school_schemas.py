"""The schema-per-school layout keeps what Citus schema-based sharding needs
(docs/scale.md), checked on plain PostgreSQL since Citus is not installed here.

- every object `letopis init --school` makes lies in the school's own schemas
  (``school_<code>`` and ``school_<code>_views``): nothing in ``public`` or
  any shared schema, so each school's schema can be distributed (moved to a
  node) whole with ``citus_schema_distribute``;
- no foreign key reaches outside its schema ("foreign keys across distributed
  schemas are not supported");
- every sequence is BIGINT (Citus encodes the node in sequences generated on
  workers, which does not fit in smaller ones);
- while the server serves two schools (sign-in, appends, reads, sealing), no
  SQL statement it sends names the schemas of two schools.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ledger.storage.schools import SCHEMA_PREFIX, school_schema
from tests.support.pg import PostgresDatabase
from tests.support.school import WORK
from tests.support.schools import Deployment, serving, token
from tests.support.serving import DAY

A, B = "school-a", "school-b"
SYSTEM = ("pg_catalog", "information_schema", "pg_toast")


@pytest.fixture
def two_schools(
    postgres_database: PostgresDatabase, tmp_path: Path
) -> Iterator[Deployment]:
    d = Deployment("postgres", postgres_database.admin_url, tmp_path / "k")
    d.db = postgres_database
    for code in (A, B):
        d.school(code)
    yield d
    d.close()


def rows(d: Deployment, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(d.admin_base) as conn:
        return conn.execute(query).fetchall()


def school_schemas(codes: tuple[str, ...]) -> set[str]:
    return {s for c in codes for s in (school_schema(c), school_schema(c) + "_views")}


def test_every_object_lies_in_a_school_schema(two_schools: Deployment) -> None:
    d = two_schools
    mine = school_schemas((A, B))
    schemas = {
        r[0]
        for r in rows(d, "SELECT nspname FROM pg_namespace")
        if r[0] not in SYSTEM and not r[0].startswith("pg_")
    }
    assert schemas - {"public"} == mine
    placed = rows(
        d,
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_%'",
    )
    assert placed, "init made no relations"
    assert {schema for schema, _, _ in placed} <= mine
    functions = rows(
        d,
        "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = "
        "p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')",
    )
    assert {r[0] for r in functions} <= mine
    # both schools have the same tables, each in its own schema
    tables = {
        (schema.replace(school_schema(B), school_schema(A)), name)
        for schema, name, kind in placed
        if kind == "r"
    }
    assert {
        (s, n) for s, n, k in placed if k == "r" and s.startswith(school_schema(A))
    } == tables


def test_no_foreign_key_leaves_its_schema(two_schools: Deployment) -> None:
    crossing = rows(
        two_schools,
        "SELECT c.conname FROM pg_constraint c "
        "JOIN pg_class t ON t.oid = c.conrelid "
        "JOIN pg_class r ON r.oid = c.confrelid "
        "WHERE c.contype = 'f' AND t.relnamespace <> r.relnamespace",
    )
    assert crossing == []


def test_every_sequence_is_bigint(two_schools: Deployment) -> None:
    found = rows(
        two_schools,
        "SELECT schemaname, sequencename, data_type::text FROM pg_sequences "
        f"WHERE schemaname LIKE '{SCHEMA_PREFIX}%'",
    )
    assert found, "no sequence found (the events' notification id has one)"
    assert {r[2] for r in found} == {"bigint"}, found


def test_no_statement_names_two_schools(
    two_schools: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = two_schools
    sent: list[str] = []
    for cls in (psycopg.Cursor, psycopg.ServerCursor):
        _record(monkeypatch, cls, sent)
    with serving(d) as client:
        for code in (A, B):
            headers = {"Authorization": f"Bearer {token(client, f'maths@{code}')}"}
            answer = client.post(
                "/lesson-sheets", json=_sheet(d, code), headers=headers
            )
            assert answer.status_code == 201, answer.text
            assert client.get("/checkpoint", headers=headers).status_code == 200
            assert client.get("/me", headers=headers).status_code == 200
    names = re.compile(SCHEMA_PREFIX + r"[a-z0-9_]+")
    schools = [{n.removesuffix("_views") for n in names.findall(s)} for s in sent]
    assert any(school_schema(A) in s for s in schools)
    assert any(school_schema(B) in s for s in schools)
    both = [s for s, found in zip(sent, schools, strict=True) if len(found) > 1]
    assert both == []


def _record(monkeypatch: pytest.MonkeyPatch, cls: type, sent: list[str]) -> None:
    """Keep the text of every statement the cursor class runs (then run it)."""
    for method in ("execute", "executemany"):
        original = getattr(cls, method)

        def recording(
            self: Any, query: Any, *args: Any, _run: Any = original, **kw: Any
        ) -> Any:
            text = query
            if isinstance(query, sql.Composable):
                text = query.as_string(self.connection)
            sent.append(text if isinstance(text, str) else bytes(text).decode())
            return _run(self, query, *args, **kw)

        monkeypatch.setattr(cls, method, recording)


def _sheet(d: Deployment, code: str) -> dict[str, object]:
    school = d.schools[code]
    return {
        "class_id": str(school.klass("9А")),
        "subject": "math",
        "day": DAY.isoformat(),
        "number": 1,
        "topic": "Квадратные уравнения",
        "marks": [
            {"pupil": str(p), "mark": "5", "work_type": WORK} for p in school.pupils[:2]
        ],
        "absences": [],
    }
