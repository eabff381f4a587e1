"""Corrections of every kind of grade, closed periods, the calendar and late
entries (issue 13), on SQLite and PostgreSQL.

Each correction changes the current value, keeps the original event as it was
and shows both in the reports; each refusal names its error and writes nothing
(``rejected`` compares the tables row by row). The small school is
``tests/support/school.py``; the marked journal is ``tests/support/marked.py``
(Q1 grades of 9А mathematics recorded on 28 October 2024).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from ledger.domain.attestation import Protocol, SubjectRecord
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import (
    AlreadyRecordedError,
    AuthorityError,
    CorrectionError,
    InvalidRecordError,
    NotSchoolDayError,
    PeriodClosedError,
    PeriodNotClosedError,
    RetakeError,
)
from ledger.domain.exams import ExamSheet
from ledger.domain.final_grades import FinalGrades
from ledger.domain.ids import (
    council_record_id,
    exam_sheet_id,
    final_grades_id,
    lesson_id,
    subject_record_id,
)
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.log import Sealer
from ledger.records.council import DecisionInput
from ledger.records.journal import MarkInput
from projections.reports import render
from tests.support.marked import IVANOV, Marked, marked_school
from tests.support.records import lesson, rejected
from tests.support.reports import DECISION, NAME, statement
from tests.support.school import (
    ALL_FIVES,
    WORK,
    YEAR,
    SmallSchool,
    admit,
    build,
    graduate,
    pass_exams,
)
from tests.support.stores import Store

ORDER = Protocol("45-о", date(2024, 10, 29))
CLOSED_ON = date(2024, 10, 29)


def report(s: SmallSchool, name: str, **params: str) -> Any:
    Sealer(s.app).seal()
    return json.loads(render(s.app, name, params, "json").body)


def table(document: Any, title: str) -> list[list[str]]:
    for t in document["tables"]:
        if t["title"] == title:
            return list(t["rows"])
    titles = [t["title"] for t in document["tables"]]
    raise AssertionError(f"no table {title!r}; tables: {titles}")


def stored_event(s: SmallSchool, name: str) -> dict[str, Any]:
    """The stored envelope's data of event ``name`` (``<stream>:<seq>``)."""
    stream, _, seq = name.rpartition(":")
    [found] = [
        e
        for e in s.app.recorder.select_events(UUID(stream))
        if e.originator_version == int(seq)
    ]
    data: dict[str, Any] = json.loads(found.state)["data"]
    return data


@pytest.fixture
def marked(store: Store) -> Marked:
    return marked_school(store)


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def ivanov_q1(s: SmallSchool) -> str:
    return f"{subject_record_id(s.pupils[0], 'math', YEAR)}:1"


def second_lesson_mark(s: SmallSchool) -> str:
    """Иванов's mark of 2 October (already corrected once, to «5»)."""
    stream = lesson_id(s.klass("9А"), "math", None, date(2024, 10, 2), 1)
    return f"{stream}:2"


def close_q1(s: SmallSchool, by: str = "deputy") -> str:
    s.clock.set(CLOSED_ON)
    return s.records.closing.close_period(
        year=YEAR, period="Q1", class_id=s.klass("9А"), signed_by=s.signing(by)
    )


# -- period grades -------------------------------------------------------------------


def test_a_period_grade_is_corrected_and_both_values_are_shown(marked: Marked) -> None:
    s = marked.s
    s.clock.set(date(2024, 10, 28))
    name = s.records.attestation.correct_period_grade(
        pupil=s.pupils[0],
        subject="math",
        year=YEAR,
        corrects=ivanov_q1(s),
        grade="4",
        reason="ошибка при выставлении",
        signed_by=s.signing("maths"),
    )

    record = s.records.context.view(
        SubjectRecord, subject_record_id(s.pupils[0], "math", YEAR)
    )
    assert record is not None
    assert record.grades["Q1"] == "4"
    assert stored_event(s, ivanov_q1(s))["grade"] == "5"  # the original stays
    assert stored_event(s, name)["corrects"] == ivanov_q1(s)
    summary = report(s, "summary", **{"class": "9А"})
    ivanov = statement(summary)[0]
    assert (ivanov[NAME], ivanov["Математика: I ч."]) == (IVANOV, "4¹")
    [history] = table(summary, "Исправления")
    assert history[:7] == [
        "1",
        IVANOV,
        "Математика, I четверть",
        "5",
        "4",
        "ошибка при выставлении",
        "—",
    ]
    assert history[-2:] == [name, ivanov_q1(s)]
    page = report(s, "journal", **{"class": "9А", "subject": "math", "period": "Q1"})
    assert table(page, "Отметки и посещаемость")[0][-1] == "4 (исправлено, было 5)"


def test_a_period_grade_is_recorded_once(marked: Marked) -> None:
    s = marked.s
    rejected(
        s,
        AlreadyRecordedError,
        r"the Q1 grade of this pupil and subject is recorded already",
        lambda: s.records.attestation.record_period_grades(
            class_id=s.klass("9А"),
            subject="math",
            period="Q1",
            grades={s.pupils[0]: "4"},
            signed_by=s.signing("maths"),
        ),
    )


@pytest.mark.parametrize(
    ("corrects", "grade", "reason", "error", "match"),
    [
        ("wrong-seq", "4", "описка", CorrectionError, r"is not a period or year grade"),
        ("same", "5", "описка", CorrectionError, r"must change the value \(now '5'\)"),
        ("same", "4", " ", CorrectionError, r"and give the reason"),
        ("same", "7", "описка", Exception, r"not on the school's scale"),
    ],
    ids=["names-no-grade", "unchanged", "no-reason", "off-scale"],
)
def test_period_grade_corrections_are_refused(
    marked: Marked,
    corrects: str,
    grade: str,
    reason: str,
    error: type[Exception],
    match: str,
) -> None:
    s = marked.s
    name = ivanov_q1(s) if corrects == "same" else ivanov_q1(s)[:-1] + "9"
    rejected(
        s,
        error,
        match,
        lambda: s.records.attestation.correct_period_grade(
            pupil=s.pupils[0],
            subject="math",
            year=YEAR,
            corrects=name,
            grade=grade,
            reason=reason,
            signed_by=s.signing("maths"),
        ),
    )


# -- closing -------------------------------------------------------------------------


def test_after_closing_marks_and_grades_change_only_with_an_order(
    marked: Marked,
) -> None:
    s = marked.s
    closed = close_q1(s)
    late_lesson = lesson(s, MarkInput(s.pupils[0], "5", WORK), day=date(2024, 10, 7))
    rejected(
        s,
        PeriodClosedError,
        rf"9А math on 07.10.2024 is in a closed period \(Q1, closed by {closed}\); "
        r"after closing it changes only as a correction by the deputy director",
        lambda: s.records.journal.record_lessons(
            [late_lesson], signed_by=s.signing("maths")
        ),
    )

    def correct_mark(signer: str, order: Protocol | None) -> str:
        return s.records.journal.correct_mark(
            second_lesson_mark(s),
            mark="4",
            reason="пересмотр",
            order=order,
            signed_by=s.signing(signer),
        )

    for signer, order in (("maths", ORDER), ("deputy", None)):
        rejected(
            s,
            PeriodClosedError,
            r"citing an order",
            lambda: correct_mark(signer, order),  # noqa: B023 (called at once)
        )
    rejected(
        s,
        PeriodClosedError,
        r"the Q1 grade .* is in a closed period",
        lambda: s.records.attestation.correct_period_grade(
            pupil=s.pupils[0],
            subject="math",
            year=YEAR,
            corrects=ivanov_q1(s),
            grade="4",
            reason="пересмотр",
            signed_by=s.signing("maths"),
        ),
    )

    s.records.journal.correct_mark(
        second_lesson_mark(s),
        mark="4",
        reason="работа перепроверена",
        order=ORDER,
        signed_by=s.signing("deputy"),
    )
    s.records.attestation.correct_period_grade(
        pupil=s.pupils[0],
        subject="math",
        year=YEAR,
        corrects=ivanov_q1(s),
        grade="4",
        reason="работа перепроверена",
        order=ORDER,
        signed_by=s.signing("director"),
    )

    changes = report(s, "changes", **{"class": "9А"}, month="2024-10")
    after = table(changes, "Октябрь 2024: изменения после закрытия периода")
    assert [row[4:6] for row in after] == [["5", "4"], ["5", "4"]]
    assert all(f"закрыто: {closed}" in row[7] for row in after)
    assert all("приказ от 29.10.2024 № 45-о" in row[7] for row in after)


def test_closing_is_the_deputys_after_the_period_and_once(school: SmallSchool) -> None:
    s = school
    s.clock.set(date(2024, 10, 20))
    rejected(
        s,
        PeriodNotClosedError,
        r"period Q1 of 2024/2025 ends on 25.10.2024; it is closed after its last day",
        lambda: s.records.closing.close_period(
            year=YEAR,
            period="Q1",
            class_id=s.klass("9А"),
            signed_by=s.signing("deputy"),
        ),
    )
    s.clock.set(CLOSED_ON)
    rejected(
        s,
        AuthorityError,
        r"closed by the deputy director or the director",
        lambda: close_q1(s, by="maths"),
    )
    s.records.closing.close_period(
        year=YEAR, period="Q1", signed_by=s.signing("deputy")
    )
    rejected(
        s,
        AlreadyRecordedError,
        r"period Q1 is closed already for this scope",
        lambda: close_q1(s),
    )


def test_no_period_grade_after_closing(school: SmallSchool) -> None:
    s = school
    close_q1(s)
    rejected(
        s,
        PeriodClosedError,
        r"the Q1 grade of 9А hist is in a closed period",
        lambda: s.records.attestation.record_period_grades(
            class_id=s.klass("9А"),
            subject="hist",
            period="Q1",
            grades={s.pupils[0]: "5"},
            signed_by=s.signing("history"),
        ),
    )


# -- calendar and late entries -------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "day", "match"),
    [
        (date(2024, 10, 7), date(2024, 10, 6), r"06.10.2024 .*: it is a Sunday"),
        (
            date(2024, 11, 5),
            date(2024, 10, 28),
            r"28.10.2024 .*: it falls in «осенние» \(26.10.2024–04.11.2024\)",
        ),
        (
            date(2025, 1, 10),
            date(2025, 1, 1),
            r"01.01.2025 is not a school day of 2024/2025: it falls in «зимние»",
        ),
    ],
    ids=["sunday", "vacation", "new-year"],
)
def test_a_lesson_on_a_day_without_lessons_is_refused(
    school: SmallSchool, today: date, day: date, match: str
) -> None:
    school.clock.set(today)
    rejected(
        school,
        NotSchoolDayError,
        match,
        lambda: school.records.journal.record_lessons(
            [lesson(school, day=day)], signed_by=school.signing("maths")
        ),
    )


def test_a_late_entry_is_flagged_and_listed(school: SmallSchool) -> None:
    s = school
    s.clock.set(date(2024, 10, 2))
    s.records.journal.record_lessons(
        [lesson(s, MarkInput(s.pupils[1], "4", WORK), day=date(2024, 10, 2))],
        signed_by=s.signing("maths"),
    )
    s.clock.set(date(2024, 10, 3))
    s.records.journal.record_lessons(
        [lesson(s, MarkInput(s.pupils[0], "5", WORK), day=date(2024, 10, 1))],
        signed_by=s.signing("maths"),
    )

    page = report(s, "journal", **{"class": "9А", "subject": "math", "period": "Q1"})
    grid = table(page, "Отметки и посещаемость")
    assert grid[0][2:4] == ["5*", ""]  # Иванов, 1 October: entered on the 3rd
    assert grid[2][2:4] == ["", "4"]  # Смирнова, 2 October: on the day
    changes = report(s, "changes", **{"class": "9А"})
    late = table(changes, "Октябрь 2024: записи, внесенные позже срока")
    assert [(row[0], row[2], row[3], row[5]) for row in late] == [
        ("01.10.2024", "—", "урок: Квадратные уравнения", "2"),
        ("01.10.2024", IVANOV, "отметка 5 (ответ на уроке)", "2"),
    ]


# -- attestation results, retakes, exams ---------------------------------------------


def failed_history(s: SmallSchool) -> str:
    s.clock.set(date(2025, 5, 15))
    [name] = s.records.attestation.record_intermediate_attestation(
        class_id=s.klass("9А"),
        subject="hist",
        form="контрольная работа",
        protocol=Protocol("3", date(2025, 5, 15)),
        results={s.pupils[0]: "2"},
        signed_by=s.signing("history"),
    )
    return name


def test_an_attestation_result_is_corrected_with_the_directors_cosignature(
    school: SmallSchool,
) -> None:
    s = school
    failed = failed_history(s)
    s.clock.set(date(2025, 5, 16))

    def correct(*signers: str) -> str:
        return s.records.attestation.correct_attestation_result(
            pupil=s.pupils[0],
            subject="hist",
            year=YEAR,
            corrects=failed,
            result="3",
            reason="ошибка подсчета баллов",
            protocol=Protocol("3-и", date(2025, 5, 16)),
            signed_by=s.signing(*signers),
        )

    rejected(
        s,
        PolicyError,
        r"AttestationResultCorrected needs a co-signature by the director",
        lambda: correct("history"),
    )
    correct("history", "director")

    record = s.records.context.view(
        SubjectRecord, subject_record_id(s.pupils[0], "hist", YEAR)
    )
    assert record is not None
    assert not record.has_debt
    assert stored_event(s, failed)["result"] == "2"
    protocol = report(s, "attestation-protocol", **{"class": "9А"}, subject="hist")
    assert table(protocol, "История")[0][3] == "3¹"
    assert table(protocol, "Исправления")[0][3:5] == ["2", "3"]


def test_a_retake_outside_a_year_of_the_debt_is_refused(school: SmallSchool) -> None:
    s = school
    failed = failed_history(s)
    s.clock.set(date(2026, 5, 18))
    rejected(
        s,
        RetakeError,
        r"a retake of 18.05.2026 is outside the year the academic debt may be "
        r"cleared in: from 15.05.2025 .* to 15.05.2026 \(273-ФЗ art. 58 p. 5\)",
        lambda: s.records.attestation.record_retake(
            pupil=s.pupils[0],
            subject="hist",
            year=YEAR,
            retakes=failed,
            result="3",
            protocol=Protocol("r", date(2026, 5, 18)),
            signed_by=s.signing("history"),
        ),
    )


def test_an_exam_result_is_changed_on_appeal(school: SmallSchool) -> None:
    s = school
    pupil = s.pupils[0]
    admit(s, pupil)
    pass_exams(s, pupil, ("4", "5"))
    rus = f"{exam_sheet_id(pupil, YEAR)}:1"
    s.clock.set(date(2025, 6, 16))

    def appeal(on: date) -> str:
        return s.records.attestation.appeal_exam_result(
            pupil=pupil,
            year=YEAR,
            corrects=rus,
            primary_score=33,
            score=None,
            mark="5",
            passed=True,
            protocol=Protocol("РЦОИ-апелляция", on),
            reason="апелляция о несогласии с баллами удовлетворена",
            signed_by=s.signing("importer"),
        )

    rejected(
        s,
        InvalidRecordError,
        r"the appeal's protocol of 09.06.2025 is dated before the result's own",
        lambda: appeal(date(2025, 6, 9)),
    )
    appeal(date(2025, 6, 16))

    sheet = s.records.context.view(ExamSheet, exam_sheet_id(pupil, YEAR))
    assert sheet is not None
    assert sheet.latest()["rus"].mark == "5"
    assert stored_event(s, rus)["mark"] == "4"
    exams = report(s, "exam-protocol", **{"class": "9А"})
    rows = table(exams, "Результаты государственной итоговой аттестации")
    assert rows[0][6] == "5¹"
    assert table(exams, "Апелляции")[0][3:5] == ["4", "5"]


# -- final grades and council decisions ----------------------------------------------


def test_a_final_grade_is_recorded_once_and_corrected_with_the_director(
    school: SmallSchool,
) -> None:
    s = school
    pupil = s.pupils[0]
    graduate(s, pupil)
    record = s.records.context.view(FinalGrades, final_grades_id(pupil, "basic"))
    assert record is not None
    hist = f"{record.id}:{record.recorded['hist']}"
    rejected(
        s,
        AlreadyRecordedError,
        r"the final grade in hist is recorded already .* corrected by naming it",
        lambda: s.records.attestation.record_final_grades(
            pupil=pupil,
            level=Level.BASIC,
            grades={"hist": "4"},
            signed_by=s.signing("maths"),
        ),
    )

    def correct(*signers: str) -> str:
        return s.records.attestation.correct_final_grade(
            pupil=pupil,
            level=Level.BASIC,
            corrects=hist,
            grade="4",
            reason="ошибка при переносе годовой отметки",
            signed_by=s.signing(*signers),
        )

    rejected(
        s,
        PolicyError,
        r"FinalGradeCorrected needs a co-signature by the director",
        lambda: correct("maths"),
    )
    correct("maths", "director")

    current = s.records.context.view(FinalGrades, final_grades_id(pupil, "basic"))
    assert current is not None
    assert current.grades == {**ALL_FIVES, "hist": "4"}
    assert stored_event(s, hist)["grade"] == "5"
    summary = report(s, "summary", **{"class": "9А"})
    ivanov = statement(summary)[0]
    assert ivanov[NAME] == IVANOV
    assert ivanov["История: итоговая"] == "4¹"


def test_a_council_decision_is_corrected_by_a_later_protocol(
    school: SmallSchool,
) -> None:
    s = school
    pupil = s.pupils[0]
    graduate(s, pupil)
    stream = council_record_id(pupil, YEAR)
    attestat = f"{stream}:2"
    s.clock.set(date(2025, 6, 21))

    def correct(protocol: Protocol, *signers: str) -> str:
        return s.records.council.correct_decision(
            attestat,
            protocol,
            DecisionInput(pupil, DecisionKind.ATTESTAT_BASIC, with_honours=True),
            reason="в протоколе пропущено «с отличием»",
            signed_by=s.signing(*signers),
        )

    rejected(
        s,
        InvalidRecordError,
        r"the correcting protocol .* is older than the decision's",
        lambda: correct(Protocol("8", date(2025, 6, 19)), "deputy", "director"),
    )
    rejected(
        s,
        PolicyError,
        r"CouncilDecisionCorrected needs a co-signature by the director",
        lambda: correct(Protocol("10", date(2025, 6, 21)), "deputy"),
    )
    correct(Protocol("10", date(2025, 6, 21)), "deputy", "director")

    record = s.records.context.view(CouncilRecord, stream)
    assert record is not None
    found = record.find(DecisionKind.ATTESTAT_BASIC)
    assert found is not None
    assert found.with_honours
    assert stored_event(s, attestat)["with_honours"] is False
    summary = report(s, "summary", **{"class": "9А"})
    assert "с отличием, протокол от 21.06.2025 № 10¹" in statement(summary)[0][DECISION]
