"""A school for the API load run: classes of 25 pupils, one teacher for all.

Built with ``simulation.builder`` (as the demo and the tests build theirs) on
a throwaway store, in the current school year (the server runs on the real
clock), with every lesson slot of the past school days free: classes ×
subjects × 8 lessons a day × days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from api.server.accounts import Account, AccountStore
from ledger.application import LedgerApplication, Signing
from ledger.domain.academic_year import AcademicYear
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import academic_year_id
from ledger.domain.school import Level, Subject
from ledger.domain.schoolyear import Holiday, Period, PeriodKind, PeriodScheme
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.records.people import Identity
from ledger.records.setup import TeachingInput
from simulation.builder import (
    SchoolPlan,
    SchoolProfile,
    StaffMember,
    YearPlan,
    build_school,
)

CODE = "bench-school"
WORK = "ответ на уроке"
SUBJECTS = ("rus", "math", "hist", "bio")
LETTERS = "АБВГД"
PASSWORD = "bench-password"  # noqa: S105 - a throwaway account
STAFF = {
    "director": ("director",),
    "secretary": ("secretary",),
    "teacher": ("teacher", "class_teacher"),
}


@dataclass(frozen=True)
class Slot:
    """A free lesson: class, subject, day, number."""

    class_id: str
    subject: str
    day: str
    number: int


@dataclass(frozen=True)
class BenchSchool:
    """What the load client needs: the account, the pupils, the free slots."""

    account: str
    password: str
    pupils: dict[str, list[str]]
    slots: list[Slot]


def _year_of(today: date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def build(
    app: LedgerApplication,
    keys: Path,
    passphrase: str,
    classes: int,
    pupils: int,
    code: str = CODE,
) -> BenchSchool:
    """Set the school up; its teacher's key is kept by the server (custodial)."""
    now = datetime.now(UTC)
    y = _year_of(now.date())
    directory = KeyDirectory.open(keys, passphrase)
    label = f"{y}/{y + 1}"
    starts, ends = date(y, 9, 1), date(y + 1, 5, 31)
    names = [(5 + i // len(LETTERS), LETTERS[i % len(LETTERS)]) for i in range(classes)]
    plan = SchoolPlan(
        SchoolProfile(code, "Школа нагрузки", "—", "UTC"),
        tuple(
            StaffMember(
                number,
                number,
                f"Сотрудник {number}",
                roles,
                directory.add_signer(number, SigningKey.generate()),
            )
            for number, roles in STAFF.items()
        ),
        now - timedelta(days=1),
        tuple(
            Subject(s, s, tuple(range(5, 10)), Assessment.FIVE_POINT, (Level.BASIC,))
            for s in SUBJECTS
        ),
        GradingPolicy(
            effective_from=date(y, 8, 1),
            marks=(5, 4, 3, 2),
            passing=3,
            work_types=(WorkType(WORK, 1),),
            rounding_threshold=Decimal("0.6"),
            min_marks=3,
            unmarked_grades=(),
        ),
        YearPlan(
            label,
            starts,
            ends,
            (Holiday("осенние", date(y, 10, 27), date(y, 11, 4)),),
            (
                PeriodScheme(
                    tuple(range(1, 12)),
                    PeriodKind.HALVES,
                    (
                        Period("H1", starts, date(y, 12, 28)),
                        Period("H2", date(y + 1, 1, 9), ends),
                    ),
                ),
            ),
        ),
        tuple((g, letter, "teacher") for g, letter in names),
    )
    builder = build_school(
        app,
        plan,
        seal=directory.log_key(),
        clock=lambda: datetime.now(UTC),
        data_keys=DataKeyStore.in_key_directory(keys, passphrase),
    )
    teacher = builder.staff_id("teacher")
    ids = [builder.class_id(label, f"{g}{letter}") for g, letter in names]
    secretary = Signing(plan.member("secretary").key)
    enrolled: dict[str, list[str]] = {}
    for c in ids:
        made = builder.enrol(
            c,
            [
                Identity("Фамилия", f"Имя{n}", "Отчество", date(2012, 1, 1))
                for n in range(pupils)
            ],
            on=starts,
            order="№ 1",
            signed_by=secretary,
        )
        enrolled[str(c)] = [str(p) for p in made]
    builder.assign_teaching(
        [TeachingInput(c, s, teacher, starts) for c in ids for s in SUBJECTS],
        signed_by=Signing(plan.member("director").key),
    )
    year = builder.records.context.view(
        AcademicYear, academic_year_id(builder.school, label)
    )
    assert year is not None
    days = year.school_days(starts, now.date() - timedelta(days=1))
    slots = [
        Slot(str(c), s, d.isoformat(), n)
        for d in reversed(days)
        for n in range(1, 9)
        for c in ids
        for s in SUBJECTS
    ]
    accounts = AccountStore(app)
    accounts.add(
        Account("teacher", ("teacher", "class_teacher"), teacher, (), "teacher"),
        PASSWORD,
    )
    return BenchSchool("teacher", PASSWORD, enrolled, slots)
