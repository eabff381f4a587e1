"""A valid body for every record command on the served small school, per
account: each allowed account's body records something new, so every allowed
call of the authorization matrix succeeds in turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.domain.ids import portfolio_id
from tests.support.grade_bodies import GRADE_BODIES
from tests.support.grade_bodies import TODAY as GRADES_TODAY
from tests.support.school import TEST, WORK, YEAR
from tests.support.serving import Served

Body = Callable[[Served, str], dict[str, Any]]
SECOND = {"deputy", "secretary", "english", "cover"}  # the second allowed account


def _pick(account: str, first: Any, second: Any) -> Any:
    return second if account in SECOND else first


def _school(s: Served, account: str) -> dict[str, Any]:
    return {
        "code": "school-1",
        "name": "МБОУ «Школа № 1»",
        "region": "Республика Татарстан",
        "timezone": "Europe/Moscow",
    }


def _subjects(s: Served, account: str) -> dict[str, Any]:
    code = f"phys-{account}"
    return {
        "subjects": [
            {"code": code, "name": "Физика", "grades": [7, 8, 9], "attestat": ["basic"]}
        ]
    }


def _policy(s: Served, account: str) -> dict[str, Any]:
    return {
        "effective_from": _pick(account, "2024-12-01", "2024-11-01"),  # deputy first
        "marks": [5, 4, 3, 2],
        "passing": 3,
        "work_types": [{"name": WORK, "weight": 1}, {"name": TEST, "weight": 3}],
        "rounding_threshold": "0.6",
        "min_marks": 3,
        "unmarked_grades": [1],
    }


def year_body(first: int) -> dict[str, Any]:
    """The year starting in September of ``first``: quarters in grades 1–9,
    halves in 10–11, four vacations."""
    y, n = first, first + 1
    return {
        "year": f"{y}/{n}",
        "starts": f"{y}-09-01",
        "ends": f"{n}-05-26",
        "holidays": [
            {"name": "осенние каникулы", "starts": f"{y}-10-27", "ends": f"{y}-11-04"},
            {"name": "зимние каникулы", "starts": f"{y}-12-29", "ends": f"{n}-01-08"},
            {"name": "весенние каникулы", "starts": f"{n}-03-23", "ends": f"{n}-03-31"},
        ],
        "schemes": [
            {
                "grades": list(range(1, 10)),
                "kind": "quarters",
                "periods": [
                    {"code": "Q1", "starts": f"{y}-09-01", "ends": f"{y}-10-26"},
                    {"code": "Q2", "starts": f"{y}-11-05", "ends": f"{y}-12-28"},
                    {"code": "Q3", "starts": f"{n}-01-09", "ends": f"{n}-03-22"},
                    {"code": "Q4", "starts": f"{n}-04-01", "ends": f"{n}-05-26"},
                ],
            },
            {
                "grades": [10, 11],
                "kind": "halves",
                "periods": [
                    {"code": "H1", "starts": f"{y}-09-01", "ends": f"{y}-12-28"},
                    {"code": "H2", "starts": f"{n}-01-09", "ends": f"{n}-05-26"},
                ],
            },
        ],
    }


def _year(s: Served, account: str) -> dict[str, Any]:
    return year_body(_pick(account, 2025, 2026))


def _classes(s: Served, account: str) -> dict[str, Any]:
    teacher = str(s.school.staff("maths"))
    letter = _pick(account, "А", "Б")
    return {
        "year": YEAR,
        "classes": [{"grade": 10, "letter": letter, "class_teacher": teacher}],
    }


def _teaching(s: Served, account: str) -> dict[str, Any]:
    subject, teacher = _pick(account, ("hist", "history"), ("rus", "russian"))
    return {
        "assignments": [
            {
                "class_id": str(s.school.klass("9Б")),
                "subject": subject,
                "teacher": str(s.school.staff(teacher)),
                "starts": "2024-09-02",
            }
        ]
    }


def _substitution(s: Served, account: str) -> dict[str, Any]:
    day = _pick(account, "2024-10-01", "2024-10-02")
    return {
        "class_id": str(s.school.klass("9А")),
        "subject": "math",
        "substitute": str(s.school.staff("cover")),
        "starts": day,
        "ends": day,
        "reason": "болезнь учителя",
    }


def _staff(s: Served, account: str) -> dict[str, Any]:
    return {
        "staff": [
            {
                "personnel_number": f"N-{account}",
                "position": "Учитель физики",
                "full_name": "Петров Пётр Петрович",
            }
        ]
    }


def pupil_body(s: Served, surname: str = "Новикова", **extra: Any) -> dict[str, Any]:
    """A pupil to enrol in 9А on 1 October 2024."""
    return {
        "surname": surname,
        "name": "Мария",
        "patronymic": "Андреевна",
        "birth_date": "2009-04-12",
        "sex": "Ж",
        "snils": "112-233-445 95",
        "citizenship": "Россия",
        "class_id": str(s.school.klass("9А")),
        "on": "2024-10-01",
        "order": "№ 20-у от 30.09.2024",
        **extra,
    }


def _enrol(s: Served, account: str) -> dict[str, Any]:
    return {"pupils": [pupil_body(s, _pick(account, "Новикова", "Зайцева"))]}


def _move(s: Served, account: str) -> dict[str, Any]:
    school = s.school
    pupil, to = _pick(account, (school.pupils[2], "9Б"), (school.other_pupil, "9А"))
    return {
        "moves": [
            {
                "pupil": str(pupil),
                "class_id": str(school.klass(to)),
                "on": "2024-09-20",
                "reason": "parallel",
                "basis": "приказ № 31 от 19.09.2024",
            }
        ]
    }


def _leave(s: Served, account: str) -> dict[str, Any]:
    if account in SECOND:
        return {
            "pupil": str(s.school.pupils[2]),
            "on": "2024-10-01",
            "reason": "transferred",
            "order": "№ 40-у",
        }
    return {
        "pupil": str(s.school.pupils[1]),
        "on": "2024-10-01",
        "reason": "transferred",
        "order": "№ 41-у от 01.10.2024",
        "file_handover": {"request_date": "2024-09-30", "request_number": "15"},
    }


def _achievement(s: Served, account: str) -> dict[str, Any]:
    return {
        "pupil": str(s.school.pupils[0]),
        "kind": "olympiad",
        "title": f"Школьный этап олимпиады по математике ({account})",
        "level": "school",
        "result": "winner",
        "on": "2024-09-20",
        "document": "диплом № 7",
    }


def achievement_name(s: Served, seq: int) -> str:
    """The ``seq``-th achievement of the first pupil in 2024/2025."""
    return f"{portfolio_id(s.school.pupils[0], YEAR)}:{seq}"


def _withdrawal(s: Served, account: str) -> dict[str, Any]:
    seq = {"maths": 1, "deputy": 2}.get(account, 3)
    return {"achievement": achievement_name(s, seq), "reason": "записано ошибочно"}


def _closing(s: Served, account: str) -> dict[str, Any]:
    """The first quarter closed: for 9А's mathematics by the deputy, for the
    whole of 9А by the director (distinct scopes, each closed once)."""
    s.school.clock.set(GRADES_TODAY)
    scope = {"subject": "math"} if account == "deputy" else {}
    return {
        "year": YEAR,
        "period": "Q1",
        "class_id": str(s.school.klass("9А")),
        **scope,
    }


#: a body per command, in an order where each allowed call succeeds
BODIES: dict[str, Body] = {
    "school.register": _school,
    "school.define-subjects": _subjects,
    "school.set-grading-policy": _policy,
    "years.open": _year,
    "classes.open": _classes,
    "classes.assign-teaching": _teaching,
    "classes.record-substitution": _substitution,
    "staff.register": _staff,
    "pupils.enrol": _enrol,
    "pupils.move": _move,
    "pupils.leave": _leave,
    "portfolio.record-achievement": _achievement,
    "portfolio.withdraw-achievement": _withdrawal,
    **GRADE_BODIES,  # attestation, council, the attestat book
    "periods.close": _closing,
}
