"""The school, its academic years and its classes (DESIGN §5, area "school").

Three aggregates, each a small stream:

- :class:`School`: registration, the subjects of the curriculum, the grading
  policies (versioned by the date they take effect);
- :class:`AcademicYear`: one per year, its calendar and study periods;
- :class:`SchoolClass`: one per class and year («7А» in 2025/2026), with who
  teaches what (and which subgroup) and the substitutions («журнал замещения»).

Pure: the services load them, call a command, and save.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID

from ledger.domain.base import ExtendsStream, Record, StartsStream, event_name
from ledger.domain.errors import (
    AlreadyRecordedError,
    AttestatError,
    InvalidRecordError,
    LessonDateError,
    NotAssignedError,
    NotEnrolledError,
    NotSchoolDayError,
    PeriodNotClosedError,
    SchoolTypeError,
    UnknownRecordError,
)
from ledger.domain.grading import Assessment, GradingPolicy, WorkType
from ledger.domain.ids import academic_year_id, class_id, school_id
from ledger.domain.portfolio import ACHIEVEMENTS_FOLDER, AchievementKind
from ledger.domain.schoolyear import (
    YEAR_PERIOD,
    Holiday,
    Period,
    PeriodScheme,
    check_calendar,
    days_between,
    is_school_day,
    scheme_for,
    why_not_school_day,
)
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


MAX_GRACE_DAYS = 14


@dataclass(frozen=True)
class Closure:
    """A closed period (``Y``: the year) and its scope: a class and subject, a
    class (``subject`` None) or the whole school (``class_id`` None)."""

    period: str
    class_id: UUID | None
    subject: str | None
    by: UUID
    seq: int

    def covers(self, class_id: UUID | None, subject: str | None) -> bool:
        """Whether this closure's scope includes the scope named."""
        return (self.class_id is None or self.class_id == class_id) and (
            self.subject is None or self.subject == subject
        )

    @property
    def scope(self) -> str:
        if self.class_id is None:
            return "the whole school" + (f", {self.subject}" if self.subject else "")
        return f"class {self.class_id}" + (f", {self.subject}" if self.subject else "")


def _check_working_days(
    working_days: tuple[date, ...], starts: date, ends: date, days_per_week: int
) -> None:
    """Transferred working days are weekend days of the school week, in the year."""
    for d in working_days:
        if not starts <= d <= ends or d.weekday() < days_per_week:
            msg = (
                f"working day {d:%d.%m.%Y} must be a day off of the "
                f"{days_per_week}-day week inside the year {starts} – {ends} "
                "(a transfer of days off makes it a working day)"
            )
            raise InvalidRecordError(msg)


@register_event_types
class AcademicYear(Record):
    """One academic year of a school: its dates, holidays and study periods."""

    class Opened(StartsStream):
        """school.AcademicYearOpened: the school year, its holidays and its
        periods (quarters, trimesters or halves, by grade) for current
        assessment and period grades (§4.1)."""

        TOPIC: ClassVar[str] = "school.AcademicYearOpened"
        school: UUID
        year: str
        starts: date
        ends: date
        days_per_week: int
        holidays: tuple[Holiday, ...]
        schemes: tuple[PeriodScheme, ...]
        working_days: tuple[date, ...] = ()
        late_after_days: int = 0

    class PeriodClosed(ExtendsStream):
        """school.PeriodClosed: the deputy director closes a study period for a
        class and subject, a class, or the whole school («период закрыт»): its
        marks and grades change after this only as corrections by the deputy
        or the director citing an order (§7.3.6, §8.1)."""

        TOPIC: ClassVar[str] = "school.PeriodClosed"
        period: str
        class_id: UUID | None
        subject: str | None
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.closures.append(
                Closure(
                    self.period,
                    self.class_id,
                    self.subject,
                    self.by,
                    self.originator_version,
                )
            )

    class YearClosed(ExtendsStream):
        """school.YearClosed: the deputy director closes the academic year for a
        class and subject, a class, or the whole school («год закрыт»): every
        period, the year grades and the year's journal, as for
        ``school.PeriodClosed`` (§7.3.3: the summary statement is final)."""

        TOPIC: ClassVar[str] = "school.YearClosed"
        class_id: UUID | None
        subject: str | None
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.closures.append(
                Closure(
                    YEAR_PERIOD,
                    self.class_id,
                    self.subject,
                    self.by,
                    self.originator_version,
                )
            )

    def __init__(
        self,
        school: UUID,
        year: str,
        starts: date,
        ends: date,
        days_per_week: int,
        holidays: tuple[Holiday, ...],
        schemes: tuple[PeriodScheme, ...],
        working_days: tuple[date, ...] = (),
        late_after_days: int = 0,
    ) -> None:
        self.school = school
        self.year = year
        self.starts = starts
        self.ends = ends
        self.days_per_week = days_per_week
        self.holidays = tuple(holidays)
        self.schemes = tuple(schemes)
        self.working_days = tuple(working_days)
        self.late_after_days = late_after_days
        self.closures: list[Closure] = []

    @classmethod
    def open(
        cls,
        *,
        school: UUID,
        year: str,
        starts: date,
        ends: date,
        days_per_week: int,
        holidays: tuple[Holiday, ...],
        schemes: tuple[PeriodScheme, ...],
        working_days: tuple[date, ...] = (),
        late_after_days: int = 0,
        at: datetime,
        grades: range = GRADES,
    ) -> Self:
        """Open ``year``; its period schemes cover ``grades`` (the school's)."""
        check_calendar(year, starts, ends, schemes, holidays, grades)
        if days_per_week not in (5, 6):
            msg = f"a school week has 5 or 6 days, not {days_per_week}"
            raise InvalidRecordError(msg)
        _check_working_days(working_days, starts, ends, days_per_week)
        if not 0 <= late_after_days <= MAX_GRACE_DAYS:
            msg = (
                f"the grace period for journal entries is {late_after_days} days; "
                f"allowed: 0 (the day of the lesson, §7.3.6) to {MAX_GRACE_DAYS}"
            )
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Opened(
                *cls._first(academic_year_id(school, year), at),
                school=school,
                year=year,
                starts=starts,
                ends=ends,
                days_per_week=days_per_week,
                holidays=tuple(holidays),
                schemes=tuple(schemes),
                working_days=tuple(sorted(working_days)),
                late_after_days=late_after_days,
            )
        )

    def check_lesson_day(self, day: date, today: date) -> None:
        """Raise :class:`LessonDateError` unless a lesson may be dated ``day``."""
        if not self.starts <= day <= self.ends:
            msg = (
                f"lesson date {day} is outside the academic year {self.year} "
                f"({self.starts} – {self.ends}); lessons are dated inside it"
            )
            raise LessonDateError(msg)
        if day > today:
            msg = (
                f"lesson date {day} is in the future (today is {today}); the journal "
                "is filled in on the day of the lesson or later (§7.3.6)"
            )
            raise LessonDateError(msg)
        self.check_school_day(day)

    def check_school_day(self, day: date) -> None:
        """:class:`NotSchoolDayError` naming why, unless ``day`` is a school day
        of this year's calendar (its week, holidays, vacations, transfers)."""
        why = why_not_school_day(
            day, self.holidays, self.days_per_week, self.working_days
        )
        if why is not None:
            msg = (
                f"{day:%d.%m.%Y} is not a school day of {self.year}: {why}; "
                "lessons are held on the school days of the year's calendar"
            )
            raise NotSchoolDayError(msg)

    def contains(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def closed_period(self, grade: int, code: str, today: date) -> Period:
        """The period ``code`` of ``grade``; :class:`PeriodNotClosedError` unless
        its last day is before ``today`` (period grades come after it)."""
        span = self.period(grade, code)
        if today <= span.ends:
            msg = (
                f"period {code} of grade {grade} ({span.starts} – {span.ends}) "
                f"is not closed yet (today is {today}); period grades are recorded "
                "after its last day"
            )
            raise PeriodNotClosedError(msg)
        return span

    def check_within(self, day: date, class_name: str) -> None:
        """:class:`InvalidRecordError` unless ``day`` (an assignment's or a
        substitution's) is inside this year of class ``class_name``."""
        if not self.contains(day):
            msg = (
                f"{day} is outside {class_name}'s year {self.year} "
                f"({self.starts} – {self.ends})"
            )
            raise InvalidRecordError(msg)

    def check_joinable(self, day: date, class_name: str) -> None:
        """:class:`InvalidRecordError` when a pupil would join class
        ``class_name`` of this year on ``day``, after the year's end."""
        if day > self.ends:
            msg = (
                f"{day} is after the end of {class_name}'s year {self.year} "
                f"({self.ends}); a pupil joins a class of the current year"
            )
            raise InvalidRecordError(msg)

    def check_begun(self, on: date, what: str) -> None:
        """:class:`InvalidRecordError` when ``what`` of ``on`` is dated before
        the year began."""
        if not self.starts <= on:
            msg = f"{what} of {on} is before the year {self.year} began"
            raise InvalidRecordError(msg)

    def period(self, grade: int, code: str) -> Period:
        """The period ``code`` of ``grade`` (``Y``: the whole year)."""
        if code == YEAR_PERIOD:
            return Period(YEAR_PERIOD, self.starts, self.ends)
        scheme = scheme_for(self.schemes, grade)
        for p in scheme.periods:
            if p.code == code:
                return p
        allowed = ", ".join([*(p.code for p in scheme.periods), YEAR_PERIOD])
        msg = f"grade {grade} has no period {code!r} in {self.year}; allowed: {allowed}"
        raise UnknownRecordError(msg)

    def periods(self, grade: int) -> tuple[Period, ...]:
        return scheme_for(self.schemes, grade).periods

    def school_days(self, first: date, last: date) -> list[date]:
        """School days (no weekend, no holiday) from ``first`` to ``last``."""
        return [
            d
            for d in days_between(max(first, self.starts), min(last, self.ends))
            if is_school_day(d, self.holidays, self.days_per_week, self.working_days)
        ]

    # -- late entries and closed periods ----------------------------------------

    def is_late(self, day: date, entered: date) -> bool:
        """Whether an entry made on ``entered`` for a lesson of ``day`` is late:
        more than the year's grace period after the lesson (§7.3.6: the journal
        is filled in on the day of the lesson)."""
        return (entered - day).days > self.late_after_days

    def close_period(
        self,
        *,
        period: str,
        class_id: UUID | None,
        grade: int | None,
        subject: str | None,
        by: UUID,
        today: date,
        at: datetime,
    ) -> str:
        """Close ``period`` (``Y``: the year) for a class and subject, a class
        (``subject`` None) or the whole school (``class_id`` None): after its
        last day, once per scope. Its event name."""
        ends = self._last_day_of(period, grade)
        if today <= ends:
            msg = (
                f"period {period} of {self.year} ends on {ends:%d.%m.%Y}; it is "
                f"closed after its last day (today is {today:%d.%m.%Y})"
            )
            raise PeriodNotClosedError(msg)
        found = self.closure_of_period(class_id, subject, period)
        if found is not None:
            msg = (
                f"period {period} is closed already for this scope by "
                f"{event_name(self.id, found.seq)} ({found.scope}); a period is "
                "closed once"
            )
            raise AlreadyRecordedError(msg)
        if period == YEAR_PERIOD:
            return self._append(
                self.YearClosed(
                    *self._later(at), class_id=class_id, subject=subject, by=by
                )
            )
        return self._append(
            self.PeriodClosed(
                *self._later(at),
                period=period,
                class_id=class_id,
                subject=subject,
                by=by,
            )
        )

    def _last_day_of(self, period: str, grade: int | None) -> date:
        """The last day of ``period``: of ``grade``'s scheme, or the latest of
        every scheme that has it (the whole school)."""
        if grade is not None:
            return self.period(grade, period).ends
        if period == YEAR_PERIOD:
            return self.ends
        found = [p.ends for s in self.schemes for p in s.periods if p.code == period]
        if not found:
            codes = sorted({p.code for s in self.schemes for p in s.periods})
            msg = (
                f"no grade has period {period!r} in {self.year}; allowed: "
                f"{', '.join([*codes, YEAR_PERIOD])}"
            )
            raise UnknownRecordError(msg)
        return max(found)

    def closure_of_period(
        self, class_id: UUID | None, subject: str | None, period: str
    ) -> Closure | None:
        """The closure that closes ``period``'s grades of a class and subject
        (the period's own, or the year's), if any."""
        for c in self.closures:
            if c.covers(class_id, subject) and c.period in (period, YEAR_PERIOD):
                return c
        return None

    def closure_of_day(
        self, class_id: UUID, grade: int, subject: str, day: date
    ) -> Closure | None:
        """The closure that closes the journal of a class and subject on ``day``
        (a closed period of the class's grade that contains it), if any."""
        for c in self.closures:
            if c.covers(class_id, subject) and any(
                day in p for p in self._span(grade, c.period)
            ):
                return c
        return None

    def _span(self, grade: int, code: str) -> tuple[Period, ...]:
        """The period ``code`` of ``grade`` if its scheme has it (a school-wide
        closure of «Q1» does not concern grades taught in halves)."""
        if code == YEAR_PERIOD:
            return (self.period(grade, code),)
        return tuple(p for p in self.periods(grade) if p.code == code)

    def closed_name(self, closure: Closure) -> str:
        """The closing event's name ``<stream>:<seq>``."""
        return event_name(self.id, closure.seq)


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
