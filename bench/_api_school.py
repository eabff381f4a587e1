"""A school for the API load run: classes of 25 pupils, one teacher for all.

Built through the records services on a throwaway store, in the current
school year (the server runs on the real clock), with every lesson slot of
the past school days free: classes × subjects × 8 lessons a day × days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from api.server.accounts import Account, AccountStore
from ledger.application import LedgerApplication, Signing
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import academic_year_id, class_id, staff_id
from ledger.domain.school import AcademicYear, Level, Subject
from ledger.domain.schoolyear import Holiday, Period, PeriodKind, PeriodScheme
from ledger.keys.directory import KeyDirectory, SigningKey
from ledger.keys.personal import DataKeyStore
from ledger.keys.services import register_signer
from ledger.records.office import SchoolRecords, register_school
from ledger.records.people import EnrolmentInput, Identity
from ledger.records.setup import TeachingInput

CODE = "bench-school"
WORK = "ответ на уроке"
SUBJECTS = ("rus", "math", "hist", "bio")
LETTERS = "АБВГД"
PASSWORD = "bench-password"  # noqa: S105 - a throwaway account


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
    app: LedgerApplication, keys: Path, passphrase: str, classes: int, pupils: int
) -> BenchSchool:
    """Set the school up; its teacher's key is kept by the server (custodial)."""
    now = datetime.now(UTC)
    y = _year_of(now.date())
    directory = KeyDirectory.open(keys, passphrase)
    seal = directory.log_key()
    school = register_school(
        app,
        code=CODE,
        name="Школа нагрузки",
        region="—",
        timezone="UTC",
        at=now,
        signed_by=Signing(seal),
    )
    records = SchoolRecords(
        app,
        school,
        clock=lambda: datetime.now(UTC),
        data_keys=DataKeyStore.in_key_directory(keys, passphrase),
    )
    staff = {
        "director": ("director",),
        "secretary": ("secretary",),
        "teacher": ("teacher", "class_teacher"),
    }
    signing = {}
    for label, roles in staff.items():
        key = directory.add_signer(label, SigningKey.generate())
        register_signer(
            app,
            seal,
            public_key=key.public_bytes,
            holder=str(staff_id(school, label)),
            roles=roles,
            valid_from=now - timedelta(days=1),
        )
        signing[label] = Signing(key)
    director = signing["director"]
    records.setup.register_staff(
        [(label, label, f"Сотрудник {label}") for label in staff], signed_by=director
    )
    records.setup.define_subjects(
        [
            Subject(s, s, tuple(range(5, 10)), Assessment.FIVE_POINT, (Level.BASIC,))
            for s in SUBJECTS
        ],
        signed_by=director,
    )
    records.setup.set_grading_policy(
        GradingPolicy(
            effective_from=date(y, 8, 1),
            marks=(5, 4, 3, 2),
            passing=3,
            work_types=(WorkType(WORK, 1),),
            rounding_threshold=Decimal("0.6"),
            min_marks=3,
            unmarked_grades=(),
        ),
        signed_by=director,
    )
    label = f"{y}/{y + 1}"
    starts, ends = date(y, 9, 1), date(y + 1, 5, 31)
    records.setup.open_year(
        year=label,
        starts=starts,
        ends=ends,
        holidays=(Holiday("осенние", date(y, 10, 27), date(y, 11, 4)),),
        schemes=(
            PeriodScheme(
                tuple(range(1, 12)),
                PeriodKind.HALVES,
                (
                    Period("H1", starts, date(y, 12, 28)),
                    Period("H2", date(y + 1, 1, 9), ends),
                ),
            ),
        ),
        signed_by=director,
    )
    teacher = staff_id(school, "teacher")
    names = [(5 + i // len(LETTERS), LETTERS[i % len(LETTERS)]) for i in range(classes)]
    records.setup.open_classes(
        label, [(g, letter, teacher) for g, letter in names], signed_by=director
    )
    ids = [class_id(school, label, f"{g}{letter}") for g, letter in names]
    enrolled: dict[str, list[str]] = {}
    for c in ids:
        made = records.people.enrol(
            [
                EnrolmentInput(
                    Identity("Фамилия", f"Имя{n}", "Отчество", date(2012, 1, 1)),
                    c,
                    starts,
                    "№ 1",
                )
                for n in range(pupils)
            ],
            signed_by=signing["secretary"],
        )
        enrolled[str(c)] = [str(p) for p in made]
    records.setup.assign_teaching(
        [TeachingInput(c, s, teacher, starts) for c in ids for s in SUBJECTS],
        signed_by=director,
    )
    year = records.context.view(AcademicYear, academic_year_id(school, label))
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
