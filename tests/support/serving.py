"""A small school served over HTTP: the app on a real store, accounts per role.

The server's clock is the school's simulated clock (1 October 2024, noon UTC),
so lessons of that day are in the school year. Every staff account's key is
kept by the server (custodial) in the key directory, encrypted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.server.accounts import Account
from api.server.app import create_app
from api.server.office import Office
from api.server.settings import Settings
from ledger.domain.ids import lesson_id
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from tests.support.school import WORK, SmallSchool, build
from tests.support.stores import PASSPHRASE, Store

PASSWORD = "correct horse battery"
TOKEN_SECRET = "t" * 48
DAY = date(2024, 10, 1)
STAFF_ACCOUNTS = {
    "maths": "maths",  # teacher and class teacher of 9А; teaches 9А maths
    "english": "english",  # teaches 9А English (subgroup 1)
    "cover": "cover",  # a teacher without classes
    "deputy": "deputy",
    "director": "director",
    "secretary": "secretary",
    "importer": "importer",
}
ROLES_OF = {
    "maths": ("teacher", "class_teacher"),
    "english": ("teacher",),
    "cover": ("teacher",),
    "deputy": ("deputy_director",),
    "director": ("director",),
    "secretary": ("secretary",),
    "importer": ("importer",),
}
ACCOUNTS = (*STAFF_ACCOUNTS, "auditor", "pupil", "guardian")


@dataclass
class Served:
    """The app, its client, the school behind it, and a token per account."""

    client: TestClient
    school: SmallSchool
    office: Office
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)
    lesson: UUID | None = None

    def auth(self, account: str | None) -> dict[str, str]:
        if account is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens[account]}"}

    def events(self) -> int:
        return int(self.office.app.recorder.max_notification_id() or 0)

    def sheet(self, number: int, marks: int = 2, **extra: Any) -> dict[str, Any]:
        s = self.school
        return {
            "class_id": str(s.klass("9А")),
            "subject": "math",
            "day": DAY.isoformat(),
            "number": number,
            "topic": f"Квадратные уравнения, урок {number}",
            "marks": [
                {"pupil": str(p), "mark": "5", "work_type": WORK}
                for p in s.pupils[:marks]
            ],
            "absences": [],
            **extra,
        }


def settings_for(store: Store, **values: Any) -> Settings:
    defaults: dict[str, Any] = {
        "store": store.url,
        "keys": store.keys,
        "key_passphrase": SecretStr(PASSPHRASE),
        "token_secret": SecretStr(TOKEN_SECRET),
        "school": "school-1",
        "seal_interval": 0.2,
        "seal_process": False,
        "password_time_cost": 1,
        "password_memory_kib": 1024,
        "verify_state": store.keys.parent / "verify-state.json",
    }
    return Settings(**{**defaults, **values})


@contextmanager
def serve(store: Store, **settings: Any) -> Iterator[Served]:
    """The small school with one lesson (3 marks, 1 absence), served (with
    ``settings`` over the tests' defaults)."""
    with school_app(store, **settings) as (app, school, lesson):
        office: Office = app.state.office
        with TestClient(app) as client:
            served = Served(client, school, office, store, lesson=lesson)
            for name in ACCOUNTS:
                served.tokens[name] = _token(client, name)
            yield served


@contextmanager
def school_app(
    store: Store, **settings: Any
) -> Iterator[tuple[FastAPI, SmallSchool, UUID]]:
    """The application on the small school with its accounts (password
    ``PASSWORD``) and its first lesson, sealed; closed afterwards."""
    school = build(store)
    directory = store.key_directory
    for label in STAFF_ACCOUNTS.values():
        directory.add_signer(label, school.keys[label])
    lesson = _first_lesson(school)
    app = create_app(settings_for(store, **settings), clock=school.clock)
    office: Office = app.state.office
    try:
        _accounts(office, school)
        office.sealer.seal()  # reports read as of the latest checkpoint
        yield app, school, lesson
    finally:
        office.close()


def _first_lesson(s: SmallSchool) -> UUID:
    [made] = s.records.journal.record_lessons(
        [
            LessonInput(
                s.klass("9А"),
                "math",
                DAY,
                "Линейные уравнения",
                marks=tuple(MarkInput(p, "4", WORK) for p in s.pupils[:3]),
                absences=(AbsenceInput(s.pupils[0]),),
            )
        ],
        signed_by=s.signing("maths"),
    )
    assert made == lesson_id(s.klass("9А"), "math", None, DAY, 1)
    return made


def _accounts(office: Office, s: SmallSchool) -> None:
    for name, label in STAFF_ACCOUNTS.items():
        office.accounts.add(
            Account(name, ROLES_OF[name], s.staff(label), (), label), PASSWORD
        )
    office.accounts.add(Account("auditor", ("auditor",)), PASSWORD)
    office.accounts.add(Account("pupil", ("pupil",), pupils=(s.pupils[0],)), PASSWORD)
    office.accounts.add(
        Account("guardian", ("guardian",), pupils=(s.pupils[0],)), PASSWORD
    )


def _token(client: TestClient, name: str) -> str:
    answer = client.post("/token", data={"username": name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token
