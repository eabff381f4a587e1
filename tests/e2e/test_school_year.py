"""A new school's whole year, from `letopis init` to a printed attestat book,
through the documented commands and endpoints only (issue 12's end-to-end test).

The README's onboarding: `letopis init`, the director's key (`keys add
--first-staff`), `letopis record school.register --as seal`; staff, classes,
pupils and teaching from the import templates (`letopis import template`,
filled with openpyxl); a term of mathematics lessons through the API server
(`POST /lesson-sheets`, in process) and of Russian by `letopis import marks`;
period and year grades, an intermediate attestation with a failed result and
its retake, the final interview's «зачёт», the council's admission to the
state exams, the ОГЭ results by `letopis import exams`, final grades as Приказ
546 derives them, the council's «выдан аттестат», blanks into stock, the
attestat entries held for the director (202) and signed at
`/cosignatures/{id}/sign`, the class's certification and a duplicate signed at
one desk (`letopis record … --cosigner`), a spoiled blank; then `letopis
verify`, the reports and the ФИС ФРДО file.

The command line signs with the real clock, so the school year is the last
one that ended before today: every date of it (lessons, protocols, the book)
is in the past, as the rules require, and the test reads the same any day.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pydantic import SecretStr

from api.server.app import create_app
from api.server.settings import Settings
from tests.support.bodies import year_body
from tests.support.cli import PASSPHRASE, letopis
from tests.support.pg import PostgresDatabase

CODE = "school-12"
PASSWORD = "correct horse battery staple"
CENTRE = "РЦОИ Тверской области"
SUBJECTS = ("rus", "math", "hist", "eng")  # two compulsory ОГЭ, two chosen
#: personnel number, position, full name, key label, roles
STAFF = (
    ("D-1", "Директор", "Соколова Ирина Петровна", "director", ("director",)),
    ("Z-1", "Заместитель директора по УР", "Белов Олег Ильич", "deputy",
     ("deputy_director",)),
    ("S-1", "Секретарь", "Юдина Алла Сергеевна", "secretary", ("secretary",)),
    ("T-1", "Учитель математики", "Громов Илья Андреевич", "gromov",
     ("teacher", "class_teacher")),
    ("T-2", "Учитель русского языка", "Лаптева Вера Ивановна", "lapteva",
     ("teacher",)),
    ("R-1", "Ответственный за ГИА", "Орехов Павел Юрьевич", "importer",
     ("importer",)),
)  # fmt: skip
#: surname, name, patronymic, birth date, sex, the grade of every subject
PUPILS = (
    ("Андреева", "Мария", "Олеговна", "2010-04-12", "Ж", "5"),
    ("Борисов", "Иван", "Петрович", "2010-07-30", "М", "3"),
    ("Васильев", "Пётр", "Андреевич", "2010-11-02", "М", "4"),
)
FILES = ("А-1", "Б-1", "В-1")  # personal files: the surname's letter, then 1


def _last_year() -> int:
    """The first calendar year of the last school year ended by today (the
    year's summer included: its book is filled by the end of June)."""
    today = datetime.now(UTC).date()
    return today.year - 1 if today >= date(today.year, 7, 1) else today.year - 2


@dataclass
class School:
    """A store made by `letopis init`, its key directory and working folder."""

    store: str
    keys: Path
    folder: Path
    y: int = field(default_factory=_last_year)

    @property
    def year(self) -> str:
        return f"{self.y}/{self.y + 1}"

    def on(self, month: int, day: int) -> str:
        """A day of the school year (September on: its first calendar year)."""
        return date(self.y if month >= 9 else self.y + 1, month, day).isoformat()

    def where(self) -> list[str]:
        return ["--store", self.store, "--keys", str(self.keys)]

    def ok(self, *args: str) -> str:
        done = letopis(*args)
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def record(self, kind: str, body: Any, who: str, *more: str) -> Any:
        path = self.folder / f"{kind}.json"
        path.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        return letopis("record", kind, str(path), *self.where(), "--as", who, *more)

    def recorded(self, kind: str, body: Any, who: str, *more: str) -> Any:
        done = self.record(kind, body, who, *more)
        assert done.returncode == 0, f"{kind}\n{done.stderr}"
        return json.loads(done.stdout)["result"]

    def imported(self, kind: str, rows: Sequence[Sequence[Any]], who: str) -> str:
        """`letopis import KIND` of the kind's template filled with ``rows``."""
        path = self.folder / f"{kind}.xlsx"
        self.ok("import", "template", kind, "--out", str(path))
        book = load_workbook(path)
        for row in rows:
            book.worksheets[0].append(list(row))
        book.save(path)
        year = [] if kind == "staff" else ["--year", self.year]
        return self.ok("import", kind, str(path), *self.where(), "--as", who, *year)


@pytest.fixture(params=["sqlite", "postgres"])
def school(request: pytest.FixtureRequest, tmp_path: Path) -> School:
    keys = tmp_path / "keys"
    if request.param == "sqlite":
        init = ["--store", f"sqlite:///{tmp_path / 'l.db'}"]
    else:
        db: PostgresDatabase = request.getfixturevalue("postgres_database")
        init = ["--store", db.admin_url, "--owner-role", db.owner_role]
        init += ["--app-role", db.app_role]
    done = letopis("init", *init, "--keys", str(keys), "--origin", "letopis.test/12")
    assert done.returncode == 0, done.stderr
    return School(done.stdout.split("--store ")[-1].strip(), keys, tmp_path)


# -- the server, in process ------------------------------------------------------------


@dataclass
class Served:
    client: TestClient
    tokens: dict[str, str]

    def post(self, login: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[login]}"}
        return self.client.post(path, json=body, headers=headers)

    def get(self, login: str, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[login]}"}
        answer = self.client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()


@contextmanager
def served(s: School, logins: Sequence[str]) -> Iterator[Served]:
    """`letopis serve`'s app on the school's store, signed in as ``logins``."""
    settings = Settings(
        store=s.store,
        keys=s.keys,
        key_passphrase=SecretStr(PASSPHRASE),
        token_secret=SecretStr("s" * 48),
        school=CODE,
        seal_interval=0.2,
        seal_process=False,
        verify_state=s.folder / "verify-state.json",
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            tokens = {}
            for login in logins:
                answer = client.post(
                    "/token", data={"username": login, "password": PASSWORD}
                )
                assert answer.status_code == 200, answer.text
                tokens[login] = answer.json()["access_token"]
            yield Served(client, tokens)
    finally:
        app.state.office.close()


def _account(s: School, login: str, roles: Sequence[str], staff: str) -> None:
    """`letopis accounts add LOGIN --role R… --staff ID --key-label LOGIN`, the
    password on stdin."""
    flags = [f for r in roles for f in ("--role", r)]
    done = subprocess.run(
        [
            sys.executable, "-m", "api", "accounts", "add", login, *s.where(),
            *flags, "--staff", staff, "--key-label", login, "--password-stdin",
        ],
        input=PASSWORD + "\n", capture_output=True, text=True, check=False,
        env=_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def _env() -> dict[str, str]:
    import os

    own = ("LETOPIS_STORE", "LETOPIS_KEYS", "LETOPIS_SIGNING_POLICY")
    return {
        **{k: v for k, v in os.environ.items() if k not in own},
        "LETOPIS_KEY_PASSPHRASE": PASSPHRASE,
    }


# -- the steps -------------------------------------------------------------------------


def _onboard(s: School) -> dict[str, str]:
    """The README's onboarding, set-up by import; the staff's ids by number."""
    ids = {
        n: s.ok("record", "staff-id", n, "--school", CODE).strip() for n, *_ in STAFF
    }
    s.ok(
        "keys", "add", "director", *s.where(), "--holder", ids["D-1"],
        "--role", "director", "--first-staff",
    )  # fmt: skip
    school = {"code": CODE, "name": "МБОУ «Школа № 12»", "region": "Тверская область"}
    s.recorded("school.register", school, "seal")
    s.imported("staff", [row[:3] for row in STAFF], "director")
    for number, _, _, label, roles in STAFF[1:]:
        flags = [f for r in roles for f in ("--role", r)]
        s.ok("keys", "add", label, *s.where(), "--holder", ids[number], *flags)
    subjects = [
        {"code": "rus", "name": "Русский язык", "grades": [5, 6, 7, 8, 9]},
        {"code": "math", "name": "Математика", "grades": [5, 6, 7, 8, 9]},
        {"code": "hist", "name": "История", "grades": [5, 6, 7, 8, 9]},
        {"code": "eng", "name": "Английский язык", "grades": [5, 6, 7, 8, 9]},
    ]
    for subject in subjects:
        subject["attestat"] = ["basic"]
    s.recorded("school.define-subjects", {"subjects": subjects}, "director")
    policy = {
        "effective_from": f"{s.y}-08-01",
        "marks": [5, 4, 3, 2],
        "passing": 3,
        "work_types": [{"name": "ответ на уроке", "weight": 1}],
        "rounding_threshold": "0.6",
    }
    s.recorded("school.set-grading-policy", policy, "director")
    s.recorded("years.open", year_body(s.y), "director")
    s.imported("classes", [["9А", "T-1"]], "deputy")
    s.imported(
        "pupils",
        [
            [surname, name, patronymic, date.fromisoformat(born), sex, _snils(i),
             "Россия", "9А", date.fromisoformat(s.on(9, 1)), "№ 12-у"]
            for i, (surname, name, patronymic, born, sex, _) in enumerate(PUPILS)
        ],
        "secretary",
    )  # fmt: skip
    starts = date.fromisoformat(s.on(9, 1))
    s.imported(
        "teaching",
        [
            ["9А", subject, "T-1" if subject in ("math", "hist") else "T-2", starts]
            for subject in SUBJECTS
        ],
        "deputy",
    )
    return ids


def _snils(i: int) -> str:
    """A valid СНИЛС (its check number computed as the Pension Fund does)."""
    digits = f"{112233440 + i * 1111:09d}"
    total = sum(int(d) * (9 - k) for k, d in enumerate(digits))
    check = total if total < 100 else (0 if total in (100, 101) else total % 101)
    check = 0 if check == 100 else check
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]} {check:02d}"


def _school_days(s: School, first: str, count: int) -> list[str]:
    """``count`` Tuesdays to Thursdays from ``first`` on (no holiday falls on
    them in the first quarter)."""
    day, days = date.fromisoformat(first), list[str]()
    while len(days) < count:
        if day.weekday() in (1, 2, 3):
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def _term_of_lessons(s: School, api: Served, klass: str, pupils: list[str]) -> None:
    """The first quarter: mathematics through the API, Russian by import."""
    grades = [p[5] for p in PUPILS]
    for n, day in enumerate(_school_days(s, s.on(9, 8), 3), start=1):
        sheet = {
            "class_id": klass,
            "subject": "math",
            "day": day,
            "number": 1,
            "topic": f"Квадратные уравнения, урок {n}",
            "marks": [
                {"pupil": p, "mark": g, "work_type": "ответ на уроке"}
                for p, g in zip(pupils, grades, strict=True)
            ],
            "absences": [],
        }
        answer = api.post("gromov", "/lesson-sheets", sheet)
        assert answer.status_code == 201, answer.text
    rows = [
        ["9А", "rus", None, date.fromisoformat(day), 1, "Правописание", None,
         file, grade, "ответ на уроке"]
        for day in _school_days(s, s.on(9, 15), 3)
        for file, grade in zip(FILES, grades, strict=True)
    ]  # fmt: skip
    assert "imported 9 rows" in s.imported("marks", rows, "lapteva")


def _protocol(number: str, on: str) -> dict[str, str]:
    return {"number": number, "date": on}


def _grades(s: School, klass: str, pupils: list[str]) -> None:
    """The first quarter's grades of the two journals, the year grades of
    every subject, and the intermediate attestation in mathematics: Борисов
    fails it and passes the retake."""
    sheet = [{"pupil": p, "grade": g[5]} for p, g in zip(pupils, PUPILS, strict=True)]
    for subject, teacher in (("math", "gromov"), ("rus", "lapteva")):
        course = {"class_id": klass, "subject": subject}
        s.recorded("grades.period-sheet", {**course, "period": "Q1", "grades": sheet},
                   teacher)  # fmt: skip
    for subject in SUBJECTS:
        teacher = "gromov" if subject in ("math", "hist") else "lapteva"
        course = {"class_id": klass, "subject": subject}
        s.recorded("grades.year-sheet", {**course, "grades": sheet}, teacher)
    protocol = {
        "class_id": klass,
        "subject": "math",
        "form": "годовая контрольная работа",
        "protocol": _protocol("ПА-9А-1", s.on(4, 21)),
        "results": [
            {"pupil": p, "result": r}
            for p, r in zip(pupils, ("5", "2", "4"), strict=True)
        ],
    }
    results = s.recorded("attestation.record", protocol, "gromov")
    retake = {
        "pupil": pupils[1],
        "subject": "math",
        "year": s.year,
        "retakes": results["results"][pupils[1]],
        "result": "3",
        "protocol": _protocol("П-9А-1", s.on(5, 6)),
        "commission": [],
    }
    s.recorded("attestation.retake", retake, "gromov")


def _admission(s: School, klass: str, pupils: list[str]) -> None:
    """The final interview's «зачёт», the council's admission, the ОГЭ."""
    interview = {
        "class_id": klass,
        "kind": "interview",
        "held_on": s.on(2, 11),
        "protocol": _protocol("ИС-1", s.on(2, 11)),
        "results": [{"pupil": p, "result": "зачёт"} for p in pupils],
    }
    s.recorded("admission-tests.record", interview, "deputy")
    council = {
        "class_id": klass,
        "protocol": _protocol("7", s.on(5, 12)),
        "decisions": [{"pupil": p, "kind": "admitted_to_state_exams"} for p in pupils],
    }
    s.recorded("council.decide", council, "deputy")
    exam_day = date.fromisoformat(s.on(5, 20))
    protocol_on = date.fromisoformat(s.on(5, 25))
    rows = [
        [file, None, None, None, None, "9А", "ОГЭ", subject, exam_day, 25, None,
         grade, f"ОГЭ-{subject}", protocol_on, CENTRE]
        for file, (*_, grade) in zip(FILES, PUPILS, strict=True)
        for subject in SUBJECTS
    ]  # fmt: skip
    assert "imported 12 rows" in s.imported("exams", rows, "importer")


def _graduation(s: School, klass: str, pupils: list[str]) -> None:
    """Final grades as Приказ 546 derives them (the mean of the year grade and
    the exam mark), then the council's «выдан аттестат»."""
    for pupil, (*_, grade) in zip(pupils, PUPILS, strict=True):
        finals = {
            "pupil": pupil,
            "level": "basic",
            "grades": [{"subject": c, "grade": grade} for c in SUBJECTS],
        }
        s.recorded("final-grades.record", finals, "gromov")
    council = {
        "class_id": klass,
        "protocol": _protocol("9", s.on(6, 20)),
        "decisions": [{"pupil": p, "kind": "attestat_basic"} for p in pupils],
    }
    s.recorded("council.decide", council, "deputy")


def _blank(n: int) -> str:
    return f"10224000001{n:03d}"  # 14 digits, no series (Приказ 545)


def _book(s: School, api: Served, klass: str, pupils: list[str]) -> None:
    """The class teacher's entries, held for the director and signed by her."""
    issue = {
        "class_id": klass,
        "order": _protocol("45-о", s.on(6, 24)),
        "issued_on": s.on(6, 25),
        "entries": [{"pupil": p, "blank": _blank(i + 1)} for i, p in enumerate(pupils)],
    }
    held = api.post("gromov", "/attestats", issue)
    assert held.status_code == 202, held.text
    request = held.json()["cosignature"]
    assert [n["role"] for n in held.json()["waiting_for"]] == ["director"]
    pending = api.get("director", "/cosignatures")
    assert request in json.dumps(pending)
    signed = api.post("director", f"/cosignatures/{request}/sign")
    assert signed.status_code == 201, signed.text
    assert signed.json()["state"] == "signed"
    assert signed.json()["events"]  # one envelope, both signatures


def test_a_school_year_from_init_to_the_printed_attestat_book(school: School) -> None:
    s = school
    ids = _onboard(s)
    _account(s, "gromov", ("teacher", "class_teacher"), ids["T-1"])
    _account(s, "director", ("director",), ids["D-1"])
    with served(s, ("gromov", "director")) as api:
        [mine] = api.get("gromov", f"/me/classes?year={s.year}")["classes"]
        klass = mine["class_id"]
        roster = api.get("gromov", f"/classes/{klass}/roster")["pupils"]
        pupils = [p["pupil"] for p in roster]
        assert len(pupils) == 3
        _term_of_lessons(s, api, klass, pupils)
    _grades(s, klass, pupils)
    _admission(s, klass, pupils)
    _graduation(s, klass, pupils)
    stock = {
        "level": "basic",
        "ranges": [{"first": _blank(1), "last": _blank(8)}],
        "invoice": "накладная № 17",
        "received_on": s.on(6, 3),
    }
    s.recorded("attestats.receive-blanks", stock, "secretary")
    with served(s, ("gromov", "director")) as api:
        _book(s, api, klass, pupils)
    certification = {"class_id": klass, "certified_on": s.on(6, 26)}
    s.recorded("attestats.certify", certification, "gromov", "--cosigner", "director")
    duplicate = {
        "level": "basic",
        "original": 2,
        "blank": _blank(5),
        "reason": "утрата оригинала (заявление выпускника)",
        "order": _protocol("50-о", s.on(6, 29)),
        "issued_on": s.on(6, 29),
    }
    alone = s.record("attestats.duplicate", duplicate, "secretary")
    assert alone.returncode == 2
    assert "refused: --cosigner:" in alone.stderr
    assert "director" in alone.stderr
    assert "/cosignatures" in alone.stderr
    s.recorded("attestats.duplicate", duplicate, "secretary", "--cosigner", "director")
    spoiled = {"level": "basic", "blank": _blank(4), "reason": "ошибка при заполнении"}
    s.recorded("attestats.spoil-blank", spoiled, "secretary")

    verified = json.loads(s.ok("verify", *s.where(), "--json"))
    assert verified["ok"] is True
    book = s.ok(
        "report", "attestat-book", *s.where(), "--level", "basic", "--format", "csv"
    )
    for surname in ("Андреева", "Борисов", "Васильев"):
        assert surname in book
    for n in (1, 2, 3, 5):
        assert _blank(n) in book
    summary = s.ok(
        "report", "summary", *s.where(), "--class", "9А", "--year", s.year,
        "--format", "csv",
    )  # fmt: skip
    assert "Борисов" in summary
    printed = s.folder / "book.pdf"
    s.ok(
        "report", "attestat-book", *s.where(), "--level", "basic",
        "--format", "pdf", "--out", str(printed),
    )  # fmt: skip
    assert printed.read_bytes().startswith(b"%PDF")
    frdo = s.folder / "frdo.xlsx"
    said = s.ok(
        "export", "frdo", *s.where(), "--year", str(s.y + 1), "--level", "basic",
        "--out", str(frdo),
    )  # fmt: skip
    assert "4 documents" in said
    assert "1 duplicates" in said
    rows = list(load_workbook(frdo).worksheets[0].iter_rows(values_only=True))
    text = json.dumps([[str(v) for v in r] for r in rows], ensure_ascii=False)
    for n in (1, 2, 3, 5):
        assert _blank(n) in text
