"""Appends over HTTP: custodial lesson sheets, client-signed envelopes,
idempotent retries, and refusals that name the field and write nothing."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from api.server.client import sign_prepared
from ledger.envelope import canonical
from tests.support.serving import DAY, Served


def _post(s: Served, path: str, body: Any, account: str = "maths", **headers: str):  # type: ignore[no-untyped-def]
    return s.client.post(path, json=body, headers={**s.auth(account), **headers})


def _stored(s: Served, stream: str, seq: int) -> bytes:
    from uuid import UUID

    found = s.office.app.recorder.select_events(UUID(stream), gt=seq - 1, lte=seq)
    return bytes(found[0].state)


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == status
    return problem


# -- custodial lesson sheets --------------------------------------------------------


def test_a_lesson_sheet_is_one_signed_save(served: Served) -> None:
    before = served.events()
    answer = _post(served, "/lesson-sheets", served.sheet(2, marks=3))
    assert answer.status_code == 201, answer.text
    events = answer.json()["events"]
    assert len(events) == 4
    assert served.events() == before + 4
    lesson = served.client.get(
        f"/lessons/{answer.json()['lesson']}", headers=served.auth("maths")
    ).json()
    assert [e["value"] for e in lesson["entries"]] == ["5", "5", "5"]


def test_a_retry_with_the_same_key_and_body_appends_once(served: Served) -> None:
    sheet = served.sheet(2)
    first = _post(served, "/lesson-sheets", sheet, **{"Idempotency-Key": "k-1"})
    before = served.events()
    again = _post(served, "/lesson-sheets", sheet, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert served.events() == before


def test_the_same_key_with_another_body_is_refused(served: Served) -> None:
    _post(served, "/lesson-sheets", served.sheet(2), **{"Idempotency-Key": "k-2"})
    before = served.events()
    answer = _post(
        served, "/lesson-sheets", served.sheet(3), **{"Idempotency-Key": "k-2"}
    )
    problem = _problem(answer, 422)
    assert problem["field"] == "header.Idempotency-Key"
    assert served.events() == before


def test_keys_are_per_account(served: Served) -> None:
    _post(served, "/lesson-sheets", served.sheet(2), **{"Idempotency-Key": "same"})
    answer = served.client.post(
        f"/entries/{served.lesson}:3/correction",
        json={"mark": "3", "reason": "ошибка"},
        headers={**served.auth("deputy"), "Idempotency-Key": "same"},
    )
    assert answer.status_code == 201, answer.text
    (name,) = answer.json()["events"]
    (last,) = served.office.app.recorder.select_notifications(
        start=served.events(), limit=1
    )
    assert name == f"{last.originator_id}:{last.originator_version}"
    assert last.topic == "journal.MarkCorrected"


def test_a_mark_off_the_scale_names_the_field_and_writes_nothing(
    served: Served,
) -> None:
    sheet = served.sheet(2)
    sheet["marks"][0]["mark"] = "7"
    before = served.events()
    problem = _problem(_post(served, "/lesson-sheets", sheet), 422)
    assert problem["field"] == "body.marks.0.mark"
    assert "7" in problem["detail"]
    assert served.events() == before


def test_a_lesson_out_of_range_names_the_field_and_what_is_allowed(
    served: Served,
) -> None:
    before = served.events()
    problem = _problem(_post(served, "/lesson-sheets", served.sheet(9)), 422)
    assert problem["field"] == "body.number"
    assert problem["allowed"] == "le 8"
    assert served.events() == before


def test_a_lesson_in_the_future_is_refused(served: Served) -> None:
    before = served.events()
    sheet = served.sheet(1, day=(DAY + timedelta(days=1)).isoformat())
    problem = _problem(_post(served, "/lesson-sheets", sheet), 422)
    assert problem["field"] == "body.day"
    assert served.events() == before


def test_a_recorded_lesson_is_a_conflict(served: Served) -> None:
    before = served.events()
    problem = _problem(_post(served, "/lesson-sheets", served.sheet(1)), 409)
    assert problem["field"] == "body.number"
    assert served.events() == before


def test_malformed_json_is_a_problem_not_a_crash(served: Served) -> None:
    answer = served.client.post(
        "/lesson-sheets",
        content=b"{not json",
        headers={**served.auth("maths"), "content-type": "application/json"},
    )
    assert _problem(answer, 422)["field"].startswith("body")


# -- client-signed envelopes ----------------------------------------------------------


def _prepared(s: Served, number: int = 2, marks: int = 2) -> list[dict[str, Any]]:
    answer = _post(
        s,
        "/envelopes/prepare",
        {"key": s.school.keys["maths"].key_id, "lessons": [s.sheet(number, marks)]},
    )
    assert answer.status_code == 200, answer.text
    envelopes: list[dict[str, Any]] = answer.json()["envelopes"]
    return envelopes


def test_a_client_signed_lesson_is_stored_byte_for_byte(served: Served) -> None:
    before = served.events()
    signed = sign_prepared(_prepared(served), served.school.keys["maths"])
    answer = _post(served, "/envelopes", {"envelopes": signed})
    assert answer.status_code == 201, answer.text
    assert served.events() == before + 3
    for envelope, name in zip(signed, answer.json()["events"], strict=True):
        stream, seq = name.split(":")
        assert _stored(served, stream, int(seq)) == canonical(envelope)


def test_a_tampered_signature_is_refused_and_nothing_written(served: Served) -> None:
    signed = sign_prepared(_prepared(served), served.school.keys["maths"])
    raw = bytearray(base64.b64decode(signed[1]["sigs"][0]["sig"]))
    raw[5] ^= 0x40
    signed[1]["sigs"][0]["sig"] = base64.b64encode(bytes(raw)).decode()
    before = served.events()
    problem = _problem(_post(served, "/envelopes", {"envelopes": signed}), 422)
    assert "does not verify" in problem["detail"]
    assert served.events() == before


def test_an_envelope_the_rules_would_not_make_names_the_field(served: Served) -> None:
    prepared = _prepared(served)
    prepared[1]["data"]["weight"] = 3  # the policy's weight of this work type is 1
    signed = sign_prepared(prepared, served.school.keys["maths"])
    before = served.events()
    problem = _problem(_post(served, "/envelopes", {"envelopes": signed}), 422)
    assert problem["field"] == "body.envelopes.1.data.weight"
    assert problem["allowed"] == "1"
    assert served.events() == before


def test_a_time_outside_the_allowed_skew_is_refused(served: Served) -> None:
    prepared = _prepared(served)
    for envelope in prepared:
        envelope["at"] = "2024-10-01T13:00:00.000000Z"  # the server's clock: 12:00
    signed = sign_prepared(prepared, served.school.keys["maths"])
    problem = _problem(_post(served, "/envelopes", {"envelopes": signed}), 422)
    assert problem["field"] == "body.envelopes.0.at"
    assert problem["allowed"] == "2024-10-01T11:55:00Z to 2024-10-01T12:05:00Z"


def test_envelopes_signed_by_someone_else_are_refused(served: Served) -> None:
    signed = sign_prepared(_prepared(served), served.school.keys["maths"])
    before = served.events()
    answer = _post(served, "/envelopes", {"envelopes": signed}, account="english")
    assert _problem(answer, 422)["field"] == "body.envelopes.0.sigs.0.key"
    assert served.events() == before


def test_a_client_signed_retry_appends_once(served: Served) -> None:
    signed = sign_prepared(_prepared(served), served.school.keys["maths"])
    headers = {"Idempotency-Key": "env-1"}
    first = _post(served, "/envelopes", {"envelopes": signed}, **headers)
    before = served.events()
    again = _post(served, "/envelopes", {"envelopes": signed}, **headers)
    assert first.status_code == again.status_code == 201
    assert served.events() == before
    # without the key, the same envelopes collide with what is stored: 409
    problem = _problem(_post(served, "/envelopes", {"envelopes": signed}), 409)
    assert "recorded already" in problem["detail"]


def test_a_non_canonical_or_extra_field_envelope_is_refused(served: Served) -> None:
    signed = sign_prepared(_prepared(served), served.school.keys["maths"])
    signed[0]["extra"] = 1
    before = served.events()
    problem = _problem(_post(served, "/envelopes", {"envelopes": signed}), 422)
    assert problem["field"] == "body.envelopes.0"
    assert served.events() == before


def test_a_client_signed_correction(served: Served) -> None:
    prepared = {
        "v": 1,
        "log": served.office.origin,
        "stream": str(served.lesson),
        "seq": 6,
        "prev": "sha256:"
        + __import__("hashlib")
        .sha256(_stored(served, str(served.lesson), 5))
        .hexdigest(),
        "type": "journal.MarkCorrected",
        "at": "2024-10-01T12:00:00.000000Z",
        "data": {
            "corrects": f"{served.lesson}:2",
            "mark": "5",
            "reason": "ошибка при вводе",
            "by": str(served.school.staff("maths")),
        },
    }
    signed = sign_prepared([prepared], served.school.keys["maths"])
    answer = _post(served, "/envelopes", {"envelopes": signed})
    assert answer.status_code == 201, answer.text
    assert json.loads(_stored(served, str(served.lesson), 6))["type"] == (
        "journal.MarkCorrected"
    )
