"""Report views that cannot lie unseen (issue 15), on SQLite and PostgreSQL:
a changed view row is found and refuses every report; the application role
cannot change a row; a changed event stops a rebuild, naming the entry, and
leaves the views as they were."""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

import psycopg
import pytest

from ledger.log import LogStore
from ledger.log.store import Leaf
from ledger.storage.stores import parse_store_url
from ledger.storage.tables import view_table_ddl
from projections.audit import audit_views
from projections.checked import EntryRefusedError
from projections.reports import Reports
from projections.reports.errors import ViewsDisagreeError
from projections.reports.source import views_runner
from projections.runner import ProjectionRunner
from projections.views import TABLES
from tests.support.marked import marked_school
from tests.support.rawsql import execute_as_superuser, execute_on_view, rows, view_table
from tests.support.stores import Store

CHANGE_A_THREE = (
    "UPDATE {view} SET data = replace(data, ?, ?) WHERE type = ? AND data LIKE ?"
)
THREE_TO_FIVE = ('"mark":"3"', '"mark":"5"', "journal.MarkRecorded", '%"mark":"3"%')


def dump(runner: ProjectionRunner) -> list[list[tuple[Any, ...]]]:
    return [
        [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in found]
        for found in (
            runner.store.query(f"SELECT * FROM {{{t}}} ORDER BY position")
            for t in TABLES
        )
    ]


def built(store: Store) -> tuple[Any, ProjectionRunner]:
    app = marked_school(store).s.app
    runner = views_runner(app)
    runner.run()
    return app, runner


def test_every_row_names_its_leaf_and_the_views_agree_with_the_log(
    store: Store,
) -> None:
    app, runner = built(store)
    journal = runner.store.query(
        "SELECT position, leaf_index, leaf_hash FROM {view_journal} ORDER BY position"
    )
    leaves = {
        leaf.notification_id: leaf
        for leaf in (app_leaf(app, int(r["leaf_index"])) for r in journal)
        if leaf is not None
    }
    assert leaves  # the marks before the last seal are leaves
    for row in journal:
        leaf = leaves.get(int(row["position"]))
        if leaf is not None:
            assert leaf.index == int(row["leaf_index"])
            assert leaf.hash.hex() == row["leaf_hash"]
    audit = audit_views(app, runner)
    assert audit.ok, audit.findings
    assert audit.rows == sum(len(t) for t in dump(runner))


def app_leaf(app: Any, index: int) -> Leaf | None:
    return LogStore(app.recorder).leaf(index)


def test_a_changed_view_row_is_found_and_every_report_refuses(store: Store) -> None:
    app, runner = built(store)
    Reports(app)  # renders from agreeing views
    execute_on_view(
        store.url, store.admin_url, "view_journal", CHANGE_A_THREE, THREE_TO_FIVE
    )
    audit = audit_views(app, runner)
    [finding] = audit.findings
    assert (finding.table, finding.column) == ("view_journal", "data")
    assert '"mark":"5"' in finding.stored
    assert '"mark":"3"' in finding.expected
    assert "view_journal" in finding.line()
    assert finding.event in finding.line()
    with pytest.raises(ViewsDisagreeError, match="column data"):
        Reports(app)


def test_an_added_or_removed_view_row_is_found(store: Store) -> None:
    app, runner = built(store)
    execute_on_view(
        store.url,
        store.admin_url,
        "view_journal",
        "DELETE FROM {view} WHERE type = ?",
        ("journal.MarkVoided",),
    )
    [missing] = audit_views(app, runner).findings
    assert missing.column is None
    assert "missing" in missing.line()


def test_the_application_role_cannot_change_a_view_row(store: Store) -> None:
    built(store)
    statement = CHANGE_A_THREE.format(view=view_table(store.url, "view_journal"))
    if parse_store_url(store.url).is_postgres:
        statement = statement.replace("?", "%s")
    parsed = parse_store_url(store.url)
    if parsed.is_postgres:
        app_url = store.url.replace(f"?schema={parsed.schema}", "")
        journal = view_table(store.url, "view_journal")
        refused = (
            statement,
            f"DELETE FROM {journal}",
            f"TRUNCATE {journal}",
            f"ALTER TABLE {journal} DISABLE TRIGGER USER",
            f"DROP TABLE {journal}",
        )
        with psycopg.connect(app_url, autocommit=True) as c:
            me = c.info.user
            for sql in refused:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    c.execute(sql, THREE_TO_FIVE if sql is statement else None)
            owner = c.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = %s "
                "AND tablename = 'letopis_view_journal'",
                (journal.split(".")[0],),
            ).fetchone()
        assert owner is not None
        assert owner[0] != me  # the owner role's, made by its function
        return
    connection = sqlite3.connect(parsed.sqlite_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute(statement, THREE_TO_FIVE)
    finally:
        connection.close()


def test_a_changed_event_stops_a_rebuild_naming_it_and_the_views_stay(
    store: Store,
) -> None:
    _app, runner = built(store)
    before = dump(runner)
    stream, seq, state = next(
        (s, v, st)
        for s, v, t, st in rows(store.url, store.admin_url)
        if t == "journal.MarkRecorded" and b'"mark":"4"' in st
    )
    forged = state.replace(b'"mark":"4"', b'"mark":"5"')
    stored_id: Any = UUID(stream) if parse_store_url(store.url).is_postgres else stream
    execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? "
        "AND originator_version = ?",
        (forged, stored_id, seq),
    )
    with pytest.raises(EntryRefusedError) as refused:
        runner.rebuild()
    said = str(refused.value)
    assert f"{UUID(stream)}:{seq}" in said
    assert "отметка в журнале" in said
    assert "значение «5»" in said
    assert dump(runner) == before


def test_views_an_older_version_made_are_rebuilt(store: Store) -> None:
    """SQLite: a table without the leaf columns; PostgreSQL: a table the
    application role made (the owner's functions now make them)."""
    app, runner = built(store)
    before = dump(runner)
    journal = view_table(store.url, "view_journal")
    old = (
        f"CREATE TABLE {journal} (position BIGINT PRIMARY KEY, at TEXT, "
        "event TEXT, type TEXT, stream TEXT, class_id TEXT, pupil TEXT, "
        "subject TEXT, year TEXT, day TEXT, target TEXT, data TEXT)"
    )
    parsed = parse_store_url(store.url)
    if parsed.is_postgres:  # as older versions made it: the application role's
        with psycopg.connect(store.admin_url, autocommit=True) as c:
            c.execute(f"DROP TABLE {journal}")
        app_url = store.url.replace(f"?schema={parsed.schema}", "")
        with psycopg.connect(app_url, autocommit=True) as c:  # every column now
            c.execute(view_table_ddl("view_journal").format(view_journal=journal))
    else:
        connection = sqlite3.connect(parsed.sqlite_path)
        with connection:
            connection.execute(f"DROP TABLE {journal}")
            connection.execute(old)
        connection.close()
    again = views_runner(app)
    assert again.position() == 0
    again.run()
    assert dump(again) == before
    assert audit_views(app, again).ok
