"""Every rule of the records domain, on SQLite and on a real PostgreSQL.

Each test makes one rejected append and checks the error's type, its message
(what was wrong and what is allowed) and that the store is exactly as before,
row by row.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.domain.admission import AdmissionTestKind
from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import DecisionKind, Medal
from ledger.domain.errors import (
    AuthorityError,
    BlankError,
    BlankStockError,
    CorrectionError,
    DecisionError,
    DuplicateOfUnknownError,
    ExamAdmissionError,
    HonoursError,
    LessonDateError,
    MissingFinalGradesError,
    NoDecisionError,
    NotAssignedError,
    NotEnrolledError,
    PeriodNotClosedError,
    RegistrationNumberError,
    RetakeError,
    ScaleError,
)
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import PASSED
from ledger.domain.journal import Lesson
from ledger.domain.people import LeaveReason
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.records.attestation import ExamImport
from ledger.records.attestats import AttestatRequest
from ledger.records.council import DecisionInput
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from ledger.records.people import EnrolmentInput, Identity
from tests.support.records import DAY, lesson, rejected
from tests.support.school import (
    ALL_FIVES,
    DECIDED_ON,
    ISSUED_ON,
    TEST,
    WORK,
    SmallSchool,
    admit,
    build,
    decide_attestat,
    finalise,
    graduate,
    pass_exams,
    stock_blanks,
)
from tests.support.stores import Store

ORDER = Protocol("45-о", ISSUED_ON)


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def mark_entry(s: SmallSchool, mark: str = "4") -> str:
    """A mark by the maths teacher; its entry name."""
    [stream] = s.records.journal.record_lessons(
        [lesson(s)], signed_by=s.signing("maths")
    )
    [name] = s.records.journal.record_entries(
        stream, marks=[MarkInput(s.pupils[0], mark, WORK)], signed_by=s.signing("maths")
    )
    return name


# -- journal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "work", "klass", "match"),
    [
        (
            "6",
            WORK,
            "9А",
            r"mark '6' is not on the school's scale .* allowed: 5, 4, 3, 2, н/а",
        ),
        (
            "зачёт",
            WORK,
            "9А",
            r"mark 'зачёт' .*five_point subject .* allowed: 5, 4, 3, 2, н/а",
        ),
        (
            "5",
            "доклад",
            "9А",
            r"work type 'доклад' is not in the grading policy; allowed: ответ",
        ),
        (
            "5",
            WORK,
            "1А",
            r"grade 1 is taught without marks .*record lessons and absences only",
        ),
    ],
    ids=["off-scale", "pass-fail-word", "unknown-work-type", "unmarked-grade"],
)
def test_marks_only_on_the_policy_scale(
    school: SmallSchool, mark: str, work: str, klass: str, match: str
) -> None:
    teacher = "maths" if klass == "9А" else "russian"
    pupil = school.pupils[0]
    if klass == "1А":
        [pupil] = school.records.people.enrol(
            [_first_grader(school)], signed_by=school.signing("secretary")
        )
    entry = lesson(school, MarkInput(pupil, mark, work), klass=klass)
    rejected(
        school,
        ScaleError,
        match,
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing(teacher)
        ),
    )


def _first_grader(s: SmallSchool) -> Any:
    return EnrolmentInput(
        Identity("Белов", "Иван", "Ильич", date(2017, 2, 2)),
        s.klass("1А"),
        date(2024, 9, 1),
        "№ 3-у",
    )


def test_lesson_dated_outside_the_academic_year(school: SmallSchool) -> None:
    entry = lesson(school, day=date(2024, 8, 30))
    rejected(
        school,
        LessonDateError,
        r"lesson date 2024-08-30 is outside the academic year 2024/2025 \(2024-09-02 "
        r"– 2025-05-26\)",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("maths")
        ),
    )


def test_lesson_dated_in_the_future(school: SmallSchool) -> None:
    entry = lesson(school, day=date(2024, 10, 2))
    rejected(
        school,
        LessonDateError,
        r"lesson date 2024-10-02 is in the future \(today is 2024-10-01\); the "
        r"journal is filled in",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("maths")
        ),
    )


def test_pupil_of_another_class_cannot_be_marked(school: SmallSchool) -> None:
    assert school.other_pupil is not None
    entry = lesson(school, MarkInput(school.other_pupil, "5", WORK))
    rejected(
        school,
        NotEnrolledError,
        r"was not enrolled in 9А on 2024-10-01: was in 9Б since 2024-09-01; records "
        r"are made only",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("maths")
        ),
    )


def test_pupil_who_left_cannot_be_marked_absent(school: SmallSchool) -> None:
    school.records.people.leave(
        school.pupils[2],
        on=date(2024, 9, 20),
        reason=LeaveReason.TRANSFERRED,
        order="№ 30-в",
        signed_by=school.signing("secretary"),
    )
    entry = lesson(school, absences=(AbsenceInput(school.pupils[2]),))
    rejected(
        school,
        NotEnrolledError,
        r"was not enrolled in 9А on 2024-10-01: left the school on 2024-09-20",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("maths")
        ),
    )


def test_pupil_outside_the_subgroup_cannot_be_marked(school: SmallSchool) -> None:
    entry = LessonInput(
        school.klass("9А"),
        "eng",
        DAY,
        "Present Perfect",
        subgroup="1",
        marks=(MarkInput(school.pupils[2], "5", WORK),),
    )
    rejected(
        school,
        NotEnrolledError,
        r"is not in subgroup 1 of 9А for eng on 2024-10-01",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("english")
        ),
    )


def test_teacher_not_assigned_to_the_class_and_subject(school: SmallSchool) -> None:
    rejected(
        school,
        NotAssignedError,
        r"does not teach 9А math on 2024-10-01 and substitutes nobody there that day; "
        r"allowed: the assigned teacher",
        lambda: school.records.journal.record_lessons(
            [lesson(school)], signed_by=school.signing("history")
        ),
    )


def test_substitute_records_only_on_the_days_of_the_substitution(
    school: SmallSchool,
) -> None:
    school.records.setup.record_substitution(
        class_id=school.klass("9А"),
        subject="math",
        substitute=school.staff("cover"),
        starts=date(2024, 9, 30),
        ends=DAY,
        reason="больничный",
        signed_by=school.signing("deputy"),
    )
    [held] = school.records.journal.record_lessons(
        [lesson(school)], signed_by=school.signing("cover")
    )
    assert school.app.repository.get(held).teacher == school.staff("cover")
    school.clock.set(date(2024, 10, 2))
    rejected(
        school,
        NotAssignedError,
        r"does not teach 9А math on 2024-10-02 and substitutes nobody there that day",
        lambda: school.records.journal.record_lessons(
            [lesson(school, day=date(2024, 10, 2))], signed_by=school.signing("cover")
        ),
    )


def test_correction_of_an_entry_that_does_not_exist(school: SmallSchool) -> None:
    name = mark_entry(school)
    missing = name.rsplit(":", 1)[0] + ":99"
    rejected(
        school,
        CorrectionError,
        r":99 is not a mark of this lesson; only existing entries can be corrected or "
        r"voided",
        lambda: school.records.journal.correct_mark(
            missing, mark="5", reason="описка", signed_by=school.signing("maths")
        ),
    )


def test_correction_of_a_voided_entry(school: SmallSchool) -> None:
    name = mark_entry(school)
    school.records.journal.void_entry(
        name, reason="не тот ученик", signed_by=school.signing("maths")
    )
    rejected(
        school,
        CorrectionError,
        r"was voided; a voided entry cannot be changed again",
        lambda: school.records.journal.correct_mark(
            name, mark="5", reason="описка", signed_by=school.signing("maths")
        ),
    )


def test_correction_only_by_the_author_or_the_deputy_director(
    school: SmallSchool,
) -> None:
    name = mark_entry(school)
    rejected(
        school,
        AuthorityError,
        r"only its author or the deputy director may correct or void it",
        lambda: school.records.journal.correct_mark(
            name, mark="5", reason="описка", signed_by=school.signing("history")
        ),
    )
    school.records.journal.correct_mark(
        name, mark="5", reason="описка", signed_by=school.signing("deputy")
    )
    stream = name.rsplit(":", 1)[0]
    corrected: Lesson = school.app.repository.get(__import__("uuid").UUID(stream))
    assert [e.value for e in corrected.entries.values()] == ["5"]


# -- attestation ---------------------------------------------------------------------


def test_period_grade_only_for_a_closed_period(school: SmallSchool) -> None:
    rejected(
        school,
        PeriodNotClosedError,
        r"period Q1 of grade 9 \(2024-09-02 – 2024-10-25\) is not closed yet \(today "
        r"is 2024-10-01\)",
        lambda: school.records.attestation.record_period_grades(
            class_id=school.klass("9А"),
            subject="math",
            period="Q1",
            grades={school.pupils[0]: "5"},
            signed_by=school.signing("maths"),
        ),
    )


def test_period_grade_records_the_weighted_average_beside_the_teachers_grade(
    school: SmallSchool,
) -> None:
    pupil = school.pupils[0]
    for day, mark, work in (
        (date(2024, 10, 1), "5", WORK),
        (date(2024, 10, 2), "4", TEST),
        (date(2024, 10, 3), "5", WORK),
    ):
        school.clock.set(day)
        school.records.journal.record_lessons(
            [lesson(school, MarkInput(pupil, mark, work), day=day)],
            signed_by=school.signing("maths"),
        )
    school.clock.set(date(2024, 10, 28))
    [name] = school.records.attestation.record_period_grades(
        class_id=school.klass("9А"),
        subject="math",
        period="Q1",
        grades={pupil: "5"},
        signed_by=school.signing("maths"),
    )
    stored = school.app.recorder.select_events(
        __import__("uuid").UUID(name.split(":")[0])
    )[-1].state
    # (5·1 + 4·3 + 5·1) / 5 = 4.40 → «4» at threshold 0.6; the teacher's «5» counts
    assert b'"average":"4.40"' in stored
    assert b'"suggested":"4"' in stored
    assert b'"grade":"5"' in stored


def _failed_attestation(s: SmallSchool, result: str = "2") -> str:
    s.clock.set(date(2025, 5, 15))
    [name] = s.records.attestation.record_intermediate_attestation(
        class_id=s.klass("9А"),
        subject="hist",
        form="контрольная работа",
        protocol=Protocol("3", date(2025, 5, 15)),
        results={s.pupils[0]: result},
        signed_by=s.signing("history"),
    )
    return name


def _retake(
    s: SmallSchool, retakes: str, result: str, commission: tuple[Any, ...] = ()
) -> str:
    return s.records.attestation.record_retake(
        pupil=s.pupils[0],
        subject="hist",
        year="2024/2025",
        retakes=retakes,
        result=result,
        protocol=Protocol("r", s.clock().date()),
        commission=commission,
        signed_by=s.signing("history"),
    )


def test_retake_only_of_a_failed_result(school: SmallSchool) -> None:
    passed = _failed_attestation(school, "4")
    rejected(
        school,
        RetakeError,
        r"result '4' .* was not failed; only a failed result \(an academic debt\) is "
        r"retaken",
        lambda: _retake(school, passed, "5"),
    )


def test_second_retake_only_before_a_commission(school: SmallSchool) -> None:
    first = _retake(school, _failed_attestation(school), "2")
    rejected(
        school,
        RetakeError,
        r"the second retake is held before a commission of at least 3 teachers .*; 1 "
        r"named",
        lambda: _retake(school, first, "3", (school.staff("history"),)),
    )


def test_at_most_two_retakes(school: SmallSchool) -> None:
    commission = (
        school.staff("history"),
        school.staff("deputy"),
        school.staff("russian"),
    )
    first = _retake(school, _failed_attestation(school), "2")
    second = _retake(school, first, "2", commission)
    rejected(
        school,
        RetakeError,
        r"was the second retake; at most 2 retakes of an academic debt are allowed",
        lambda: _retake(school, second, "3", commission),
    )


def test_exam_results_only_for_pupils_admitted_to_state_exams(
    school: SmallSchool,
) -> None:
    admit(school, school.pupils[0])
    rejected(
        school,
        ExamAdmissionError,
        r"was not admitted to state exams in 2024/2025 by the teachers' council; "
        r"results are imported only",
        lambda: pass_exams(school, school.pupils[1]),
    )


# -- council and attestat book -------------------------------------------------------


def _issue(
    s: SmallSchool, *requests: AttestatRequest, author: str = "maths"
) -> list[int]:
    return s.records.attestats.issue(
        class_id=s.klass("9А"),
        requests=list(requests),
        order=ORDER,
        issued_on=ISSUED_ON,
        signed_by=s.signing(author, "director"),
    )


def test_attestat_only_after_a_council_decision(school: SmallSchool) -> None:
    pupil = school.pupils[0]
    admit(school, pupil)
    pass_exams(school, pupil)
    finalise(school, pupil, ALL_FIVES)
    school.clock.set(ISSUED_ON)
    stock_blanks(school, "09 0001001")
    rejected(
        school,
        NoDecisionError,
        r"has no teachers' council decision to issue the basic attestat in 9А "
        r"2024/2025",
        lambda: _issue(school, AttestatRequest(pupil, Blank("09", "0001001"))),
    )


def test_attestat_needs_a_final_grade_in_every_subject(school: SmallSchool) -> None:
    pupil = school.pupils[0]
    graduate(school, pupil, {"rus": "4", "math": "5"})
    stock_blanks(school, "09 0001001")
    rejected(
        school,
        MissingFinalGradesError,
        r"has no final grade in hist; an attestat needs a final grade for every "
        r"subject",
        lambda: _issue(school, AttestatRequest(pupil, Blank("09", "0001001"))),
    )


def test_registration_numbers_run_without_gaps(school: SmallSchool) -> None:
    graduate(school, school.pupils[0])
    stock_blanks(school, "09 0001001")
    rejected(
        school,
        RegistrationNumberError,
        r"registration number 2 would break the book's through numbering; the next "
        r"number is 1",
        lambda: _issue(
            school, AttestatRequest(school.pupils[0], Blank("09", "0001001"), number=2)
        ),
    )


def test_blank_numbers_are_used_once_in_the_school(school: SmallSchool) -> None:
    graduate(school, school.pupils[0])
    graduate(school, school.pupils[1])
    stock_blanks(school, "09 0001001", "09 0001002")
    rejected(
        school,
        BlankStockError,
        r"blanks 09 0001001 were received already; a blank number enters the "
        r"school's stock once",
        lambda: stock_blanks(school, "09 0001001", level=Level.SECONDARY),
    )
    school.records.attestats.spoil_blank(
        level=Level.BASIC,
        blank=Blank("09", "0001001"),
        reason="ошибка печати",
        signed_by=school.signing("director"),
    )
    rejected(
        school,
        BlankError,
        r"blank 09 0001001 was used already \(spoiled\); every blank number is used "
        r"once in the school",
        lambda: _issue(
            school, AttestatRequest(school.pupils[0], Blank("09", "0001001"))
        ),
    )


def test_blank_numbers_ascend_within_a_class(school: SmallSchool) -> None:
    graduate(school, school.pupils[0])
    graduate(school, school.pupils[1])
    stock_blanks(school, "09 0001004", "09 0001005")
    _issue(school, AttestatRequest(school.pupils[0], Blank("09", "0001005")))
    rejected(
        school,
        BlankError,
        r"blank number 0001004 is not above 1005, the last blank of 9А in this book; "
        r"blank numbers ascend",
        lambda: _issue(
            school, AttestatRequest(school.pupils[1], Blank("09", "0001004"))
        ),
    )


def test_attestat_entry_by_the_class_teacher_with_the_directors_cosignature(
    school: SmallSchool,
) -> None:
    graduate(school, school.pupils[0])
    stock_blanks(school, "09 0001001")
    request = AttestatRequest(school.pupils[0], Blank("09", "0001001"))
    rejected(
        school,
        AuthorityError,
        r"attestat entries of 9А are made by its class teacher",
        lambda: _issue(school, request, author="russian"),
    )
    rejected(
        school,
        PolicyError,
        r"attestat.AttestatIssued needs a co-signature by the director",
        lambda: school.records.attestats.issue(
            class_id=school.klass("9А"),
            requests=[request],
            order=ORDER,
            issued_on=ISSUED_ON,
            signed_by=school.signing("maths"),
        ),
    )
    assert _issue(school, request) == [1]


def test_basic_honours_need_all_excellent_final_grades(school: SmallSchool) -> None:
    pupil = school.pupils[0]
    admit(school, pupil)
    pass_exams(school, pupil)
    finalise(school, pupil, {"rus": "5", "math": "4", "hist": "5"})
    school.clock.set(DECIDED_ON)
    rejected(
        school,
        HonoursError,
        r"a basic attestat with honours needs every final grade «5»; «4» in \['math'\]",
        lambda: decide_attestat(school, pupil, with_honours=True),
    )


def test_basic_honours_need_the_state_exams_passed(school: SmallSchool) -> None:
    pupil = school.pupils[0]
    admit(school, pupil)
    pass_exams(school, pupil, ("5", "2"))
    finalise(school, pupil, ALL_FIVES)
    rejected(
        school,
        HonoursError,
        r"needs the state exams passed: compulsory exams missing none, failed "
        r"\['math'\]",
        lambda: decide_attestat(school, pupil, with_honours=True),
    )


def test_duplicate_only_of_an_existing_entry(school: SmallSchool) -> None:
    graduate(school, school.pupils[0])
    stock_blanks(school, "09 0001001", "09 0002001")
    _issue(school, AttestatRequest(school.pupils[0], Blank("09", "0001001")))
    rejected(
        school,
        DuplicateOfUnknownError,
        r"entry 7 is not an attestat entry of this book \(it has entries 1–1\); a "
        r"duplicate names the original",
        lambda: school.records.attestats.issue_duplicate(
            level=Level.BASIC,
            original=7,
            blank=Blank("09", "0002001"),
            reason="утерян",
            order=ORDER,
            issued_on=ISSUED_ON,
            signed_by=school.signing("maths", "director"),
        ),
    )


def test_council_decision_must_fit_the_grade(school: SmallSchool) -> None:
    school.clock.set(DECIDED_ON)
    rejected(
        school,
        DecisionError,
        r"decision 'attestat_secondary' is not taken in grade 9; it is taken in "
        r"grades 11",
        lambda: school.records.council.record_decisions(
            Protocol("9", DECIDED_ON),
            [DecisionInput(school.pupils[0], DecisionKind.ATTESTAT_SECONDARY)],
            signed_by=school.signing("director"),
        ),
    )


def test_a_medal_needs_the_unified_exam_thresholds(school: SmallSchool) -> None:
    director = school.signing("director")
    [eleventh] = school.records.setup.open_classes(
        "2024/2025", [(11, "А", school.staff("russian"))], signed_by=director
    )
    [pupil] = school.records.people.enrol(
        [
            EnrolmentInput(
                Identity("Лебедева", "Ира", "Олеговна", date(2007, 4, 4)),
                eleventh,
                date(2024, 9, 1),
                "№ 1",
            )
        ],
        signed_by=school.signing("secretary"),
    )
    school.clock.set(date(2024, 12, 20))
    school.records.attestation.record_admission_tests(
        class_id=eleventh,
        kind=AdmissionTestKind.ESSAY,
        held_on=date(2024, 12, 4),
        protocol=Protocol("ИС-11", date(2024, 12, 18)),
        results={pupil: PASSED},
        signed_by=school.signing("importer"),
    )
    school.clock.set(date(2025, 5, 20))
    admitted = DecisionInput(pupil, DecisionKind.ADMITTED_TO_STATE_EXAMS)
    school.records.council.record_decisions(
        Protocol("7", date(2025, 5, 20)), [admitted], signed_by=director
    )
    school.clock.set(date(2025, 6, 16))
    lines = [
        ExamImport(
            pupil,
            "2024/2025",
            ExamResult(
                ExamKind.EGE, subject, date(2025, 6, 3), score // 2, score, None, True
            ),
            Protocol(f"ЕГЭ-{subject}", date(2025, 6, 16)),
            "РЦОИ",
        )
        for subject, score in (("rus", 65), ("math_prof", 80))
    ]
    school.records.attestation.import_exam_results(
        lines, signed_by=school.signing("importer")
    )
    school.clock.set(DECIDED_ON)
    medal = DecisionInput(
        pupil, DecisionKind.ATTESTAT_SECONDARY, with_honours=True, medal=Medal.FIRST
    )
    rejected(
        school,
        HonoursError,
        r"the I-degree medal needs ЕГЭ Russian ≥ 70 and ≥ 70 in one more ЕГЭ subject .*"
        r"results: math_prof 80, rus 65",
        lambda: school.records.council.record_decisions(
            Protocol("9", DECIDED_ON), [medal], signed_by=director
        ),
    )
    second = DecisionInput(
        pupil, DecisionKind.ATTESTAT_SECONDARY, with_honours=True, medal=Medal.SECOND
    )
    school.records.council.record_decisions(
        Protocol("9", DECIDED_ON), [second], signed_by=director
    )
