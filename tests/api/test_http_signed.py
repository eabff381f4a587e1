"""Any record kind signed on the author's own device: prepare, sign, append.

The server prepares the unsigned envelopes of a record command's body for the
author's key (nothing written), the client signs them with its own key
(``sign_prepared``), and the server appends them after every check, byte for
byte; envelopes that differ from what the rules make of the body, or a body
the command refuses, are refused with the field named and nothing written.
"""

from __future__ import annotations

from typing import Any

from api.server.client import sign_prepared
from ledger.envelope import canonical
from tests.support.bodies import BODIES
from tests.support.serving import Served

KIND = "portfolio.record-achievement"


def _post(s: Served, path: str, body: Any, account: str = "maths") -> Any:
    return s.client.post(path, json=body, headers=s.auth(account))


def _prepare(s: Served, body: dict[str, Any], account: str = "maths") -> Any:
    key = s.school.keys[account].key_id
    return _post(s, f"/signed/{KIND}/prepare", {"key": key, "body": body}, account)


def _stored(s: Served, name: str) -> bytes:
    from uuid import UUID

    stream, seq = name.split(":")
    found = s.office.app.recorder.select_events(
        UUID(stream), gt=int(seq) - 1, lte=int(seq)
    )
    return bytes(found[0].state)


def test_a_record_signed_on_the_device_is_stored_byte_for_byte(
    served: Served,
) -> None:
    body = BODIES[KIND](served, "maths")
    before = served.events()
    prepared = _prepare(served, body)
    assert prepared.status_code == 200, prepared.text
    assert served.events() == before  # preparing writes nothing
    envelopes = prepared.json()["envelopes"]
    assert [e["type"] for e in envelopes] == ["portfolio.AchievementRecorded"]
    signed = sign_prepared(envelopes, served.school.keys["maths"])
    answer = _post(served, f"/signed/{KIND}", {"body": body, "envelopes": signed})
    assert answer.status_code == 201, answer.text
    assert served.events() == before + 1
    [name] = answer.json()["events"]
    assert _stored(served, name) == canonical(signed[0])


def test_envelopes_that_differ_from_the_body_are_refused(served: Served) -> None:
    body = BODIES[KIND](served, "maths")
    envelope = _prepare(served, body).json()["envelopes"][0]
    changed = {**body, "title": body["title"] + " (изменено)"}
    signed = sign_prepared([envelope], served.school.keys["maths"])
    before = served.events()
    answer = _post(served, f"/signed/{KIND}", {"body": changed, "envelopes": signed})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"].startswith("body.envelopes.0")
    assert "title" in problem["detail"]
    assert served.events() == before


def test_a_body_the_command_refuses_names_its_field(served: Served) -> None:
    body = {**BODIES[KIND](served, "maths"), "titel": "опечатка"}
    before = served.events()
    answer = _prepare(served, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "body.body.titel"
    assert served.events() == before


def test_a_kind_not_in_the_table_and_a_role_not_allowed_are_refused(
    served: Served,
) -> None:
    body = BODIES[KIND](served, "maths")
    key = served.school.keys["maths"].key_id
    unknown = _post(served, "/signed/marks.nope/prepare", {"key": key, "body": body})
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "path.kind"
    secretary_key = served.school.keys["secretary"].key_id
    refused = _post(
        served,
        f"/signed/{KIND}/prepare",
        {"key": secretary_key, "body": body},
        account="secretary",
    )
    assert refused.status_code == 403


def test_someone_elses_key_is_refused(served: Served) -> None:
    body = BODIES[KIND](served, "maths")
    key = served.school.keys["english"].key_id
    answer = _post(served, f"/signed/{KIND}/prepare", {"key": key, "body": body})
    assert answer.status_code == 422
    assert answer.json()["field"] == "body.key"
