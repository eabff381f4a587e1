"""`letopis import` end to end, in a real subprocess, on the small school of
``tests/support/school.py`` (SQLite): a template written, filled and imported;
a bad file refused with every bad row on stderr and nothing written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ledger.log import Sealer
from tests.support import rawsql
from tests.support.cli import letopis
from tests.support.school import WORK, YEAR, build
from tests.support.sheets import filled_template
from tests.support.stores import PASSPHRASE, Store


@pytest.fixture
def where(sqlite_store: Store) -> list[str]:
    s = build(sqlite_store)
    directory = sqlite_store.key_directory
    directory.add_signer("secretary", s.keys["secretary"])
    directory.add_signer("maths", s.keys["maths"])
    Sealer(s.app).seal()
    s.app.close()
    return [
        "--store", sqlite_store.url, "--keys", str(sqlite_store.keys),
        "--as", "secretary",
    ]  # fmt: skip


def test_a_filled_template_is_imported(where: list[str], tmp_path: Path) -> None:
    template = tmp_path / "staff.xlsx"
    done = letopis("import", "template", "staff", "--out", str(template))
    assert done.returncode == 0, done.stderr
    book = load_workbook(template)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["Табельный номер", "Должность", "ФИО"]
    assert sheet["A1"].comment is not None
    sheet.append(["Т-42", "учитель информатики", "Лебедев С. А."])
    book.save(template)
    done = letopis("import", "staff", str(template), *where, passphrase=PASSPHRASE)
    assert done.returncode == 0, done.stderr
    assert "imported 1 rows" in done.stdout
    assert "sealed" in done.stdout


def test_a_bad_csv_is_refused_row_by_row(
    where: list[str], sqlite_store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "staff.csv"
    bad.write_text(
        "Табельный номер;Должность;ФИО\nТ-1;учитель;\n;учитель;Б\n", encoding="utf-8"
    )
    before = rawsql.rows(sqlite_store.url, sqlite_store.admin_url)
    done = letopis("import", "staff", str(bad), *where, passphrase=PASSPHRASE)
    assert done.returncode == 2
    assert "строка 2, столбец «ФИО»" in done.stderr
    assert "строка 3, столбец «Табельный номер»" in done.stderr
    assert "ничего не записано" in done.stderr
    assert rawsql.rows(sqlite_store.url, sqlite_store.admin_url) == before


def test_imported_marks_verify_and_show_in_the_journal(
    where: list[str], tmp_path: Path
) -> None:
    journal = filled_template(
        "marks",
        tmp_path / "старый журнал.xlsx",
        [
            ["9А", "math", None, date(2024, 9, d), 1, "Тема", None, "И-1", m, WORK]
            for d, m in ((2, "5"), (3, "4"), (4, "5"))
        ],
    )
    as_teacher = [*where[:-1], "maths"]
    done = letopis(
        "import", "marks", str(journal), *as_teacher, "--year", YEAR,
        passphrase=PASSPHRASE,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    store = where[:4]
    done = letopis("verify", *store, "--json", passphrase=PASSPHRASE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
    done = letopis(
        "report", "journal", *store, "--class", "9А", "--subject", "math",
        "--period", "Q1", "--format", "json", passphrase=PASSPHRASE,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout)
    # Entered long after the lessons, imported marks print as late («*»).
    assert [v for v in page["tables"][0]["rows"][0] if v][2:5] == ["5*", "4*", "5*"]
