"""Files through the console, on SQLite and PostgreSQL: a report file checked
against the log (`letopis report check` on a page: a match, a changed cell
named, a file that is no report), and the archive export as a zip."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

from fastapi.testclient import TestClient

from api.server.office import Office
from projections.reports import render
from tests.support.web import Web, csrf_of, sign_in

JOURNAL = {"class": "9А", "subject": "math", "period": "Q1"}
REFRESH = 'http-equiv="refresh"'


def office_of(web: Web) -> Office:
    office: Office = web.app.state.office
    return office


def upload(client: TestClient, name: str, data: bytes) -> tuple[int, str]:
    csrf = csrf_of(client.get("/app/audit/report").text)
    answer = client.post(
        "/app/audit/report", data={"csrf": csrf}, files={"file": (name, data)}
    )
    return answer.status_code, answer.text


def test_a_report_file_that_matches_the_log(web: Web) -> None:
    office = office_of(web)
    sign_in(web.client, "auditor")
    for fmt in ("json", "html", "csv", "pdf"):
        made = render(office.app, "journal", JOURNAL, fmt)
        status, page = upload(web.client, made.filename, made.body)
        assert status == 200, page
        assert "Отчёт совпадает с журналом" in page, fmt
    assert "Метаданные XMP PDF/A-3B" in page  # what can be told of PDF/A
    rows = office.access.page(0, 100)
    assert [r.action for r in rows[-4:]] == [
        "report check journal class=9А period=Q1 subject=math year=2024/2025"
    ] * 4


def test_a_changed_cell_is_named(web: Web) -> None:
    office = office_of(web)
    made = render(office.app, "journal", JOURNAL, "json")
    document = json.loads(made.body)
    rows = document["tables"][0]["rows"]
    number, column = next(
        (n, i)
        for n, row in enumerate(rows)
        for i, cell in enumerate(row)
        if cell == "4"
    )
    rows[number][column] = "5"
    forged = json.dumps(document, ensure_ascii=False).encode()
    sign_in(web.client, "auditor")
    status, page = upload(web.client, "journal.json", forged)
    assert status == 200
    assert "Отчёт НЕ совпадает с журналом" in page
    named = re.search(
        rf"строка {number + 1} \(([^)]*)\), столбец ([^:]*): в файле 5, по журналу 4",
        page,
    )
    assert named, page[-4000:]
    assert "контрольная сумма в файле" in page


def test_a_report_of_a_checkpoint_the_log_does_not_have(web: Web) -> None:
    office = office_of(web)
    made = render(office.app, "journal", JOURNAL, "json")
    document = json.loads(made.body)
    document["provenance"]["tree_size"] += 1000
    sign_in(web.client, "auditor")
    status, page = upload(
        web.client, "journal.json", json.dumps(document, ensure_ascii=False).encode()
    )
    assert status == 200
    assert (
        "Сверить нельзя: контрольная точка, которую называет файл, не из этого" in page
    )


def test_a_file_that_is_no_report_is_said_so_and_nothing_is_written(
    web: Web,
) -> None:
    office = office_of(web)
    sign_in(web.client, "auditor")
    before = (office.access.count(), office.app.recorder.max_notification_id())
    for name, data in (
        ("notes.txt", b"just some words, not a report"),
        ("fake.pdf", b"%PDF-1.7 garbage"),
        ("broken.json", b'{"report": '),
        ("<b>x</b>.html", b"<!doctype html><p>hello</p>"),
    ):
        status, page = upload(web.client, name, data)
        assert status == 422, name
        assert "не отчёт Летописи" in page
        assert 'aria-invalid="true"' in page
        assert "<b>x</b>" not in page
    status, page = upload(web.client, "empty.json", b"")
    assert status == 422
    assert "Выберите файл отчёта" in page
    assert (office.access.count(), office.app.recorder.max_notification_id()) == before


def test_the_archive_export_downloads_as_a_zip(web: Web) -> None:
    office = office_of(web)
    sign_in(web.client, "auditor")
    csrf = csrf_of(web.client.get("/app/audit/export").text)
    answer = web.client.post(
        "/app/audit/export", data={"csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303
    job = answer.headers["location"]
    deadline = time.monotonic() + 120
    while REFRESH in (page := web.client.get(job).text):
        assert "Подготовка архива" in page
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "Архив готов" in page
    latest = office.sealer.store.latest_checkpoint()
    assert latest is not None
    assert latest.note.split("\n")[1] in page
    link = re.search(r'href="([^"]*/download)"', page)
    assert link
    download = web.client.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as packed:
        names = packed.namelist()
        [root] = {n.split("/")[0] for n in names}
        assert f"{root}/bagit.txt" in names
        lines = packed.read(f"{root}/data/log.jsonl").splitlines()
        note = packed.read(f"{root}/data/checkpoint").decode()
    assert len(lines) == int(note.split("\n")[1])
    assert root.endswith(f"-{len(lines)}")
    assert any(r.action == "archive export" for r in office.access.page(0, 100))


def test_an_unknown_export_is_a_404_page(web: Web) -> None:
    sign_in(web.client, "auditor")
    for path in ("/app/audit/export/feed", "/app/audit/export/feed/download"):
        page = web.client.get(path)
        assert page.status_code == 404
        assert "Нет такой выгрузки" in page.text
