"""Records services beyond the single rules: identities sealed, numbering,
collisions between two offices, snapshots of the attestat book, on SQLite and
PostgreSQL. Rejections are checked with the rows before and after."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import pytest

from ledger.application import Signing
from ledger.domain.attestat import AttestatBook, Blank, BlankKind
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import DecisionKind
from ledger.domain.errors import (
    AlreadyRecordedError,
    AttestatError,
    AuthorityError,
    BlankError,
    InvalidRecordError,
    NotEnrolledError,
    PortfolioError,
)
from ledger.domain.ids import attestat_book_id
from ledger.domain.people import LeaveReason
from ledger.domain.portfolio import AchievementKind, AchievementLevel, AchievementResult
from ledger.domain.school import Level
from ledger.errors import PolicyError
from ledger.keys.directory import SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.keys.services import register_signer
from ledger.records.attestats import AttestatRequest
from ledger.records.council import DecisionInput
from ledger.records.journal import LessonInput, MarkInput
from ledger.records.office import SchoolRecords
from ledger.records.people import EnrolmentInput, Identity
from tests.support import rawsql
from tests.support.records import lesson, rejected
from tests.support.school import (
    ISSUED_ON,
    KEYS_FROM,
    WORK,
    SmallSchool,
    build,
    graduate,
    stock_blanks,
)
from tests.support.stores import PASSPHRASE, Store

DAY = date(2024, 10, 1)


@pytest.fixture
def school(store: Store) -> SmallSchool:
    return build(store)


def test_identities_are_sealed_and_personal_files_numbered_by_letter(
    school: SmallSchool,
) -> None:
    newcomers = [
        EnrolmentInput(
            Identity(surname, "Ян", "Олегович", date(2009, 1, 1)),
            school.klass("9А"),
            DAY,
            "№ 20-у",
        )
        for surname in ("Иванов", "Ильин", "Яковлев")
    ]
    pupils = school.records.people.enrol(
        newcomers, signed_by=school.signing("secretary")
    )
    files: list[str] = [school.app.repository.get(p).personal_file for p in pupils]
    assert files == ["И-2", "И-3", "Я-1"]  # «Иванов» of the fixture holds И-1
    states = b"".join(
        row[3] for row in rawsql.rows(school.store.url, school.store.admin_url)
    )
    for clear in ("Иванов", "Ильин", "Яковлев", "Олегович", "2009-01-01"):
        assert clear.encode() not in states
    keys = DataKeyStore.in_key_directory(school.store.keys, PASSPHRASE)
    enc: dict[str, str] = school.app.repository.get(pupils[2]).enc
    assert keys.open(str(pupils[2]), enc)["surname"] == "Яковлев"


def test_a_key_whose_holder_is_not_staff_cannot_make_records(
    school: SmallSchool,
) -> None:
    stranger = SigningKey.generate()
    register_signer(
        school.app,
        school.store.key_directory.log_key(),
        public_key=stranger.public_bytes,
        holder="Петрова А. А.",
        roles=("teacher",),
        valid_from=KEYS_FROM,
    )
    rejected(
        school,
        AuthorityError,
        r"is held by 'Петрова А. А.', who is not a staff member of this school",
        lambda: school.records.journal.record_lessons(
            [lesson(school)], signed_by=Signing(stranger)
        ),
    )


def test_the_same_lesson_from_two_offices_is_recorded_once(school: SmallSchool) -> None:
    other_app = school.store.open(verify_on_read=False)
    other = SchoolRecords(other_app, school.school, clock=school.clock)
    school.records.journal.record_lessons(
        [lesson(school)], signed_by=school.signing("maths")
    )
    message = r"lesson 1 of 9А math on 2024-10-01 is recorded already"
    rejected(
        school,
        AlreadyRecordedError,
        message,
        lambda: other.journal.record_lessons(
            [lesson(school)], signed_by=school.signing("maths")
        ),
    )
    rejected(
        school,
        AlreadyRecordedError,
        message,
        lambda: school.records.journal.record_lessons(
            [lesson(school)], signed_by=school.signing("maths")
        ),
    )
    second = LessonInput(school.klass("9А"), "math", DAY, "Повторение", number=2)
    other.journal.record_lessons([second], signed_by=school.signing("maths"))
    third = LessonInput(school.klass("9А"), "math", DAY, "Повторение", number=4)
    rejected(
        school,
        InvalidRecordError,
        r"lesson 4 .* needs lesson 3 of that day first",
        lambda: school.records.journal.record_lessons(
            [third], signed_by=school.signing("maths")
        ),
    )


def test_a_view_cached_in_one_office_sees_the_other_offices_writes(
    school: SmallSchool,
) -> None:
    other = SchoolRecords(
        school.store.open(verify_on_read=False), school.school, clock=school.clock
    )
    entry = lesson(school, MarkInput(school.pupils[2], "5", WORK))
    school.records.journal.record_lessons(
        [lesson(school, day=date(2024, 9, 30))], signed_by=school.signing("maths")
    )
    other.people.leave(
        school.pupils[2],
        on=date(2024, 9, 30),
        reason=LeaveReason.EXPELLED,
        order="№ 7",
        signed_by=school.signing("secretary"),
    )
    rejected(
        school,
        NotEnrolledError,
        r"left the school on 2024-09-30",
        lambda: school.records.journal.record_lessons(
            [entry], signed_by=school.signing("maths")
        ),
    )


def test_year_grade_shows_the_average_of_the_period_grades(school: SmallSchool) -> None:
    pupil = school.pupils[0]
    for code, grade, day in (
        ("Q1", "5", date(2024, 10, 28)),
        ("Q2", "4", date(2024, 12, 30)),
        ("Q3", "4", date(2025, 3, 24)),
        ("Q4", "4", date(2025, 5, 27)),
    ):
        school.clock.set(day)
        school.records.attestation.record_period_grades(
            class_id=school.klass("9А"),
            subject="math",
            period=code,
            grades={pupil: grade},
            signed_by=school.signing("maths"),
        )
    [name] = school.records.attestation.record_period_grades(
        class_id=school.klass("9А"),
        subject="math",
        period="Y",
        grades={pupil: "5"},
        signed_by=school.signing("maths"),
    )
    state = school.app.recorder.select_events(UUID(name.split(":")[0]))[-1].state
    assert b'"average":"4.25"' in state
    assert b'"suggested":"4"' in state
    assert b'"grade":"5"' in state
    rejected(
        school,
        AlreadyRecordedError,
        r"the Y grade of this pupil and subject is recorded already",
        lambda: school.records.attestation.record_period_grades(
            class_id=school.klass("9А"),
            subject="math",
            period="Y",
            grades={pupil: "4"},
            signed_by=school.signing("maths"),
        ),
    )


def test_book_corrections_are_the_directors_and_name_an_entry(
    school: SmallSchool,
) -> None:
    graduate(school, school.pupils[0])
    stock_blanks(school, "09 0000007")
    school.records.attestats.issue(
        class_id=school.klass("9А"),
        requests=[AttestatRequest(school.pupils[0], Blank("09", "0000007"))],
        order=Protocol("45-о", ISSUED_ON),
        issued_on=ISSUED_ON,
        signed_by=school.signing("maths", "director"),
    )

    def correct(entry: int, field: str, by: str) -> None:
        school.records.attestats.correct_entry(
            level=Level.BASIC,
            entry=entry,
            field=field,
            value="guardian",
            reason="описка",
            signed_by=school.signing(by),
        )

    rejected(
        school,
        AttestatError,
        r"entry 2 is not in this book \(it has entries 1–1\); a correction names",
        lambda: correct(2, "received_by", "director"),
    )
    rejected(
        school,
        AttestatError,
        r"field 'blank' cannot be corrected; allowed: issued_on, order, received_by",
        lambda: correct(1, "blank", "director"),
    )
    rejected(
        school,
        PolicyError,
        r"may not sign attestat.BookEntryCorrected; allowed roles: director",
        lambda: correct(1, "received_by", "deputy"),
    )
    correct(1, "received_by", "director")


def test_the_attestat_book_is_read_from_a_signed_snapshot(school: SmallSchool) -> None:
    school.clock.set(date(2025, 6, 27))
    numbers = [f"11 {n:07d}" for n in range(1, 56)]
    stock_blanks(school, *numbers, level=Level.SECONDARY)
    for n in range(1, 56):
        school.records.attestats.spoil_blank(
            level=Level.SECONDARY,
            blank=Blank("11", f"{n:07d}"),
            reason="брак",
            signed_by=school.signing("secretary"),
        )
    snapshots = rawsql.rows(school.store.url, school.store.admin_url, "snapshots")
    assert [(row[1], row[2]) for row in snapshots] == [(50, "letopis.Snapshot")]
    fresh = SchoolRecords(school.store.open(), school.school, clock=school.clock)
    book = fresh.context.load(
        AttestatBook, attestat_book_id(school.school, "secondary")
    )
    assert book is not None
    assert book.version == 56
    assert len(book.blanks) == 55
    assert book.on_hand(BlankKind.TITLE) == []
    rejected(
        school,
        BlankError,
        r"blank 11 0000003 was used already \(spoiled\)",
        lambda: fresh.attestats.spoil_blank(
            level=Level.SECONDARY,
            blank=Blank("11", "0000003"),
            reason="брак",
            signed_by=school.signing("secretary"),
        ),
    )


def test_an_achievement_is_withdrawn_once(school: SmallSchool) -> None:
    name = school.records.portfolio.record_achievement(
        pupil=school.pupils[0],
        kind=AchievementKind.OLYMPIAD,
        title="ВсОШ по истории, школьный этап",
        level=AchievementLevel.SCHOOL,
        result=AchievementResult.WINNER,
        on=DAY,
        document="диплом № 5",
        signed_by=school.signing("history"),
    )
    school.records.portfolio.withdraw_achievement(
        name, reason="аннулирован", signed_by=school.signing("maths")
    )
    rejected(
        school,
        PortfolioError,
        r"was withdrawn already; only a recorded, standing achievement",
        lambda: school.records.portfolio.withdraw_achievement(
            name, reason="повторно", signed_by=school.signing("maths")
        ),
    )


def test_council_protocols_are_not_dated_in_the_future(school: SmallSchool) -> None:
    rejected(
        school,
        InvalidRecordError,
        r"council protocol '3' of 2024-10-02 needs a number and a date not after "
        r"today \(2024-10-01\)",
        lambda: school.records.council.record_decisions(
            Protocol("3", date(2024, 10, 2)),
            [DecisionInput(school.pupils[0], DecisionKind.ADMITTED_TO_STATE_EXAMS)],
            signed_by=school.signing("deputy"),
        ),
    )


def test_a_write_by_another_office_during_a_command_is_noticed_after_it(
    school: SmallSchool,
) -> None:
    other = SchoolRecords(
        school.store.open(verify_on_read=False), school.school, clock=school.clock
    )
    pupil = school.pupils[2]
    school.records.journal.record_lessons(
        [lesson(school, MarkInput(pupil, "5", WORK), day=date(2024, 9, 27))],
        signed_by=school.signing("maths"),
    )  # the pupil's personal file is now a cached view in this office

    class LeavesDuringTheCommand:
        """A clock that lets the other office expel the pupil mid-command."""

        done = False

        def __call__(self) -> datetime:
            if not self.done:
                self.done = True
                other.people.leave(
                    pupil,
                    on=date(2024, 9, 30),
                    reason=LeaveReason.EXPELLED,
                    order="№ 8",
                    signed_by=school.signing("secretary"),
                )
            return school.clock()

    school.records.context.clock = LeavesDuringTheCommand()
    school.records.journal.record_lessons(
        [lesson(school, day=date(2024, 9, 30))], signed_by=school.signing("maths")
    )
    late = lesson(school, MarkInput(pupil, "4", WORK))
    rejected(
        school,
        NotEnrolledError,
        r"left the school on 2024-09-30",
        lambda: school.records.journal.record_lessons(
            [late], signed_by=school.signing("maths")
        ),
    )
