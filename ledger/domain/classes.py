"""A class of one academic year (DESIGN §5, area "school"): «7А» in
2025/2026, its class teacher, who teaches which subject (and subgroup) from
which day, and the substitutions («журнал замещения»).

Pure: the services load it, call a command, and save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from ledger.domain.base import ExtendsStream, Record, StartsStream
from ledger.domain.errors import (
    AttestatError,
    InvalidRecordError,
    NotAssignedError,
    NotEnrolledError,
    SchoolTypeError,
)
from ledger.domain.ids import class_id
from ledger.domain.school import GRADES, Level
from ledger.events import register_event_types


@dataclass(frozen=True)
class Assignment:
    """Who teaches a class's subject (and subgroup) from a date on."""

    starts: date
    teacher: UUID
    members: tuple[UUID, ...]


@dataclass(frozen=True)
class Substitution:
    """A teacher covering another's lessons of one subject on some days."""

    subject: str
    subgroup: str | None
    absent_teacher: UUID
    substitute: UUID
    starts: date
    ends: date


def course_key(subject: str, subgroup: str | None) -> str:
    return f"{subject}/{subgroup or '-'}"


@register_event_types
class SchoolClass(Record):
    """A class in one academic year, with its teachers and substitutions."""

    class Opened(StartsStream):
        """school.ClassOpened: a class of the year and its class teacher
        («классный руководитель», §7.3.4–§7.3.5)."""

        TOPIC: ClassVar[str] = "school.ClassOpened"
        school: UUID
        year: str
        grade: int
        letter: str
        name: str
        class_teacher: UUID

    class TeachingAssigned(ExtendsStream):
        """school.TeachingAssigned: a teacher teaches a subject in this class,
        or one subgroup of it, from a date on (§7.3.6 subgroups)."""

        TOPIC: ClassVar[str] = "school.TeachingAssigned"
        subject: str
        subgroup: str | None
        teacher: UUID
        starts: date
        members: tuple[UUID, ...]

        def apply(self, aggregate: Any) -> None:
            key = course_key(self.subject, self.subgroup)
            assignment = Assignment(self.starts, self.teacher, tuple(self.members))
            aggregate.assignments.setdefault(key, []).append(assignment)

    class SubstitutionRecorded(ExtendsStream):
        """school.SubstitutionRecorded: a teacher covers an absent colleague's
        lessons and fills the journal for them («журнал замещения», §7.3.6)."""

        TOPIC: ClassVar[str] = "school.SubstitutionRecorded"
        subject: str
        subgroup: str | None
        absent_teacher: UUID
        substitute: UUID
        starts: date
        ends: date
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.substitutions.append(
                Substitution(
                    self.subject,
                    self.subgroup,
                    self.absent_teacher,
                    self.substitute,
                    self.starts,
                    self.ends,
                )
            )

    def __init__(
        self,
        school: UUID,
        year: str,
        grade: int,
        letter: str,
        name: str,
        class_teacher: UUID,
    ) -> None:
        self.school = school
        self.year = year
        self.grade = grade
        self.letter = letter
        self.name = name
        self.class_teacher = class_teacher
        self.assignments: dict[str, list[Assignment]] = {}
        self.substitutions: list[Substitution] = []

    @classmethod
    def open(
        cls,
        *,
        school: UUID,
        year: str,
        grade: int,
        letter: str,
        class_teacher: UUID,
        at: datetime,
        grades: range = GRADES,
    ) -> Self:
        """Open class ``grade``+``letter`` of ``year``; ``grades`` are the
        school's (its type's, :attr:`School.grades`)."""
        if grade in GRADES and grade not in grades:
            msg = (
                f"class {grade}{letter}: the school teaches grades "
                f"{grades.start}–{grades.stop - 1} only (its type)"
            )
            raise SchoolTypeError(msg)
        if grade not in GRADES or not letter.strip() or len(letter) > 3:
            msg = f"a class is a grade 1–11 and a letter («7А»); got {grade}{letter!r}"
            raise InvalidRecordError(msg)
        name = f"{grade}{letter}"
        return cls._start(
            cls.Opened(
                *cls._first(class_id(school, year, name), at),
                school=school,
                year=year,
                grade=grade,
                letter=letter,
                name=name,
                class_teacher=class_teacher,
            )
        )

    def assign(
        self,
        *,
        subject: str,
        subgroup: str | None,
        teacher: UUID,
        starts: date,
        members: tuple[UUID, ...],
        at: datetime,
    ) -> None:
        history = self.assignments.get(course_key(subject, subgroup), [])
        if history and starts <= history[-1].starts:
            msg = (
                f"{self.name} {subject}: a new assignment must start after the "
                f"current one ({history[-1].starts}); got {starts}"
            )
            raise InvalidRecordError(msg)
        if subgroup is None and members:
            msg = "members are listed only for a subgroup; the whole class has none"
            raise InvalidRecordError(msg)
        self._append(
            self.TeachingAssigned(
                *self._later(at),
                subject=subject,
                subgroup=subgroup,
                teacher=teacher,
                starts=starts,
                members=tuple(members),
            )
        )

    def record_substitution(
        self,
        *,
        subject: str,
        subgroup: str | None,
        substitute: UUID,
        starts: date,
        ends: date,
        reason: str,
        at: datetime,
    ) -> None:
        absent = self._assignment(subject, subgroup, starts)
        if absent is None or starts > ends:
            msg = (
                f"{self.name} {subject}: no teacher is assigned on {starts}, or the "
                f"substitution ends before it starts ({starts} – {ends})"
            )
            raise InvalidRecordError(msg)
        if substitute == absent.teacher or not reason.strip():
            msg = "a substitute must be another teacher, and a reason must be given"
            raise InvalidRecordError(msg)
        self._append(
            self.SubstitutionRecorded(
                *self._later(at),
                subject=subject,
                subgroup=subgroup,
                absent_teacher=absent.teacher,
                substitute=substitute,
                starts=starts,
                ends=ends,
                reason=reason,
            )
        )

    def _assignment(
        self, subject: str, subgroup: str | None, day: date
    ) -> Assignment | None:
        found = None
        for a in self.assignments.get(course_key(subject, subgroup), []):
            if a.starts <= day:
                found = a
        return found

    def teacher_on(self, subject: str, subgroup: str | None, day: date) -> UUID | None:
        found = self._assignment(subject, subgroup, day)
        return found.teacher if found else None

    def substitutes_on(
        self, subject: str, subgroup: str | None, day: date
    ) -> tuple[UUID, ...]:
        return tuple(
            s.substitute
            for s in self.substitutions
            if s.subject == subject and s.subgroup == subgroup
            if s.starts <= day <= s.ends
        )

    def check_teacher(
        self, staff: UUID, subject: str, subgroup: str | None, day: date
    ) -> bool:
        """Whether ``staff`` substitutes; raise :class:`NotAssignedError` when
        ``staff`` neither teaches nor substitutes this course on ``day``."""
        if self.teacher_on(subject, subgroup, day) == staff:
            return False
        if staff in self.substitutes_on(subject, subgroup, day):
            return True
        group = f" subgroup {subgroup}" if subgroup else ""
        assigned = self.teacher_on(subject, subgroup, day)
        msg = (
            f"staff member {staff} does not teach {self.name} {subject}{group} on "
            f"{day} and substitutes nobody there that day; allowed: the assigned "
            f"teacher ({assigned or 'none'}) or a substitute recorded for that day"
        )
        raise NotAssignedError(msg)

    def attestat_level(self) -> Level:
        """The attestat this class's graduates get: basic in grade 9, secondary
        in grade 11; :class:`AttestatError` in any other grade."""
        if self.grade not in (9, 11):
            msg = f"attestats are issued in grades 9 and 11, not in {self.name}"
            raise AttestatError(msg)
        return Level.BASIC if self.grade == 9 else Level.SECONDARY

    def check_member(
        self, pupil: UUID, subject: str, subgroup: str | None, day: date
    ) -> None:
        """:class:`NotEnrolledError` when the teaching assignment of ``subject``
        and ``subgroup`` on ``day`` lists its pupils and ``pupil`` is not one."""
        members = self.members_of(subject, subgroup, day)
        if members and pupil not in members:
            msg = (
                f"pupil {pupil} is not in subgroup {subgroup} of {self.name} "
                f"for {subject} on {day}; its pupils are listed in the "
                "teaching assignment"
            )
            raise NotEnrolledError(msg)

    def members_of(
        self, subject: str, subgroup: str | None, day: date
    ) -> tuple[UUID, ...]:
        """The pupils of a subgroup on ``day``; empty for the whole class."""
        found = self._assignment(subject, subgroup, day)
        return found.members if found else ()
