"""The simulated school's years, in order: set-up, school days, the year's end.

A school with grades 1–11 (two to four classes a grade), the subjects and weekly
hours of the federal curriculum, a timetable, and one or more school years
(1 September to late May, with the usual holidays). Every record goes through
the same application services a real client uses (``ledger.records.office``),
signed by the staff member who makes it, at simulated times:

- lessons on every school day, with marks, absences (illnesses, truancy, late
  arrivals), next-day corrections and voids, a teacher's sick week covered by a
  substitute, now and then a day's lessons entered the next day
  (``simulation.lessons``);
- a few period grades corrected, every period and the year closed by the
  deputy director, one grade corrected after closing by order
  (``simulation.closing``);
- quarter/half and year grades (``simulation.grades``), the intermediate
  attestation with protocols, retakes of academic debts, the second before a
  commission (``simulation.year_end``);
- the final essay (December) and interview (February) that admit to the state
  exams, with an additional date for a «незачёт» (``simulation.exams``);
- council decisions in May and June, state exams (ОГЭ, ЕГЭ) from the regional
  centre, final grades (``simulation.exams``), attestats for grades 9 and 11
  with honours and medals where the criteria hold, a spoiled blank, a book
  correction, a duplicate (``simulation.attestats``);
- olympiad and sports achievements, one withdrawn (``simulation.achievements``),
  transfers, arrivals (``simulation.movements``).

Deterministic for a given seed: the same school, people, ids, records and
times (the random parts are the AES-GCM nonces of identity fields, the data
keys, and the real times of key registrations and of the seal's checkpoint).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ledger.domain.admission import AdmissionTestKind
from ledger.domain.portfolio import AchievementLevel
from ledger.domain.schoolyear import YEAR_PERIOD, year_label
from simulation import (
    achievements,
    attestats,
    closing,
    exams,
    grades,
    lessons,
    movements,
    staffing,
    year_end,
)
from simulation.calendar import LAST_YEAR_STARTS, Calendar, grades_with
from simulation.people import Staffer
from simulation.state import DEFAULT_STUDENTS, ORIGIN, Scale, SchoolState

__all__ = ["DEFAULT_STUDENTS", "ORIGIN", "Scale", "SchoolSimulation", "simulate"]

Action = Callable[[date], None]


class SchoolSimulation(SchoolState):
    """Runs school years through the records services, deterministically."""

    def run_year(
        self, y: int, progress: Callable[[str], None], until: date | None = None
    ) -> None:
        """One school year; with ``until``, only the school days up to it."""
        previous = self.classes
        staffing.open_year(self, y)
        if y == self.first_year:
            movements.enrol_everyone(self)
        else:
            movements.new_intake(self, previous)
        staffing.staff_courses(self)
        cal = self.calendar
        days = [d for d in cal.school_days() if until is None or d <= until]
        sick: lessons.Cover = {}
        plan = self._plan(y, days)
        pending = sorted(
            {
                (p.ends, p.code)
                for s in cal.schemes
                for p in s.periods
                if p.ends < cal.ends
            }
        )
        marks: list[str] = []
        absences: list[tuple[str, Staffer]] = []
        # no lessons entered late from a period's last day: they would be
        # corrected the day after, when the period is closed
        last_days = {
            max(d for d in days if d in p)
            for s in cal.schemes
            for p in s.periods
            if any(d in p for d in days)
        }
        sick_day = _sick_day(cal)
        for day in days:
            graded = []
            while pending and pending[0][0] < day:
                ends, code = pending.pop(0)
                self.clock.at(ends + timedelta(days=1), 10)
                grades.period_grades(self, code, grades_with(cal, code))
                graded.append(code)
            for action in plan.get(day, []):
                action(day)
            if day == sick_day:
                lessons.substitution(self, day, days, sick)
            self.today_marks, self.today_absences = [], []
            lessons.record_late(self, day)
            lessons.school_day(self, day, sick, may_defer=day not in last_days)
            lessons.corrections(self, day, marks, absences)
            marks, absences = self.today_marks, self.today_absences
            for code in graded:
                closing.correct_grades(self, code, day)
                closing.close_period(self, code, day)
            progress(f"{day:%d.%m.%Y}")
        if until is None or until > cal.ends:
            self.end_year(y, progress)

    def _plan(self, y: int, days: list[date]) -> dict[date, list[Action]]:
        """The year's occasional events, each on the first school day from its
        wanted date."""
        wanted: list[tuple[date, Action]] = [
            (date(y, 10, 15), self._olympiad(AchievementLevel.SCHOOL, 0.15)),
            (date(y, 11, 12), lambda d: movements.transfers_out(self, d)),
            (date(y, 12, 10), self._olympiad(AchievementLevel.MUNICIPAL, 0.04)),
            (date(y + 1, 1, 13), lambda d: movements.arrivals(self, d)),
            (date(y + 1, 2, 3), lambda d: movements.parallel_move(self, d)),
            (date(y, 12, 3), self._admission(AdmissionTestKind.ESSAY)),
            (date(y + 1, 2, 4), self._admission(AdmissionTestKind.ESSAY)),
            (date(y + 1, 2, 11), self._admission(AdmissionTestKind.INTERVIEW)),
            (date(y + 1, 2, 12), self._olympiad(AchievementLevel.REGIONAL, 0.01)),
            (date(y + 1, 3, 11), self._admission(AdmissionTestKind.INTERVIEW)),
            (date(y + 1, 4, 20), self._olympiad(AchievementLevel.SCHOOL, 0.05)),
            (date(y + 1, 5, 12), lambda d: achievements.withdraw_one(self, d)),
        ]
        plan: dict[date, list[Action]] = defaultdict(list)
        for wanted_day, action in wanted:
            day = next((d for d in days if d >= wanted_day), None)
            if day is not None:
                plan[day].append(action)
        return plan

    def _admission(self, kind: AdmissionTestKind) -> Action:
        """The final essay or interview on its main or additional date."""
        return lambda d: exams.admission_test(self, d, kind)

    def _olympiad(self, level: AchievementLevel, share: float) -> Action:
        return lambda d: achievements.olympiad(self, d, level, share)

    def end_year(self, y: int, progress: Callable[[str], None]) -> None:
        """Grades, attestation, council, exams, attestats and retakes, late May
        to late August."""
        cal = self.calendar
        after = cal.ends + timedelta(days=1)
        self.clock.at(after, 10)
        last = sorted(
            {p.code for s in cal.schemes for p in s.periods if p.ends == cal.ends}
        )
        for code in last:
            grades.period_grades(self, code, grades_with(cal, code))
        self.clock.at(after, 12)
        grades.period_grades(self, YEAR_PERIOD, tuple(range(1, 12)))
        progress("годовые отметки")
        year_end.intermediate_attestation(self, after + timedelta(days=1))
        year_end.admit_to_exams(self, after + timedelta(days=1))
        year_end.promote(self, after + timedelta(days=3))
        progress("педсовет: перевод, допуск к ГИА")
        exams.state_exams(self, y)
        progress("ГИА")
        year_end.retakes(self, date(y + 1, 6, 16), attempt=1)
        exams.final_grades(self, date(y + 1, 6, 23))
        attestats.attestat_decisions(self, date(y + 1, 6, 24))
        attestats.issue_attestats(self, date(y + 1, 6, 26), date(y + 1, 6, 27))
        attestats.book_correction(self, date(y + 1, 6, 30))
        movements.graduates_leave(self, date(y + 1, 6, 30))
        progress("аттестаты")
        if self.issued_basic:
            attestats.duplicate(self, date(y + 1, 8, 20), self.issued_basic[0])
        still = year_end.retakes(self, date(y + 1, 8, 25), attempt=2)
        year_end.retain(self, date(y + 1, 8, 27), still)
        closing.close_year(self, date(y + 1, 8, 28))
        progress("пересдачи")


def _sick_day(cal: Calendar) -> date:
    """The Monday after the autumn holidays: a teacher falls ill."""
    return next(d for d in cal.school_days() if d >= date(cal.starts.year, 11, 10))


def simulate(
    simulation: SchoolSimulation,
    *,
    until: date | None = None,
    console: Console | None = None,
) -> None:
    """Run the simulation's years (up to ``until``) with a progress bar on
    ``console`` (standard error unless given)."""
    err = console or Console(stderr=True)
    scale = simulation.scale
    years = range(simulation.first_year, LAST_YEAR_STARTS + 1)
    total = sum(len(Calendar.of(y).school_days()) + 5 for y in years)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task("school set-up", total=total)
        staffing.hire(simulation)
        staffing.found_school(simulation)
        for y in years:
            label = year_label(date(y, 9, 1))

            def step(what: str, label: str = label) -> None:
                progress.update(task, advance=1, description=f"{label} · {what}")

            simulation.run_year(y, step, until)
    err.print(
        f"simulated {scale.years} year(s), {len(simulation.pupils_now())} pupils now, "
        f"{len(simulation.classes)} classes, {len(simulation.staff)} staff, "
        f"{simulation.commands:,} service calls"
    )
