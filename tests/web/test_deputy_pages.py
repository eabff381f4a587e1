"""The deputy director's pages: an attestation protocol, a retake of its
debt, the council's decisions, closing a period after a confirmation, and the
change log; refusals beside their inputs with nothing written."""

from __future__ import annotations

import re
from datetime import date

from tests.support.school import INTERVIEW_ON, interview
from tests.support.web import Web, sign_in
from tests.support.web_forms import (
    field_errors,
    form_values,
    logged,
    position,
    send,
)

PROTOCOL_DAY = date(2025, 5, 20)


def _protocol(number: str, on: date = PROTOCOL_DAY) -> dict[str, str]:
    return {"protocol.number": number, "protocol.date": on.isoformat()}


def test_an_attestation_protocol_and_a_retake_of_its_debt(web: Web) -> None:
    s = web.school
    s.clock.set(PROTOCOL_DAY)
    sign_in(web.client, "deputy")
    klass = s.klass("9А")
    path = f"/app/deputy/forms/attestation?class={klass}"
    results = {
        "subject": "math",
        "form": "годовая контрольная работа",
        **_protocol("П-1"),
        "results.0.result": "2",  # Иванов: an academic debt
        "results.1.result": "5",
        "results.2.result": "отлично",
    }
    before = position(web.app)
    refused = send(web.client, path, results)
    assert refused.status_code == 422
    assert list(field_errors(refused.text)) == ["results.2.result"]
    assert form_values(refused.text)["results.2.result"] == "отлично"
    assert position(web.app) == before
    missing = send(web.client, path, {**results, "results.2.result": "", "form": ""})
    assert list(field_errors(missing.text)) == ["form"]
    recorded = send(web.client, path, {**results, "results.2.result": ""})
    assert recorded.status_code == 303, field_errors(recorded.text)
    events = logged(web.app, before)
    assert [e["type"] for e in events] == [
        "attestation.IntermediateAttestationRecorded"
    ] * 2

    retake = f"/app/deputy/forms/retake?class={klass}"
    page = web.client.get(retake).text
    assert "Иванов Пётр Сергеевич" in page
    assert "«2»" in page
    debt = f"{events[0]['stream']}:{events[0]['seq']}"
    assert f'<option value="{debt}">' in page  # the only debt offered
    assert f"{events[1]['stream']}:" not in page
    tampered = send(web.client, retake, {"retakes": f"{events[1]['stream']}:1"})
    assert list(field_errors(tampered.text)) == ["retakes"]
    mid = position(web.app)
    failed = send(
        web.client, retake, {"retakes": debt, "result": "2", **_protocol("П-2")}
    )
    assert failed.status_code == 303, field_errors(failed.text)
    [first] = logged(web.app, mid)
    assert first["type"] == "attestation.RetakeRecorded"
    assert first["data"]["retakes"] == debt
    second = f"{first['stream']}:{first['seq']}"
    assert "пересдача 1" in web.client.get(retake).text  # still a debt
    staff = [str(s.staff(label)) for label in ("maths", "russian", "history")]
    mid = position(web.app)
    two = {
        "retakes": second,
        "result": "4",
        **_protocol("П-3"),
        "commission": staff[:2],
    }
    refused = send(web.client, retake, two)
    assert refused.status_code == 422  # the second retake: a commission of three
    assert "commission" in next(iter(field_errors(refused.text).values()))
    assert form_values(refused.text)["commission"] == staff[:2]  # kept
    assert position(web.app) == mid
    done = send(web.client, retake, {**two, "commission": staff})
    assert done.status_code == 303, field_errors(done.text)
    [made] = logged(web.app, mid)
    assert sorted(made["data"]["commission"]) == sorted(staff)
    assert "«2»" not in web.client.get(retake).text  # no debt left


def test_the_councils_decisions_with_the_protocol(web: Web) -> None:
    s = web.school
    interview(s, s.pupils[0], s.pupils[1])
    s.clock.set(PROTOCOL_DAY)
    sign_in(web.client, "deputy")
    path = f"/app/deputy/forms/council?class={s.klass('9А')}"
    before = position(web.app)
    decisions = {**_protocol("7"), "decisions.0.kind": "admitted_to_state_exams"}
    no_protocol = send(web.client, path, {**decisions, "protocol.number": ""})
    assert list(field_errors(no_protocol.text)) == ["protocol.number"]
    nothing = send(web.client, path, _protocol("7"))
    assert list(field_errors(nothing.text)) == ["decisions"]
    wrong = send(web.client, path, {**decisions, "decisions.2.kind": "promoted"})
    assert wrong.status_code == 422  # grade 9 is not promoted to grade 10
    assert list(field_errors(wrong.text)) == ["decisions.2.kind"]
    no_exams = {**_protocol("7"), "decisions.1.kind": "attestat_basic"}
    refused = send(web.client, path, no_exams)
    assert refused.status_code == 422  # the rule names no field: the row sent
    errors = field_errors(refused.text)
    assert list(errors) == ["decisions.1"], errors
    assert "допущен к ГИА" in errors["decisions.1"]
    assert position(web.app) == before
    done = send(web.client, path, decisions)
    assert done.status_code == 303, field_errors(done.text)
    [event] = logged(web.app, before)
    assert event["type"] == "decisions.CouncilDecisionRecorded"
    assert event["data"]["protocol"]["number"] == "7"
    assert INTERVIEW_ON < PROTOCOL_DAY


def test_a_corrected_council_decision_waits_for_the_director(web: Web) -> None:
    s = web.school
    interview(s, s.pupils[0])
    s.clock.set(PROTOCOL_DAY)
    sign_in(web.client, "deputy")
    klass = s.klass("9А")
    decided = {**_protocol("7"), "decisions.0.kind": "admitted_to_state_exams"}
    send(web.client, f"/app/deputy/forms/council?class={klass}", decided)
    before = position(web.app)
    path = f"/app/deputy/forms/council-correction?class={klass}"
    decision = f"{logged(web.app, before - 1)[0]['stream']}:1"
    correction = {
        "corrects": decision,
        **_protocol("8"),
        "decision.kind": "admitted_to_state_exams",
        "reason": "номер протокола записан с ошибкой",
    }
    no_reason = send(web.client, path, {**correction, "reason": ""})
    assert list(field_errors(no_reason.text)) == ["reason"]
    unknown = send(web.client, path, {**correction, "corrects": f"{klass}:1"})
    assert list(field_errors(unknown.text)) == ["corrects"]
    held = send(web.client, path, correction)
    assert held.status_code == 303, field_errors(held.text)
    assert position(web.app) == before  # not in the log before the director
    director = web.new_client()
    sign_in(director, "director")
    queue = director.get("/app/director").text
    assert "Исправление решения педсовета" in queue
    found = re.search(r"/app/director/requests/([0-9a-f-]{36})", queue)
    assert found
    shown = director.get(found.group(0)).text
    assert "Иванов Пётр Сергеевич" in shown
    assert "номер протокола записан с ошибкой" in shown
    values = form_values(shown, f"{found.group(0)}/sign")
    director.post(f"{found.group(0)}/sign", data=values)
    [event] = logged(web.app, before)
    assert event["type"] == "decisions.CouncilDecisionCorrected"
    keys = [sig["key"] for sig in event["sigs"]]
    assert keys == [s.keys["deputy"].key_id, s.keys["director"].key_id]


def test_closing_a_period_asks_first_and_is_appended_once(web: Web) -> None:
    web.school.clock.set(date(2024, 11, 6))  # the first quarter has ended
    sign_in(web.client, "deputy")
    page = web.client.get("/app/deputy/periods")
    assert page.status_code == 200
    assert "I четверть" in page.text
    assert "окончен, не закрыт" in page.text
    values = form_values(web.client.get("/app/deputy/periods?period=Q1").text)
    assert values["period"] == "Q1"
    before = position(web.app)
    asked = web.client.post("/app/deputy/periods", data=values)
    assert asked.status_code == 200
    assert "I четверть 2024/2025 уч. года — вся школа, все предметы" in asked.text
    assert position(web.app) == before  # nothing until confirmed
    confirm = form_values(asked.text, "/app/deputy/periods")
    assert confirm["confirmed"] == "1"
    first = web.client.post("/app/deputy/periods", data=confirm, follow_redirects=False)
    second = web.client.post(
        "/app/deputy/periods", data=confirm, follow_redirects=False
    )
    assert first.status_code == second.status_code == 303
    [closed] = logged(web.app, before)
    assert closed["type"] == "school.PeriodClosed"
    assert "закрыт" in web.client.get("/app/deputy/periods").text
    bad = web.client.post(
        "/app/deputy/periods", data={**confirm, "period": "Q9", "submission": "x1"}
    )
    assert bad.status_code == 422
    assert list(field_errors(bad.text)) == ["period"]


def test_the_change_log_of_a_class(web: Web) -> None:
    sign_in(web.client, "deputy")
    chooser = web.client.get("/app/deputy/changes")
    assert chooser.status_code == 200
    log = web.client.get(f"/app/deputy/changes?class={web.school.klass('9А')}")
    assert log.status_code == 200
    assert "Журнал изменений" in log.text
    sign_in(web.client, "secretary")
    assert web.client.get("/app/deputy").status_code == 403
