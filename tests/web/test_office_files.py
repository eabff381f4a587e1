"""The records office's files: an import with its row-by-row refusal, in
Russian, nothing written; a good file imported once however often it is
sent; the templates; the attestat book and the ФИС ФРДО file."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.records.attestats import AttestatRequest
from tests.support.school import ISSUED_ON, graduate, stock_blanks
from tests.support.sheets import filled_template
from tests.support.web import Web, csrf_of, sign_in
from tests.support.web_forms import field_errors, logged, position

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(web: Web, path: Path, kind: str = "staff", **extra: Any) -> Any:
    page = web.client.get("/app/office/imports")
    submission = re.search(r'name="submission" value="([^"]+)"', page.text)
    assert submission
    data = {
        "csrf": csrf_of(page.text),
        "submission": submission.group(1),
        "kind": kind,
        "year": "2024/2025",
        **extra,
    }
    with path.open("rb") as f:
        return web.client.post(
            "/app/office/imports",
            data=data,
            files={"file": (path.name, f.read(), XLSX)},
            follow_redirects=False,
        )


def test_a_bad_file_is_listed_row_by_row_and_nothing_is_written(
    web: Web, tmp_path: Path
) -> None:
    sign_in(web.client, "secretary")
    path = filled_template(
        "staff",
        tmp_path / "staff.xlsx",
        [["Т-1", "учитель", "Ус А."], ["Т-1", "учитель", "Ус Б."], ["", "учитель", ""]],
    )
    before = position(web.app)
    answer = _upload(web, path)
    assert answer.status_code == 422
    assert position(web.app) == before
    table = answer.text[answer.text.index('id="refused"') :]
    rows = re.findall(r'<td class="num">(\d+)</td>', table)
    assert rows
    assert set(rows) >= {"3", "4"}
    assert "Ничего не записано" in table
    assert "<th>Что допустимо</th>" in table
    unknown = _upload(web, path, kind="")
    assert list(field_errors(unknown.text)) == ["kind"]


def test_a_good_file_is_imported_once(web: Web, tmp_path: Path) -> None:
    sign_in(web.client, "secretary")
    path = filled_template(
        "staff", tmp_path / "staff.xlsx", [["Т-7", "учитель химии", "Менделеева Д. И."]]
    )
    page = web.client.get("/app/office/imports")
    submission = re.search(r'name="submission" value="([^"]+)"', page.text)
    assert submission
    data = {
        "csrf": csrf_of(page.text),
        "submission": submission.group(1),
        "kind": "staff",
        "year": "2024/2025",
    }
    before = position(web.app)
    for _ in range(2):
        answer = web.client.post(
            "/app/office/imports",
            data=data,
            files={"file": (path.name, path.read_bytes(), XLSX)},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    [event] = logged(web.app, before)
    assert event["type"] == "people.StaffMemberRegistered"
    shown = web.client.get("/app/office/imports").text
    assert "загружен: строк 1, записано 1" in shown
    assert "загружено один раз" in shown


def test_the_kinds_a_role_may_import_and_their_templates(web: Web) -> None:
    sign_in(web.client, "importer")
    page = web.client.get("/app/office/imports").text
    assert "Результаты ГИА" in page
    assert "Сотрудники" not in page
    template = web.client.get("/app/office/imports/template/exams")
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    assert book.sheetnames[0] == "Результаты ГИА"
    assert web.client.get("/app/office/frdo").status_code == 403
    assert web.client.get("/app/office/book").status_code == 403


def test_the_attestat_book_and_the_frdo_file(web: Web) -> None:
    s = web.school
    sign_in(web.client, "secretary")
    empty = web.client.get("/app/office/frdo?year=2025&level=basic")
    assert empty.status_code == 422
    assert "Выгрузка не собрана" in field_errors(empty.text)["year"]
    wrong = web.client.get("/app/office/frdo?year=25&level=x")
    assert set(field_errors(wrong.text)) == {"year", "level"}
    graduate(s, s.pupils[0])
    stock_blanks(s, "10224000000001")
    s.clock.set(ISSUED_ON)
    s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=[AttestatRequest(s.pupils[0], Blank.parse("10224000000001"))],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    web.app.state.office.sealer.seal()
    book = web.client.get("/app/office/book?level=basic")
    assert book.status_code == 200
    assert "Иванов" in book.text
    assert "10224000000001" in book.text
    made = web.client.get("/app/office/frdo?year=2025&level=basic")
    assert made.status_code == 200
    assert made.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(made.content)).worksheets[0]
    values = [c.value for c in sheet[2]]
    assert "Иванов" in values
