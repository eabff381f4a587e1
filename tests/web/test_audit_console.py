"""The auditor's console, page by page, on SQLite and PostgreSQL: the log's
state, verification runs with their findings per retention class, and who
may open it (the auditor; everyone else gets the 403 page)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.server.office import Office
from ledger.storage.stores import parse_store_url
from projections.reports import render
from tests.support.audit import finished, start_verification
from tests.support.rawsql import execute_as_superuser, rows
from tests.support.web import Web, csrf_of, sign_in

PAGES = (
    "/app/audit",
    "/app/audit/verify",
    "/app/audit/access",
    "/app/audit/proofs",
    "/app/audit/checkpoint",
    "/app/audit/report",
    "/app/audit/export",
)
JOURNAL = {"class": "9А", "subject": "math", "period": "Q1"}


def office_of(web: Web) -> Office:
    office: Office = web.app.state.office
    return office


def auditor(web: Web) -> TestClient:
    sign_in(web.client, "auditor")
    return web.client


def test_every_page_of_the_console_opens_for_the_auditor(web: Web) -> None:
    client = auditor(web)
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert 'aria-current="page"' in page.text
    home = client.get("/app/").text
    assert 'href="/app/audit"' in home  # the section in the menu and on the start


def test_the_log_state_shows_checkpoint_sealing_and_witnesses(web: Web) -> None:
    office = office_of(web)
    latest = office.sealer.store.latest_checkpoint()
    assert latest is not None
    page = auditor(web).get("/app/audit").text
    assert f"<strong>{latest.size}</strong>" in page
    assert latest.root.hex() in page
    assert latest.note.split("\n")[0] in page  # the note itself
    assert "— " + office.origin in page  # its signature line
    assert "Запечатывание работает" in page
    assert "Свидетели не настроены" in page
    assert "Журнал ещё не проверяли." in page


@pytest.mark.parametrize(
    "login", ["maths", "cover", "deputy", "director", "secretary", "pupil", "guardian"]
)
def test_everyone_but_the_auditor_is_refused(web: Web, login: str) -> None:
    sign_in(web.client, login)
    for path in PAGES:
        page = web.client.get(path)
        assert page.status_code == 403, (login, path)
        assert "Нет доступа" in page.text
        assert "аудитор" in page.text
    csrf = csrf_of(web.client.get("/app/").text)
    office = office_of(web)
    runs = office.verify_runs.latest()
    for path in ("/app/audit/verify", "/app/audit/export", "/app/audit/checkpoint"):
        answer = web.client.post(path, data={"csrf": csrf, "text": "x"})
        assert answer.status_code == 403, (login, path)
    assert office.verify_runs.latest() == runs


def test_without_signing_in_the_console_leads_to_the_sign_in_page(web: Web) -> None:
    answer = web.client.get("/app/audit/verify", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=%2Fapp%2Faudit%2Fverify"


def test_a_form_without_the_csrf_token_starts_nothing(web: Web) -> None:
    client = auditor(web)
    answer = client.post("/app/audit/verify", data={"csrf": "forged"})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert office_of(web).verify_runs.latest() == []


def test_the_auditor_runs_a_verification_and_reads_the_verdict(web: Web) -> None:
    render(office_of(web).app, "journal", JOURNAL, "json")  # builds the views
    client = auditor(web)
    run = start_verification(client)
    page = finished(client, run)
    assert "ЖУРНАЛ ЦЕЛ: проверено записей" in page
    assert "совпадает с подписанной контрольной точкой" in page
    # per retention class, with the periods of the policy in the log
    assert "Электронный журнал</td><td>5 лет" in page
    assert "Сводные ведомости учета успеваемости</td><td>25 лет" in page
    assert "Книга выдачи аттестатов</td><td>50 лет" in page
    views = re.search(r"Представления отчётов \((\d+) строк до позиции (\d+)\)", page)
    assert views, page
    assert int(views.group(1)) > 0
    assert "совпадают с журналом" in page
    listing = client.get("/app/audit/verify").text
    assert '<span class="badge good">цел</span>' in listing
    assert run in listing
    [recorded] = office_of(web).verify_runs.latest()
    assert recorded.state == "done"
    assert recorded.ok is True
    assert recorded.started_by == "auditor"
    # the next run checks only what is new (the state the first one recorded)
    again = finished(client, start_verification(client))
    assert "Подписи первых" in again
    assert "повторно не проверялись" in again


def forge_a_mark(web: Web) -> str:
    """Change a recorded 4 to a 5 behind the triggers; the entry's name."""
    store = web.store
    stream, seq, state = next(
        (s, v, st)
        for s, v, t, st in rows(store.url, store.admin_url)
        if t == "journal.MarkRecorded" and b'"mark":"4"' in st
    )
    stored: Any = UUID(stream) if parse_store_url(store.url).is_postgres else stream
    execute_as_superuser(
        store.url,
        store.admin_url,
        "UPDATE {table} SET state = ? WHERE originator_id = ? "
        "AND originator_version = ?",
        (state.replace(b'"mark":"4"', b'"mark":"5"'), stored, seq),
    )
    return f"{UUID(stream)}:{seq}"


def test_a_forged_mark_is_named_under_the_journal_s_retention_class(
    web: Web,
) -> None:
    name = forge_a_mark(web)
    client = auditor(web)
    page = finished(client, start_verification(client, full="1"))
    assert "НАЙДЕНЫ НАРУШЕНИЯ" in page
    journal = page.index("<h3>Электронный журнал (5 лет): нарушений")
    finding = page[journal:]
    assert "Подпись не сходится: запись изменена после подписания" in finding
    assert "отметка в журнале от 01.10.2024, класс 9А, math" in finding
    assert "значение «5», подписано «4»" in finding
    assert name in finding
    assert "в журнале есть нарушения: представления не сверялись" in page
    [recorded] = office_of(web).verify_runs.latest()
    assert recorded.ok is False
    listing = client.get("/app/audit/verify").text
    assert '<span class="badge bad">нарушения</span>' in listing


def test_a_malformed_trusted_checkpoint_starts_nothing(web: Web) -> None:
    client = auditor(web)
    csrf = csrf_of(client.get("/app/audit/verify").text)
    answer = client.post(
        "/app/audit/verify",
        data={"csrf": csrf, "trusted": "<b>not a checkpoint</b>"},
    )
    assert answer.status_code == 422
    assert "Это не подписанная контрольная точка" in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "&lt;b&gt;not a checkpoint&lt;/b&gt;" in answer.text  # kept, escaped
    csrf = csrf_of(answer.text)
    huge = client.post(
        "/app/audit/verify", data={"csrf": csrf, "trusted": "a" * 30_000}
    )
    assert huge.status_code == 422
    assert "longer than 20000 characters" in huge.text
    assert office_of(web).verify_runs.latest() == []


def test_a_run_with_the_latest_checkpoint_as_trusted_is_intact(web: Web) -> None:
    latest = office_of(web).sealer.store.latest_checkpoint()
    assert latest is not None
    client = auditor(web)
    note = latest.note.replace("\n", "\r\n")  # as a browser sends a textarea
    page = finished(client, start_verification(client, trusted=note))
    assert "ЦЕЛ" in page
    assert "с доверенной контрольной точкой" in page


def test_an_unknown_run_is_a_404_page(web: Web) -> None:
    page = auditor(web).get("/app/audit/verify/0123456789abcdef")
    assert page.status_code == 404
    assert "Нет такой проверки" in page.text
