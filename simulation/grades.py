"""Period and year grades: each teacher's grades of a closed period, the
policy's suggestion from the marks (or from the period grades, for the year),
now and then rounded up by the teacher."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.attestation import PeriodSheet
from simulation import curriculum
from simulation.curriculum import POLICY
from simulation.people import Course, Pupil
from simulation.state import SchoolState


def period_grades(sim: SchoolState, code: str, grades_in: tuple[int, ...]) -> None:
    """Each teacher records the closed period's grades of all their courses
    in one save."""
    sheets: dict[str, list[PeriodSheet]] = defaultdict(list)
    for klass in sim.classes.values():
        if klass.grade not in grades_in or klass.grade == 1:
            continue
        for course in (c for cs in klass.courses.values() for c in cs):
            grades = {
                pupil.id: _period_grade(sim, pupil, course, code)
                for pupil in course.members
                if pupil.klass is klass
            }
            if grades:
                sheet = PeriodSheet(klass.id, course.subject, grades, course.subgroup)
                sheets[course.teacher.label].append(sheet)
    for label in sorted(sheets):
        names = sim.records.attestation.record_period_sheets(
            code, sheets[label], signed_by=sim.staff[label].signing()
        )
        sim.commands += 1
        graded = [
            (pupil, sheet.subject, grade)
            for sheet in sheets[label]
            for pupil, grade in sheet.grades.items()
        ]
        sim.period_grade_events[f"{sim.calendar.label}/{code}"].extend(
            (name, *g, label) for name, g in zip(names, graded, strict=True)
        )


def _period_grade(sim: SchoolState, pupil: Pupil, course: Course, code: str) -> str:
    """The teacher's grade: the policy's suggestion, now and then rounded up."""
    assessment = curriculum.assessment(course.subject)
    if code == YEAR_PERIOD:
        known = sim.grades[(pupil.id, course.subject)]
        codes = [p.code for p in sim.calendar.periods(course.klass.grade)]
        suggestion = POLICY.suggest_year(
            [known[c] for c in codes if c in known], assessment
        )
    else:
        tracked = sim.marks.get((course.key, code, pupil.id), [])
        alive = [(str(m), int(str(w))) for m, w, ok in tracked if ok]
        suggestion = POLICY.suggest(alive, assessment)
    grade = _teachers_grade(sim, suggestion.grade, suggestion.average)
    sim.grades[(pupil.id, course.subject)][code] = grade
    return grade


def _teachers_grade(sim: SchoolState, suggested: str, average: Decimal | None) -> str:
    """Mostly the suggested grade; now and then the teacher rounds a
    borderline average up (the teacher's signed grade is what counts)."""
    borderline = average is not None and average % 1 >= Decimal("0.5")
    if borderline and suggested in ("2", "3", "4") and sim.rng.random() < 0.3:
        return str(int(suggested) + 1)
    return suggested
