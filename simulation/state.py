"""What the simulation remembers about its school while it runs.

The ledger holds the records; :class:`SchoolState` holds what the simulation
needs beside them to decide what happens next: its random generator and clock,
the staff and this year's classes, the marks and grades given so far (to
suggest period grades as a teacher would), exam results, attestat blanks and
protocol numbers. Every phase of the year (``simulation.staffing``,
``simulation.lessons``, …) is a set of functions on this state.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ledger.application import LedgerApplication
from ledger.domain.attestat import BlankKind
from ledger.domain.attestation import Protocol
from ledger.domain.exams import ExamResult
from ledger.domain.school import Level
from ledger.keys.directory import KeyDirectory
from ledger.keys.personal import DataKeyStore
from simulation.builder import SchoolBuilder, SchoolProfile
from simulation.calendar import LAST_YEAR_STARTS, Calendar, DemoClock
from simulation.chances import FATHERS, FEMALE, MALE, SURNAMES
from simulation.people import Klass, Pupil, Staffer

ORIGIN = "letopis.example/school-131"
PROFILE = SchoolProfile(
    code="school-131",
    name="МБОУ «Средняя общеобразовательная школа № 131»",
    region="Республика Татарстан",
    timezone="Europe/Moscow",
)
SCHOOL_CODE = PROFILE.code
DEFAULT_STUDENTS = 330

# a pupil's marks in one course and period: ((class, subject, subgroup), period, pupil)
TrackKey = tuple[tuple[UUID, str, str | None], str, UUID]


@dataclass
class Scale:
    """How big the simulated school is."""

    students: int
    years: int

    @property
    def per_grade(self) -> int:
        return min(4, max(2, round(self.students / (11 * 25))))

    @property
    def class_size(self) -> int:
        return max(8, round(self.students / (11 * self.per_grade)))

    def classes_in(self, grade: int) -> int:
        """Senior grades (10–11) have one class fewer: many leave after grade 9."""
        return max(1, self.per_grade - 1) if grade >= 10 else self.per_grade


class SchoolState:
    """The simulated school's people, classes and memory, and its services."""

    def __init__(
        self,
        ledger: LedgerApplication,
        directory: KeyDirectory,
        data_keys: DataKeyStore,
        scale: Scale,
        seed: int,
    ) -> None:
        self.ledger = ledger
        self.directory = directory
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not secrets
        self.clock = DemoClock()
        self.builder = SchoolBuilder(
            ledger,
            SCHOOL_CODE,
            seal=directory.log_key(),
            clock=self.clock,
            data_keys=data_keys,
        )
        self.school = self.builder.school
        self.records = self.builder.records
        self.first_year = LAST_YEAR_STARTS - scale.years + 1
        self.staff: dict[str, Staffer] = {}
        self.classes: dict[str, Klass] = {}
        self.calendar = Calendar.of(self.first_year)
        self.marks: dict[TrackKey, list[list[object]]] = defaultdict(list)
        self.entries: dict[str, tuple[TrackKey, int, Staffer]] = {}
        self.today_marks: list[str] = []
        self.today_absences: list[tuple[str, Staffer]] = []
        self.issued_basic: list[int] = []
        self.exam_marks: dict[tuple[UUID, str], ExamResult] = {}
        self.grades: dict[tuple[UUID, str], dict[str, str]] = defaultdict(dict)
        self.protocols = 0
        #: the last serial used, per level and blank kind (attestat, supplement),
        #: and the last one received into stock (current-form numbers)
        self.blanks = {
            (level, kind): base + offset + seed % 1000 * 100
            for level, base in ((Level.BASIC, 1_000_000), (Level.SECONDARY, 2_000_000))
            for kind, offset in (
                (BlankKind.TITLE, 0),
                (BlankKind.SUPPLEMENT, 5_000_000),
            )
        }
        self.received = dict(self.blanks)
        self.commands = 0
        self.achievements: list[str] = []
        self.admission_failed: dict[str, list[UUID]] = {}  # test → owing a sitting
        # issue 13: the period grades as recorded (event, pupil, subject, grade,
        # teacher) by "year/period", and teachers' lessons entered a day late
        self.period_grade_events: dict[str, list[tuple[str, UUID, str, str, str]]] = (
            defaultdict(list)
        )
        self.late_batches: list[tuple[str, list[Any], list[Any]]] = []
        self.orders = 0

    @property
    def director(self) -> Staffer:
        return self.staff["director"]

    @property
    def deputy(self) -> Staffer:
        return self.staff["deputy"]

    @property
    def secretary(self) -> Staffer:
        return self.staff["secretary"]

    def protocol(self, on: date) -> Protocol:
        """The next council or commission protocol, dated ``on``."""
        self.protocols += 1
        return Protocol(str(self.protocols), on)

    def pupils_now(self) -> list[Pupil]:
        return [p for k in self.classes.values() for p in k.pupils]

    def person(self, male: bool) -> tuple[str, str, str]:
        """A random surname, first name and patronymic."""
        surname = self.rng.choice(SURNAMES)
        father = self.rng.choice(FATHERS)
        if male:
            return surname, self.rng.choice(MALE), father[0]
        female = (
            surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин")) else surname
        )
        return female, self.rng.choice(FEMALE), father[1]
