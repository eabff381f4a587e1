"""The records aggregates on their own: no store, explicit times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.attestat import (
    AttestatBook,
    Blank,
    BlankKind,
    Graduate,
    Person,
    Recipient,
)
from ledger.domain.attestation import Protocol, SubjectRecord
from ledger.domain.decisions import Decision, DecisionKind
from ledger.domain.errors import (
    BlankError,
    CorrectionError,
    DuplicateOfUnknownError,
    InvalidRecordError,
    NotEnrolledError,
    RegistrationNumberError,
    RetakeError,
)
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.honours import GraduateResults
from ledger.domain.journal import AbsenceKind, Lesson, check_corrector
from ledger.domain.people import LeaveReason, MoveReason, PersonalFile
from ledger.domain.school import Level
from ledger.records.people import next_free

AT = datetime(2024, 10, 1, 12, tzinfo=UTC)
TEACHER, DEPUTY = uuid4(), uuid4()
PUPIL = uuid4()
POLICY = GradingPolicy(
    effective_from=date(2024, 9, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=(WorkType("ответ", 1), WorkType("контрольная", 3)),
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)


def lesson() -> Lesson:
    return Lesson.hold(
        class_id=uuid4(),
        subject="math",
        subgroup=None,
        day=date(2024, 10, 1),
        number=1,
        topic="Дроби",
        homework="",
        teacher=TEACHER,
        substitute=False,
        at=AT,
    )


def test_a_correction_replaces_the_mark_and_a_void_removes_it() -> None:
    held = lesson()
    first = held.record_mark(
        pupil=PUPIL, mark="3", work_type="ответ", weight=1, teacher=TEACHER, at=AT
    )
    second = held.record_mark(
        pupil=PUPIL, mark="5", work_type="контрольная", weight=3, teacher=TEACHER, at=AT
    )
    held.correct(corrects=first, mark="4", reason="описка", by=TEACHER, at=AT)
    assert held.marks_of(PUPIL) == [("4", 1), ("5", 3)]
    held.void(voids=second, reason="не тот ученик", by=TEACHER, at=AT)
    assert held.marks_of(PUPIL) == [("4", 1)]
    with pytest.raises(CorrectionError, match="was voided"):
        held.correct(corrects=second, mark="4", reason="x", by=TEACHER, at=AT)


def test_an_absence_can_be_voided_but_not_corrected() -> None:
    held = lesson()
    absence = held.record_absence(
        pupil=PUPIL, kind=AbsenceKind.ILL, teacher=TEACHER, at=AT
    )
    with pytest.raises(CorrectionError, match="is not a mark of this lesson"):
        held.correct(corrects=absence, mark="5", reason="x", by=TEACHER, at=AT)
    held.void(voids=absence, reason="присутствовал", by=TEACHER, at=AT)
    assert held.entries[2].voided


def test_an_entry_of_another_stream_is_refused() -> None:
    held = lesson()
    with pytest.raises(InvalidRecordError, match="is not an event of stream"):
        held.void(voids=f"{uuid4()}:2", reason="x", by=TEACHER, at=AT)


def test_only_the_author_or_the_deputy_may_correct() -> None:
    held = lesson()
    name = held.record_mark(
        pupil=PUPIL, mark="3", work_type="ответ", weight=1, teacher=TEACHER, at=AT
    )
    entry = held.live_entry(name, ("mark",))
    check_corrector(entry, name, TEACHER, is_deputy=False)
    check_corrector(entry, name, DEPUTY, is_deputy=True)
    with pytest.raises(Exception, match="only its author or the deputy director"):
        check_corrector(entry, name, uuid4(), is_deputy=False)


def _record(*results: tuple[str, bool]) -> tuple[SubjectRecord, list[str]]:
    record = SubjectRecord.open(uuid4())
    names: list[str] = []
    for i, (result, debt) in enumerate(results):
        protocol = Protocol(str(i), date(2025, 5, 15))
        if i == 0:
            name = record.record_attestation(
                pupil=PUPIL,
                subject="hist",
                year="2024/2025",
                class_id=uuid4(),
                form="тест",
                result=result,
                policy=POLICY,
                assessment=Assessment.FIVE_POINT,
                protocol=protocol,
                teacher=TEACHER,
                at=AT,
            )
        else:
            name = record.record_retake(
                retakes=names[-1],
                result=result,
                policy=POLICY,
                assessment=Assessment.FIVE_POINT,
                protocol=protocol,
                commission=(TEACHER, DEPUTY, uuid4()),
                by=TEACHER,
                at=AT,
            )
        assert name == f"{record.id}:{record.version}"
        assert record.results[-1].debt is debt
        names.append(name)
    return record, names


def test_retakes_count_up_to_two() -> None:
    record, names = _record(("2", True), ("2", True))
    assert record.next_attempt(names[-1], (TEACHER, DEPUTY, uuid4())) == 2
    record, names = _record(("2", True), ("2", True), ("2", True))
    with pytest.raises(RetakeError, match="at most 2 retakes"):
        record.next_attempt(names[-1], (TEACHER, DEPUTY, uuid4()))


def test_a_retake_names_the_latest_failed_result() -> None:
    record, names = _record(("2", True), ("2", True))
    with pytest.raises(RetakeError, match="was retaken already"):
        record.next_attempt(names[0], ())
    record, names = _record(("2", True), ("3", False))
    with pytest.raises(RetakeError, match="was not failed"):
        record.next_attempt(names[-1], ())
    assert not record.has_debt


def _issue(book: AttestatBook, n: int, number: str, klass: UUID) -> int:
    pupil = uuid4()
    decision = Decision(
        DecisionKind.ATTESTAT_BASIC,
        Protocol("2", date(2025, 6, 24)),
        with_honours=False,
        medal=None,
        class_id=klass,
    )
    if Blank("09", number).stock_key(BlankKind.TITLE) not in book.received:
        book.receive_blanks(
            kind=BlankKind.TITLE,
            blanks=[Blank("09", number)],
            invoice="акт № 1",
            received_on=date(2025, 6, 1),
            today=date(2025, 6, 27),
            other=AttestatBook.open(uuid4()),
            at=AT,
        )
    return book.issue_attestat(
        graduate=Graduate(
            pupil, decision, GraduateResults(), Person("Б", "В", "Г", "2009-01-01")
        ),
        number=n,
        blank=Blank("09", number),
        received_by=Recipient.GRADUATE,
        class_id=klass,
        class_name="9А",
        year="2024/2025",
        level=Level.BASIC,
        curriculum=(),
        issued_on=date(2025, 6, 27),
        order=Protocol("1", date(2025, 6, 26)),
        other=AttestatBook.open(uuid4()),
        at=AT,
        seal=dict,
    )


def test_the_attestat_book_numbers_through_and_checks_blanks() -> None:
    book = AttestatBook.open(uuid4())
    klass = uuid4()
    for n, number in enumerate(("0000010", "0000011"), start=1):
        assert book.next_number(n) == n
        assert _issue(book, n, number, klass) == n
    with pytest.raises(RegistrationNumberError, match="the next number is 3"):
        book.next_number(5)
    with pytest.raises(BlankError, match="was used already"):
        AttestatBook.open(uuid4()).check_blank_unused(Blank("09", "0000010"), book)
    with pytest.raises(BlankError, match="ascend within a class"):
        book.check_blank_ascending(Blank("09", "0000005"), klass, "9А")
    book.check_blank_ascending(Blank("09", "0000005"), uuid4(), "9Б")
    assert book.original_entry(2)["blank"] == "09 0000011"
    with pytest.raises(DuplicateOfUnknownError, match="it has entries 1–2"):
        book.original_entry(3)


def test_a_blank_is_digits_and_letters_only() -> None:
    with pytest.raises(InvalidRecordError, match="a series of up to 10 letters"):
        Blank("09", "12a")
    with pytest.raises(InvalidRecordError, match="14 digits and no series"):
        Blank.parse("1022400001234")


def _file() -> PersonalFile:
    return PersonalFile.enrol(
        school=uuid4(),
        personal_file="К-1",
        class_id=UUID(int=1),
        class_name="7А",
        on=date(2024, 9, 1),
        order="№ 1",
        enc={},
        at=AT,
    )


def test_a_personal_file_knows_the_class_on_each_day() -> None:
    file = _file()
    file.move(
        class_id=UUID(int=2),
        class_name="7Б",
        on=date(2025, 2, 3),
        reason=MoveReason.PARALLEL,
        basis="приказ",
        at=AT,
    )
    file.leave(
        on=date(2025, 5, 1),
        reason=LeaveReason.TRANSFERRED,
        order="№ 9",
        file_handed_to_guardian=False,
        guardian_request=None,
        at=AT,
    )
    assert [
        file.class_on(d) is not None and file.class_on(d).class_name  # type: ignore[union-attr]
        for d in (
            date(2024, 8, 31),
            date(2024, 12, 1),
            date(2025, 3, 1),
            date(2025, 5, 1),
        )
    ] == [False, "7А", "7Б", False]
    with pytest.raises(NotEnrolledError, match="left the school on 2025-05-01"):
        file.check_in_class(UUID(int=2), "7Б", date(2025, 5, 2))


def test_the_file_goes_to_a_parent_only_on_a_transfer_and_written_request() -> None:
    with pytest.raises(
        InvalidRecordError, match=r"only on a transfer .* written request"
    ):
        _file().leave(
            on=date(2025, 5, 1),
            reason=LeaveReason.GRADUATED,
            order="№ 9",
            file_handed_to_guardian=True,
            guardian_request=date(2025, 4, 1),
            at=AT,
        )
    with pytest.raises(InvalidRecordError, match="written request"):
        _file().leave(
            on=date(2025, 5, 1),
            reason=LeaveReason.TRANSFERRED,
            order="№ 9",
            file_handed_to_guardian=True,
            guardian_request=None,
            at=AT,
        )


def test_personal_file_numbers_follow_the_alphabetical_book() -> None:
    with pytest.raises(InvalidRecordError, match="alphabetical book's form"):
        PersonalFile.enrol(
            school=uuid4(),
            personal_file="K-1",
            class_id=uuid4(),
            class_name="1А",
            on=date(2024, 9, 1),
            order="№ 1",
            enc={},
            at=AT,
        )


@given(st.integers(0, 5000))
def test_the_next_free_number_is_found_by_probing(taken: int) -> None:
    probes: list[int] = []

    def exists(n: int) -> bool:
        probes.append(n)
        return n <= taken

    assert next_free(exists) == taken + 1
    assert len(probes) <= 2 * max(1, taken).bit_length() + 2
