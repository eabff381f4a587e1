"""A report over HTTP is refused (503, problem+json) when the report views
disagree with the log: the HTTP face of issue 15's changed view row."""

from __future__ import annotations

from tests.support.rawsql import execute_on_view
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
