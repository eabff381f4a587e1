"""The cross-record rules (issue 13), on SQLite and on a real PostgreSQL.

Each rule reads records of several streams: admission to the state exams
(debts, the final interview), attestats (admission, the exams), final grades
(year grades, exam marks), promotion and moves (the council, the debts), and
what a school's type keeps. Each test makes the rejected append (the error's
type and message, and the store unchanged row by row) and then the accepted
one once the records are right.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from ledger.domain.admission import AdmissionTestKind
from ledger.domain.attestat import Blank
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import DecisionKind
from ledger.domain.errors import (
    AdmissionTestError,
    FinalGradeError,
    HonoursError,
    OpenDebtError,
    PromotionError,
    SchoolTypeError,
    StateExamsError,
)
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import FAILED, PASSED, Assessment
from ledger.domain.people import MoveReason
from ledger.domain.portfolio import (
    AchievementKind,
    AchievementLevel,
    AchievementResult,
)
from ledger.domain.school import Level, SchoolType, Subject
from ledger.domain.schoolyear import Period, PeriodKind, PeriodScheme
from ledger.keys.personal import DataKeyStore
from ledger.records.attestation import ExamImport
from ledger.records.attestats import AttestatRequest
from ledger.records.council import DecisionInput
from ledger.records.people import EnrolmentInput, Identity, MoveInput
from ledger.records.setup import TeachingInput
from simulation.builder import SchoolPlan, SchoolProfile, YearPlan, build_school
from tests.support.records import rejected
from tests.support.school import (
    ADMITTED_ON,
    DECIDED_ON,
    ENDS,
    HOLIDAYS,
    ISSUED_ON,
    KEYS_FROM,
    POLICY,
    QUARTERS,
    STARTS,
    TIMEZONE,
    YEAR,
    SimClock,
    SmallSchool,
    admit,
    build,
    finalise,
    graduate,
    interview,
    pass_exams,
    plan,
    stock_blanks,
)
from tests.support.stores import PASSPHRASE, Store

ADMITTED = DecisionKind.ADMITTED_TO_STATE_EXAMS


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def admission(s: SmallSchool, pupil: UUID) -> None:
    s.clock.set(ADMITTED_ON)
    s.records.council.record_decisions(
        Protocol("7", ADMITTED_ON),
        [DecisionInput(pupil, ADMITTED)],
        signed_by=s.signing("deputy"),
    )


def sit(
    s: SmallSchool,
    pupil: UUID,
    result: str,
    *,
    on: date,
    kind: AdmissionTestKind = AdmissionTestKind.INTERVIEW,
) -> None:
    s.clock.set(on, 17)
    s.records.attestation.record_admission_tests(
        class_id=s.klass("9А"),
        kind=kind,
        held_on=on,
        protocol=Protocol("ИС", on),
        results={pupil: result},
        signed_by=s.signing("deputy"),
    )


def exam(s: SmallSchool, pupil: UUID, subject: str, mark: str, on: date) -> None:
    """An ОГЭ result in ``subject`` sat ``on``, its protocol the next day."""
    day = date.fromordinal(on.toordinal() + 1)
    s.clock.set(day, 18)
    s.records.attestation.import_exam_results(
        [
            ExamImport(
                pupil,
                YEAR,
                ExamResult(ExamKind.OGE, subject, on, 20, None, mark, mark != "2"),
                Protocol(f"РЦОИ-{subject}-{on:%m%d}", day),
                "РЦОИ Республики Татарстан",
            )
        ],
        signed_by=s.signing("importer"),
    )


# -- admission to the state exams -------------------------------------------------


def test_admission_is_refused_with_an_open_debt(school: SmallSchool) -> None:
    s, pupil = school, school.pupils[0]
    interview(s, pupil)
    s.clock.set(date(2025, 5, 15))
    [failed] = s.records.attestation.record_intermediate_attestation(
        class_id=s.klass("9А"),
        subject="hist",
        form="тест",
        protocol=Protocol("3", date(2025, 5, 15)),
        results={pupil: "2"},
        signed_by=s.signing("history"),
    )
    rejected(
        s,
        OpenDebtError,
        r"not admitted to the state exams \(open: hist 2024/2025 «2»\); admitted "
        r"are pupils with no debt and year grades of at least «3»",
        lambda: admission(s, pupil),
    )
    s.records.attestation.record_retake(
        pupil=pupil,
        subject="hist",
        year=YEAR,
        retakes=failed,
        result="3",
        protocol=Protocol("4", date(2025, 5, 15)),
        signed_by=s.signing("history"),
    )
    admission(s, pupil)


def test_admission_needs_the_final_interview_passed(school: SmallSchool) -> None:
    s, pupil = school, school.pupils[1]
    rejected(
        s,
        AdmissionTestError,
        "admission to the state exams in grade 9 needs «зачёт» for the итоговое "
        "собеседование по русскому языку; recorded: nothing",
        lambda: admission(s, pupil),
    )
    sit(s, pupil, FAILED, on=date(2025, 2, 12))
    rejected(s, AdmissionTestError, "recorded: незачёт", lambda: admission(s, pupil))
    sit(s, pupil, PASSED, on=date(2025, 3, 12))  # the additional date
    admission(s, pupil)


def test_the_interview_is_the_grade_s_own_and_passed_once(school: SmallSchool) -> None:
    s, pupil = school, school.pupils[0]
    day = date(2025, 2, 12)
    rejected(
        s,
        AdmissionTestError,
        "the итоговое сочинение \\(изложение\\) is sat in grade 11; the pupil is "
        "in grade 9",
        lambda: sit(s, pupil, PASSED, on=day, kind=AdmissionTestKind.ESSAY),
    )
    rejected(
        s,
        AdmissionTestError,
        "result is «зачёт» or «незачёт», not '5'",
        lambda: sit(s, pupil, "5", on=day),
    )
    sit(s, pupil, PASSED, on=day)
    rejected(
        s,
        AdmissionTestError,
        "was passed already \\(«зачёт»\\); it is retaken only after a «незачёт»",
        lambda: sit(s, pupil, PASSED, on=date(2025, 3, 12)),
    )


# -- attestats: admission and the state exams -------------------------------------


def _decide(s: SmallSchool, pupil: UUID) -> None:
    s.clock.set(DECIDED_ON)
    s.records.council.record_decisions(
        Protocol("9", DECIDED_ON),
        [DecisionInput(pupil, DecisionKind.ATTESTAT_BASIC)],
        signed_by=s.signing("director"),
    )


def test_an_attestat_decision_needs_admission_and_the_exams(
    school: SmallSchool,
) -> None:
    s, pupil = school, school.pupils[0]
    rejected(s, StateExamsError, "no admission is recorded", lambda: _decide(s, pupil))
    admit(s, pupil)
    exam(s, pupil, "rus", "4", date(2025, 5, 27))
    exam(s, pupil, "math", "3", date(2025, 6, 3))
    rejected(
        s,
        StateExamsError,
        r"needs the state exams passed: rus, math and 2 subjects of the pupil's "
        r"choice; missing or failed: 2 subject\(s\) of the pupil's choice "
        r"\(results: math passed, rus passed\)",
        lambda: _decide(s, pupil),
    )
    exam(s, pupil, "hist", "4", date(2025, 6, 6))
    exam(s, pupil, "eng", "2", date(2025, 6, 9))
    rejected(
        s,
        StateExamsError,
        r"missing or failed: 1 subject\(s\) of the pupil's choice .*eng failed",
        lambda: _decide(s, pupil),
    )
    exam(s, pupil, "eng", "3", date(2025, 6, 17))  # the reserve day
    finalise(s, pupil, {"rus": "4", "math": "4", "hist": "4"})
    _decide(s, pupil)


def test_honours_do_not_count_an_exam_passed_at_a_re_sit(school: SmallSchool) -> None:
    s, pupil = school, school.pupils[0]
    admit(s, pupil)
    for subject, day in (("rus", 27), ("hist", 30), ("eng", 31)):
        exam(s, pupil, subject, "5", date(2025, 5, day))
    exam(s, pupil, "math", "2", date(2025, 6, 3))
    exam(s, pupil, "math", "5", date(2025, 6, 17))  # the reserve day
    finalise(s, pupil, {"rus": "5", "math": "5", "hist": "5"})
    s.clock.set(DECIDED_ON)

    def decide(honours: bool) -> None:
        s.records.council.record_decisions(
            Protocol("9", DECIDED_ON),
            [DecisionInput(pupil, DecisionKind.ATTESTAT_BASIC, with_honours=honours)],
            signed_by=s.signing("director"),
        )

    rejected(
        s,
        HonoursError,
        r"count the state exams passed without re-sits .*re-sat: \['math'\]",
        lambda: decide(True),
    )
    decide(False)


def test_an_attestat_entry_needs_the_exams_passed_when_entered(
    school: SmallSchool,
) -> None:
    s, pupil = school, school.pupils[0]
    graduate(s, pupil)
    exam(s, pupil, "math", "2", date(2025, 6, 21))  # a later sitting, failed
    s.clock.set(ISSUED_ON)
    stock_blanks(s, "09 0001001")

    def issue() -> None:
        s.records.attestats.issue(
            class_id=s.klass("9А"),
            requests=[AttestatRequest(pupil, Blank("09", "0001001"))],
            order=Protocol("45-о", ISSUED_ON),
            issued_on=ISSUED_ON,
            signed_by=s.signing("maths", "director"),
        )

    rejected(
        s,
        StateExamsError,
        r"the basic attestat needs the state exams passed: .*missing or failed: "
        r"math \(results: eng passed, hist passed, math failed, rus passed\)",
        issue,
    )
    exam(s, pupil, "math", "4", date(2025, 6, 24))
    s.clock.set(ISSUED_ON)
    issue()


# -- final grades as Приказ 546 derives them --------------------------------------


def test_a_final_grade_other_than_the_derived_one_needs_the_director(
    school: SmallSchool,
) -> None:
    s, pupil = school, school.pupils[0]
    s.clock.set(date(2025, 5, 27))
    s.records.attestation.record_period_grades(
        class_id=s.klass("9А"),
        subject="math",
        period="Y",
        grades={pupil: "4", s.pupils[1]: "3"},
        signed_by=s.signing("maths"),
    )
    for p in s.pupils[:2]:
        admit(s, p)
        pass_exams(s, p)
    grades = {"rus": "5", "math": "4", "hist": "5"}
    message = (
        r"final grade «4» in math differs from the one Приказ 546 derives "
        r"\(«5» from year «4», exam «5»\); allowed: «5», or another grade with "
        r"its reason \(basis\) and the director's co-signature"
    )
    rejected(s, FinalGradeError, message, lambda: finalise(s, pupil, grades))
    reason = {"math": "решение конфликтной комиссии, протокол № 2"}

    def record(*signers: str) -> None:
        s.records.attestation.record_final_grades(
            pupil=pupil,
            level=Level.BASIC,
            grades=grades,
            basis=reason,
            signed_by=s.signing(*signers),
        )

    rejected(s, FinalGradeError, message, lambda: record("maths"))
    record("maths", "director")
    finalise(s, s.pupils[1], {"rus": "3", "math": "4", "hist": "3"})  # (3+5)/2


# -- promotion and moves ---------------------------------------------------------


NEXT_YEAR = "2025/2026"
NEXT_SCHEMES = (
    PeriodScheme(
        tuple(range(1, 12)),
        PeriodKind.HALVES,
        (
            Period("H1", date(2025, 9, 1), date(2025, 12, 26)),
            Period("H2", date(2026, 1, 12), date(2026, 5, 25)),
        ),
    ),
)


def _fifth_grade(s: SmallSchool) -> tuple[UUID, UUID]:
    """Class 5А with two pupils; the first fails history's attestation."""
    director = s.signing("director")
    [fifth] = s.records.setup.open_classes(
        YEAR, [(5, "А", s.staff("history"))], signed_by=director
    )
    owing, clear = s.records.people.enrol(
        [
            EnrolmentInput(
                Identity(surname, "Ян", "Ильич", date(2013, 2, 2)),
                fifth,
                date(2024, 9, 1),
                "№ 3",
            )
            for surname in ("Волков", "Зайцев")
        ],
        signed_by=s.signing("secretary"),
    )
    s.records.setup.assign_teaching(
        [TeachingInput(fifth, "hist", s.staff("history"), STARTS)],
        signed_by=s.signing("deputy"),
    )
    s.clock.set(date(2025, 5, 27))
    s.records.attestation.record_intermediate_attestation(
        class_id=fifth,
        subject="hist",
        form="тест",
        protocol=Protocol("5", date(2025, 5, 27)),
        results={owing: "2", clear: "4"},
        signed_by=s.signing("history"),
    )
    return owing, clear


def _promote(s: SmallSchool, decision: DecisionInput) -> None:
    s.clock.set(date(2025, 5, 28))
    s.records.council.record_decisions(
        Protocol("11", date(2025, 5, 28)), [decision], signed_by=s.signing("director")
    )


def test_a_promotion_lists_exactly_the_debts_of_the_ledger(
    school: SmallSchool,
) -> None:
    s = school
    owing, clear = _fifth_grade(s)
    promoted = DecisionKind.PROMOTED
    conditional = DecisionKind.PROMOTED_CONDITIONALLY
    rejected(
        s,
        PromotionError,
        r"the pupil has open academic debts \(hist 2024/2025 «2»\); such a pupil "
        r"is promoted conditionally",
        lambda: _promote(s, DecisionInput(owing, promoted, "6А")),
    )
    rejected(
        s,
        PromotionError,
        "a conditional promotion lists exactly the debts the ledger holds: hist; "
        "listed: math",
        lambda: _promote(s, DecisionInput(owing, conditional, "6А", ("math",))),
    )
    _promote(s, DecisionInput(owing, conditional, "6А", ("hist",)))
    _promote(s, DecisionInput(clear, promoted, "6А"))


def test_moves_follow_the_council_and_the_open_debts(school: SmallSchool) -> None:
    s = school
    owing, clear = _fifth_grade(s)
    _promote(
        s,
        DecisionInput(owing, DecisionKind.PROMOTED_CONDITIONALLY, "6А", ("hist",)),
    )
    s.clock.set(date(2025, 8, 20))
    s.records.setup.open_year(
        year=NEXT_YEAR,
        starts=date(2025, 9, 1),
        ends=date(2026, 5, 25),
        holidays=(),
        schemes=NEXT_SCHEMES,
        signed_by=s.signing("deputy"),
    )
    sixth, fifth = s.records.setup.open_classes(
        NEXT_YEAR,
        [(6, "А", s.staff("history")), (5, "А", s.staff("maths"))],
        signed_by=s.signing("director"),
    )
    s.clock.set(date(2025, 9, 1))

    def move(pupil: UUID, to: UUID, reason: MoveReason) -> None:
        s.records.people.move(
            [MoveInput(pupil, to, date(2025, 9, 1), reason, "протокол № 11")],
            signed_by=s.signing("secretary"),
        )

    rejected(
        s,
        PromotionError,
        r"5А \(2024/2025\) → 6А \(2025/2026\) «promoted»: the pupil was not "
        r"promoted by the council \(decisions: none\)",
        lambda: move(clear, sixth, MoveReason.PROMOTED),
    )
    rejected(
        s,
        PromotionError,
        r"academic debts are still open \(hist 2024/2025 «2»\); the move is "
        r"«promoted_conditionally» until they are retaken",
        lambda: move(owing, sixth, MoveReason.PROMOTED),
    )
    rejected(
        s,
        PromotionError,
        r"a parallel move keeps the grade \(5\)",
        lambda: move(owing, sixth, MoveReason.PARALLEL),
    )
    rejected(
        s,
        PromotionError,
        "the council did not retain the pupil in 2024/2025",
        lambda: move(clear, fifth, MoveReason.RETAINED),
    )
    move(owing, sixth, MoveReason.PROMOTED_CONDITIONALLY)


# -- school types ----------------------------------------------------------------


PRIMARY_SUBJECTS = (
    Subject("rus", "Русский язык", (1, 2, 3, 4), Assessment.FIVE_POINT, ()),
    Subject("math", "Математика", (1, 2, 3, 4), Assessment.FIVE_POINT, ()),
)


def progymnasium(store: Store) -> SmallSchool:
    """A primary school (grades 1–4) like the progymnasium of the seeds, with
    classes 1А and 4А and one pupil in 4А."""
    code = "progymnasium-131"
    app = store.open()
    clock = SimClock(datetime(2024, 8, 20, 9, tzinfo=UTC))
    base = plan(code)
    school = SchoolPlan(
        SchoolProfile(
            code,
            "МАОУ «Прогимназия № 131»",
            "Республика Татарстан",
            TIMEZONE,
            SchoolType.PRIMARY,
        ),
        base.staff,
        KEYS_FROM,
        PRIMARY_SUBJECTS,
        POLICY,
        YearPlan(
            YEAR,
            STARTS,
            ENDS,
            HOLIDAYS,
            (PeriodScheme((1, 2, 3, 4), PeriodKind.QUARTERS, QUARTERS),),
        ),
        ((1, "А", "russian"), (4, "А", "maths")),
    )
    builder = build_school(
        app,
        school,
        seal=store.key_directory.log_key(),
        clock=clock,
        data_keys=DataKeyStore.in_key_directory(store.keys, PASSPHRASE),
    )
    keys = {m.number: m.key for m in school.staff}
    s = SmallSchool(store, app, builder.records, clock, builder.school, keys)
    s.pupils = builder.enrol(
        s.klass("4А"),
        [Identity("Соколова", "Мила", "Андреевна", date(2015, 4, 1))],
        on=date(2024, 9, 2),
        order="№ 5-у",
        signed_by=s.signing("secretary"),
    )
    s.clock.set(date(2024, 10, 1))
    return s


def test_a_primary_school_keeps_no_attestats_or_exams(store: Store) -> None:
    s = progymnasium(store)
    director = s.signing("director")
    rejected(
        s,
        SchoolTypeError,
        "subject chem: grade 8 is not taught in a primary school; its grades are 1–4",
        lambda: s.records.setup.define_subjects(
            [Subject("chem", "Химия", (8, 9), Assessment.FIVE_POINT, ())],
            signed_by=director,
        ),
    )
    rejected(
        s,
        SchoolTypeError,
        "subject art: a primary school issues no basic attestat",
        lambda: s.records.setup.define_subjects(
            [
                Subject(
                    "art", "ИЗО", (1, 2, 3, 4), Assessment.FIVE_POINT, (Level.BASIC,)
                )
            ],
            signed_by=director,
        ),
    )
    rejected(
        s,
        SchoolTypeError,
        "class 5А: the school teaches grades 1–4 only",
        lambda: s.records.setup.open_classes(
            YEAR, [(5, "А", s.staff("maths"))], signed_by=director
        ),
    )
    rejected(
        s,
        SchoolTypeError,
        "the attestat book: a primary school issues no basic attestat and keeps "
        "no book or state exams for it; its attestats: none",
        lambda: s.records.attestats.spoil_blank(
            level=Level.BASIC,
            blank=Blank("09", "0000001"),
            reason="испорчен",
            signed_by=director,
        ),
    )
    rejected(
        s,
        SchoolTypeError,
        "state exam results: a primary school issues no basic attestat",
        lambda: s.records.attestation.import_exam_results(
            [
                ExamImport(
                    s.pupils[0],
                    YEAR,
                    ExamResult(
                        ExamKind.OGE, "rus", date(2024, 9, 20), 20, None, "4", True
                    ),
                    Protocol("1", date(2024, 9, 30)),
                    "РЦОИ",
                )
            ],
            signed_by=s.signing("importer"),
        ),
    )


def test_a_primary_school_keeps_its_achievements_folder(store: Store) -> None:
    s = progymnasium(store)

    def achievement(kind: AchievementKind) -> str:
        return s.records.portfolio.record_achievement(
            pupil=s.pupils[0],
            kind=kind,
            title="Мой край (исследовательский проект)",
            level=AchievementLevel.SCHOOL,
            result=AchievementResult.WINNER,
            on=date(2024, 9, 30),
            document="папка достижений, лист 3",
            signed_by=s.signing("maths"),
        )

    rejected(
        s,
        SchoolTypeError,
        "achievement kind 'olympiad' is not kept in a primary school's portfolio; "
        "allowed: creative_work, project, metasubject",
        lambda: achievement(AchievementKind.OLYMPIAD),
    )
    for kind in (
        AchievementKind.CREATIVE_WORK,
        AchievementKind.PROJECT,
        AchievementKind.METASUBJECT,
    ):
        achievement(kind)
