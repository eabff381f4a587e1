"""PostgreSQL: the report views are written by the owner role only (issue 15).

The application role may read the view tables and ask the owner's functions to
bring them up to the log or to build a new set; any row it tries to write is
refused by the database (no privilege), and UPDATE, DELETE and TRUNCATE are
refused to the owner role too (the append-only triggers). Reports still render
from views that follow the log, and a rebuild swaps in a whole new set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import psycopg
import pytest
from psycopg import sql

from ledger.log import Sealer
from ledger.records.journal import MarkInput
from ledger.storage.init import initialise
from ledger.storage.records_view import OWNED_TABLES
from ledger.storage.stores import parse_store_url
from ledger.storage.tables import views_schema
from projections.audit import audit_views
from projections.owned import OwnerViewsError
from projections.reports import Reports
from projections.reports.source import views_runner
from projections.runner import ProjectionRunner
from projections.views import TABLES
from tests.support.marked import lesson_on, marked_school
from tests.support.pg import PostgresDatabase
from tests.support.rawsql import view_table
from tests.support.school import WORK
from tests.support.stores import ORIGIN, PASSPHRASE, Store

pytestmark = pytest.mark.parametrize("store", ["postgres"], indirect=True)

Connection = psycopg.Connection[tuple[Any, ...]]
FORGE = 'replace(data, \'"mark":"3"\', \'"mark":"5"\')'
MARKS = "Отметки и посещаемость"
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def built(store: Store) -> tuple[Any, ProjectionRunner]:
    app = marked_school(store).s.app
    runner = views_runner(app)
    runner.run()
    return app, runner


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A connection as the user of a store URL (its ``?schema=`` dropped)."""
    plain = url.split("?", 1)[0]
    with psycopg.connect(plain, autocommit=True) as connection:
        yield connection


def schema_of(store: Store) -> str:
    return views_schema(parse_store_url(store.url).schema)


def function(store: Store, name: str) -> str:
    return f"{schema_of(store)}.letopis_views_{name}"


def rows(store: Store, table: str = "view_journal") -> list[tuple[Any, ...]]:
    with connected(store.admin_url) as c:
        found = c.execute(f"SELECT * FROM {view_table(store.url, table)} ORDER BY 1")
        return found.fetchall()


def tables(store: Store) -> dict[str, tuple[int, str]]:
    """Each table of the views' schema: its oid and owner."""
    with connected(store.admin_url) as c:
        found = c.execute(
            "SELECT tablename, (quote_ident(schemaname) || '.' || "
            "quote_ident(tablename))::regclass::oid::bigint, tableowner "
            "FROM pg_tables WHERE schemaname = %s",
            (schema_of(store),),
        ).fetchall()
    return {name: (oid, owner) for name, oid, owner in found}


def test_the_application_role_cannot_write_a_view_row(store: Store) -> None:
    built(store)
    journal = view_table(store.url, "view_journal")
    position = view_table(store.url, "records_position")
    refused = (
        f"INSERT INTO {journal} SELECT position + 1000000, at, event, type, stream, "
        "class_id, pupil, subject, year, day, target, data, leaf_index, leaf_hash "
        f"FROM {journal} LIMIT 1",
        f"UPDATE {journal} SET data = {FORGE} WHERE type = 'journal.MarkRecorded'",
        f"DELETE FROM {journal}",
        f"TRUNCATE {journal}",
        f"INSERT INTO {position} (position, entries) VALUES (999999, 999999)",
        f"UPDATE {position} SET position = position + 1",
        f"ALTER TABLE {journal} DISABLE TRIGGER USER",
        f"ALTER TABLE {journal} RENAME TO gone",
        f"DROP TABLE {journal}",
    )
    before = rows(store)
    with connected(store.url) as c:
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(statement)
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege),
            c.cursor().copy(f"COPY {journal} FROM STDIN") as copy,
        ):
            copy.write_row(before[0])
        assert c.execute(f"SELECT count(*) FROM {journal}").fetchone() == (len(before),)
        privileges = {
            (table, write): c.execute(
                "SELECT has_table_privilege(current_user, %s, %s)",
                (view_table(store.url, table), write),
            ).fetchone()
            for table in OWNED_TABLES
            for write in (*WRITES, "SELECT")
        }
        me = c.info.user
    assert rows(store) == before
    assert privileges == {
        (table, write): (write == "SELECT",)
        for table in OWNED_TABLES
        for write in (*WRITES, "SELECT")
    }
    owners = {owner for _, owner in tables(store).values()}
    assert owners
    assert me not in owners


def test_the_owner_role_too_is_refused_updates_deletes_and_truncates(
    store: Store,
) -> None:
    built(store)
    journal = view_table(store.url, "view_journal")
    [owner] = {owner for _, owner in tables(store).values()}
    before = rows(store)
    with connected(store.admin_url) as c:
        c.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(owner)))
        for statement, action in (
            (f"UPDATE {journal} SET data = {FORGE}", "UPDATE"),
            (f"DELETE FROM {journal}", "DELETE"),
            (f"TRUNCATE {journal}", "TRUNCATE"),
        ):
            refusal = f"letopis_view_journal is append-only; {action} is not allowed"
            with pytest.raises(psycopg.errors.RaiseException, match=refusal):
                c.execute(statement)
    assert rows(store) == before


def test_reports_render_from_views_the_owner_brought_up_to_date(store: Store) -> None:
    s = marked_school(store).s
    params = {"class": "9А", "subject": "math", "period": "Q2"}
    Reports(s.app).render("journal", params, "json")
    caught_up = rows(store, "records_position")
    stream = lesson_on(s, date(2024, 11, 5), MarkInput(s.pupils[0], "2", WORK))
    Sealer(s.app).seal()
    report = json.loads(Reports(s.app).render("journal", params, "json").body)
    [marks] = [t["rows"] for t in report["tables"] if t["title"] == MARKS]
    assert marks[0][2:4] == ["2", "2,00"]
    assert any(row[4] == stream for row in rows(store))  # the new lesson's row
    positions = rows(store, "records_position")
    assert positions[: len(caught_up)] == caught_up  # kept: one row a catch-up
    assert positions[-1][0] > caught_up[-1][0]


def test_the_functions_write_only_what_the_log_holds(store: Store) -> None:
    """Asked for more than the runner checked, the owner's functions still
    write the stored log and nothing else: the application cannot name a row."""
    app, runner = built(store)
    last = runner.position()
    before = [rows(store, t) for t in TABLES]
    with connected(store.url) as c:
        c.execute(f"SELECT {function(store, 'rebuild')}(%s)", (10**15,))
        assert c.execute(
            f"SELECT {function(store, 'apply')}(%s, %s)", (last, 10**15)
        ).fetchone() == (0,)
        with pytest.raises(psycopg.errors.SerializationFailure, match="another"):
            c.execute(f"SELECT {function(store, 'apply')}(%s, %s)", (last - 5, last))
    assert runner.position() == last  # the log's last event, not the one asked
    assert [rows(store, t) for t in TABLES] == before
    assert audit_views(app, runner).ok


def test_a_rebuild_swaps_in_a_whole_new_set(store: Store) -> None:
    _app, runner = built(store)
    last = runner.position()
    before, made = rows(store), tables(store)
    journal = view_table(store.url, "view_journal")
    with connected(store.url) as writer, connected(store.url) as reader:
        writer.execute("BEGIN")
        writer.execute(f"SELECT {function(store, 'rebuild')}(%s)", (last,))
        reader.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):  # not half a swap
            reader.execute(f"SELECT count(*) FROM {journal}")
        writer.execute("ROLLBACK")
        assert reader.execute(f"SELECT count(*) FROM {journal}").fetchone() == (
            len(before),
        )
    assert tables(store) == made  # rolled back: the same tables
    runner.rebuild()
    swapped = tables(store)
    assert rows(store) == before
    assert swapped.keys() == made.keys()  # no fresh "_next" table left behind
    assert all(swapped[name][0] != made[name][0] for name in made)  # all new
    assert {owner for _, owner in swapped.values()} == {
        owner for _, owner in made.values()
    }


def test_views_the_application_could_write_are_replaced(
    store: Store, postgres_database: PostgresDatabase
) -> None:
    """Made by an older version: the application role held INSERT. The next
    runner replaces them (an empty set, then rebuilt), and so does `init`."""
    app, runner = built(store)
    before = rows(store)
    journal = view_table(store.url, "view_journal")
    grant = f"GRANT INSERT ON {journal} TO {postgres_database.app_role}"
    with connected(store.admin_url) as c:
        c.execute(grant)
    again = views_runner(app)
    assert again.position() == 0
    again.run()
    assert rows(store) == before
    with connected(store.admin_url) as c:
        c.execute(grant)
    Sealer(app).seal()  # `init` completes only a store whose every event is sealed
    initialise(
        postgres_database.admin_url,
        store.keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=postgres_database.owner_role,
        app_role=postgres_database.app_role,
    )
    assert runner.position() == 0
    with connected(store.url) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
        c.execute(f"INSERT INTO {journal} SELECT * FROM {journal} LIMIT 0")


def test_a_store_without_the_functions_is_refused_naming_init(
    store: Store, postgres_database: PostgresDatabase
) -> None:
    app, _ = built(store)
    with connected(store.admin_url) as c:
        c.execute(f"DROP FUNCTION {function(store, 'apply')}(bigint, bigint)")
    with pytest.raises(OwnerViewsError, match="run `letopis init` again"):
        views_runner(app)
    Sealer(app).seal()
    initialise(
        postgres_database.admin_url,
        store.keys,
        origin=ORIGIN,
        passphrase=PASSPHRASE,
        owner_role=postgres_database.owner_role,
        app_role=postgres_database.app_role,
    )
    views_runner(app).run()
    assert audit_views(app, views_runner(app)).ok
