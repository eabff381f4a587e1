"""Keys enrolled in a browser: the request, the approval by the deputy director
or the director, signing with the key, revoking it; and every refusal, with
nothing written (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from api.server.client import sign_prepared
from api.server.cosign import desk_for
from api.server.office import Office
from ledger.keys.directory import SigningKey
from ledger.keys.registry import key_stream_id
from tests.support.browser_keys import (
    JSON,
    check_signed_by,
    enrol,
    enrol_body,
    events,
    registration,
    script_headers,
    sheet,
    sign_in_python,
    state,
    stored,
)
from tests.support.web import Web, csrf_of, sign_in

DIGEST = re.compile(r'name="reviewed" value="(sha256:[0-9a-f]{64})"')


def office_of(web: Web) -> Office:
    office: Office = web.app.state.office
    return office


def signed_in(web: Web, login: str) -> TestClient:
    client = web.new_client()
    sign_in(client, login)
    return client


def approve(director: TestClient, request: str) -> None:
    page = director.get("/app/keys/requests")
    assert page.status_code == 200
    card = page.text[page.text.index(f'id="request-{request}"') :]
    reviewed = DIGEST.search(card)
    assert reviewed, "the request shows what signing would append, with its digest"
    answer = director.post(
        f"/app/keys/requests/{request}/sign",
        data={"csrf": csrf_of(page.text), "reviewed": reviewed.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def requests_count(office: Office) -> int:
    return desk_for(office).requests.count()


def test_a_teacher_enrols_the_director_approves_and_the_key_signs(web: Web) -> None:
    office = office_of(web)
    teacher = signed_in(web, "maths")
    enrolled = enrol(teacher, "Ноутбук, кабинет 12")
    key = enrolled.key
    page = teacher.get("/app/keys")
    assert "ждёт подтверждения" in page.text
    assert "Ноутбук, кабинет 12" in page.text
    shown = " ".join(key.key_id[i : i + 4] for i in range(0, 32, 4))
    assert shown in page.text
    before = events(office)

    director = signed_in(web, "director")
    queue = director.get("/app/keys/requests")
    assert "maths" in queue.text  # the person (their login: no display name here)
    assert shown in queue.text
    assert "«Ноутбук, кабинет 12»" in queue.text
    assert "учитель, классный руководитель" in queue.text
    # the request's text says when it was sent in the school's zone
    [sent] = desk_for(office).history(UUID(enrolled.request))
    assert "(МСК). Устройство: «Ноутбук, кабинет 12»" in sent.summary
    approve(director, enrolled.request)

    registered = registration(office, key.key_id)
    assert registered.type == "trust.SignerKeyRegistered"
    assert registered.data["holder"] == str(web.school.staff("maths"))
    seal = office.directory.config["log_key"]
    assert [s.key for s in registered.sigs] == [
        seal,  # the school's log key registers every key (DESIGN §4)
        web.school.keys["director"].key_id,  # the approver co-signs
    ]
    assert events(office) == before + 1
    [approved] = desk_for(office).history(UUID(enrolled.request))[-1].approvals
    assert (approved.role, approved.account) == ("director", "director")
    assert state(teacher)["keys"] == [
        {"key": key.key_id, "state": "active", "device": "Ноутбук, кабинет 12"}
    ]

    answer = sign_in_python(teacher, key, "lesson-sheet", sheet(web.school, 2))
    assert answer.status_code == 201, answer.text
    names = answer.json()["events"]
    assert len(names) == 1 + 2 + 1
    for name in names:
        envelope = stored(office, name)
        assert envelope.author_key == key.key_id
        check_signed_by(envelope, key.public_bytes)
    assert stored(office, names[0]).data["topic"] == "Квадратные уравнения, урок 2"


def test_the_general_queue_lists_key_requests_for_the_approvers(web: Web) -> None:
    office = office_of(web)
    teacher = signed_in(web, "english")
    enrolled = enrol(teacher, "Телефон")
    desk = desk_for(office)
    deputy = office.accounts.get("deputy")
    director = office.accounts.get("director")
    cover = office.accounts.get("cover")
    assert deputy
    assert director
    assert cover
    for approver in (deputy, director):
        [shown] = desk.visible(approver)
        assert str(shown.id) == enrolled.request
        assert shown.may_be_signed_by(approver)
        assert "Телефон" in shown.summary
    assert desk.visible(cover) == []
    preview = desk.preview(desk.show(shown.id, deputy))
    assert preview.refused is None
    assert preview.envelopes[0]["type"] == "trust.SignerKeyRegistered"
    assert preview.envelopes[0]["data"]["key"] == enrolled.key.key_id
    signed = desk.sign(shown.id, deputy, reviewed=preview.digest)
    assert signed.state == "signed"
    assert [(a.role, a.account) for a in signed.approvals] == [
        ("deputy_director", "deputy")
    ]
    registered = registration(office, enrolled.key.key_id)
    assert registered.sigs[1].key == web.school.keys["deputy"].key_id


def test_bad_enrolments_are_refused_and_write_nothing(web: Web) -> None:
    office = office_of(web)
    teacher = signed_in(web, "maths")
    key, other = SigningKey.generate(), SigningKey.generate()
    good = enrol_body(teacher, key)
    wrong_proof = {**good, "proof": enrol_body(teacher, other)["proof"]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "public_key": "ab" * 31}, "body.public_key"),
        ({**good, "public_key": good["public_key"].upper()}, "body.public_key"),
        ({**good, "device": "   "}, "body.device"),
        ({**good, "device": "x" * 61}, "body.device"),
        ({**good, "proof": "not base64!"}, "body.proof"),
        (wrong_proof, "body.proof"),
        ({**good, "device": "Другое устройство"}, "body.proof"),  # not what was signed
    ]
    before, requests = events(office), requests_count(office)
    for body, field in cases:
        answer = teacher.post(
            "/app/keys/enrol", json=body, headers=script_headers(teacher)
        )
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"] == field, answer.text
    missing = teacher.post(
        "/app/keys/enrol", json={"device": "x"}, headers=script_headers(teacher)
    )
    assert missing.status_code == 422
    no_csrf = teacher.post("/app/keys/enrol", json=good, headers=JSON)
    assert no_csrf.status_code == 403
    assert no_csrf.json()["field"] == "header.X-CSRF-Token"
    foreign = signed_in(web, "english")
    other_token = teacher.post(
        "/app/keys/enrol",
        json=good,
        headers={**JSON, "X-CSRF-Token": state(foreign)["csrf"]},
    )
    assert other_token.status_code == 403
    signed_out = web.new_client().post("/app/keys/enrol", json=good, headers=JSON)
    assert signed_out.status_code == 401
    pupil = signed_in(web, "pupil")
    assert pupil.get("/app/keys").status_code == 403
    assert (events(office), requests_count(office)) == (before, requests)

    enrolled = teacher.post(
        "/app/keys/enrol", json=good, headers=script_headers(teacher)
    )
    assert enrolled.status_code == 201
    again = teacher.post("/app/keys/enrol", json=good, headers=script_headers(teacher))
    assert again.status_code == 422
    assert again.json()["field"] == "body.public_key"
    assert requests_count(office) == requests + 1
    assert events(office) == before


def test_an_approver_may_not_approve_their_own_key_and_declines_with_a_reason(
    web: Web,
) -> None:
    office = office_of(web)
    deputy = signed_in(web, "deputy")
    enrolled = enrol(deputy, "Планшет")
    own = deputy.get("/app/keys/requests")
    assert "Это ваша заявка" in own.text
    refused = deputy.post(
        f"/app/keys/requests/{enrolled.request}/sign",
        data={"csrf": csrf_of(own.text)},
    )
    assert refused.status_code == 403
    assert "submitted request" in refused.text

    director = signed_in(web, "director")
    page = director.get("/app/keys/requests")
    before, requests = events(office), requests_count(office)
    no_reason = director.post(
        f"/app/keys/requests/{enrolled.request}/decline",
        data={"csrf": csrf_of(page.text), "reason": "  "},
    )
    assert no_reason.status_code == 422
    assert 'aria-invalid="true"' in no_reason.text
    assert "Укажите причину отказа" in no_reason.text
    no_csrf = director.post(
        f"/app/keys/requests/{enrolled.request}/decline",
        data={"reason": "Не сверили отпечаток"},
    )
    assert no_csrf.status_code == 403
    assert (events(office), requests_count(office)) == (before, requests)

    declined = director.post(
        f"/app/keys/requests/{enrolled.request}/decline",
        data={"csrf": csrf_of(page.text), "reason": "Отпечаток не совпал"},
        follow_redirects=False,
    )
    assert declined.status_code == 303
    assert events(office) == before
    mine = deputy.get("/app/keys")
    assert "отклонён" in mine.text
    assert "Отпечаток не совпал" in mine.text
    late = director.post(
        f"/app/keys/requests/{enrolled.request}/sign",
        data={"csrf": csrf_of(page.text)},
    )
    assert late.status_code == 409
    assert events(office) == before


def test_a_revoked_key_signs_nothing_more(web: Web) -> None:
    office = office_of(web)
    teacher = signed_in(web, "maths")
    enrolled = enrol(teacher)
    approve(signed_in(web, "director"), enrolled.request)
    key = enrolled.key
    headers = script_headers(teacher)
    body = sheet(web.school, 2)
    prepared = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": body},
        headers=headers,
    )
    assert prepared.status_code == 200, prepared.text

    page = teacher.get("/app/keys")
    before = events(office)
    no_reason = teacher.post(
        f"/app/keys/{key.key_id}/revoke",
        data={"csrf": csrf_of(page.text), "reason": ""},
    )
    assert no_reason.status_code == 422
    assert "Укажите причину отзыва" in no_reason.text
    stranger = signed_in(web, "english")
    theirs = stranger.post(
        f"/app/keys/{key.key_id}/revoke",
        data={"csrf": csrf_of(stranger.get("/app/keys").text), "reason": "чужой"},
    )
    assert theirs.status_code == 422
    assert events(office) == before

    revoked = teacher.post(
        f"/app/keys/{key.key_id}/revoke",
        data={"csrf": csrf_of(page.text), "reason": "Ноутбук украли"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert events(office) == before + 1
    [_, revocation] = office.app.recorder.select_events(key_stream_id(key.key_id))
    assert revocation.topic == "trust.SignerKeyRevoked"
    assert state(teacher)["keys"][0]["state"] == "revoked"

    after = events(office)
    again = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": body},
        headers=headers,
    )
    assert again.status_code == 403
    assert again.json()["type"].endswith("key-not-valid")
    late = teacher.post(
        "/app/signed/lesson-sheet",
        json={
            "body": body,
            "envelopes": sign_prepared(prepared.json()["envelopes"], key),
        },
        headers=headers,
    )
    assert late.status_code == 403, late.text
    assert events(office) == after


def test_the_signed_routes_check_the_session_the_token_and_the_envelopes(
    web: Web,
) -> None:
    office = office_of(web)
    teacher = signed_in(web, "maths")
    enrolled = enrol(teacher)
    approve(signed_in(web, "director"), enrolled.request)
    key = enrolled.key
    body = sheet(web.school, 2)
    headers = script_headers(teacher)
    before = events(office)
    no_csrf = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": body},
        headers=JSON,
    )
    assert no_csrf.status_code == 403
    anonymous = web.new_client().post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": body},
        headers=JSON,
    )
    assert anonymous.status_code == 401
    unknown = teacher.post(
        "/app/signed/no-such-kind/prepare",
        json={"key": key.key_id, "body": body},
        headers=headers,
    )
    assert unknown.status_code == 404
    extra = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": {**body, "mood": "sunny"}},
        headers=headers,
    )
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "body.body.mood"
    others = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": web.school.keys["english"].key_id, "body": body},
        headers=headers,
    )
    assert others.status_code == 422
    assert others.json()["type"].endswith("not-your-key")

    prepared = teacher.post(
        "/app/signed/lesson-sheet/prepare",
        json={"key": key.key_id, "body": body},
        headers=headers,
    ).json()["envelopes"]
    signed = sign_prepared(prepared, key)
    tampered = [dict(e) for e in signed]
    tampered[1] = {**tampered[1], "data": {**tampered[1]["data"], "mark": "2"}}
    forged = teacher.post(
        "/app/signed/lesson-sheet",
        json={"body": body, "envelopes": tampered},
        headers=headers,
    )
    assert forged.status_code == 422
    other_body = teacher.post(
        "/app/signed/lesson-sheet",
        json={"body": {**body, "topic": "Другая тема"}, "envelopes": signed},
        headers=headers,
    )
    assert other_body.status_code == 422
    assert "topic" in other_body.json()["detail"]
    assert events(office) == before
    keyed = {**headers, "Idempotency-Key": "sheet-4"}
    first = teacher.post(
        "/app/signed/lesson-sheet",
        json={"body": body, "envelopes": signed},
        headers=keyed,
    )
    second = teacher.post(
        "/app/signed/lesson-sheet",
        json={"body": body, "envelopes": signed},
        headers=keyed,
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert events(office) == before + 4


def test_names_are_escaped_and_a_double_approval_appends_once(web: Web) -> None:
    office = office_of(web)
    teacher = signed_in(web, "maths")
    enrolled = enrol(teacher, "<script>alert(1)</script> & Ко")
    director = signed_in(web, "director")
    page = director.get("/app/keys/requests")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Ко" in page.text
    mine = teacher.get("/app/keys")
    assert "&lt;script&gt;" in mine.text
    assert "<script>alert" not in mine.text
    before = events(office)
    card = page.text[page.text.index(f'id="request-{enrolled.request}"') :]
    reviewed = DIGEST.search(card)
    assert reviewed
    form = {"csrf": csrf_of(page.text), "reviewed": reviewed.group(1)}
    first = director.post(
        f"/app/keys/requests/{enrolled.request}/sign",
        data=form,
        follow_redirects=False,
    )
    second = director.post(f"/app/keys/requests/{enrolled.request}/sign", data=form)
    assert first.status_code == 303
    assert second.status_code == 409  # signed already: nothing more appended
    assert events(office) == before + 1
