"""A new school from `letopis init` to its staff, year, classes, pupils and
teaching with `letopis record` only (the README's onboarding), in a real
subprocess on SQLite and PostgreSQL; refusals name the field, exit 2 and write
nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.storage.stores import open_ledger
from tests.support.bodies import year_body
from tests.support.cli import PASSPHRASE, letopis
from tests.support.pg import PostgresDatabase

CODE = "school-7"


@dataclass
class School:
    """A store made by `letopis init`, and where its files are."""

    store: str
    keys: Path
    folder: Path

    def where(self) -> list[str]:
        return ["--store", self.store, "--keys", str(self.keys)]

    def record(self, kind: str, body: Any, who: str) -> Any:
        """`letopis record KIND FILE --as WHO`: the result, or the failed run."""
        path = self.folder / f"{kind}.json"
        path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        return letopis("record", kind, str(path), *self.where(), "--as", who)

    def recorded(self, kind: str, body: Any, who: str) -> Any:
        done = self.record(kind, body, who)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["result"]

    def events(self) -> int:
        app = open_ledger(self.store, keys=self.keys, passphrase=PASSPHRASE)
        try:
            return int(app.recorder.max_notification_id() or 0)
        finally:
            app.close()


@pytest.fixture(params=["sqlite", "postgres"])
def school(request: pytest.FixtureRequest, tmp_path: Path) -> School:
    keys = tmp_path / "keys"
    if request.param == "sqlite":
        init = ["--store", f"sqlite:///{tmp_path / 'l.db'}"]
    else:
        db: PostgresDatabase = request.getfixturevalue("postgres_database")
        init = ["--store", db.admin_url, "--owner-role", db.owner_role]
        init += ["--app-role", db.app_role]
    done = letopis("init", *init, "--keys", str(keys), "--origin", "letopis.test/7")
    assert done.returncode == 0, done.stderr
    return School(done.stdout.split("--store ")[-1].strip(), keys, tmp_path)


def _first_year() -> int:
    today = datetime.now(UTC).date()
    return today.year if today.month >= 9 else today.year - 1


STAFF = [
    ("D-1", "Директор", "Соколова Ирина Петровна"),
    ("Z-1", "Заместитель директора по УР", "Белов Олег Ильич"),
    ("S-1", "Секретарь", "Юдина Алла Сергеевна"),
    ("T-1", "Учитель математики", "Громов Илья Андреевич"),
]


def _onboard(s: School) -> dict[str, Any]:
    """The README's sequence; the ids it made."""
    # the director's key first: no staff is registered yet
    director = letopis("record", "staff-id", "D-1", "--school", CODE).stdout.strip()
    added = letopis(
        "keys", "add", "director", *s.where(), "--holder", director,
        "--role", "director", "--first-staff",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    school = {"code": CODE, "name": "МБОУ «Школа № 7»", "region": "Тверская область"}
    s.recorded("school.register", school, "seal")
    staff = s.recorded(
        "staff.register",
        {
            "staff": [
                dict(zip(("personnel_number", "position", "full_name"), m, strict=True))
                for m in STAFF
            ]
        },
        "director",
    )
    assert staff[0] == director
    for label, holder, roles in (
        ("secretary", staff[2], ["secretary"]),
        ("gromov", staff[3], ["teacher", "class_teacher"]),
    ):
        flags = [f for r in roles for f in ("--role", r)]
        added = letopis("keys", "add", label, *s.where(), "--holder", holder, *flags)
        assert added.returncode == 0, added.stderr
    y = _first_year()
    subjects = {
        "subjects": [
            {
                "code": "math",
                "name": "Математика",
                "grades": list(range(1, 12)),
                "attestat": ["basic", "secondary"],
            },
            {"code": "rus", "name": "Русский язык", "grades": list(range(1, 12))},
        ]
    }
    s.recorded("school.define-subjects", subjects, "D-1")  # by personnel number
    policy = {
        "effective_from": f"{y}-08-01",
        "marks": [5, 4, 3, 2],
        "passing": 3,
        "work_types": [{"name": "ответ на уроке", "weight": 1}],
        "rounding_threshold": "0.6",
    }
    s.recorded("school.set-grading-policy", policy, "director")
    s.recorded("years.open", year_body(y), "director")
    year = f"{y}/{y + 1}"
    classes = {
        "year": year,
        "classes": [{"grade": 5, "letter": "А", "class_teacher": staff[3]}],
    }
    [klass] = s.recorded("classes.open", classes, "director")
    pupils = s.recorded("pupils.enrol", _pupils(klass, f"{y}-09-01"), "S-1")
    teaching = {
        "assignments": [
            {
                "class_id": klass,
                "subject": "math",
                "teacher": staff[3],
                "starts": f"{y}-09-01",
            }
        ]
    }
    s.recorded("classes.assign-teaching", teaching, "director")
    return {"class": klass, "pupils": pupils, "year": y, "staff": staff}


def _pupils(klass: str, on: str) -> dict[str, Any]:
    return {
        "pupils": [
            {
                "surname": surname,
                "name": name,
                "birth_date": "2014-03-01",
                "sex": sex,
                "class_id": klass,
                "on": on,
                "order": "№ 1-у",
            }
            for surname, name, sex in (
                ("Орлов", "Пётр", "М"),
                ("Лебедева", "Анна", "Ж"),
            )
        ]
    }


def test_a_new_school_is_set_up_with_documented_commands_only(school: School) -> None:
    made = _onboard(school)
    assert len(made["pupils"]) == 2
    verified = letopis("verify", *school.where())
    assert verified.returncode == 0, verified.stdout + verified.stderr
    kinds = letopis("record", "kinds")
    assert kinds.returncode == 0
    assert "pupils.enrol" in kinds.stdout
    assert "Зачислить учеников" in kinds.stdout


def test_refusals_name_the_field_exit_2_and_write_nothing(school: School) -> None:
    made = _onboard(school)
    before = school.events()
    klass, y = made["class"], made["year"]
    cases = [
        (
            "pupils.enrol",
            {**_pupils(klass, f"{y}-09-01"), "markz": 5},
            "S-1",
            "body.markz",
        ),
        (
            "pupils.enrol",
            {"pupils": _pupils(klass, f"{y}-09-01")["pupils"] * 2},
            "S-1",
            "body.pupils.2",
        ),
        ("pupils.enrol", _pupils(klass, f"{y + 1}-07-01"), "S-1", "body.pupils.0.on"),
        (
            "classes.assign-teaching",
            {
                "assignments": [
                    {
                        "class_id": klass,
                        "subject": "rus",
                        "teacher": made["staff"][3],
                        "starts": f"{y - 1}-09-01",
                    }
                ]
            },
            "director",
            "body.assignments.0.starts",
        ),
        (
            "classes.assign-teaching",
            {
                "assignments": [
                    {
                        "class_id": klass,
                        "subject": "math",
                        "teacher": made["staff"][3],
                        "starts": f"{y}-09-01",
                        "subgroup": "1",
                        "members": [made["staff"][0]],
                    }
                ]
            },
            "director",
            "body.assignments.0.members.0",
        ),
    ]
    for kind, body, who, field in cases:
        done = school.record(kind, body, who)
        assert done.returncode == 2, (kind, done.stdout, done.stderr)
        assert f"refused: {field}:" in done.stderr, done.stderr
    # the teacher's key may not open classes: the signing policy refuses
    classes = {
        "year": f"{y}/{y + 1}",
        "classes": [{"grade": 6, "letter": "А", "class_teacher": made["staff"][3]}],
    }
    refused = school.record("classes.open", classes, "gromov")
    assert refused.returncode == 2
    assert "school.ClassOpened" in refused.stderr
    unknown = school.record("pupils.adopt", {}, "director")
    assert unknown.returncode == 2
    assert "letopis record kinds" in unknown.stderr
    assert school.events() == before


def test_substitutions_moves_leaving_and_the_portfolio_from_the_command_line(
    school: School,
) -> None:
    made = _onboard(school)
    y, klass, (orlov, lebedeva) = made["year"], made["class"], made["pupils"]
    teacher = made["staff"][3]
    classes = {
        "year": f"{y}/{y + 1}",
        "classes": [{"grade": 5, "letter": "Б", "class_teacher": teacher}],
    }
    [other] = school.recorded("classes.open", classes, "director")
    substitution = {
        "class_id": klass, "subject": "math", "substitute": made["staff"][0],
        "starts": f"{y}-09-10", "ends": f"{y}-09-11", "reason": "курсы",
    }  # fmt: skip
    school.recorded("classes.record-substitution", substitution, "director")
    move = {
        "pupil": orlov,
        "class_id": other,
        "on": f"{y}-09-02",
        "reason": "parallel",
        "basis": "приказ № 5",
    }
    school.recorded("pupils.move", {"moves": [move]}, "secretary")
    leaving = {
        "pupil": orlov, "on": f"{y}-09-03", "reason": "transferred", "order": "№ 9-у",
        "file_handover": {"request_date": f"{y}-09-03", "request_number": "21"},
    }  # fmt: skip
    school.recorded("pupils.leave", leaving, "secretary")
    achievement = {
        "pupil": lebedeva, "kind": "contest", "title": "Конкурс чтецов",
        "level": "school", "result": "prize", "on": f"{y}-09-01", "document": "грамота",
    }  # fmt: skip
    name = school.recorded("portfolio.record-achievement", achievement, "gromov")
    withdrawal = {"achievement": name, "reason": "грамота выдана другому ученику"}
    before = school.events()
    assert school.recorded("portfolio.withdraw-achievement", withdrawal, "T-1") is None
    assert school.events() == before + 1
    again = school.record("portfolio.withdraw-achievement", withdrawal, "T-1")
    assert again.returncode == 2
    assert "refused: body.achievement:" in again.stderr
    assert "withdrawn already" in again.stderr
    report = letopis(
        "report", "personal-file", *school.where(), "--pupil", orlov, "--format", "csv"
    )
    assert report.returncode == 0, report.stderr
    assert "по заявлению" in report.stdout
    assert "№ 21" in report.stdout
