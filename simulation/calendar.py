"""The simulated school years' dates and the clock every demo record is made at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ledger.domain.schoolyear import (
    Holiday,
    Period,
    PeriodKind,
    PeriodScheme,
    days_between,
    is_school_day,
    year_label,
)
from simulation.builder import YearPlan

MSK = timedelta(hours=3)
LAST_YEAR_STARTS = 2025  # the last simulated school year is 2025/2026, fixed


@dataclass(frozen=True)
class Calendar(YearPlan):
    """One school year's dates: periods, holidays and school days."""

    @classmethod
    def of(cls, y: int) -> Calendar:
        ends = date(y + 1, 5, 26)
        while ends.weekday() >= 5:
            ends -= timedelta(days=1)
        holidays = (
            Holiday("осенние каникулы", date(y, 10, 26), date(y, 11, 4)),
            Holiday("зимние каникулы", date(y, 12, 29), date(y + 1, 1, 8)),
            Holiday("День защитника Отечества", date(y + 1, 2, 23), date(y + 1, 2, 23)),
            Holiday("Международный женский день", date(y + 1, 3, 9), date(y + 1, 3, 9)),
            Holiday("весенние каникулы", date(y + 1, 3, 22), date(y + 1, 3, 30)),
            Holiday("Праздник Весны и Труда", date(y + 1, 5, 1), date(y + 1, 5, 1)),
            Holiday("День Победы", date(y + 1, 5, 9), date(y + 1, 5, 9)),
        )
        quarters = (
            Period("Q1", date(y, 9, 1), date(y, 10, 25)),
            Period("Q2", date(y, 11, 5), date(y, 12, 28)),
            Period("Q3", date(y + 1, 1, 9), date(y + 1, 3, 21)),
            Period("Q4", date(y + 1, 3, 31), ends),
        )
        halves = (
            Period("H1", date(y, 9, 1), date(y, 12, 28)),
            Period("H2", date(y + 1, 1, 9), ends),
        )
        schemes = (
            PeriodScheme(tuple(range(1, 10)), PeriodKind.QUARTERS, quarters),
            PeriodScheme((10, 11), PeriodKind.HALVES, halves),
        )
        return cls(year_label(date(y, 9, 1)), date(y, 9, 1), ends, holidays, schemes)

    def school_days(self) -> list[date]:
        return [
            d
            for d in days_between(self.starts, self.ends)
            if is_school_day(d, self.holidays, 5)
        ]

    def periods(self, grade: int) -> tuple[Period, ...]:
        return next(s for s in self.schemes if grade in s.grades).periods

    def period_of(self, grade: int, day: date) -> str | None:
        return next((p.code for p in self.periods(grade) if day in p), None)


class DemoClock:
    """The simulated time every record of the demo is made at."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        """Moscow time ``hour:minute`` on ``day``; never earlier than before."""
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - MSK
        self.now = max(moment, self.now + timedelta(seconds=1))


def grades_with(cal: Calendar, code: str) -> tuple[int, ...]:
    """The grades whose period scheme has the period ``code``."""
    return next(s.grades for s in cal.schemes if any(p.code == code for p in s.periods))
