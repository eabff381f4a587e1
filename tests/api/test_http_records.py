"""Every record command over HTTP: made from the command table, signed with the
account's custodial key, idempotent, and refusing bad input with a problem
that names the field, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.commands import Command
from api.commands.catalog import all_commands
from api.server.accounts import Account
from api.server.app import create_app
from api.server.office import Office
from ledger.domain.ids import school_id, staff_id
from ledger.keys.directory import SigningKey
from ledger.keys.services import register_signer
from tests.support.bodies import BODIES, pupil_body, year_body
from tests.support.grade_bodies import GRADE_STATUSES
from tests.support.school import SimClock
from tests.support.serving import PASSWORD, ROLES_OF, Served, settings_for
from tests.support.stores import Store

ACCOUNT_OF_ROLE = {
    "director": "director",
    "deputy_director": "deputy",
    "secretary": "secretary",
    "teacher": "maths",
    "class_teacher": "maths",
    "importer": "importer",
}


def _post(
    s: Served, command: Command[Any], body: Any, account: str, **headers: str
) -> Any:
    return s.client.post(
        command.path, json=body, headers={**s.auth(account), **headers}
    )


def _allowed(command: Command[Any]) -> str:
    return ACCOUNT_OF_ROLE[command.roles[0]]


def _problem(answer: Any, status: int, field: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["field"] == field, problem
    return problem


def _stored_names(s: Served, after: int) -> list[str]:
    found = s.office.app.recorder.select_notifications(start=after + 1, limit=100)
    return [f"{n.originator_id}:{n.originator_version}" for n in found]


def test_every_command_appends_its_events_and_names_them(served: Served) -> None:
    for command in all_commands():
        if command.name == "school.register":
            continue  # the served school is registered: see the refusal below
        if _allowed(command) in GRADE_STATUSES.get(command.name, {}):
            continue  # not appended at once there (tests/support/grade_bodies)
        before = served.events()
        body = BODIES[command.name](served, _allowed(command))
        answer = _post(served, command, body, _allowed(command))
        assert answer.status_code == 201, f"{command.name}: {answer.text}"
        made = answer.json()
        assert made["events"] == _stored_names(served, before), command.name
        opened = [e.split(":")[0] for e in made["events"] if e.endswith(":1")]
        assert made["made"] == opened


def test_what_a_command_made_is_what_its_service_returned(served: Served) -> None:
    command = next(c for c in all_commands() if c.name == "classes.open")
    answer = _post(
        served, command, BODIES[command.name](served, "director"), "director"
    )
    assert answer.json()["made"] == [str(served.school.klass("10А"))]
    enrol = next(c for c in all_commands() if c.name == "pupils.enrol")
    answer = _post(served, enrol, BODIES[enrol.name](served, "secretary"), "secretary")
    [pupil] = answer.json()["made"]
    assert served.office.records.context.exists(UUID(pupil))


def test_a_retry_with_its_key_appends_once_and_gets_the_same_answer(
    served: Served,
) -> None:
    command = next(c for c in all_commands() if c.name == "staff.register")
    body = BODIES[command.name](served, "secretary")
    key = {"Idempotency-Key": "staff-1"}
    first = _post(served, command, body, "secretary", **key)
    before = served.events()
    again = _post(served, command, body, "secretary", **key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert served.events() == before
    other = _post(served, command, {"staff": body["staff"] * 1} | {}, "secretary")
    assert other.status_code == 409  # without the key it is a second registration


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.name)
def test_an_unknown_field_is_refused_and_nothing_written(
    served: Served, command: Command[Any]
) -> None:
    account = _allowed(command)
    body = {**BODIES[command.name](served, account), "markz": "5"}
    before = served.events()
    problem = _problem(_post(served, command, body, account), 422, "body.markz")
    assert "Extra inputs are not permitted" in problem["detail"]
    assert served.events() == before


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.name)
def test_a_role_not_allowed_is_refused_and_nothing_written(
    served: Served, command: Command[Any]
) -> None:
    refused = next(
        name for name, roles in ROLES_OF.items() if not set(roles) & set(command.roles)
    )
    before = served.events()
    answer = _post(served, command, BODIES[command.name](served, refused), refused)
    problem = answer.json()
    assert answer.status_code == 403, answer.text
    assert problem["allowed"] == ", ".join(command.roles)
    assert served.events() == before


def _command(name: str) -> Command[Any]:
    return next(c for c in all_commands() if c.name == name)


def _refused(
    s: Served, name: str, body: Any, account: str, status: int, field: str
) -> dict[str, Any]:
    before = s.events()
    problem = _problem(_post(s, _command(name), body, account), status, field)
    assert s.events() == before, f"{name} wrote"
    return problem


def test_a_subgroup_pupil_not_in_the_class_is_named(served: Served) -> None:
    s = served.school
    body = {
        "assignments": [
            {
                "class_id": str(s.klass("9А")),
                "subject": "eng",
                "teacher": str(s.staff("cover")),
                "starts": "2024-09-02",
                "subgroup": "2",
                "members": [str(s.pupils[2]), str(s.other_pupil)],
            }
        ]
    }
    field = "body.assignments.0.members.1"
    _refused(served, "classes.assign-teaching", body, "deputy", 422, field)


def test_a_date_outside_the_year_is_named(served: Served) -> None:
    s = served.school
    body = {
        "assignments": [
            {
                "class_id": str(s.klass("9Б")),
                "subject": "hist",
                "teacher": str(s.staff("history")),
                "starts": "2024-09-02",
            },
            {
                "class_id": str(s.klass("9Б")),
                "subject": "rus",
                "teacher": str(s.staff("russian")),
                "starts": "2023-09-01",
            },
        ]
    }
    problem = _refused(
        served,
        "classes.assign-teaching",
        body,
        "deputy",
        422,
        "body.assignments.1.starts",
    )
    assert "outside" in problem["detail"]
    substitution = BODIES["classes.record-substitution"](served, "director")
    substitution["ends"] = "2025-06-30"
    _refused(
        served,
        "classes.record-substitution",
        substitution,
        "director",
        422,
        "body.ends",
    )


def test_a_duplicate_enrolment_is_refused(served: Served) -> None:
    twice = {"pupils": [pupil_body(served), pupil_body(served)]}
    problem = _refused(served, "pupils.enrol", twice, "secretary", 409, "body.pupils.1")
    assert problem["allowed"] == "each pupil once"


def test_a_wrong_snils_and_a_latin_surname_are_named(served: Served) -> None:
    bad = {
        "pupils": [
            pupil_body(served),
            pupil_body(served, "Орлов", snils="112-233-445 96"),
        ]
    }
    problem = _refused(
        served, "pupils.enrol", bad, "secretary", 422, "body.pupils.1.snils"
    )
    assert "checksum" in problem["detail"]
    latin = {"pupils": [pupil_body(served, "Smith")]}
    _refused(served, "pupils.enrol", latin, "secretary", 422, "body.pupils.0.surname")


def test_enrolment_after_the_year_is_named(served: Served) -> None:
    late = {"pupils": [pupil_body(served, on="2025-06-30")]}
    _refused(served, "pupils.enrol", late, "secretary", 422, "body.pupils.0.on")


def test_a_handover_only_on_a_transfer(served: Served) -> None:
    body = BODIES["pupils.leave"](served, "director") | {"reason": "expelled"}
    problem = _refused(served, "pupils.leave", body, "director", 422, "body")
    assert "transfer" in problem["detail"]
    late = BODIES["pupils.leave"](served, "director")
    late["file_handover"]["request_date"] = "2024-10-05"
    field = "body.file_handover.request_date"
    problem = _refused(served, "pupils.leave", late, "director", 422, field)
    assert problem["allowed"] == "a date on or before 2024-10-01"


def test_another_school_and_a_second_registration_are_refused(served: Served) -> None:
    body = BODIES["school.register"](served, "director")
    _refused(served, "school.register", body, "director", 409, "body.code")
    other = body | {"code": "school-2"}
    problem = _refused(served, "school.register", other, "director", 422, "body.code")
    assert problem["allowed"] == "the office's school code"


def test_an_achievement_of_a_pupil_not_at_school_is_named(served: Served) -> None:
    body = BODIES["portfolio.record-achievement"](served, "maths")
    body["pupil"] = str(served.school.staff("maths"))
    _refused(served, "portfolio.record-achievement", body, "maths", 422, "body.pupil")
    twice = {"achievement": f"{served.school.pupils[0]}:1", "reason": "ошибка"}
    _refused(
        served,
        "portfolio.withdraw-achievement",
        twice,
        "deputy",
        422,
        "body.achievement",
    )


def test_the_schema_documents_each_resource_and_field_in_two_languages(
    served: Served,
) -> None:
    schema = served.client.get("/openapi.json").json()
    tags = {t["name"]: t["description"] for t in schema["tags"]}
    for command in all_commands():
        assert command.resource in tags
        operation = schema["paths"][command.path]["post"]
        assert operation["summary"] == command.summary_ru
        assert command.summary_en in operation["description"]
        assert operation["tags"] == [command.resource]
    enrolment = schema["components"]["schemas"]["PupilIn"]["properties"]
    assert enrolment["snils"]["description"].startswith("СНИЛС")
    assert (
        "Personal file handed"
        in (
            schema["components"]["schemas"]["LeavingIn"]["properties"]["file_handover"][
                "description"
            ]
        )
    )
    assert "Личные дела" in tags["pupils"]
    assert "Personal files" in tags["pupils"]


def test_a_new_school_registers_itself_and_its_staff_over_http(store: Store) -> None:
    """From a store `letopis init` made: the director's key (first staff, as
    `keys add --first-staff` registers it), then the school and its staff."""
    code, clock = "school-9", SimClock(datetime(2025, 8, 20, 9, tzinfo=UTC))
    director = staff_id(school_id(code), "D-1")
    key = SigningKey.generate()
    app = store.open()
    try:
        register_signer(
            app,
            store.key_directory.log_key(),
            public_key=key.public_bytes,
            holder=str(director),
            roles=["director"],
            valid_from=clock.now,
        )
    finally:
        app.close()
    store.key_directory.add_signer("director", key)
    web = create_app(settings_for(store, school=code), clock=clock)
    office: Office = web.state.office
    office.accounts.add(
        Account("director", ("director",), director, (), "director"), PASSWORD
    )
    try:
        with TestClient(web) as client:
            token = client.post(
                "/token", data={"username": "director", "password": PASSWORD}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            school = {"code": code, "name": "Школа № 9", "region": "Тверская область"}
            registered = client.post("/school", json=school, headers=auth)
            assert registered.status_code == 201, registered.text
            assert registered.json()["made"] == [str(school_id(code))]
            staff = {
                "staff": [
                    {
                        "personnel_number": "D-1",
                        "position": "Директор",
                        "full_name": "Соколова И. П.",
                    },
                    {
                        "personnel_number": "S-1",
                        "position": "Секретарь",
                        "full_name": "Юдина А. С.",
                    },
                ]
            }
            answer = client.post("/staff", json=staff, headers=auth)
            assert answer.status_code == 201, answer.text
            assert answer.json()["made"][0] == str(director)
            year = client.post("/years", json=year_body(2025), headers=auth)
            assert year.status_code == 201, year.text
    finally:
        office.close()
