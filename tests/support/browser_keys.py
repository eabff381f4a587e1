"""Keys enrolled as a browser enrols them, from a test: the same requests the
keys page's script sends (``static/signing.js``), made with a key of the
test's own instead of WebCrypto's; and reading what the log holds of them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from httpx import Response

from api.server.client import sign_prepared
from api.server.key_requests import proof_message
from api.server.office import Office
from ledger.envelope import Envelope, parse
from ledger.keys.directory import SigningKey, verify_signature
from ledger.keys.registry import key_stream_id
from tests.support.school import WORK, SmallSchool
from tests.support.serving import DAY

JSON = {"Accept": "application/json"}


@dataclass
class Enrolled:
    """A key enrolled for a person, and the request it made."""

    key: SigningKey
    answer: Response

    @property
    def request(self) -> str:
        return str(self.answer.json()["request"])


def state(client: TestClient) -> dict[str, Any]:
    answer = client.get("/app/keys/state", headers=JSON)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def script_headers(client: TestClient, **extra: str) -> dict[str, str]:
    """What a page's script sends: JSON, and the session's CSRF token."""
    return {**JSON, "X-CSRF-Token": state(client)["csrf"], **extra}


def enrol_body(
    client: TestClient, key: SigningKey, device: str = "Ноутбук, кабинет 12"
) -> dict[str, str]:
    """The enrolment the keys page sends for ``key``, with its proof."""
    st = state(client)
    message = proof_message(
        st["origin"], st["login"], UUID(st["staff"]), key.key_id, device
    )
    return {
        "public_key": key.public_bytes.hex(),
        "device": device,
        "proof": base64.b64encode(key.sign(message)).decode(),
    }


def enrol(client: TestClient, device: str = "Ноутбук, кабинет 12") -> Enrolled:
    key = SigningKey.generate()
    answer = client.post(
        "/app/keys/enrol",
        json=enrol_body(client, key, device),
        headers=script_headers(client),
    )
    assert answer.status_code == 201, answer.text
    return Enrolled(key, answer)


def sheet(school: SmallSchool, number: int, marks: int = 2) -> dict[str, Any]:
    """A minimal lesson sheet of 9А maths on the served day: ``marks`` marks,
    one absence of the last pupil."""
    return {
        "class_id": str(school.klass("9А")),
        "subject": "math",
        "day": DAY.isoformat(),
        "number": number,
        "topic": f"Квадратные уравнения, урок {number}",
        "homework": "№ 12, 14",
        "marks": [
            {"pupil": str(p), "mark": "5", "work_type": WORK}
            for p in school.pupils[:marks]
        ],
        "absences": [{"pupil": str(school.pupils[-1]), "kind": "н"}],
    }


def sign_in_python(
    client: TestClient, key: SigningKey, kind: str, body: dict[str, Any]
) -> Response:
    """Prepare, sign with ``key`` (as the page does) and commit ``body``."""
    headers = script_headers(client)
    prepared = client.post(
        f"/app/signed/{kind}/prepare",
        json={"key": key.key_id, "body": body},
        headers=headers,
    )
    assert prepared.status_code == 200, prepared.text
    envelopes = sign_prepared(prepared.json()["envelopes"], key)
    committed: Response = client.post(
        f"/app/signed/{kind}",
        json={"body": body, "envelopes": envelopes},
        headers=headers,
    )
    return committed


def stored(office: Office, name: str) -> Envelope:
    """The stored envelope ``<stream>:<seq>``, read from the store itself."""
    stream, seq = name.split(":")
    [row] = office.app.recorder.select_events(
        UUID(stream), gt=int(seq) - 1, lte=int(seq), limit=1
    )
    return parse(row.state)


def registration(office: Office, key: str) -> Envelope:
    """The stored registration of ``key`` (event 1 of its stream)."""
    [row] = office.app.recorder.select_events(key_stream_id(key), limit=1)
    return parse(row.state)


def check_signed_by(envelope: Envelope, public_key: bytes) -> None:
    """The author's signature of ``envelope`` verifies under ``public_key``."""
    verify_signature(public_key, envelope.signing_input(), envelope.sigs[0].raw)


def events(office: Office) -> int:
    return int(office.app.recorder.max_notification_id() or 0)
