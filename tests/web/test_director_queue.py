"""The director's queue: an attestat entry the class teacher sends from the
class page waits outside the log, is shown in full, and is signed (appended
with both signatures) or declined with a reason; who may reach it."""

from __future__ import annotations

import re
from uuid import UUID

from fastapi.testclient import TestClient

from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.records.attestats import AttestatRequest
from tests.support.school import ISSUED_ON, graduate, stock_blanks
from tests.support.web import Web, csrf_of, sign_in
from tests.support.web_forms import field_errors, form_values, logged, position, send

BLANK = "10224000000001"


def _submitted(web: Web) -> str:
    """Pupil 1 of 9А graduates; the class teacher sends the attestat entry from
    the class page; the request's id."""
    s = web.school
    graduate(s, s.pupils[0])
    stock_blanks(s, BLANK, "10224000000002")
    s.clock.set(ISSUED_ON)
    sign_in(web.client, "maths")
    path = f"/app/class/{s.klass('9А')}/forms/attestats"
    before = position(web.app)
    answer = send(
        web.client,
        path,
        {
            "order.number": "45-о",
            "order.date": ISSUED_ON.isoformat(),
            "issued_on": ISSUED_ON.isoformat(),
            "entries.0.blank": BLANK,
        },
    )
    assert answer.status_code == 303, field_errors(answer.text)
    assert position(web.app) == before  # held, not in the log
    page = web.client.get("/app/class").text
    assert "Запись ожидает подписи (директор)" in page
    found = re.search(r"Запрос ([0-9a-f-]{36})", page)
    assert found
    return found.group(1)


def _director(web: Web) -> TestClient:
    client = web.new_client()
    sign_in(client, "director")
    return client


def test_the_director_reads_the_entry_in_full_and_signs_it(web: Web) -> None:
    request = _submitted(web)
    director = _director(web)
    queue = director.get("/app/director")
    assert queue.status_code == 200
    assert "Ждут вашей подписи: 1" in queue.text
    assert f"/app/director/requests/{request}" in queue.text
    shown = director.get(f"/app/director/requests/{request}")
    assert shown.status_code == 200
    text = shown.text
    for seen in ("Иванов Пётр Сергеевич", BLANK, "№ 45-о от 25.06.2025", "9А"):
        assert seen in text, seen
    assert "Запись аттестата в книгу выдачи" in text  # the preview, in Russian
    assert "Русский язык — 5" in text  # the final grades it carries
    # when it was sent, in the school's zone as the page's other times
    assert re.search(r"Подаёт: [^,]+, 25\.06\.2025 \d\d:\d\d \(МСК\)\.", text)
    assert " UTC." not in text
    before = position(web.app)
    values = form_values(text, f"/app/director/requests/{request}/sign")
    assert values["reviewed"].startswith("sha256:")
    signed = director.post(
        f"/app/director/requests/{request}/sign", data=values, follow_redirects=False
    )
    assert signed.status_code == 303
    [entry] = logged(web.app, before)
    assert entry["type"] == "attestat.AttestatIssued"
    assert entry["data"]["blank"]["number"] == BLANK
    s = web.school
    keys = [sig["key"] for sig in entry["sigs"]]
    assert keys == [s.keys["maths"].key_id, s.keys["director"].key_id]
    assert "Подписано. В журнал записано: 1" in director.get("/app/director").text
    again = director.post(f"/app/director/requests/{request}/sign", data=values)
    assert again.status_code == 422  # closed: signed once, appended once
    assert "Запрос уже закрыт" in again.text
    assert len(logged(web.app, before)) == 1


def test_a_decline_needs_its_reason_and_writes_nothing(web: Web) -> None:
    request = _submitted(web)
    director = _director(web)
    path = f"/app/director/requests/{request}/decline"
    token = csrf_of(director.get(f"/app/director/requests/{request}").text)
    before = position(web.app)
    empty = director.post(path, data={"csrf": token, "reason": "  "})
    assert empty.status_code == 422
    assert list(field_errors(empty.text)) == ["reason"]
    evil = "Неверный <b>бланк</b> <script>alert(1)</script>"
    declined = director.post(
        path, data={"csrf": token, "reason": evil}, follow_redirects=False
    )
    assert declined.status_code == 303
    assert position(web.app) == before
    shown = director.get(f"/app/director/requests/{request}").text
    assert "отклонён" in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert(1)" not in shown
    assert "Ждут вашей подписи" in director.get("/app/director").text
    assert f"/app/director/requests/{request}" not in director.get("/app/director").text


def test_only_the_director_reaches_the_signing(web: Web) -> None:
    request = _submitted(web)
    before = position(web.app)
    director = _director(web)
    values = form_values(
        director.get(f"/app/director/requests/{request}").text,
        f"/app/director/requests/{request}/sign",
    )
    for login in ("secretary", "maths", "deputy"):
        other = web.new_client()
        sign_in(other, login)
        assert other.get("/app/director").status_code == 403, login
        assert other.get(f"/app/director/requests/{request}").status_code == 403
        token = csrf_of(other.get("/app/").text)
        posted = other.post(
            f"/app/director/requests/{request}/sign",
            data={**values, "csrf": token},
        )
        assert posted.status_code == 403, login
    forged = director.post(
        f"/app/director/requests/{request}/sign", data={**values, "csrf": "forged"}
    )
    assert forged.status_code == 403
    assert position(web.app) == before
    unknown = director.get(f"/app/director/requests/{UUID(int=7)}")
    assert unknown.status_code == 404


def test_a_duplicate_from_the_office_waits_for_the_director(web: Web) -> None:
    s = web.school
    graduate(s, s.pupils[0])
    stock_blanks(s, BLANK, "10224000000002")
    s.clock.set(ISSUED_ON)
    s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=[AttestatRequest(s.pupils[0], Blank.parse(BLANK))],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=s.signing("maths", "director"),
    )
    sign_in(web.client, "secretary")
    before = position(web.app)
    duplicate = {
        "level": "basic",
        "original": "1",
        "blank": "10224000000002",
        "cause": "lost",
        "reason": "заявление выпускника об утрате",
        "order.number": "50-о",
        "order.date": ISSUED_ON.isoformat(),
        "issued_on": ISSUED_ON.isoformat(),
    }
    unknown = send(
        web.client, "/app/office/forms/duplicate", {**duplicate, "original": "9"}
    )
    assert list(field_errors(unknown.text)) == ["original"]
    held = send(web.client, "/app/office/forms/duplicate", duplicate)
    assert held.status_code == 303, field_errors(held.text)
    assert position(web.app) == before
    office = web.client.get("/app/office").text
    assert "Дубликат аттестата (с подписью директора) — ждёт: директор" in office
    queue = _director(web).get("/app/director").text
    assert "Дубликат аттестата" in queue
