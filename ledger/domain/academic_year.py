"""An academic year of a school (DESIGN §5, area "school"): its dates,
holidays and transferred working days, the study periods of each grade
(quarters or halves), and the closing of periods and of the year (§8.1).

Pure: the services load it, call a command, and save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from ledger.domain.base import ExtendsStream, Record, StartsStream, event_name
from ledger.domain.errors import (
    AlreadyRecordedError,
    InvalidRecordError,
    LessonDateError,
    NotSchoolDayError,
    PeriodNotClosedError,
    UnknownRecordError,
)
from ledger.domain.ids import academic_year_id
from ledger.domain.school import GRADES
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
