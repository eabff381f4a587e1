"""The school calendar as values: study periods, holidays, school days. Pure.

A Russian school year runs from 1 September to late May. Grades may split it
differently: quarters («четверти») in grades 1–9, halves («полугодия») in
10–11, or trimesters («триместры»); the year («год») is a period too, for year
grades.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ledger.domain.errors import InvalidRecordError, UnknownRecordError

YEAR_PERIOD = "Y"
PERIOD_NAMES = {
    "Q1": "I четверть",
    "Q2": "II четверть",
    "Q3": "III четверть",
    "Q4": "IV четверть",
    "T1": "I триместр",
    "T2": "II триместр",
    "T3": "III триместр",
    "H1": "I полугодие",
    "H2": "II полугодие",
    YEAR_PERIOD: "год",
}


class PeriodKind(StrEnum):
    """How a grade's year is split for period grades."""

    QUARTERS = "quarters"
    TRIMESTERS = "trimesters"
    HALVES = "halves"


@dataclass(frozen=True)
class Period:
    """One study period, its code (Q1…Q4, T1…T3, H1, H2, Y) and its days."""

    code: str
    starts: date
    ends: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts <= day <= self.ends


@dataclass(frozen=True)
class PeriodScheme:
    """The periods of the grades that share one split of the year."""

    grades: tuple[int, ...]
    kind: PeriodKind
    periods: tuple[Period, ...]


@dataclass(frozen=True)
class Holiday:
    """School holidays («каникулы»): no lessons from ``starts`` to ``ends``."""

    name: str
    starts: date
    ends: date


def year_label(starts: date) -> str:
    """ "2025/2026" for a year starting in 2025."""
    return f"{starts.year}/{starts.year + 1}"


def check_calendar(
    label: str,
    starts: date,
    ends: date,
    schemes: tuple[PeriodScheme, ...],
    holidays: tuple[Holiday, ...],
    grades: Sequence[int] = range(1, 12),
) -> None:
    """Raise :class:`InvalidRecordError` unless the year's calendar is coherent;
    its period schemes cover the school's ``grades`` (its type's) once each."""
    if label != year_label(starts):
        msg = (
            f"year {label!r} does not start on {starts}; expected {year_label(starts)}"
        )
        raise InvalidRecordError(msg)
    if not starts < ends <= date(starts.year + 1, 8, 31):
        msg = f"the year must end after it starts and by 31 August: {starts}–{ends}"
        raise InvalidRecordError(msg)
    covered = [g for s in schemes for g in s.grades]
    if sorted(covered) != list(grades):
        span = f"{min(grades)}–{max(grades)}"
        msg = f"period schemes must cover grades {span} once each; they cover {covered}"
        raise InvalidRecordError(msg)
    for scheme in schemes:
        _check_scheme(scheme, starts, ends)
    for h in holidays:
        if h.starts > h.ends:
            msg = f"holiday {h.name!r} ends before it starts"
            raise InvalidRecordError(msg)


def _check_scheme(scheme: PeriodScheme, starts: date, ends: date) -> None:
    previous_end = starts - timedelta(days=1)
    for p in scheme.periods:
        if p.code not in PERIOD_NAMES or p.code == YEAR_PERIOD:
            msg = f"period code {p.code!r} unknown; allowed: Q1–Q4, T1–T3, H1, H2"
            raise InvalidRecordError(msg)
        if not previous_end < p.starts <= p.ends <= ends:
            msg = (
                f"period {p.code} ({p.starts}–{p.ends}) must follow the previous "
                f"one and lie within the year {starts}–{ends}"
            )
            raise InvalidRecordError(msg)
        previous_end = p.ends


def scheme_for(schemes: tuple[PeriodScheme, ...], grade: int) -> PeriodScheme:
    """The period scheme of ``grade``."""
    for scheme in schemes:
        if grade in scheme.grades:
            return scheme
    msg = f"no period scheme covers grade {grade}"
    raise UnknownRecordError(msg)


def is_school_day(
    day: date,
    holidays: tuple[Holiday, ...],
    days_per_week: int,
    working_days: tuple[date, ...] = (),
) -> bool:
    """A weekday of the school week (or a weekend day made a working day by a
    transfer) that is not in a holiday."""
    return why_not_school_day(day, holidays, days_per_week, working_days) is None


WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def why_not_school_day(
    day: date,
    holidays: tuple[Holiday, ...],
    days_per_week: int,
    working_days: tuple[date, ...] = (),
) -> str | None:
    """Why ``day`` has no lessons (a weekend day, a public holiday or a
    vacation, by name), or ``None`` when it is a school day.

    ``working_days`` are weekend days made working days by a transfer of days
    off («перенос выходных дней»): they are school days unless a holiday
    covers them. A holiday of one day is a public holiday («праздничный
    день»); a longer one is a vacation («каникулы»)."""
    for h in holidays:
        if h.starts <= day <= h.ends:
            return f"it falls in «{h.name}» ({h.starts:%d.%m.%Y}–{h.ends:%d.%m.%Y})"
    if day.weekday() >= days_per_week and day not in working_days:
        return (
            f"it is a {WEEKDAYS[day.weekday()]}, a day off in a "
            f"{days_per_week}-day school week"
        )
    return None


def days_between(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
