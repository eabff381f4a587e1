"""Every role against every endpoint, with the exact status each must get.

Writes are tried in an order where each allowed one succeeds (fresh lesson
numbers, distinct entries); refused ones must write nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.commands.catalog import all_commands
from tests.support.bodies import BODIES
from tests.support.cosign import graduates, rows, submit
from tests.support.grade_bodies import GRADE_STATUSES
from tests.support.serving import ACCOUNTS, ROLES_OF, Served

ANONYMOUS = None
EVERYONE = {name: 200 for name in ACCOUNTS}
OFFICE_AND_AUDIT = ("deputy", "director", "secretary", "auditor")
_READERS = ("auditor", "pupil", "guardian")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Callable[[Served, str], Any] | None = None
    expected: dict[str, int] | None = None  # accounts not named: 403
    anonymous: int = 401

    def status_for(self, account: str | None) -> int:
        if account is None:
            return self.anonymous
        return (self.expected or {}).get(account, 403)


def _lesson(s: Served) -> str:
    return str(s.lesson)


def _entry(seq: int) -> Callable[[Served], str]:
    return lambda s: f"{s.lesson}:{seq}"


def _tampered(s: Served, account: str) -> dict[str, Any]:
    assert s.lesson is not None
    stored = s.office.app.recorder.select_events(s.lesson, limit=1)[0].state
    import json

    envelope = json.loads(stored)
    raw = bytearray(base64.b64decode(envelope["sigs"][0]["sig"]))
    raw[0] ^= 1
    envelope["sigs"][0]["sig"] = base64.b64encode(bytes(raw)).decode()
    return {"envelopes": [envelope]}


def _sheet(s: Served, account: str) -> dict[str, Any]:
    return s.sheet(2)  # only one account may record it


def _prepare(s: Served, account: str) -> dict[str, Any]:
    key = s.school.keys[account if account in s.school.keys else "maths"].key_id
    return {"key": key, "lessons": [s.sheet(3)]}


def _correction(s: Served, account: str) -> dict[str, Any]:
    return {"mark": "5" if account == "maths" else "3", "reason": "ошибка при вводе"}


def _void(s: Served, account: str) -> dict[str, Any]:
    return {"reason": "отметка выставлена ошибочно"}


CLASS_READERS = {"maths": 200, "english": 200, **dict.fromkeys(OFFICE_AND_AUDIT, 200)}
PUPIL0_READERS = {**CLASS_READERS, "pupil": 200, "guardian": 200}
TEACHERS_403 = {"english": 403, "cover": 403}
CALLS: dict[str, Call] = {
    "health": Call("GET", "/health", expected=EVERYONE, anonymous=200),
    "seal health": Call("GET", "/health/seal", expected=EVERYONE, anonymous=200),
    "me": Call("GET", "/me", expected=EVERYONE),
    "checkpoint": Call("GET", "/checkpoint", expected=EVERYONE),
    "inclusion": Call("GET", "/proofs/inclusion?index=0", expected=EVERYONE),
    "consistency": Call("GET", "/proofs/consistency?from=1", expected=EVERYONE),
    "lesson": Call(
        "GET",
        "/lessons/{lesson}",
        expected={"maths": 200, "english": 200, **dict.fromkeys(OFFICE_AND_AUDIT, 200)},
    ),
    "lesson-sheet": Call("POST", "/lesson-sheets", _sheet, {"maths": 201}),
    "prepare": Call(
        "POST",
        "/envelopes/prepare",
        _prepare,
        {"maths": 200, **TEACHERS_403, "deputy": 403},
    ),
    "envelopes": Call(
        "POST",
        "/envelopes",
        _tampered,
        {"maths": 422, "english": 422, "cover": 422, "deputy": 422},
    ),
    "correct-own": Call(
        "POST",
        "/entries/{entry2}/correction",
        _correction,
        {"maths": 201, **TEACHERS_403, "deputy": 201},
    ),
    "void": Call(
        "POST",
        "/entries/{void}/void",
        _void,
        {"maths": 201, **TEACHERS_403, "deputy": 201},
    ),
    "verify": Call(
        "POST", "/verify", expected={"auditor": 200, "director": 200, "deputy": 200}
    ),
    "access-log": Call(
        "GET", "/access-log", expected={"auditor": 200, "director": 200}
    ),
    "reports": Call("GET", "/reports", expected=EVERYONE),
    "diary-own": Call("GET", "/reports/diary?pupil={pupil0}", expected=PUPIL0_READERS),
    "diary-other": Call(
        "GET",
        "/reports/diary?pupil={pupil1}&format=html",
        expected={**PUPIL0_READERS, "pupil": 403, "guardian": 403},
    ),
    "class-journal": Call(
        "GET",
        "/reports/journal?class=9А&year=2024/2025&subject=math&period=Q1&format=csv",
        expected=CLASS_READERS,
    ),
    "attestat-book": Call(
        "GET",
        "/reports/attestat-book?level=basic",
        expected=dict.fromkeys(OFFICE_AND_AUDIT, 200),
    ),
    "my-classes": Call("GET", "/me/classes", expected={**CLASS_READERS, "cover": 200}),
    "roster": Call("GET", "/classes/{class9a}/roster", expected=CLASS_READERS),
    "class-lessons": Call(
        "GET",
        "/classes/{class9a}/lessons?subject=math&period=Q1",
        expected=CLASS_READERS,
    ),
    "lesson-entries": Call("GET", "/lessons/{lesson}/entries", expected=CLASS_READERS),
    "periods": Call("GET", "/periods", expected=EVERYONE),
}

#: the record commands' calls, after the others: every account holding one of
#: a command's roles records (201), except where the served school forbids it
RECORDED_ALREADY = {"school.register": {"director": 409}, **GRADE_STATUSES}
CALLS.update(
    {
        command.name: Call(
            "POST",
            command.path,
            BODIES[command.name],
            {
                **{n: 201 for n, r in ROLES_OF.items() if set(r) & set(command.roles)},
                **RECORDED_ALREADY.get(command.name, {}),
            },
        )
        for command in all_commands()
    }
)


VOIDS = {"maths": 5, "deputy": 4}  # others try entry 3, which is not theirs


def _path(template: str, s: Served, account: str | None) -> str:
    void = VOIDS.get(account or "", 3)
    return template.format(
        lesson=s.lesson,
        entry2=f"{s.lesson}:2",
        void=f"{s.lesson}:{void}",
        pupil0=s.school.pupils[0],
        pupil1=s.school.pupils[1],
        class9a=s.school.klass("9А"),
    )


def test_every_role_gets_exactly_its_status_on_every_endpoint(served: Served) -> None:
    mismatches = _mismatches(
        served, CALLS, lambda template, account: _path(template, served, account)
    )
    assert not mismatches, "\n".join(mismatches)


STAFF_LISTS = {name: 200 for name in ACCOUNTS if name not in _READERS}
COSIGN_CALLS: dict[str, Call] = {
    "cosignatures": Call("GET", "/cosignatures", expected=STAFF_LISTS),
    "cosignature": Call(
        "GET",
        "/cosignatures/{signed}",
        expected={
            **{name: 404 for name in STAFF_LISTS},
            "maths": 200,
            "director": 200,
        },
    ),
    "cosign-decline": Call(
        "POST",
        "/cosignatures/{declined}/decline",
        lambda s, account: {"reason": "бланк не совпадает"},
        {"director": 200},
    ),
    "cosign-sign": Call("POST", "/cosignatures/{signed}/sign", None, {"director": 201}),
}


def test_every_role_gets_exactly_its_status_on_cosignatures(served: Served) -> None:
    graduates(served, 0, 1)
    names = {"signed": submit(served, 0).id, "declined": submit(served, 1).id}
    before = rows(served)

    mismatches = _mismatches(
        served, COSIGN_CALLS, lambda template, account: template.format(**names)
    )

    assert not mismatches, "\n".join(mismatches)
    assert rows(served) == before + 2  # one decline, one signature: nothing else


def _mismatches(
    served: Served,
    calls: dict[str, Call],
    path: Callable[[str, str | None], str],
) -> list[str]:
    """Every call as every account (and anonymously): what differed from the
    expected status; a refusal must be a problem and write no event."""
    mismatches = []
    for name, call in calls.items():
        for account in (ANONYMOUS, *ACCOUNTS):
            before = served.events()
            body = call.body(served, account or "maths") if call.body else None
            answer = served.client.request(
                call.method,
                path(call.path, account),
                json=body,
                headers=served.auth(account),
            )
            expected = call.status_for(account)
            if answer.status_code != expected:
                mismatches.append(
                    f"{name} as {account}: {answer.status_code} != {expected} "
                    f"{answer.text[:200]}"
                )
            if answer.status_code >= 400:
                assert answer.headers["content-type"] == "application/problem+json"
                assert served.events() == before, f"{name} as {account} wrote"
    return mismatches
