"""Valid bodies for the attestation, council and attestat book commands on the
served small school (``tests/support/serving.py``), per account, for the
authorization matrix and the record endpoints' tests (``BODIES``).

Each body moves the server's clock (the school's simulated clock) to
27 May 2025, the day after the year's last: every period is closed and
protocols of that day are not in the future. The calls run after the set-up
and people calls, which move and enrol pupils, so the bodies name two pupils
9А kept all year, found in the records. In the catalogue's order, council
first: the deputy (or the director, alone) admits both to state exams and
the director decides the first one's basic attestat; then each teacher
grades, attests and retakes their own course (the deputy attests history and
holds the second retake of mathematics before a commission), the importer
brings the first pupil's ОГЭ results and the class teacher, deputy and
director record (and re-record) the first pupil's final grades. Reading a
body writes nothing; it reads the records (which pupils, which result is
retaken). ``GRADE_STATUSES`` are the statuses the served school answers an
allowed account that cannot record there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from ledger.domain.attestation import SubjectRecord
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.final_grades import FinalGrades
from ledger.domain.graduation import Derivation
from ledger.domain.ids import (
    council_record_id,
    exam_sheet_id,
    final_grades_id,
    personal_file_id,
    subject_record_id,
)
from ledger.domain.people import PersonalFile
from ledger.domain.school import Level
from tests.support.school import YEAR
from tests.support.serving import Served

Body = Callable[[Served, str], dict[str, Any]]
TODAY = date(2025, 5, 27)
Q1_ENDS = date(2024, 10, 25)
ADMITTED = date(2025, 5, 20)
INTERVIEW_ON = date(2025, 2, 12)
ADMISSION = DecisionKind.ADMITTED_TO_STATE_EXAMS
EXAMS = ("rus", "math", "hist", "eng")  # two compulsory, two of the pupil's choice


def _on_the_day(s: Served) -> None:
    s.school.clock.set(TODAY)


def _protocol(number: str, on: date = TODAY) -> dict[str, str]:
    return {"number": number, "date": on.isoformat()}


def _pupil(s: Served, i: int) -> str:
    """The ``i``-th of two pupils in 9А all year (from the first period's end
    to today), whichever the earlier calls' moves, leavings and enrolments
    (personal files Н-1, З-1) kept or brought there."""
    school = s.school
    context = s.office.records.context
    context.begin()  # what others appended since (a read, nothing written)
    enrolled = [personal_file_id(school.school, n) for n in ("Н-1", "З-1")]
    assert school.other_pupil is not None
    kept = []
    for pupil in (*school.pupils, school.other_pupil, *enrolled):
        file = context.view(PersonalFile, pupil)
        days = (Q1_ENDS, TODAY)
        places = [file.class_on(d) if file is not None else None for d in days]
        if all(p is not None and p.class_id == school.klass("9А") for p in places):
            kept.append(pupil)
    return str(kept[i])


def _course(s: Served, account: str) -> dict[str, Any]:
    """The account's 9А course: English (subgroup 1) for the English teacher,
    mathematics for anyone else (the cover teacher teaches none of it)."""
    _on_the_day(s)
    if account == "english":
        return {
            "class_id": str(s.school.klass("9А")),
            "subject": "eng",
            "subgroup": "1",
        }
    return {"class_id": str(s.school.klass("9А")), "subject": "math"}


def _interview(s: Served, account: str) -> dict[str, Any]:
    """The deputy records the two pupils' final interview, the importer a
    third's (the commission's protocols of 12 February)."""
    _on_the_day(s)
    pupils = (2,) if account == "importer" else (0, 1)
    return {
        "class_id": str(s.school.klass("9А")),
        "kind": "interview",
        "held_on": INTERVIEW_ON.isoformat(),
        "protocol": _protocol(f"ИС-{account}", INTERVIEW_ON),
        "results": [{"pupil": _pupil(s, i), "result": "зачёт"} for i in pupils],
    }


def _council(s: Served, account: str) -> dict[str, Any]:
    """The deputy admits the first pupil to the state exams, the director the
    second as well (the records test sends the director's alone)."""
    _on_the_day(s)
    pupils = (0,) if account == "deputy" else (0, 1)
    decisions = [
        {"pupil": _pupil(s, i), "kind": "admitted_to_state_exams"}
        for i in pupils
        if not _admitted(s, _pupil(s, i))
    ]
    return {
        "class_id": str(s.school.klass("9А")),
        "protocol": _protocol("7", ADMITTED),
        "decisions": decisions,
    }


def _admitted(s: Served, pupil: str) -> bool:
    stream = council_record_id(UUID(pupil), YEAR)
    record = s.office.records.context.view(CouncilRecord, stream)
    return record is not None and record.find(ADMISSION) is not None


def _period_sheet(s: Served, account: str) -> dict[str, Any]:
    course = _course(s, account)
    pupils = (0,) if account == "english" else (0, 1)
    grades = [{"pupil": _pupil(s, i), "grade": "4"} for i in pupils]
    return {**course, "period": "Q1", "grades": grades}


def _period_grade(s: Served, account: str) -> dict[str, Any]:
    return {**_course(s, account), "period": "Q2", "pupil": _pupil(s, 0), "grade": "5"}


def _year_sheet(s: Served, account: str) -> dict[str, Any]:
    grades = [{"pupil": _pupil(s, 0), "grade": "4"}]
    return {**_course(s, account), "grades": grades}


def _year_grade(s: Served, account: str) -> dict[str, Any]:
    pupil = 0 if account == "english" else 1  # English: graded by the sheet
    return {**_course(s, account), "pupil": _pupil(s, pupil), "grade": "4"}


def _attestation(s: Served, account: str) -> dict[str, Any]:
    course = _course(s, account)
    if account == "deputy":  # the deputy attests without teaching the course
        course["subject"] = "hist"
    failing = 0 if account == "english" else 1
    pupils = (0,) if account == "english" else (0, 1)
    return {
        **course,
        "form": "годовая контрольная работа",
        "protocol": _protocol(f"ПА-{account}"),
        "results": [
            {"pupil": _pupil(s, i), "result": "2" if i == failing else "4"}
            for i in pupils
        ],
    }


def _latest_result(s: Served, pupil: int, subject: str) -> str:
    stream = subject_record_id(UUID(_pupil(s, pupil)), subject, YEAR)
    record = s.office.records.context.view(SubjectRecord, stream)
    seq = record.results[-1].seq if record is not None and record.results else 1
    return f"{stream}:{seq}"


def _retake(s: Served, account: str) -> dict[str, Any]:
    """The maths teacher's first retake of the second pupil's mathematics
    (failed again), then the deputy's second before a commission (the cover
    teacher, neither teacher nor member, is refused); the English teacher's
    of the first pupil's English."""
    _on_the_day(s)
    pupil, subject = (0, "eng") if account == "english" else (1, "math")
    second = account not in ("maths", "english")
    staff = s.school.staff
    return {
        "pupil": _pupil(s, pupil),
        "subject": subject,
        "year": YEAR,
        "retakes": _latest_result(s, pupil, subject),
        "result": "2" if account == "maths" else "3",
        "protocol": _protocol(f"П-{account}"),
        "commission": (
            [str(staff(m)) for m in ("maths", "deputy", "director")] if second else []
        ),
    }


def _exams(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    return {
        "pupil": _pupil(s, 0),
        "year": YEAR,
        "centre": "РЦОИ Республики Татарстан",
        "results": [
            {
                "exam": "oge",
                "subject": subject,
                "exam_date": "2025-05-22",
                "primary_score": 30,
                "mark": "5",
                "passed": True,
                "protocol": _protocol(f"ОГЭ-{subject}", date(2025, 5, 26)),
            }
            for subject in EXAMS
        ],
    }


def _final_grades(s: Served, account: str) -> dict[str, Any]:
    """Every subject of the basic attestat's curriculum (the earlier calls add
    subjects to it), once per pupil: the class teacher's for the first, the
    deputy's for the second, the director's for the third."""
    _on_the_day(s)
    curriculum = s.office.records.context.school().curriculum(Level.BASIC)
    pupil = _pupil(s, {"deputy": 1, "director": 2}.get(account, 0))
    derived = s.office.records.attestation.derived_final_grades(
        UUID(pupil), Level.BASIC
    )
    grades = [
        {"subject": subject.code, "grade": _derived(derived.get(subject.code))}
        for subject in curriculum
    ]
    return {"pupil": pupil, "level": "basic", "grades": grades}


def _derived(derivation: Derivation | None) -> str:
    """The grade Приказ 546 derives, or «5» where it derives none."""
    if derivation is None or derivation.value is None:
        return "5"
    return derivation.value


def _blank(account: str, n: int) -> str:
    """The ``n``-th blank of the pack ``account`` took into stock."""
    pack = {"director": 1, "secretary": 2}.get(account, 1)
    return f"10224000000{pack}{n:02d}"


def _stock(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    return {
        "level": "basic",
        "ranges": [{"first": _blank(account, 1), "last": _blank(account, 5)}],
        "invoice": f"накладная № 17-{account} от 26.05.2025",
        "received_on": "2025-05-26",
    }


def _issue(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    return {
        "class_id": str(s.school.klass("9А")),
        "order": _protocol("45-о"),
        "issued_on": TODAY.isoformat(),
        "entries": [{"pupil": _pupil(s, 0), "blank": _blank("director", 1)}],
    }


def _certify(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    return {"class_id": str(s.school.klass("9А")), "certified_on": TODAY.isoformat()}


def _duplicate(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    return {
        "level": "basic",
        "original": 1,
        "blank": _blank("director", 3),
        "reason": "утрата оригинала (заявление выпускника)",
        "order": _protocol("50-о"),
        "issued_on": TODAY.isoformat(),
    }


def _correction(s: Served, account: str) -> dict[str, Any]:
    return {
        "level": "basic",
        "entry": 1,
        "field": "received_by",
        "value": "guardian",
        "reason": "аттестат получен матерью выпускника",
    }


def _spoiled(s: Served, account: str) -> dict[str, Any]:
    return {
        "level": "basic",
        "blank": _blank(account, 2),
        "reason": "ошибка при заполнении бланка",
    }


def _other(grade: str | None) -> str:
    return "4" if grade == "5" else "5"


def _grade_fix(s: Served, account: str) -> dict[str, Any]:
    """Each account corrects a grade it may: the teachers their Q1 grade of
    the first pupil, the deputy the Q2, the director the year's."""
    _on_the_day(s)
    subject = "eng" if account == "english" else "math"
    period = {"deputy": "Q2", "director": "Y"}.get(account, "Q1")
    pupil = UUID(_pupil(s, 0))
    stream = subject_record_id(pupil, subject, YEAR)
    record = s.office.records.context.view(SubjectRecord, stream)
    seq = record.recorded.get(period, 1) if record is not None else 1
    grade = record.grades.get(period) if record is not None else None
    return {
        "pupil": str(pupil),
        "subject": subject,
        "year": YEAR,
        "corrects": f"{stream}:{seq}",
        "grade": _other(grade),
        "reason": "ошибка при выставлении",
    }


def _result_fix(s: Served, account: str) -> dict[str, Any]:
    """The latest result of the course the account attested (held for the
    director's co-signature)."""
    _on_the_day(s)
    pupil, subject = {"english": (0, "eng"), "deputy": (0, "hist")}.get(
        account, (1, "math")
    )
    return {
        "pupil": _pupil(s, pupil),
        "subject": subject,
        "year": YEAR,
        "corrects": _latest_result(s, pupil, subject),
        "result": "5",
        "reason": "ошибка в протоколе",
        "protocol": _protocol(f"ПА-и-{account}"),
    }


def _final_fix(s: Served, account: str) -> dict[str, Any]:
    _on_the_day(s)
    pupil = UUID(_pupil(s, 0))
    stream = final_grades_id(pupil, Level.BASIC.value)
    record = s.office.records.context.view(FinalGrades, stream)
    seq = record.recorded.get("rus", 1) if record is not None else 1
    return {
        "pupil": str(pupil),
        "level": "basic",
        "corrects": f"{stream}:{seq}",
        "grade": "4",
        "reason": "описка",
    }


def _appeal(s: Served, account: str) -> dict[str, Any]:
    """The deputy enters the appeal of the first exam, the importer of the
    second (Russian, mathematics)."""
    _on_the_day(s)
    pupil = UUID(_pupil(s, 0))
    seq = 2 if account == "importer" else 1
    return {
        "pupil": str(pupil),
        "year": YEAR,
        "corrects": f"{exam_sheet_id(pupil, YEAR)}:{seq}",
        "primary_score": 31,
        "mark": "5",
        "passed": True,
        "protocol": _protocol(f"апелляция-{account}"),
        "reason": "решение конфликтной комиссии",
    }


def _decision_fix(s: Served, account: str) -> dict[str, Any]:
    """The first pupil's admission, restated (held for the director)."""
    _on_the_day(s)
    pupil = _pupil(s, 0)
    return {
        "corrects": f"{council_record_id(UUID(pupil), YEAR)}:1",
        "protocol": _protocol("10"),
        "decision": {
            "pupil": pupil,
            "kind": "admitted_to_state_exams",
            "note": "уточнено",
        },
        "reason": "уточнение протокола",
    }


#: a body per command, in an order where each allowed call succeeds
GRADE_BODIES: dict[str, Body] = {
    "admission-tests.record": _interview,
    "council.decide": _council,
    "council.correct": _decision_fix,
    "grades.period-sheet": _period_sheet,
    "grades.period": _period_grade,
    "grades.year-sheet": _year_sheet,
    "grades.year": _year_grade,
    "attestation.record": _attestation,
    "attestation.retake": _retake,
    "exams.record": _exams,
    "final-grades.record": _final_grades,
    "grades.correct": _grade_fix,
    "attestation.correct": _result_fix,
    "final-grades.correct": _final_fix,
    "exams.appeal": _appeal,
    "attestats.receive-blanks": _stock,
    "attestats.issue": _issue,
    "attestats.certify": _certify,
    "attestats.duplicate": _duplicate,
    "attestats.correct": _correction,
    "attestats.spoil-blank": _spoiled,
}
#: what the served school answers an allowed account when it is not 201: a
#: cover teacher teaches nothing (403); a command the director co-signs is
#: held as a pending request (202); and the two pinned below
GRADE_STATUSES: dict[str, dict[str, int]] = {
    "grades.period-sheet": {"cover": 403},
    "grades.period": {"cover": 403},
    "grades.year-sheet": {"cover": 403},
    # the English subgroup keeps one pupil, whose year grade the sheet gave
    "grades.year": {"cover": 403, "english": 409},
    "attestation.record": {"cover": 403},
    "attestation.retake": {"cover": 403},
    "grades.correct": {"cover": 403},
    "attestation.correct": {"maths": 202, "english": 202, "cover": 403, "deputy": 202},
    "final-grades.correct": {"maths": 202, "deputy": 202},
    "council.correct": {"deputy": 202},
    # The attestat decision needs the state exams, which need the admission,
    # so the council (one call for all accounts) decides no attestat here:
    # an entry is refused for want of it (422; tests/api/test_http_grades.py
    # and the co-signature tests hold one), and the book stays empty.
    "attestats.issue": {"maths": 422},
    # The book is empty here (no attestat decision, above): nothing to
    # certify (422); a certification held for the director is in the
    # co-signature tests.
    "attestats.certify": {"maths": 422},
    "attestats.duplicate": {"maths": 422, "secretary": 422},
    "attestats.correct": {"director": 422},
}
