"""The typed commands of the record aggregates whose streams any event may open
(council record, subject record, exam sheet, final grades, attestat book,
portfolio): their rules and events, with no store and explicit times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import CanMutateAggregate

from ledger.domain import (
    academic_year,
    attestat,
    attestation,
    classes,
    decisions,
    exams,
    final_grades,
    journal,
    people,
    portfolio,
)
from ledger.domain import school as school_module
from ledger.domain.attestat import (
    AttestatBook,
    Blank,
    BlankForm,
    BlankKind,
    DuplicateCause,
    Graduate,
    Person,
    Recipient,
    blank_range,
    check_alphabetical,
)
from ledger.domain.attestation import Protocol, SubjectRecord
from ledger.domain.base import (
    ExtendsStream,
    OpensStream,
    Record,
    RecordStream,
    StartsStream,
)
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import CouncilRecord, Decision, DecisionKind, Medal
from ledger.domain.errors import (
    AlphabeticalOrderError,
    AlreadyRecordedError,
    AttestatError,
    BlankError,
    BlankStockError,
    DecisionError,
    DuplicateOfUnknownError,
    ExamAdmissionError,
    HonoursError,
    InvalidRecordError,
    MissingFinalGradesError,
    NoDecisionError,
    PortfolioError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.exams import ExamKind, ExamResult, ExamSheet
from ledger.domain.final_grades import FinalGrades
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.honours import GraduateResults
from ledger.domain.portfolio import (
    AchievementKind,
    AchievementLevel,
    AchievementResult,
    Portfolio,
)
from ledger.domain.school import Level, School, Subject
from ledger.domain.schoolyear import YEAR_PERIOD

AT = datetime(2025, 6, 20, 12, tzinfo=UTC)
TODAY = date(2025, 6, 20)
PUPIL, TEACHER, CLASS = uuid4(), uuid4(), uuid4()
POLICY = GradingPolicy(
    effective_from=date(2024, 9, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=(WorkType("ответ", 1), WorkType("контрольная", 3)),
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)
FIVE = Assessment.FIVE_POINT
PROTOCOL = Protocol("7", date(2025, 6, 18))


def replayed(aggregate: RecordStream) -> Any:
    """The aggregate rebuilt from its pending events, as a store would."""
    rebuilt: Any = None
    for event in aggregate.collect_events():
        rebuilt = event.mutate(rebuilt)
    return rebuilt


def school() -> School:
    made = School.register(
        code="s1", name="Школа № 1", region="77", timezone="Europe/Moscow", at=AT
    )
    made.define_subject(
        Subject("rus", "Русский язык", (5, 6, 7, 8, 9), FIVE, (Level.BASIC,)), at=AT
    )
    made.define_subject(
        Subject("math", "Математика", (5, 6, 7, 8, 9), FIVE, (Level.BASIC,)), at=AT
    )
    made.define_subject(Subject("hist", "История", (5, 6), FIVE, ()), at=AT)
    made.set_grading_policy(POLICY, at=AT)
    return made


# -- opening a stream -------------------------------------------------------------


def test_the_first_command_opens_the_stream_and_the_store_rebuilds_it() -> None:
    stream = uuid4()
    record = CouncilRecord.open(stream)
    assert (record.id, record.version, record.is_open) == (stream, 0, False)
    first = _decide(record, DecisionKind.ADMITTED_TO_STATE_EXAMS, grade=9)
    second = _decide(record, DecisionKind.ATTESTAT_BASIC, grade=9)
    assert (first, second) == (f"{stream}:1", f"{stream}:2")
    assert record.is_open
    assert record.created_on == AT
    events = list(record.pending_events)
    assert [e.originator_version for e in events] == [1, 2]
    assert {e.originator_topic for e in events} == {  # type: ignore[attr-defined]
        "ledger.domain.decisions:CouncilRecord"
    }
    assert replayed(record) == record


def test_an_event_needs_a_time_with_a_timezone() -> None:
    with pytest.raises(InvalidRecordError, match="has no timezone"):
        Portfolio.open(uuid4()).record_achievement(
            pupil=PUPIL,
            kind=AchievementKind.OLYMPIAD,
            title="Олимпиада",
            level=AchievementLevel.SCHOOL,
            result=AchievementResult.WINNER,
            on=TODAY,
            document="диплом",
            today=TODAY,
            by=TEACHER,
            at=datetime(2025, 6, 20, 12),
        )


# -- council decisions --------------------------------------------------------------


def _decide(
    record: CouncilRecord,
    kind: DecisionKind,
    *,
    grade: int,
    debts: tuple[str, ...] = (),
    to_class: str | None = None,
    with_honours: bool = False,
    medal: Medal | None = None,
    results: GraduateResults | None = None,
) -> str:
    return record.record_decision(
        pupil=PUPIL,
        year="2024/2025",
        class_id=CLASS,
        class_name=f"{grade}А",
        grade=grade,
        kind=kind,
        protocol=PROTOCOL,
        to_class=to_class,
        debts=debts,
        with_honours=with_honours,
        medal=medal,
        note="",
        school=school(),
        results=results or GraduateResults(),
        at=AT,
    )


def test_a_decision_fits_the_grade_and_is_taken_once_a_year() -> None:
    record = CouncilRecord.open(uuid4())
    with pytest.raises(DecisionError, match="is not taken in grade 7"):
        _decide(record, DecisionKind.ATTESTAT_BASIC, grade=7)
    with pytest.raises(DecisionError, match="exactly for a conditional promotion"):
        _decide(record, DecisionKind.PROMOTED, grade=7, to_class="8А", debts=("rus",))
    with pytest.raises(UnknownRecordError):
        _decide(
            record,
            DecisionKind.PROMOTED_CONDITIONALLY,
            grade=7,
            to_class="8А",
            debts=("chem",),
        )
    assert not record.is_open  # nothing of a refused command is kept
    _decide(record, DecisionKind.PROMOTED, grade=7, to_class="8А")
    with pytest.raises(AlreadyRecordedError, match="recorded once a year"):
        _decide(record, DecisionKind.PROMOTED, grade=7, to_class="8Б")
    assert record.version == 1


def test_honours_are_decided_only_when_the_results_meet_the_criteria() -> None:
    record = CouncilRecord.open(uuid4())
    fours = GraduateResults({"rus": "4", "math": "5"}, {})
    with pytest.raises(HonoursError):
        _decide(
            record,
            DecisionKind.ATTESTAT_BASIC,
            grade=9,
            with_honours=True,
            results=fours,
        )
    exams = {
        s: ExamResult(ExamKind.OGE, s, date(2025, 6, 1), 30, None, "5", passed=True)
        for s in ("rus", "math")
    }
    fives = GraduateResults({"rus": "5", "math": "5"}, exams)
    _decide(
        record, DecisionKind.ATTESTAT_BASIC, grade=9, with_honours=True, results=fives
    )
    decision = record.find(DecisionKind.ATTESTAT_BASIC)
    assert decision is not None
    assert decision.with_honours


# -- subject records ----------------------------------------------------------------


def _period(record: SubjectRecord, period: str, grade: str, **more: Any) -> str:
    fields: dict[str, Any] = {"marks": (), "periods": ("q1", "q2", "q3", "q4")}
    fields.update(more)
    return record.record_period_grade(
        pupil=PUPIL,
        subject="hist",
        year="2024/2025",
        class_id=CLASS,
        period=period,
        grade=grade,
        policy=POLICY,
        assessment=FIVE,
        teacher=TEACHER,
        at=AT,
        **fields,
    )


def test_a_period_grade_is_recorded_once_beside_the_suggested_grade() -> None:
    record = SubjectRecord.open(uuid4())
    with pytest.raises(ScaleError, match="allowed: 5, 4, 3, 2, н/а"):
        _period(record, "q1", "6")
    _period(record, "q1", "4", marks=[("5", 1), ("4", 3), ("5", 1)])
    event: Any = record.pending_events[-1]
    assert (event.average, event.suggested, event.marks_counted) == (
        Decimal("4.40"),
        "4",
        3,
    )
    with pytest.raises(AlreadyRecordedError, match="recorded once per period"):
        _period(record, "q1", "5")
    _period(record, "q2", "5")
    _period(record, YEAR_PERIOD, "5")
    year: Any = record.pending_events[-1]
    assert (year.average, year.suggested, year.marks_counted) == (
        Decimal("4.50"),
        "4",
        2,
    )
    assert record.grades == {"q1": "4", "q2": "5", YEAR_PERIOD: "5"}


def test_an_attestation_is_recorded_once_and_a_failed_one_leaves_a_debt() -> None:
    record = SubjectRecord.open(uuid4())
    fields: dict[str, Any] = {
        "pupil": PUPIL,
        "subject": "hist",
        "year": "2024/2025",
        "class_id": CLASS,
        "form": "тест",
        "policy": POLICY,
        "assessment": FIVE,
        "protocol": PROTOCOL,
        "teacher": TEACHER,
        "at": AT,
    }
    failed = record.record_attestation(result="2", **fields)
    assert record.has_debt
    with pytest.raises(AlreadyRecordedError, match="retaken, not recorded again"):
        record.record_attestation(result="4", **fields)
    with pytest.raises(ScaleError):
        record.record_retake(
            retakes=failed,
            result="7",
            policy=POLICY,
            assessment=FIVE,
            protocol=PROTOCOL,
            commission=(),
            by=TEACHER,
            at=AT,
        )
    record.record_retake(
        retakes=failed,
        result="3",
        policy=POLICY,
        assessment=FIVE,
        protocol=PROTOCOL,
        commission=(),
        by=TEACHER,
        at=AT,
    )
    assert not record.has_debt
    assert replayed(record) == record


# -- exam sheets and final grades -----------------------------------------------------


def test_an_exam_result_is_of_an_admitted_pupil_with_what_its_form_produces() -> None:
    sheet = ExamSheet.open(uuid4())

    def imported(
        result: ExamResult, protocol: Protocol = PROTOCOL, *, admitted: bool = True
    ) -> str:
        return sheet.import_result(
            pupil=PUPIL,
            year="2024/2025",
            result=result,
            protocol=protocol,
            centre="РЦОИ",
            admitted=admitted,
            today=TODAY,
            at=AT,
        )

    ege = ExamResult(ExamKind.EGE, "rus", date(2025, 6, 1), 40, None, None, True)
    with pytest.raises(InvalidRecordError, match="needs a primary and a test score"):
        imported(ege)
    scored = ExamResult(ExamKind.EGE, "rus", date(2025, 6, 1), 40, 72, None, True)
    with pytest.raises(ExamAdmissionError, match="not admitted to state exams"):
        imported(scored, admitted=False)
    with pytest.raises(InvalidRecordError, match="not after today"):
        imported(scored, Protocol("9", date(2025, 7, 1)))
    with pytest.raises(InvalidRecordError, match="dated before the exam"):
        imported(scored, Protocol("9", date(2025, 5, 30)))
    imported(scored)
    retaken = ExamResult(ExamKind.EGE, "rus", date(2025, 6, 10), 50, 80, None, True)
    imported(retaken)
    assert sheet.latest() == {"rus": retaken}


def test_a_final_grade_is_of_the_curriculum_on_the_scale_and_not_na() -> None:
    record = FinalGrades.open(uuid4())

    def grade(subject: str, value: str) -> str:
        return record.record_grade(
            pupil=PUPIL,
            level=Level.BASIC,
            subject=subject,
            grade=value,
            school=school(),
            on=TODAY,
            year="2024/2025",
            class_id=CLASS,
            basis="",
            at=AT,
        )

    with pytest.raises(UnknownRecordError, match="it has: math, rus"):
        grade("hist", "5")
    with pytest.raises(ScaleError, match="not «н/а»"):
        grade("rus", "н/а")
    first = grade("rus", "4")
    with pytest.raises(AlreadyRecordedError, match="recorded once and corrected"):
        grade("rus", "5")  # once; a correction names it
    record.correct_grade(
        corrects=first,
        grade="5",
        reason="ошибка при переносе из ведомости",
        pupil=PUPIL,
        level=Level.BASIC,
        school=school(),
        on=TODAY,
        by=PUPIL,
        at=AT,
    )
    assert record.grades == {"rus": "5"}


# -- the attestat book ----------------------------------------------------------------

PERSON = Person("Иванов", "Иван", "Иванович", "2009-05-01")


def _seal(fields: dict[str, str]) -> dict[str, str]:
    """Stands in for the data key store's seal (the domain only passes it on)."""
    return {"sealed": ";".join(f"{k}={v}" for k, v in sorted(fields.items()))}


def _graduate(
    decision_class: UUID | None = CLASS, grades: dict[str, str] | None = None
) -> Graduate:
    decision = (
        None
        if decision_class is None
        else Decision(
            DecisionKind.ATTESTAT_BASIC,
            PROTOCOL,
            with_honours=False,
            medal=None,
            class_id=decision_class,
        )
    )
    found = {"rus": "4", "math": "5"} if grades is None else grades
    return Graduate(uuid4(), decision, GraduateResults(found, {}), PERSON)


def _stock(
    book: AttestatBook, *numbers: str, kind: BlankKind = BlankKind.TITLE
) -> None:
    book.receive_blanks(
        kind=kind,
        blanks=[Blank.parse(n) for n in numbers],
        invoice="накладная № 5 от 01.06.2025",
        received_on=TODAY,
        today=TODAY,
        other=AttestatBook.open(uuid4()),
        at=AT,
    )


def _issue(
    book: AttestatBook, graduate: Graduate, blank: str, other: AttestatBook, **more: Any
) -> int:
    return book.issue_attestat(
        graduate=graduate,
        number=None,
        blank=Blank.parse(blank),
        received_by=more.pop("received_by", Recipient.GRADUATE),
        class_id=CLASS,
        class_name="9А",
        year="2024/2025",
        level=Level.BASIC,
        curriculum=school().curriculum(Level.BASIC),
        issued_on=TODAY,
        order=PROTOCOL,
        other=other,
        at=AT,
        seal=_seal,
        **more,
    )


def test_an_attestat_needs_the_decision_and_every_final_grade() -> None:
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    _stock(book, "09 100", "09 101", "09 102")
    with pytest.raises(NoDecisionError, match="no teachers' council decision"):
        _issue(book, _graduate(None), "09 100", other)
    with pytest.raises(NoDecisionError):
        _issue(book, _graduate(uuid4()), "09 100", other)  # decided in another class
    with pytest.raises(MissingFinalGradesError, match="no final grade in math"):
        _issue(book, _graduate(grades={"rus": "5"}), "09 100", other)
    graduate = _graduate()
    assert _issue(book, graduate, "09 100", other) == 1
    event: Any = book.pending_events[-1]
    assert [(g.subject, g.grade) for g in event.final_grades] == [
        ("rus", "4"),
        ("math", "5"),
    ]
    assert "surname=Иванов" in event.enc["sealed"]
    assert "birth_date=2009-05-01" in event.enc["sealed"]
    with pytest.raises(AlreadyRecordedError, match="replaced by a duplicate"):
        _issue(book, graduate, "09 101", other)
    book.spoil_blank(blank=Blank("09", "101"), reason="опечатка", other=other, at=AT)
    with pytest.raises(BlankError, match="spoiled"):
        _issue(book, _graduate(), "09 101", other)
    assert _issue(book, _graduate(), "09 102", other) == 2


def test_a_current_form_blank_of_14_digits_is_accepted() -> None:
    blank = Blank.parse("10224000012345")
    assert (blank.series, blank.form, blank.key) == (
        "",
        BlankForm.CURRENT,
        blank.number,
    )
    assert Blank.parse("09 0000123").form is BlankForm.OLDER
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    _stock(book, "10224000012345", "10224000012346")
    _stock(book, "10225000000001", kind=BlankKind.SUPPLEMENT)
    supplement = Blank.current("10225000000001")
    assert _issue(book, _graduate(), "10224000012345", other, supplement=supplement)
    event: Any = book.pending_events[-1]
    assert event.blank == blank
    assert event.supplement == supplement
    with pytest.raises(BlankError, match="was used already"):
        _issue(book, _graduate(), "10224000012346", other, supplement=supplement)


@pytest.mark.parametrize(
    ("series", "number"),
    [
        ("", "1022400001234"),
        ("", "102240000123456"),
        ("09", "10224000012345"),
        ("", "0922 0000123"),
        ("09", "12a"),
        ("0-9", "1"),
    ],
)
def test_a_malformed_blank_names_the_allowed_forms(series: str, number: str) -> None:
    with pytest.raises(InvalidRecordError, match="14 digits and no series") as e:
        Blank(series, number)
    assert "a series of up to 10 letters or digits" in str(e.value)


def test_a_blank_not_received_or_received_twice_is_refused() -> None:
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    with pytest.raises(BlankStockError, match="none on hand"):
        _issue(book, _graduate(), "10224000012345", other)
    _stock(book, "10224000012345")
    with pytest.raises(BlankStockError, match="supplement blank 10224000099999"):
        _issue(
            book,
            _graduate(),
            "10224000012345",
            other,
            supplement=Blank.current("10224000099999"),
        )
    with pytest.raises(BlankStockError, match="received already"):
        _stock(book, "10224000012345")
    with pytest.raises(BlankStockError, match="twice"):
        _stock(book, "10224000000001", "10224000000001")
    with pytest.raises(BlankStockError, match="was not received"):
        book.spoil_blank(blank=Blank("09", "5"), reason="x", other=other, at=AT)
    assert book.on_hand(BlankKind.TITLE) == ["10224000012345"]
    assert (
        len(
            blank_range(
                Blank.current("10224000000010"), Blank.current("10224000000019")
            )
        )
        == 10
    )


def test_the_recipient_is_named_when_not_the_graduate() -> None:
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    _stock(book, "09 100")
    with pytest.raises(InvalidRecordError, match="give recipient_name"):
        _issue(book, _graduate(), "09 100", other, received_by=Recipient.GUARDIAN)
    with pytest.raises(InvalidRecordError, match="give proxy_document"):
        _issue(
            book,
            _graduate(),
            "09 100",
            other,
            received_by=Recipient.PROXY,
            recipient_name="Петров Пётр Петрович",
        )
    _issue(
        book,
        _graduate(),
        "09 100",
        other,
        received_by=Recipient.PROXY,
        recipient_name="Петров Пётр Петрович",
        proxy_document="доверенность № 12 от 20.06.2025",
    )
    sealed = book.pending_events[-1].enc["sealed"]  # type: ignore[attr-defined]
    assert "proxy_document=доверенность № 12" in sealed


def test_a_class_is_listed_alphabetically_and_late_entries_need_a_reason() -> None:
    def person(surname: str) -> Person:
        return Person(surname, "Анна", "", "2009-01-01")

    a, b, c = uuid4(), uuid4(), uuid4()
    check_alphabetical("9А", [(a, person("Абрамова")), (b, person("Ёлкина"))], None)
    with pytest.raises(AlphabeticalOrderError, match=f"pupil {b} sorts before"):
        check_alphabetical("9А", [(a, person("Ёлкина")), (b, person("Егорова"))], None)
    with pytest.raises(AlphabeticalOrderError, match="late_reason"):
        check_alphabetical("9А", [(c, person("Белова"))], person("Ёлкина"))
    check_alphabetical(
        "9А", [(c, person("Белова"))], person("Ёлкина"), late_reason="ГИА в сентябре"
    )
    check_alphabetical("9А", [(c, person("Жукова"))], person("Ёлкина"))


def test_a_class_is_certified_once_per_batch_of_entries() -> None:
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    _stock(book, "09 100", "09 101")

    def certify() -> tuple[int, ...]:
        return book.certify_class(
            class_id=CLASS,
            class_name="9А",
            year="2024/2025",
            certified_on=TODAY,
            class_teacher=TEACHER,
            director=PUPIL,
            at=AT,
        )

    with pytest.raises(AttestatError, match="no uncertified entries"):
        certify()
    _issue(book, _graduate(), "09 100", other)
    assert certify() == (1,)
    with pytest.raises(AttestatError, match="no uncertified entries"):
        certify()
    _issue(book, _graduate(), "09 101", other, late_reason="ГИА в сентябре")
    assert certify() == (2,)


def test_duplicates_corrections_and_spoiled_blanks_follow_the_book() -> None:
    book, other = AttestatBook.open(uuid4()), AttestatBook.open(uuid4())
    _stock(book, "09 100", "09 200", "09 201", "09 202")

    def duplicate(
        original: int, blank: str, reason: str = "утерян", **more: Any
    ) -> int:
        return book.issue_duplicate(
            original=original,
            blank=Blank.parse(blank),
            reason=reason,
            order=PROTOCOL,
            issued_on=TODAY,
            received_by=Recipient.GRADUATE,
            today=TODAY,
            other=other,
            at=AT,
            person=PERSON,
            seal=_seal,
            **more,
        )

    with pytest.raises(DuplicateOfUnknownError, match="has no entries yet"):
        duplicate(1, "09 200")
    _issue(book, _graduate(), "09 100", other)
    with pytest.raises(InvalidRecordError, match="needs the reason"):
        duplicate(1, "09 200", reason=" ")
    with pytest.raises(BlankError, match="was used already"):
        duplicate(1, "09 100")
    assert duplicate(1, "09 200") == 2
    lost: Any = book.pending_events[-1]
    assert [(g.subject, g.grade) for g in lost.final_grades] == [
        ("rus", "4"),
        ("math", "5"),
    ]
    with pytest.raises(MissingFinalGradesError, match="missing: math"):
        duplicate(
            1, "09 201", cause=DuplicateCause.ERROR, corrected_grades={"rus": "5"}
        )
    assert (
        duplicate(
            1,
            "09 201",
            reason="ошибка в отметке по русскому языку",
            cause=DuplicateCause.ERROR,
            corrected_grades={"rus": "5", "math": "5"},
        )
        == 3
    )
    fixed: Any = book.pending_events[-1]
    assert [(g.subject, g.grade) for g in fixed.final_grades] == [
        ("rus", "5"),
        ("math", "5"),
    ]
    with pytest.raises(DuplicateOfUnknownError, match="not an attestat entry"):
        duplicate(2, "09 202")
    with pytest.raises(AttestatError, match="cannot be corrected"):
        book.correct_entry(entry=1, field="blank", value="1", reason="x", at=AT)
    with pytest.raises(AttestatError, match="is not a valid issued_on"):
        book.correct_entry(entry=1, field="issued_on", value="вчера", reason="x", at=AT)
    with pytest.raises(InvalidRecordError, match="needs the reason"):
        book.correct_entry(entry=1, field="order", value="№ 8", reason="", at=AT)
    book.correct_entry(entry=1, field="order", value="№ 8", reason="описка", at=AT)
    assert book.entries["1"]["corrected"] == ["order"]
    with pytest.raises(BlankError, match="entry 2"):
        book.spoil_blank(blank=Blank("09", "200"), reason="x", other=other, at=AT)
    rebuilt = replayed(book)
    assert rebuilt == book
    assert rebuilt.last_number == 3


# -- portfolio --------------------------------------------------------------------


def test_an_achievement_is_withdrawn_once_by_name() -> None:
    record = Portfolio.open(uuid4())
    with pytest.raises(PortfolioError, match="nothing to withdraw"):
        record.withdraw(
            achievement=f"{record.id}:1", reason="ошибка", by=TEACHER, at=AT
        )
    name = record.record_achievement(
        pupil=PUPIL,
        kind=AchievementKind.CONTEST,
        title="Конкурс чтецов",
        level=AchievementLevel.MUNICIPAL,
        result=AchievementResult.PRIZE,
        on=TODAY,
        document="грамота",
        today=TODAY,
        by=TEACHER,
        at=AT,
    )
    with pytest.raises(InvalidRecordError, match="needs the reason"):
        record.withdraw(achievement=name, reason=" ", by=TEACHER, at=AT)
    record.withdraw(achievement=name, reason="не тот ученик", by=TEACHER, at=AT)
    with pytest.raises(PortfolioError, match="was withdrawn already"):
        record.withdraw(achievement=name, reason="ещё раз", by=TEACHER, at=AT)
    assert replayed(record) == record


# -- rules on the class ---------------------------------------------------------------


def test_attestats_are_issued_in_grades_9_and_11() -> None:
    def opened(grade: int) -> SchoolClass:
        return SchoolClass.open(
            school=uuid4(),
            year="2024/2025",
            grade=grade,
            letter="А",
            class_teacher=TEACHER,
            at=AT,
        )

    assert opened(9).attestat_level() is Level.BASIC
    assert opened(11).attestat_level() is Level.SECONDARY
    with pytest.raises(AttestatError, match="grades 9 and 11, not in 10А"):
        opened(10).attestat_level()


def test_every_event_of_the_domain_is_a_typed_event() -> None:
    """Each event class derives from a dataclass transform of ``base``, so mypy
    checks the fields where a command builds it (no ``**fields`` path)."""
    modules = (
        academic_year,
        attestat,
        attestation,
        classes,
        decisions,
        exams,
        final_grades,
        journal,
        people,
        portfolio,
        school_module,
    )
    aggregates = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Record)
        and value.__module__ == module.__name__
    ]
    events = {
        (aggregate.__name__, name): event
        for aggregate in aggregates
        for name, event in vars(aggregate).items()
        if isinstance(event, type)
        and issubclass(event, CanMutateAggregate)
        and getattr(event, "TOPIC", None)
    }
    assert len(aggregates) == 12  # docs/domain.md, "Aggregates and streams"
    assert len(events) == 37  # 28 + the book: 2 + issue 13: 5 corrections, 2 closings
    typed = (StartsStream, ExtendsStream, OpensStream)
    assert [k for k, e in events.items() if not issubclass(e, typed)] == []
