"""A small school on a test store: staff with keys, a curriculum, a year, classes.

Built with ``simulation.builder``, as the demo and the benchmarks build theirs;
shared by the domain rule tests and the stateful machine. Times are simulated
by :class:`SimClock`; staff keys are valid from before the school year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from ledger.application import LedgerApplication, Signing
from ledger.domain.admission import AdmissionTestKind
from ledger.domain.attestat import Blank, BlankKind
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import DecisionKind
from ledger.domain.exams import ExamKind, ExamResult
from ledger.domain.grading import PASSED, Assessment, GradingPolicy, WorkType
from ledger.domain.ids import class_id, staff_id
from ledger.domain.school import Level, Subject
from ledger.domain.schoolyear import Holiday, Period, PeriodKind, PeriodScheme
from ledger.keys.directory import SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.records.attestation import ExamImport
from ledger.records.council import DecisionInput
from ledger.records.office import SchoolRecords
from ledger.records.people import Identity
from ledger.records.setup import TeachingInput
from simulation.builder import (
    SchoolBuilder,
    SchoolPlan,
    SchoolProfile,
    StaffMember,
    YearPlan,
    build_school,
    derived_key,
)
from tests.support.stores import PASSPHRASE, Store

YEAR = "2024/2025"
STARTS = date(2024, 9, 2)
ENDS = date(2025, 5, 26)
KEYS_FROM = datetime(2024, 8, 1, tzinfo=UTC)
WORK = "ответ на уроке"
TEST = "контрольная работа"

POLICY = GradingPolicy(
    effective_from=date(2024, 8, 1),
    marks=(5, 4, 3, 2),
    passing=3,
    work_types=(
        WorkType(WORK, 1),
        WorkType("самостоятельная работа", 2),
        WorkType(TEST, 3),
    ),
    rounding_threshold=Decimal("0.6"),
    min_marks=3,
    unmarked_grades=(1,),
)
BASIC = (Level.BASIC,)
SUBJECTS = (
    Subject("rus", "Русский язык", tuple(range(1, 10)), Assessment.FIVE_POINT, BASIC),
    Subject("math", "Математика", tuple(range(1, 10)), Assessment.FIVE_POINT, BASIC),
    Subject("hist", "История", (5, 6, 7, 8, 9), Assessment.FIVE_POINT, BASIC),
    Subject("eng", "Английский язык", tuple(range(2, 10)), Assessment.FIVE_POINT, ()),
)
QUARTERS = (
    Period("Q1", date(2024, 9, 2), date(2024, 10, 25)),
    Period("Q2", date(2024, 11, 5), date(2024, 12, 27)),
    Period("Q3", date(2025, 1, 9), date(2025, 3, 21)),
    Period("Q4", date(2025, 3, 31), date(2025, 5, 26)),
)
HOLIDAYS = (
    Holiday("осенние", date(2024, 10, 26), date(2024, 11, 4)),
    Holiday("зимние", date(2024, 12, 28), date(2025, 1, 8)),
    Holiday("весенние", date(2025, 3, 22), date(2025, 3, 30)),
)
SCHEMES = (
    PeriodScheme(tuple(range(1, 10)), PeriodKind.QUARTERS, QUARTERS),
    PeriodScheme(
        (10, 11),
        PeriodKind.HALVES,
        (
            Period("H1", date(2024, 9, 2), date(2024, 12, 27)),
            Period("H2", date(2025, 1, 9), date(2025, 5, 26)),
        ),
    ),
)
TIMEZONE = "Europe/Moscow"
STAFF = {
    "director": ("Директор", ("director",)),
    "deputy": ("Заместитель директора по УР", ("deputy_director",)),
    "secretary": ("Секретарь", ("secretary",)),
    "importer": ("Оператор ГИА", ("importer",)),
    "maths": ("Учитель математики", ("teacher", "class_teacher")),
    "russian": ("Учитель русского языка", ("teacher", "class_teacher")),
    "history": ("Учитель истории", ("teacher",)),
    "english": ("Учитель английского языка", ("teacher",)),
    "cover": ("Учитель (замещение)", ("teacher",)),
}
PUPILS = (
    ("Иванов", "Пётр", "Сергеевич"),
    ("Смирнова", "Анна", "Игоревна"),
    ("Кузнецов", "Олег", "Павлович"),
)


class SimClock:
    """A settable clock: the services' ``clock`` in tests."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, day: date, hour: int = 12) -> None:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)

    def advance(self, days: int = 1) -> None:
        self.now += timedelta(days=days)


@dataclass
class SmallSchool:
    """A ledger with one school, its staff keys, classes 9А, 9Б, 1А and pupils."""

    store: Store
    app: LedgerApplication
    records: SchoolRecords
    clock: SimClock
    school: UUID
    keys: dict[str, SigningKey] = field(default_factory=dict)
    pupils: list[UUID] = field(default_factory=list)
    other_pupil: UUID | None = None

    def signing(self, *labels: str) -> Signing:
        author, *cosigners = labels
        return Signing(self.keys[author], tuple(self.keys[c] for c in cosigners))

    def staff(self, label: str) -> UUID:
        return staff_id(self.school, label)

    def klass(self, name: str) -> UUID:
        return class_id(self.school, YEAR, name)


def plan(code: str) -> SchoolPlan:
    """The small school ``code``: its staff (keys derived from the code), the
    curriculum, the year 2024/2025 and classes 9А, 9Б and 1А."""
    staff = tuple(
        StaffMember(
            label,
            position,
            f"Сотрудник {label}",
            roles,
            derived_key(f"small-school/{code}/{label}"),
        )
        for label, (position, roles) in STAFF.items()
    )
    return SchoolPlan(
        SchoolProfile(code, "МБОУ «Школа № 1»", "Республика Татарстан", TIMEZONE),
        staff,
        KEYS_FROM,
        SUBJECTS,
        POLICY,
        YearPlan(YEAR, STARTS, ENDS, HOLIDAYS, SCHEMES),
        ((9, "А", "maths"), (9, "Б", "russian"), (1, "А", "russian")),
    )


def build(
    store: Store, *, code: str = "school-1", verify_on_read: bool = False
) -> SmallSchool:
    """A fresh small school on ``store`` (the clock stands at 1 October 2024)."""
    app = store.open(verify_on_read=verify_on_read)
    clock = SimClock(datetime(2024, 8, 20, 9, tzinfo=UTC))
    school = plan(code)
    builder = build_school(
        app,
        school,
        seal=store.key_directory.log_key(),
        clock=clock,
        data_keys=DataKeyStore.in_key_directory(store.keys, PASSPHRASE),
    )
    keys = {m.number: m.key for m in school.staff}
    built = SmallSchool(store, app, builder.records, clock, builder.school, keys)
    _pupils_and_teaching(built, builder)
    return built


def _pupils_and_teaching(s: SmallSchool, builder: SchoolBuilder) -> None:
    s.pupils = builder.enrol(
        s.klass("9А"),
        [Identity(sn, n, p, date(2009, 3, 1)) for sn, n, p in PUPILS],
        on=date(2024, 9, 1),
        order="№ 12-у от 30.08.2024",
        signed_by=s.signing("secretary"),
    )
    [s.other_pupil] = builder.enrol(
        s.klass("9Б"),
        [Identity("Орлова", "Вера", "Ильинична", date(2009, 5, 5))],
        on=date(2024, 9, 1),
        order="№ 12-у",
        signed_by=s.signing("secretary"),
    )
    builder.assign_teaching(
        [
            TeachingInput(s.klass("9А"), "math", s.staff("maths"), STARTS),
            TeachingInput(s.klass("9А"), "rus", s.staff("russian"), STARTS),
            TeachingInput(s.klass("9А"), "hist", s.staff("history"), STARTS),
            TeachingInput(
                s.klass("9А"),
                "eng",
                s.staff("english"),
                STARTS,
                "1",
                (s.pupils[0], s.pupils[1]),
            ),
            TeachingInput(s.klass("9Б"), "math", s.staff("maths"), STARTS),
            TeachingInput(s.klass("1А"), "math", s.staff("russian"), STARTS),
        ],
        signed_by=s.signing("deputy"),
    )
    s.clock.set(date(2024, 10, 1))


ADMITTED_ON = date(2025, 5, 20)
DECIDED_ON = date(2025, 6, 20)
ISSUED_ON = date(2025, 6, 25)
ALL_FIVES = {"rus": "5", "math": "5", "hist": "5"}


INTERVIEW_ON = date(2025, 2, 12)


def interview(s: SmallSchool, *pupils: UUID, result: str = PASSED) -> None:
    """``pupils`` of 9А sit the final interview on 12 February 2025 (the
    deputy director records the commission's protocol that day)."""
    s.clock.set(INTERVIEW_ON, 17)
    s.records.attestation.record_admission_tests(
        class_id=s.klass("9А"),
        kind=AdmissionTestKind.INTERVIEW,
        held_on=INTERVIEW_ON,
        protocol=Protocol("ИС-1", INTERVIEW_ON),
        results=dict.fromkeys(pupils, result),
        signed_by=s.signing("deputy"),
    )


def admit(s: SmallSchool, *pupils: UUID) -> None:
    """``pupils`` (of 9А) pass the final interview, and the council admits them
    to state exams on 20 May 2025."""
    interview(s, *pupils)
    s.clock.set(ADMITTED_ON)
    s.records.council.record_decisions(
        Protocol("7", ADMITTED_ON),
        [DecisionInput(p, DecisionKind.ADMITTED_TO_STATE_EXAMS) for p in pupils],
        signed_by=s.signing("deputy"),
    )


def pass_exams(
    s: SmallSchool, pupil: UUID, marks: tuple[str, str] = ("5", "5")
) -> None:
    """ОГЭ results for ``pupil`` (protocol of 10 June): Russian and mathematics
    (``marks``), and history and English, the two of the pupil's choice, «5»."""
    s.clock.set(date(2025, 6, 10))
    lines = [
        ExamImport(
            pupil,
            YEAR,
            ExamResult(ExamKind.OGE, subject, day, 30, None, mark, mark != "2"),
            Protocol(f"РЦОИ-{subject}", date(2025, 6, 10)),
            "РЦОИ Республики Татарстан",
        )
        for subject, day, mark in (
            ("rus", date(2025, 5, 27), marks[0]),
            ("math", date(2025, 6, 3), marks[1]),
            ("hist", date(2025, 5, 30), "5"),
            ("eng", date(2025, 6, 6), "5"),
        )
    ]
    s.records.attestation.import_exam_results(lines, signed_by=s.signing("importer"))


def finalise(s: SmallSchool, pupil: UUID, grades: dict[str, str]) -> None:
    """The class teacher of 9А records final grades on 18 June 2025."""
    s.clock.set(date(2025, 6, 18))
    s.records.attestation.record_final_grades(
        pupil=pupil, level=Level.BASIC, grades=grades, signed_by=s.signing("maths")
    )


def decide_attestat(s: SmallSchool, pupil: UUID, *, with_honours: bool = False) -> None:
    """The council decides to issue the basic attestat on 20 June 2025."""
    s.clock.set(DECIDED_ON)
    s.records.council.record_decisions(
        Protocol("9", DECIDED_ON),
        [DecisionInput(pupil, DecisionKind.ATTESTAT_BASIC, with_honours=with_honours)],
        signed_by=s.signing("director"),
    )


def stock_blanks(
    s: SmallSchool,
    *numbers: str,
    level: Level = Level.BASIC,
    kind: BlankKind = BlankKind.TITLE,
) -> None:
    """The secretary takes blanks («09 0001001», «10224000012345») into stock
    by an invoice of 1 June 2025."""
    s.records.attestats.receive_blanks(
        level=level,
        kind=kind,
        blanks=[Blank.parse(n) for n in numbers],
        invoice="накладная № 17 от 01.06.2025",
        received_on=date(2025, 6, 1),
        signed_by=s.signing("secretary"),
    )


def graduate(s: SmallSchool, pupil: UUID, grades: dict[str, str] | None = None) -> None:
    """Admission, exams, final grades and the council decision for ``pupil``."""
    admit(s, pupil)
    pass_exams(s, pupil)
    finalise(s, pupil, grades or ALL_FIVES)
    decide_attestat(s, pupil)
    s.clock.set(ISSUED_ON)
