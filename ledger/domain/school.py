"""The school (DESIGN §5, area "school"): its registration and type, the
subjects of the curriculum, and the grading policies (versioned by the date
they take effect); the levels of general education its attestats certify.

The area's other streams have modules of their own: an academic year's
calendar, periods and closings (:mod:`ledger.domain.academic_year`), and a
class of a year with its teaching and substitutions
(:mod:`ledger.domain.classes`). Pure: the services load them, call a command,
and save.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Self

from ledger.domain.base import ExtendsStream, Record, StartsStream
from ledger.domain.errors import (
    InvalidRecordError,
    SchoolTypeError,
    UnknownRecordError,
)
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import school_id
from ledger.domain.portfolio import ACHIEVEMENTS_FOLDER, AchievementKind
from ledger.events import register_event_types

GRADES = range(1, 12)  # every grade of general education; a school's: SchoolType


class Level(StrEnum):
    """The level of general education an attestat certifies."""

    BASIC = "basic"  # основное общее, after grade 9
    SECONDARY = "secondary"  # среднее общее, after grade 11

    @property
    def final_grade(self) -> int:
        return 9 if self is Level.BASIC else 11


class SchoolType(StrEnum):
    """What a school teaches, so which records it keeps (issue 13): a primary
    school («начальная школа», a progymnasium) grades 1–4, with no attestat book
    and no state exams; a basic school grades 1–9 and the basic attestat; a
    secondary school grades 1–11 and both attestats."""

    PRIMARY = "primary"
    BASIC = "basic"
    SECONDARY = "secondary"

    @property
    def grades(self) -> range:
        """The grades the school teaches."""
        last = {"primary": 4, "basic": 9, "secondary": 11}[self.value]
        return range(1, last + 1)

    @property
    def levels(self) -> tuple[Level, ...]:
        """The attestats the school issues (none in a primary school)."""
        return tuple(level for level in Level if level.final_grade in self.grades)

    @property
    def portfolio_kinds(self) -> tuple[AchievementKind, ...]:
        """The achievement kinds its pupils' portfolios hold: a primary school's
        «Папка достижений» (creative works, projects, метапредметные results);
        every kind elsewhere."""
        if self is SchoolType.PRIMARY:
            return ACHIEVEMENTS_FOLDER
        return tuple(AchievementKind)

    def check_achievement(self, kind: AchievementKind) -> None:
        """:class:`SchoolTypeError` unless its portfolios hold ``kind``."""
        if kind not in self.portfolio_kinds:
            allowed = ", ".join(k.value for k in self.portfolio_kinds)
            msg = (
                f"achievement kind {kind.value!r} is not kept in a {self.value} "
                f"school's portfolio; allowed: {allowed}"
            )
            raise SchoolTypeError(msg)

    def check_grade(self, grade: int, what: str) -> None:
        """:class:`SchoolTypeError` unless the school teaches ``grade``."""
        if grade not in self.grades:
            msg = (
                f"{what}: grade {grade} is not taught in a {self.value} school; "
                f"its grades are {self.grades.start}–{self.grades.stop - 1}"
            )
            raise SchoolTypeError(msg)

    def check_level(self, level: Level, what: str) -> None:
        """:class:`SchoolTypeError` unless the school issues ``level``'s attestat
        (and so keeps its book and holds its state exams)."""
        if level not in self.levels:
            offered = ", ".join(v.value for v in self.levels) or "none"
            msg = (
                f"{what}: a {self.value} school issues no {level.value} attestat "
                f"and keeps no book or state exams for it; its attestats: {offered}"
            )
            raise SchoolTypeError(msg)


@dataclass(frozen=True)
class Subject:
    """A subject of the curriculum: the grades it is taught in, how it is
    assessed, and the attestats it appears in."""

    code: str
    name: str
    grades: tuple[int, ...]
    assessment: Assessment
    attestat: tuple[Level, ...]

    def check_taught_in(self, grade: int) -> None:
        """:class:`InvalidRecordError` unless the subject is taught in ``grade``."""
        if grade not in self.grades:
            msg = (
                f"{self.name} ({self.code}) is not taught in grade "
                f"{grade}; it is taught in grades {self.grades}"
            )
            raise InvalidRecordError(msg)


@register_event_types
class School(Record):
    """The school: registration, curriculum subjects, grading policies."""

    class Registered(StartsStream):
        """school.SchoolRegistered: the school starts its records in Letopis
        (§3.1: individual records of every pupil's results)."""

        TOPIC: ClassVar[str] = "school.SchoolRegistered"
        code: str
        name: str
        region: str
        timezone: str
        school_type: SchoolType = SchoolType.SECONDARY  # absent before issue 13

    class SubjectDefined(ExtendsStream):
        """school.SubjectDefined: a subject of the curriculum («учебный план»),
        whose results are recorded in the journal and attestats (§4.4, §4.10)."""

        TOPIC: ClassVar[str] = "school.SubjectDefined"
        code: str
        name: str
        grades: tuple[int, ...]
        assessment: Assessment
        attestat: tuple[Level, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.subjects[self.code] = Subject(
                self.code, self.name, self.grades, self.assessment, self.attestat
            )

    class GradingPolicySet(ExtendsStream):
        """school.GradingPolicySet: the school's marks, work-type weights, rounding
        and minimum marks from a date on (§4.1 current assessment, as data)."""

        TOPIC: ClassVar[str] = "school.GradingPolicySet"
        effective_from: date
        marks: tuple[int, ...]
        passing: int
        work_types: tuple[WorkType, ...]
        rounding_threshold: Decimal
        min_marks: int
        unmarked_grades: tuple[int, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.policies.append(_policy_of(self))

    def __init__(
        self,
        code: str,
        name: str,
        region: str,
        timezone: str,
        school_type: SchoolType = SchoolType.SECONDARY,
    ) -> None:
        self.code = code
        self.name = name
        self.region = region
        self.timezone = timezone
        self.school_type = school_type
        self.subjects: dict[str, Subject] = {}
        self.policies: list[GradingPolicy] = []

    @classmethod
    def register(
        cls,
        *,
        code: str,
        name: str,
        region: str,
        timezone: str,
        at: datetime,
        school_type: SchoolType = SchoolType.SECONDARY,
    ) -> Self:
        if not code.strip() or not name.strip():
            msg = "a school needs a code and a name"
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Registered(
                *cls._first(school_id(code), at),
                code=code,
                name=name,
                region=region,
                timezone=timezone,
                school_type=school_type,
            )
        )

    @property
    def grades(self) -> range:
        """The grades this school teaches (its type's)."""
        return self.school_type.grades

    def define_subject(self, subject: Subject, *, at: datetime) -> None:
        if not subject.code.strip() or not subject.name.strip():
            msg = "a subject needs a code and a name"
            raise InvalidRecordError(msg)
        if not subject.grades or any(g not in GRADES for g in subject.grades):
            msg = f"subject {subject.code}: grades {subject.grades} must be within 1–11"
            raise InvalidRecordError(msg)
        for grade in subject.grades:
            self.school_type.check_grade(grade, f"subject {subject.code}")
        for level in subject.attestat:
            self.school_type.check_level(level, f"subject {subject.code}")
        for level in subject.attestat:
            if not any(_level_grade(level, g) for g in subject.grades):
                msg = (
                    f"subject {subject.code} is not taught at the {level.value} level "
                    f"(grades {subject.grades}); it cannot be in that attestat"
                )
                raise InvalidRecordError(msg)
        self._append(
            self.SubjectDefined(
                *self._later(at),
                code=subject.code,
                name=subject.name,
                grades=subject.grades,
                assessment=subject.assessment,
                attestat=subject.attestat,
            )
        )

    def set_grading_policy(self, policy: GradingPolicy, *, at: datetime) -> None:
        policy.check()
        if self.policies and policy.effective_from <= self.policies[-1].effective_from:
            msg = (
                f"a new grading policy must take effect after the current one "
                f"({self.policies[-1].effective_from}); got {policy.effective_from}"
            )
            raise InvalidRecordError(msg)
        self._append(
            self.GradingPolicySet(
                *self._later(at),
                effective_from=policy.effective_from,
                marks=policy.marks,
                passing=policy.passing,
                work_types=policy.work_types,
                rounding_threshold=policy.rounding_threshold,
                min_marks=policy.min_marks,
                unmarked_grades=policy.unmarked_grades,
            )
        )

    def policy_on(self, day: date) -> GradingPolicy:
        """The grading policy in effect on ``day``."""
        found = [p for p in self.policies if p.effective_from <= day]
        if not found:
            msg = (
                f"no grading policy is in effect on {day}; set one with "
                f"effective_from on or before that day"
            )
            raise UnknownRecordError(msg)
        return found[-1]

    def subject(self, code: str) -> Subject:
        found = self.subjects.get(code)
        if found is None:
            msg = (
                f"subject {code!r} is not in the curriculum; defined: "
                f"{', '.join(sorted(self.subjects)) or 'none'}"
            )
            raise UnknownRecordError(msg)
        return found

    def curriculum(self, level: Level) -> tuple[Subject, ...]:
        """The subjects whose final grades go into the attestat of ``level``."""
        return tuple(s for s in self.subjects.values() if level in s.attestat)


def _level_grade(level: Level, grade: int) -> bool:
    return 5 <= grade <= 9 if level is Level.BASIC else grade >= 10


def _policy_of(event: Any) -> GradingPolicy:
    return GradingPolicy(
        **{f.name: getattr(event, f.name) for f in fields(GradingPolicy)}
    )
