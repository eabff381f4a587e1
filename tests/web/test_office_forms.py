"""The records office's forms: enrolment, moves, leaving and the blanks, each
recorded through the API's own command path, refusals beside their inputs
with nothing written, CSRF, a double submission, escaping, and who may open
them."""

from __future__ import annotations

import re

from tests.support.web import Web, csrf_of, sign_in
from tests.support.web_forms import field_errors, form_values, logged, position, send

ENROL = "/app/office/forms/enrol"


def _enrolment(web: Web, **changes: str) -> dict[str, str]:
    return {
        "pupils.0.surname": "Петрова",
        "pupils.0.name": "Мария",
        "pupils.0.patronymic": "Олеговна",
        "pupils.0.birth_date": "2010-04-12",
        "pupils.0.sex": "Ж",
        "pupils.0.snils": "123-456-789 64",
        "pupils.0.class_id": str(web.school.klass("9А")),
        "pupils.0.on": "2024-10-01",
        "pupils.0.order": "№ 15-у от 01.10.2024",
        **changes,
    }


def test_an_enrolment_through_the_form_is_recorded_sealed(web: Web) -> None:
    sign_in(web.client, "secretary")
    before = position(web.app)
    answer = send(web.client, ENROL, _enrolment(web))
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/app/office"
    [event] = logged(web.app, before)
    assert event["type"] == "people.StudentEnrolled"
    assert event["data"]["class_id"] == str(web.school.klass("9А"))
    assert "Петрова" not in str(event)  # the identity is sealed, as the API seals
    assert set(event["data"]["enc"]) >= {"alg", "ct"}
    page = web.client.get("/app/office")
    assert "Записано в журнал: 1 запись." in page.text
    assert "Записано" not in web.client.get("/app/office").text  # shown once


def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(
    web: Web,
) -> None:
    sign_in(web.client, "secretary")
    before = position(web.app)
    cases = {
        "pupils.0.surname": ("", "Заполните это поле."),
        "pupils.0.snils": ("12345678901", "СНИЛС пишется так: 123-456-789 01."),
        "pupils.0.birth_date": ("вчера", "Укажите дату."),
        "pupils.0.class_id": ("", "Заполните это поле."),
        "pupils.0.order": ("x" * 101, "Не длиннее 100 знаков."),
    }
    for name, (value, message) in cases.items():
        answer = send(web.client, ENROL, _enrolment(web, **{name: value}))
        assert answer.status_code == 422, name
        errors = field_errors(answer.text)
        assert errors == {name: message}, (name, errors)
        assert f'aria-describedby="e-{name}"' in answer.text
        kept = form_values(answer.text)
        assert kept["pupils.0.name"] == "Мария"  # what was typed stays
        assert kept[name] == value
    assert position(web.app) == before


def test_a_rule_refusal_lands_beside_the_field_it_is_about(web: Web) -> None:
    sign_in(web.client, "secretary")
    before = position(web.app)
    # enrolled after the class's year ended: the service's own rule
    answer = send(web.client, ENROL, _enrolment(web, **{"pupils.0.on": "2025-09-01"}))
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert list(errors) == ["pupils.0.on"], errors
    assert errors["pupils.0.on"].startswith("Запись не принята")
    assert position(web.app) == before


def test_a_double_submitted_enrolment_is_appended_once(web: Web) -> None:
    sign_in(web.client, "secretary")
    page = web.client.get(ENROL)
    values = {**form_values(page.text), **_enrolment(web)}
    before = position(web.app)
    first = web.client.post(ENROL, data=values, follow_redirects=False)
    second = web.client.post(ENROL, data=values, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert len(logged(web.app, before)) == 1
    notices = re.findall(r'class="notice"[^>]*>([^<]*)', web.client.get("/").text)
    notices += re.findall(
        r'class="notice"[^>]*>([^<]*)', web.client.get("/app/office").text
    )
    assert any("записано один раз" in n for n in notices), notices


def test_forms_refuse_a_post_without_or_with_a_foreign_csrf_token(web: Web) -> None:
    sign_in(web.client, "secretary")
    values = {**form_values(web.client.get(ENROL).text), **_enrolment(web)}
    before = position(web.app)
    for token in (None, "forged-token"):
        sent = dict(values)
        if token is None:
            sent.pop("csrf")
        else:
            sent["csrf"] = token
        answer = web.client.post(ENROL, data=sent, follow_redirects=False)
        assert answer.status_code == 403
        assert "CSRF" in answer.text
    other = web.new_client()
    sign_in(other, "director")  # a valid token, but of another session
    values["csrf"] = csrf_of(other.get("/app/office").text)
    assert web.client.post(ENROL, data=values).status_code == 403
    assert position(web.app) == before


def test_names_typed_in_a_form_are_escaped_everywhere(web: Web) -> None:
    sign_in(web.client, "secretary")
    evil = 'Злов<script>alert("x")</script>'
    refused = send(
        web.client,
        ENROL,
        _enrolment(web, **{"pupils.0.surname": evil, "pupils.0.sex": "X"}),
    )
    assert refused.status_code == 422
    assert "<script>alert" not in refused.text
    assert "&lt;script&gt;" in refused.text
    made = send(web.client, ENROL, _enrolment(web, **{"pupils.0.surname": evil}))
    assert made.status_code == 303, field_errors(made.text)
    teacher = web.new_client()
    sign_in(teacher, "maths")
    roster = teacher.get("/app/class")
    assert "&lt;script&gt;alert" in roster.text
    assert "<script>alert" not in roster.text


def test_a_teacher_cannot_open_the_records_office(web: Web) -> None:
    sign_in(web.client, "maths")
    before = position(web.app)
    assert web.client.get("/app/office").status_code == 403
    assert web.client.get(ENROL).status_code == 403
    token = csrf_of(web.client.get("/app/").text)
    posted = web.client.post(ENROL, data={"csrf": token, **_enrolment(web)})
    assert posted.status_code == 403
    assert "Нет доступа" in posted.text
    assert position(web.app) == before
    assert "Канцелярия" not in web.client.get("/app/").text


def test_a_move_and_a_leaving_with_the_file_handed_over(web: Web) -> None:
    sign_in(web.client, "secretary")
    s = web.school
    before = position(web.app)
    moved = send(
        web.client,
        "/app/office/forms/move",
        {
            "moves.0.pupil": str(s.pupils[2]),
            "moves.0.class_id": str(s.klass("9Б")),
            "moves.0.reason": "parallel",
            "moves.0.basis": "приказ № 20 от 01.10.2024",
        },
    )
    assert moved.status_code == 303, field_errors(moved.text)
    leaving = {
        "pupil": str(s.pupils[1]),
        "reason": "expelled",
        "order": "приказ № 21-о",
        "file_handover.request_date": "2024-09-30",
        "file_handover.request_number": "17",
    }
    refused = send(web.client, "/app/office/forms/leave", leaving)
    assert refused.status_code == 422
    assert list(field_errors(refused.text)) == ["file_handover"]
    assert len(logged(web.app, before)) == 1
    left = send(
        web.client, "/app/office/forms/leave", {**leaving, "reason": "transferred"}
    )
    assert left.status_code == 303, field_errors(left.text)
    types = [e["type"] for e in logged(web.app, before)]
    assert types == ["people.StudentMovedToClass", "people.StudentLeft"]
    [_, gone] = logged(web.app, before)
    assert gone["data"]["file_handed_to_guardian"] is True


def test_blanks_are_taken_into_stock_and_shown_in_the_stock(web: Web) -> None:
    sign_in(web.client, "secretary")
    before = position(web.app)
    path = "/app/office/forms/blanks"
    bad = send(
        web.client,
        path,
        {
            "level": "basic",
            "blanks": "10224000000001\nплохой",
            "invoice": "накладная № 3",
        },
    )
    assert bad.status_code == 422
    assert "blanks" in field_errors(bad.text)
    empty = send(web.client, path, {"level": "basic", "invoice": "накладная № 3"})
    assert list(field_errors(empty.text)) == ["blanks"]
    assert position(web.app) == before
    good = send(
        web.client,
        path,
        {
            "level": "basic",
            "blanks": "10224000000001",
            "ranges.0.first": "10224000000005",
            "ranges.0.last": "10224000000007",
            "invoice": "накладная № 3 от 01.10.2024",
        },
    )
    assert good.status_code == 303, field_errors(good.text)
    [event] = logged(web.app, before)
    assert event["type"] == "attestat.BlanksReceived"
    web.app.state.office.sealer.seal()
    stock = web.client.get("/app/office/blanks")
    assert stock.status_code == 200
    assert "10224000000007" in stock.text
