"""The attacks of issue 15 through the command line (SQLite, real subprocesses):
a changed view row (verify names it, every report refuses), a changed event
(rebuild refuses, naming it), and reports without the names' passphrase."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ledger.log import Sealer
from tests.support.cli import letopis
from tests.support.marked import marked_school
from tests.support.rawsql import execute_as_superuser, execute_on_view, rows
from tests.support.stores import PASSPHRASE, Store

JOURNAL = ["journal", "--class", "9а", "--subject", "Математика"]
JOURNAL += ["--period", "I четверть", "--format", "json"]


@pytest.fixture
def where(sqlite_store: Store, tmp_path: Path) -> list[str]:
    marked = marked_school(sqlite_store)
    Sealer(marked.s.app).seal()
    marked.s.app.close()
    return ["--store", sqlite_store.url, "--keys", str(sqlite_store.keys)]


@pytest.fixture
def cache(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def views(store: Store) -> list[tuple[object, ...]]:
    path = store.url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT * FROM view_journal ORDER BY position"
        ).fetchall()
    finally:
        connection.close()


def test_a_changed_view_row_is_named_by_verify_and_refuses_reports(
    sqlite_store: Store, where: list[str], cache: dict[str, str]
) -> None:
    assert letopis("rebuild", *where, passphrase=PASSPHRASE).returncode == 0
    intact = letopis("verify", *where, "--json", env=cache)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert json.loads(intact.stdout)["views"]["status"] == "checked"
    execute_on_view(
        sqlite_store.url,
        sqlite_store.admin_url,
        "view_journal",
        "UPDATE {view} SET data = replace(data, ?, ?) WHERE data LIKE ?",
        ('"mark":"3"', '"mark":"5"', '%"mark":"3"%'),
    )
    found = letopis("verify", *where, "--json", env=cache)
    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert report["ok"] is False
    [finding] = report["views"]["findings"]
    assert (finding["table"], finding["column"]) == ("view_journal", "data")
    assert finding["event"]
    text = letopis("verify", *where, env=cache)
    assert "view_journal" in text.stdout
    assert "DISAGREE" in text.stdout
    refused = letopis("report", *JOURNAL, *where, passphrase=PASSPHRASE)
    assert refused.returncode == 2
    assert "disagree with the log" in refused.stderr
    assert finding["event"] in refused.stderr
    assert refused.stdout == ""


def test_a_changed_event_stops_rebuild_naming_it(
    sqlite_store: Store, where: list[str], cache: dict[str, str]
) -> None:
    assert letopis("rebuild", *where, passphrase=PASSPHRASE).returncode == 0
    before = views(sqlite_store)
    stream, seq, state = next(
        (s, v, st)
        for s, v, t, st in rows(sqlite_store.url, sqlite_store.admin_url)
        if t == "journal.MarkRecorded" and b'"mark":"3"' in st
    )
    execute_as_superuser(
        sqlite_store.url,
        sqlite_store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? AND "
        "originator_version = ?",
        (state.replace(b'"mark":"3"', b'"mark":"5"'), stream, seq),
    )
    done = letopis("rebuild", *where, passphrase=PASSPHRASE)
    assert done.returncode == 2
    assert f":{seq}" in done.stderr
    assert "[leaf]" in done.stderr or "[signature]" in done.stderr
    assert "отметка в журнале от 02.10.2024, класс 9А, math" in done.stderr
    assert views(sqlite_store) == before
    checked = letopis("verify", *where, "--json", env=cache)
    assert checked.returncode == 1
    whole = json.loads(checked.stdout)
    assert whole["views"]["status"] == "skipped"
    forged = [f for f in whole["findings"] if f["kind"] == "signature"]
    assert forged[0]["about"]["kind"] == "отметка в журнале"
    assert forged[0]["about"]["value"] == "5"
    assert forged[0]["about"]["signed_value"] == "3"
    text = letopis("verify", *where, env=cache).stdout
    assert "подписано «3»" in text


def test_a_report_without_the_passphrase_is_refused_or_pseudonymous(
    where: list[str],
) -> None:
    for passphrase in ("", "not-the-passphrase"):
        refused = letopis("report", *JOURNAL, *where, passphrase=passphrase)
        assert refused.returncode == 2, refused.stderr
        assert "names" in refused.stderr
        assert "--pseudonymous" in refused.stderr
        assert refused.stdout == ""
    done = letopis("report", *JOURNAL, *where, "--pseudonymous", passphrase="")
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    assert page["tables"][0]["rows"][0][1].startswith("л/д ")
    assert "--pseudonymous" in page["header"]["Имена"]
    assert "Иванов" not in done.stdout
