"""The attestation, council and attestat book commands over HTTP: each appends
through its route (201), and each refusal is a problem naming the body field
it is about, with nothing written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support.grade_bodies import TODAY
from tests.support.school import YEAR
from tests.support.serving import Served


def _post(s: Served, path: str, body: dict[str, Any], account: str) -> Any:
    return s.client.post(path, json=body, headers=s.auth(account))


def _created(s: Served, path: str, body: dict[str, Any], account: str) -> list[str]:
    before = s.events()
    answer = _post(s, path, body, account)
    assert answer.status_code == 201, answer.text
    events: list[str] = answer.json()["events"]
    assert s.events() == before + len(events)
    return events


def _refused(
    s: Served, path: str, body: dict[str, Any], account: str, status: int, field: str
) -> dict[str, Any]:
    before = s.events()
    answer = _post(s, path, body, account)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["field"] == field, problem
    assert s.events() == before
    return problem


def _protocol(number: str, on: date = TODAY) -> dict[str, str]:
    return {"number": number, "date": on.isoformat()}


def test_period_grades_over_http(served: Served) -> None:
    s = served
    school = s.school
    school.clock.set(TODAY)
    sheet = {"class_id": str(school.klass("9А")), "subject": "math", "period": "Q1"}
    grades = [{"pupil": str(p), "grade": "4"} for p in school.pupils]
    outsider = [{"pupil": str(school.other_pupil), "grade": "5"}]
    problem = _refused(
        s,
        "/grades/period-sheets",
        {**sheet, "grades": grades + outsider},
        "maths",
        422,
        "body.grades.3.pupil",
    )
    assert "was not enrolled in 9А" in problem["detail"]
    _refused(
        s,
        "/grades/period-sheets",
        {**sheet, "grades": [{"pupil": str(school.pupils[0]), "grade": "6"}]},
        "maths",
        422,
        "body.grades",
    )
    _refused(
        s,
        "/grades/period-sheets",
        {**sheet, "grades": grades},
        "english",
        403,
        "body.subject",
    )
    events = _created(s, "/grades/period-sheets", {**sheet, "grades": grades}, "maths")
    assert len(events) == len(school.pupils)


def test_council_exams_and_the_book_over_http(served: Served) -> None:
    s = served
    school = s.school
    school.clock.set(TODAY)
    interview = {
        "class_id": str(school.klass("9А")),
        "kind": "interview",
        "held_on": "2025-02-12",
        "protocol": _protocol("ИС-1", date(2025, 2, 12)),
        "results": [{"pupil": str(school.pupils[0]), "result": "зачёт"}],
    }
    _created(s, "/admission-tests", interview, "deputy")
    admitted = {"pupil": str(school.pupils[0]), "kind": "admitted_to_state_exams"}
    council: dict[str, Any] = {
        "class_id": str(school.klass("9А")),
        "protocol": _protocol("7"),
        "decisions": [admitted, {**admitted, "pupil": str(school.other_pupil)}],
    }
    _refused(s, "/council/decisions", council, "deputy", 422, "body.decisions.1.pupil")
    _created(s, "/council/decisions", {**council, "decisions": [admitted]}, "deputy")

    result = {
        "exam": "oge",
        "subject": "astronomy",
        "exam_date": "2025-05-22",
        "primary_score": 30,
        "mark": "5",
        "passed": True,
        "protocol": _protocol("ОГЭ-1", date(2025, 5, 26)),
    }
    exams = {
        "pupil": str(school.pupils[0]),
        "year": YEAR,
        "centre": "РЦОИ Республики Татарстан",
        "results": [result],
    }
    _refused(s, "/exams/results", exams, "importer", 422, "body.results.0.subject")
    exams["results"] = [{**result, "subject": "rus"}]
    _created(s, "/exams/results", exams, "importer")

    duplicate = {
        "level": "basic",
        "original": 1,
        "blank": "10224000000002",
        "reason": "утрата оригинала",
        "order": _protocol("50-о"),
        "issued_on": TODAY.isoformat(),
    }
    _refused(s, "/attestats/duplicates", duplicate, "secretary", 422, "body.original")
    issue = {
        "class_id": str(school.klass("9А")),
        "order": _protocol("45-о"),
        "issued_on": TODAY.isoformat(),
        "entries": [
            {
                "pupil": str(school.pupils[0]),
                "blank": "10224000000001",
            }
        ],
    }
    problem = _refused(s, "/attestats", issue, "maths", 422, "body.entries.0.blank")
    assert "stock" in problem["detail"]
    stock = {
        "level": "basic",
        "blanks": ["10224000000001"],
        "invoice": "накладная № 17 от 26.05.2025",
        "received_on": "2025-05-26",
    }
    _created(s, "/attestats/blanks", stock, "secretary")
    problem = _refused(s, "/attestats", issue, "maths", 422, "body.entries.0.pupil")
    assert "council" in problem["detail"]  # no decision to issue one yet
