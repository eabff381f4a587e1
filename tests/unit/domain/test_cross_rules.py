"""The pure cross-record rules (issue 13), case by case, without a store:
admission (ledger.domain.admission), the exams and final grades of an attestat
(ledger.domain.graduation), promotion and moves (ledger.domain.promotion) and
school types (ledger.domain.school)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from ledger.domain.admission import (
    AdmissionTestKind,
    AdmissionTests,
    Debt,
    check_admission,
    debt_of,
)
from ledger.domain.attestation import Protocol, SubjectRecord
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import DecisionKind
from ledger.domain.errors import (
    AdmissionTestError,
    FinalGradeError,
    OpenDebtError,
    PromotionError,
    SchoolTypeError,
    StateExamsError,
)
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import FAILED, PASSED, Assessment, GradingPolicy, WorkType
from ledger.domain.graduation import (
    Derivation,
    check_final_grade,
    check_state_exams,
    derive_basic,
    derive_secondary,
    rounded_mean,
)
from ledger.domain.people import MoveReason
from ledger.domain.portfolio import AchievementKind
from ledger.domain.promotion import check_move, check_promotion
from ledger.domain.school import Level, School, SchoolType, Subject

AT = datetime(2025, 2, 12, 15, tzinfo=UTC)
DAY = date(2025, 6, 3)
POLICY = GradingPolicy(
    effective_from=date(2024, 8, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=(WorkType("ответ", 1),),
    rounding_threshold=Decimal("0.6"),
    min_marks=1,
    unmarked_grades=(1,),
)


def oge(subject: str, mark: str) -> ExamResult:
    return ExamResult(ExamKind.OGE, subject, DAY, 20, None, mark, mark != "2")


def ege(subject: str, score: int, passed: bool = True) -> ExamResult:
    return ExamResult(ExamKind.EGE, subject, DAY, score // 2, score, None, passed)


# -- admission ------------------------------------------------------------------------


def sit(tests: AdmissionTests, result: str, on: date, grade: int = 9) -> str:
    return tests.record_test(
        pupil=uuid4(),
        year="2024/2025",
        class_id=uuid4(),
        grade=grade,
        kind=AdmissionTestKind.INTERVIEW,
        held_on=on,
        result=result,
        protocol=Protocol("ИС", on),
        today=date(2025, 5, 1),
        by=uuid4(),
        at=AT,
    )


def test_the_interview_is_retaken_after_a_fail_at_most_three_times() -> None:
    tests = AdmissionTests.open(uuid4())
    for day in (date(2025, 2, 12), date(2025, 3, 12), date(2025, 4, 21)):
        sit(tests, FAILED, day)
    with pytest.raises(AdmissionTestError, match="sat 3 times this year; at most 3"):
        sit(tests, PASSED, date(2025, 4, 28))
    assert not tests.passed(AdmissionTestKind.INTERVIEW)


def test_an_interview_sitting_comes_after_the_last_and_in_grade_9() -> None:
    tests = AdmissionTests.open(uuid4())
    sit(tests, FAILED, date(2025, 3, 12))
    with pytest.raises(AdmissionTestError, match="comes after the last one"):
        sit(tests, PASSED, date(2025, 2, 12))
    with pytest.raises(AdmissionTestError, match="sat in grade 9; the pupil is in"):
        sit(tests, PASSED, date(2025, 4, 21), grade=11)
    sit(tests, PASSED, date(2025, 4, 21))
    assert tests.passed(AdmissionTestKind.INTERVIEW)
    assert not tests.passed(AdmissionTestKind.ESSAY)


def test_a_debt_is_the_latest_attestation_result_or_a_failing_year_grade() -> None:
    record = SubjectRecord.open(uuid4())
    assert debt_of("hist", "2024/2025", record, POLICY) is None
    record.grades["Y"] = "2"
    assert debt_of("hist", "2024/2025", record, POLICY) == Debt(
        "hist", "2024/2025", "2"
    )
    record = SubjectRecord.open(uuid4())
    record.record_attestation(
        pupil=uuid4(),
        subject="hist",
        year="2024/2025",
        class_id=uuid4(),
        form="тест",
        result="н/а",
        policy=POLICY,
        assessment=Assessment.FIVE_POINT,
        protocol=Protocol("1", date(2025, 5, 20)),
        teacher=uuid4(),
        at=AT,
    )
    assert str(debt_of("hist", "2024/2025", record, POLICY)) == "hist 2024/2025 «н/а»"


def test_admission_needs_no_debt_and_the_grade_s_test() -> None:
    debt = Debt("alg", "2024/2025", "2")
    with pytest.raises(OpenDebtError, match=r"open: alg 2024/2025 «2»"):
        check_admission(9, [debt], None)
    with pytest.raises(AdmissionTestError, match="итоговое сочинение"):
        check_admission(11, [], None)
    tests = AdmissionTests.open(uuid4())
    sit(tests, PASSED, date(2025, 2, 12))
    check_admission(9, [], tests)


# -- the exams and final grades of an attestat --------------------------------------


def test_the_basic_attestat_needs_four_exams_passed() -> None:
    exams = {s: oge(s, "3") for s in ("rus", "math", "bio")}
    with pytest.raises(StateExamsError, match=r"1 subject\(s\) of the pupil's choice"):
        check_state_exams(Level.BASIC, True, exams)
    exams["geo"] = oge("geo", "4")
    check_state_exams(Level.BASIC, True, exams)
    with pytest.raises(StateExamsError, match="no admission is recorded"):
        check_state_exams(Level.BASIC, False, exams)
    exams["math"] = oge("math", "2")
    with pytest.raises(StateExamsError, match="missing or failed: math "):
        check_state_exams(Level.BASIC, True, exams)


def test_the_secondary_attestat_needs_russian_and_either_mathematics() -> None:
    check_state_exams(
        Level.SECONDARY,
        True,
        {"rus": ege("rus", 50), "math_base": oge("math_base", "4")},
    )
    check_state_exams(
        Level.SECONDARY,
        True,
        {"rus": ege("rus", 50), "math_prof": ege("math_prof", 40)},
    )
    with pytest.raises(StateExamsError, match="missing or failed: math_base or"):
        check_state_exams(
            Level.SECONDARY,
            True,
            {"rus": ege("rus", 50), "math_prof": ege("math_prof", 20, passed=False)},
        )


def test_final_grades_round_half_up() -> None:
    assert rounded_mean([4, 5]) == "5"
    assert rounded_mean([3, 4]) == "4"
    assert rounded_mean([4, 4, 5, 4, 4, 5]) == "4"  # 4.33
    assert rounded_mean([5, 5, 4, 4, 5, 4]) == "5"  # 4.5


def test_grade_9_final_grades_from_year_grade_and_exam_mark() -> None:
    assert derive_basic("4", oge("math", "5")) == Derivation(
        "5", ("year «4»", "exam «5»")
    )
    assert derive_basic("3", None).value == "3"
    assert derive_basic(None, oge("math", "5")).value is None
    assert derive_basic("зачёт", None).value is None


def test_grade_11_final_grades_from_half_year_and_year_grades() -> None:
    grades = [("10:H1", "4"), ("10:H2", "5"), ("10:Y", "5")]
    grades += [("11:H1", "4"), ("11:H2", "4"), ("11:Y", "4")]
    assert derive_secondary(grades).value == "4"  # 26 / 6 = 4.33
    assert derive_secondary([]).value is None


def test_a_differing_final_grade_needs_a_reason_and_the_director() -> None:
    derived = derive_basic("4", oge("math", "5"))
    check_final_grade("math", "5", derived, reason="", cosigned=False)
    with pytest.raises(FinalGradeError, match="allowed: «5», or another grade"):
        check_final_grade("math", "4", derived, reason="апелляция", cosigned=False)
    with pytest.raises(FinalGradeError):
        check_final_grade("math", "4", derived, reason=" ", cosigned=True)
    check_final_grade("math", "4", derived, reason="апелляция", cosigned=True)
    check_final_grade(
        "art", "5", Derivation(None, (), "not held"), reason="", cosigned=False
    )


# -- promotion and moves --------------------------------------------------------------

DEBT = Debt("hist", "2024/2025", "2")


def test_promotion_follows_the_debts() -> None:
    with pytest.raises(PromotionError, match="promoted conditionally"):
        check_promotion(DecisionKind.PROMOTED, (), [DEBT])
    with pytest.raises(PromotionError, match="holds: hist; listed: hist, math"):
        check_promotion(DecisionKind.PROMOTED_CONDITIONALLY, ("hist", "math"), [DEBT])
    check_promotion(DecisionKind.PROMOTED_CONDITIONALLY, ("hist",), [DEBT])
    check_promotion(DecisionKind.PROMOTED, (), [])
    check_promotion(DecisionKind.RETAINED, (), [DEBT])


def move(
    reason: MoveReason,
    to_grade: int,
    decided: set[DecisionKind],
    debts: list[Debt] | None = None,
    *,
    from_grade: int = 7,
    to_year: str = "2025/2026",
) -> None:
    check_move(
        reason,
        from_class=f"{from_grade}А",
        from_grade=from_grade,
        from_year="2024/2025",
        to_class=f"{to_grade}А",
        to_grade=to_grade,
        to_year=to_year,
        decided=decided,
        debts=debts or [],
    )


def test_a_pupil_not_promoted_is_not_moved_up() -> None:
    promoted = {DecisionKind.PROMOTED}
    move(MoveReason.PROMOTED, 8, promoted)
    with pytest.raises(PromotionError, match="not promoted by the council"):
        move(MoveReason.PROMOTED, 8, set())
    with pytest.raises(PromotionError, match="not promoted by the council"):
        move(
            MoveReason.PROMOTED,
            8,
            {DecisionKind.PROMOTED_CONDITIONALLY, DecisionKind.RETAINED},
        )
    with pytest.raises(PromotionError, match="moves to grade 8"):
        move(MoveReason.PROMOTED, 9, promoted)
    with pytest.raises(PromotionError, match="class of the next year"):
        move(MoveReason.PROMOTED, 8, promoted, to_year="2024/2025")
    move(MoveReason.PROMOTED, 10, {DecisionKind.ATTESTAT_BASIC}, from_grade=9)


def test_conditional_moves_name_themselves_while_debts_are_open() -> None:
    conditional = {DecisionKind.PROMOTED_CONDITIONALLY}
    with pytest.raises(PromotionError, match="still open"):
        move(MoveReason.PROMOTED, 8, conditional, [DEBT])
    move(MoveReason.PROMOTED_CONDITIONALLY, 8, conditional, [DEBT])
    move(MoveReason.PROMOTED, 8, conditional)  # the debt was retaken
    with pytest.raises(PromotionError, match="promoted the pupil outright"):
        move(MoveReason.PROMOTED_CONDITIONALLY, 8, {DecisionKind.PROMOTED})


def test_retention_and_parallel_moves_keep_the_grade() -> None:
    move(MoveReason.RETAINED, 7, {DecisionKind.RETAINED})
    with pytest.raises(PromotionError, match="did not retain"):
        move(MoveReason.RETAINED, 7, {DecisionKind.PROMOTED})
    with pytest.raises(PromotionError, match="keeps the grade"):
        move(MoveReason.PARALLEL, 8, set())
    move(MoveReason.PARALLEL, 7, set(), to_year="2024/2025")


# -- school types ---------------------------------------------------------------------


def test_school_types_give_grades_levels_and_portfolio_kinds() -> None:
    assert list(SchoolType.PRIMARY.grades) == [1, 2, 3, 4]
    assert SchoolType.PRIMARY.levels == ()
    assert SchoolType.BASIC.levels == (Level.BASIC,)
    assert SchoolType.SECONDARY.levels == (Level.BASIC, Level.SECONDARY)
    assert AchievementKind.OLYMPIAD not in SchoolType.PRIMARY.portfolio_kinds
    assert AchievementKind.OLYMPIAD in SchoolType.SECONDARY.portfolio_kinds
    with pytest.raises(SchoolTypeError, match="issues no secondary attestat"):
        SchoolType.BASIC.check_level(Level.SECONDARY, "the attestat book")


def test_a_school_is_secondary_unless_registered_otherwise() -> None:
    school = School.register(
        code="s-1", name="Школа", region="Татарстан", timezone="Europe/Moscow", at=AT
    )
    assert school.school_type is SchoolType.SECONDARY
    assert school.grades == range(1, 12)
    basic = School.register(
        code="s-2",
        name="ООШ",
        region="Татарстан",
        timezone="Europe/Moscow",
        at=AT,
        school_type=SchoolType.BASIC,
    )
    subject = Subject(
        "alg_an", "Алгебра", (10, 11), Assessment.FIVE_POINT, (Level.SECONDARY,)
    )
    with pytest.raises(SchoolTypeError, match="grade 10 is not taught in a basic"):
        basic.define_subject(subject, at=AT)
    with pytest.raises(SchoolTypeError, match="teaches grades 1–9 only"):
        SchoolClass.open(
            school=basic.id,
            year="2024/2025",
            grade=10,
            letter="А",
            class_teacher=uuid4(),
            at=AT,
            grades=basic.grades,
        )
