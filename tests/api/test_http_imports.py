"""Imports over HTTP: the secretary uploads a spreadsheet and the records are
appended; a teacher is refused; a bad file answers 422 listing every bad row,
and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.domain.ids import staff_id
from tests.support import rawsql
from tests.support.serving import ACCOUNTS, Served
from tests.support.sheets import filled_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(s: Served, kind: str, path: Path, account: str) -> Any:
    with path.open("rb") as f:
        return s.client.post(
            f"/imports/{kind}",
            files={"file": (path.name, f, XLSX)},
            headers=s.auth(account),
        )


def test_the_secretary_imports_staff(served: Served, tmp_path: Path) -> None:
    path = filled_template(
        "staff",
        tmp_path / "staff.xlsx",
        [["Т-7", "учитель химии", "Менделеева Д. И."], ["Т-8", "учитель", "Ус А."]],
    )
    answer = _upload(served, "staff", path, "secretary")
    assert answer.status_code == 201, answer.text
    assert answer.json()["written"] == 2
    reads = served.office.reads
    reads.begin()
    assert reads.staff_exists(staff_id(served.school.school, "Т-8"))


def test_a_teacher_may_not_import_staff(served: Served, tmp_path: Path) -> None:
    path = filled_template("staff", tmp_path / "s.xlsx", [["Т-9", "учитель", "Я"]])
    s = served.school
    before = rawsql.rows(s.store.url, s.store.admin_url)
    answer = _upload(served, "staff", path, "maths")
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert "secretary" in answer.json()["allowed"]
    assert rawsql.rows(s.store.url, s.store.admin_url) == before


def test_a_bad_file_lists_every_bad_row(served: Served, tmp_path: Path) -> None:
    path = filled_template(
        "staff",
        tmp_path / "s.xlsx",
        [["Т-1", "учитель", "А"], ["Т-1", "учитель", "Б"], ["maths", "учитель", "В"]],
    )
    before = served.events()
    answer = _upload(served, "staff", path, "secretary")
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"].endswith("import-refused")
    assert [e["field"] for e in problem["errors"]] == [
        "Сотрудники!3:Табельный номер",
        "Сотрудники!4:Табельный номер",
    ]
    assert all(e["allowed"] for e in problem["errors"])
    assert served.events() == before


#: Who may import each kind (accounts of tests/support/serving.py).
MAY_IMPORT = {
    "staff": {"secretary", "director"},
    "pupils": {"secretary", "director"},
    "classes": {"deputy", "director"},
    "teaching": {"deputy", "director"},
    "marks": {"maths", "english", "cover"},
    "exams": {"importer"},
}


def test_every_role_against_every_import(served: Served, tmp_path: Path) -> None:
    """An allowed role gets to the rows (a file with a wrong header: 422), any
    other 403, no token 401; nothing is written in any case."""
    bad = tmp_path / "bad.csv"
    bad.write_text("Не тот заголовок\nx\n", encoding="utf-8")
    before = served.events()
    for kind, allowed in MAY_IMPORT.items():
        for account in (*ACCOUNTS, None):
            with bad.open("rb") as f:
                answer = served.client.post(
                    f"/imports/{kind}?year=2024/2025",
                    files={"file": ("bad.csv", f, "text/csv")},
                    headers=served.auth(account),
                )
            expected = 401 if account is None else 422 if account in allowed else 403
            assert answer.status_code == expected, (kind, account, answer.text)
    assert served.events() == before
