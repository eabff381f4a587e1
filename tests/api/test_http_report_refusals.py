"""A report over HTTP is refused (503, problem+json) when the report views
disagree with the log, or the log holds an entry that fails the verifier's
rules: the HTTP face of issue 15's changed view row and changed event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.storage.stores import parse_store_url
from tests.support.rawsql import execute_as_superuser, execute_on_view, rows
from tests.support.serving import Served

JOURNAL = "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1"


def test_a_changed_view_row_refuses_the_report(served: Served) -> None:
    served.office.sealer.seal()
    headers = served.auth("auditor")
    assert served.client.get(JOURNAL, headers=headers).status_code == 200
    execute_on_view(
        served.store.url,
        served.store.admin_url,
        "view_journal",
        "UPDATE {view} SET data = replace(data, ?, ?) WHERE type = ?",
        ('"mark":"', '"mark":"1', "journal.MarkRecorded"),
    )
    answer = served.client.get(JOURNAL, headers=headers)
    assert answer.status_code == 503
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "disagree with the log" in problem["detail"]
    assert "view_journal" in problem["detail"]


def test_a_changed_event_refuses_the_report_naming_it(served: Served) -> None:
    served.office.sealer.seal()
    headers = served.auth("auditor")
    stream, seq, state = next(
        (s, v, st)
        for s, v, t, st in rows(served.store.url, served.store.admin_url)
        if t == "journal.MarkRecorded"
    )
    stored_id: Any = (
        UUID(stream) if parse_store_url(served.store.url).is_postgres else stream
    )
    execute_as_superuser(
        served.store.url,
        served.store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? "
        "AND originator_version = ?",
        (state.replace(b'"mark":"', b'"mark":"1'), stored_id, seq),
    )
    answer = served.client.get(JOURNAL, headers=headers)
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert f"{UUID(stream)}:{seq}" in detail
    assert "отметка в журнале" in detail
