"""The teacher's journal pages from a test: addresses, the new-lesson form as
a browser sends it, and the log's length to prove what was (not) written."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from tests.support.forms import form_fields
from tests.support.school import SmallSchool

FIELD_ERROR = re.compile(r'class="field-error"[^>]*>([^<]*)')


def journal_path(
    school: SmallSchool, klass: str = "9А", subject: str = "math", **query: str
) -> str:
    path = f"/app/journal/{school.klass(klass)}/{subject}"
    return path + (f"?{urlencode(query)}" if query else "")


def events(app: FastAPI) -> int:
    """How many events the log holds."""
    return int(app.state.office.app.recorder.max_notification_id() or 0)


def lesson_form(client: TestClient, path: str) -> tuple[str, dict[str, str]]:
    """Where the journal page's new-lesson form posts, and its fields as they
    stand (GET ``path``)."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(
        r'<form method="post" action="([^"]+)" id="lesson-form"', page.text
    )
    assert found, "the journal page has no new-lesson form"
    action = found.group(1).replace("&amp;", "&")
    return action, form_fields(page.text, action)


def rows_of(form: dict[str, str]) -> dict[str, int]:
    """The grid row of each pupil in the form (pupil id → row)."""
    return {
        value: int(name.split(".")[1])
        for name, value in form.items()
        if re.fullmatch(r"marks\.\d+\.pupil", name)
    }


def fill(
    form: dict[str, str],
    *,
    topic: str = "Квадратные уравнения",
    marks: dict[int, str] | None = None,
    absent: tuple[int, ...] = (),
    fields: dict[str, str] | None = None,
    **named: str,
) -> dict[str, str]:
    """The form with a topic, marks (row → mark), absences (rows) and other
    ``fields`` (any name) typed."""
    filled = {**form, "topic": topic, **(fields or {}), **named}
    for row, mark in (marks or {}).items():
        filled[f"marks.{row}.mark"] = mark
    for row in absent:
        filled[f"absences.{row}.pupil"] = form[f"marks.{row}.pupil"]
    return filled


def post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    answer: Response = client.post(path, data=data, follow_redirects=False)
    return answer


def field_errors(html: str) -> list[str]:
    return [e.strip() for e in FIELD_ERROR.findall(html)]
