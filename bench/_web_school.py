"""A school for the web pages' load run: twenty teachers, each with a class of
thirty and a quarter of lessons already in its journal.

Built with ``simulation.builder`` (as the demo and the tests build theirs) on
a throwaway store, on the real clock (the server runs on it): the year is laid
out around today so that the current quarter holds nine weeks of past school
days, each with a lesson of mathematics in every class (marks for about a
third of the pupils, two absences), signed by the class's own teacher. Every
teacher has an account whose key the server keeps (custodial) and their free
lesson slots (the same days, lesson numbers 2 to 8) for the load to save into.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from api.server.accounts import Account, AccountStore
from ledger.application import LedgerApplication, Signing
from ledger.domain.academic_year import AcademicYear
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import academic_year_id
from ledger.domain.school import Level, Subject
from ledger.domain.schoolyear import Period, PeriodKind, PeriodScheme, year_label
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from ledger.records.people import Identity
from ledger.records.setup import TeachingInput
from simulation.builder import (
    SchoolBuilder,
    SchoolPlan,
    SchoolProfile,
    StaffMember,
    YearPlan,
    build_school,
)

CODE = "bench-web"
SUBJECT = "math"
WORK_TYPES = (
    WorkType("ответ на уроке", 1),
    WorkType("самостоятельная работа", 2),
    WorkType("контрольная работа", 3),
)
PASSWORD = "bench-password"  # noqa: S105 - throwaway accounts
LETTERS = "АБВГД"
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
    "Семёнов",
)  # fmt: skip
NAMES = ("Анна", "Пётр", "Мария", "Олег", "Вера", "Илья")
MARKED = 10  # pupils marked in a preloaded lesson
QUARTER_WEEKS = 9


@dataclass(frozen=True)
class WebTeacher:
    """What the load client needs of one teacher."""

    account: str
    journal: str  # the journal page's path
    slots: list[tuple[str, int]]  # free (day, lesson number) pairs, in order


@dataclass(frozen=True)
class WebSchool:
    """The teachers, and how big their journals are."""

    password: str
    teachers: list[WebTeacher]
    pupils: int
    lessons: int  # preloaded lessons per class


def build(
    app: LedgerApplication, keys: Path, passphrase: str, teachers: int, pupils: int
) -> WebSchool:
    """Set the school up: staff, year, classes, pupils, a quarter of lessons."""
    now = datetime.now(UTC)
    today = now.date()
    directory = KeyDirectory.open(keys, passphrase)
    labels = [f"t{i + 1:02d}" for i in range(teachers)]
    plan = _plan(directory, labels, today, now)
    builder = build_school(
        app,
        plan,
        seal=directory.log_key(),
        clock=lambda: datetime.now(UTC),
        data_keys=DataKeyStore.in_key_directory(keys, passphrase),
    )
    year = plan.year.label
    classes = [builder.class_id(year, _class_name(i)) for i in range(teachers)]
    secretary = Signing(plan.member("secretary").key)
    enrolled = [
        builder.enrol(
            c,
            [_identity(i, n) for n in range(pupils)],
            on=plan.year.starts,
            order="№ 1-у",
            signed_by=secretary,
        )
        for i, c in enumerate(classes)
    ]
    builder.assign_teaching(
        [
            TeachingInput(c, SUBJECT, builder.staff_id(t), plan.year.starts)
            for c, t in zip(classes, labels, strict=True)
        ],
        signed_by=Signing(plan.member("director").key),
    )
    days = _quarter_days(builder, year, plan.year.schemes[0].periods[1], today)
    keys_of = {m.number: m.key for m in plan.staff}
    for label, c, members in zip(labels, classes, enrolled, strict=True):
        _lessons(builder, Signing(keys_of[label]), c, members, days)
    accounts = AccountStore(app)
    for label in labels:
        staff = builder.staff_id(label)
        account = Account(label, ("teacher", "class_teacher"), staff, (), label)
        accounts.add(account, PASSWORD)
    slots = [(d.isoformat(), n) for d in reversed(days) for n in range(2, 9)]
    return WebSchool(
        PASSWORD,
        [
            WebTeacher(label, f"/app/journal/{c}/{SUBJECT}", slots)
            for label, c in zip(labels, classes, strict=True)
        ],
        pupils,
        len(days),
    )


def _plan(
    directory: KeyDirectory, labels: list[str], today: date, now: datetime
) -> SchoolPlan:
    """The year around today: a short first quarter, then the current one
    (nine weeks back, two ahead), two more after it."""
    starts = today - timedelta(weeks=QUARTER_WEEKS, days=7)
    current = starts + timedelta(days=7)
    ends = min(today + timedelta(days=90), date(starts.year + 1, 8, 31))
    quarters = (
        Period("Q1", starts, current - timedelta(days=1)),
        Period("Q2", current, today + timedelta(days=14)),
        Period("Q3", today + timedelta(days=15), today + timedelta(days=35)),
        Period("Q4", today + timedelta(days=36), ends),
    )
    staff = [
        ("director", ("director",)),
        ("secretary", ("secretary",)),
        *((label, ("teacher", "class_teacher")) for label in labels),
    ]
    return SchoolPlan(
        SchoolProfile(CODE, "Школа нагрузки веб-журнала", "—", "UTC"),
        tuple(
            StaffMember(
                number,
                "Учитель" if number.startswith("t") else number,
                f"Учитель {number}",
                roles,
                directory.add_signer(number, SigningKey.generate()),
            )
            for number, roles in staff
        ),
        now - timedelta(days=1),
        (
            Subject(
                SUBJECT,
                "Математика",
                tuple(range(1, 12)),
                Assessment.FIVE_POINT,
                (Level.BASIC,),
            ),
        ),
        GradingPolicy(
            effective_from=starts,
            marks=(5, 4, 3, 2),
            passing=3,
            work_types=WORK_TYPES,
            rounding_threshold=Decimal("0.6"),
            min_marks=3,
            unmarked_grades=(),
        ),
        YearPlan(
            year_label(starts),
            starts,
            ends,
            (),
            (PeriodScheme(tuple(range(1, 12)), PeriodKind.QUARTERS, quarters),),
        ),
        tuple(
            (5 + i // len(LETTERS), LETTERS[i % len(LETTERS)], label)
            for i, label in enumerate(labels)
        ),
    )


def _class_name(i: int) -> str:
    return f"{5 + i // len(LETTERS)}{LETTERS[i % len(LETTERS)]}"


def _identity(klass: int, n: int) -> Identity:
    surname = SURNAMES[(n + klass) % len(SURNAMES)]
    name = NAMES[n % len(NAMES)]
    female = name in ("Анна", "Мария", "Вера")
    return Identity(
        surname + ("а" if female else ""),
        name,
        "Сергеевна" if female else "Сергеевич",
        date(2012, 1, 1) + timedelta(days=n),
    )


def _quarter_days(
    builder: SchoolBuilder, year: str, quarter: Period, today: date
) -> list[date]:
    record = builder.records.context.view(
        AcademicYear, academic_year_id(builder.school, year)
    )
    assert record is not None
    return record.school_days(quarter.starts, today)


def _lessons(
    builder: SchoolBuilder,
    signing: Signing,
    klass: UUID,
    pupils: list[UUID],
    days: list[date],
) -> None:
    """One lesson a school day: marks for a third of the class, two absent."""
    lessons = []
    for d, day in enumerate(days):
        start = (d * MARKED) % len(pupils)
        marked = [pupils[(start + k) % len(pupils)] for k in range(MARKED)]
        absent = [pupils[(start + MARKED + k) % len(pupils)] for k in range(2)]
        lessons.append(
            LessonInput(
                klass,
                SUBJECT,
                day,
                f"Тема урока {d + 1}",
                homework=f"№ {d + 1}",
                marks=tuple(
                    MarkInput(p, "54325"[(d + k) % 5], WORK_TYPES[k % 3].name)
                    for k, p in enumerate(marked)
                ),
                absences=tuple(AbsenceInput(p) for p in absent),
            )
        )
    builder.records.journal.record_lessons(lessons, signed_by=signing)
