"""Corrected period grades, closed periods and years, late journal entries
(issue 13).

- a few period grades corrected by their teacher before the period is closed
  (a recount), one corrected after closing by the deputy director citing an
  order;
- every period closed for the whole school by the deputy director on the first
  school day after its grades, once yesterday's marks are corrected; the year
  closed in late August, after the retakes;
- now and then a teacher enters a day's lessons the next school day: late
  entries, flagged in the journal and listed in «Журнал изменений».
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.domain.attestation import Protocol
from ledger.domain.schoolyear import YEAR_PERIOD
from simulation.state import SchoolState

GRADE_CORRECTIONS = 0.002  # share of a period's grades corrected before closing
LATE_DAYS = 0.01  # a teacher's chance of entering a day's lessons the next day
RAISED = {"3": "4", "4": "5"}


def correct_grades(sim: SchoolState, code: str, day: date) -> None:
    """Teachers correct a few of the period's grades (a recount), before the
    deputy closes it."""
    for name, pupil, subject, grade, label in _recorded(sim, code):
        if grade not in RAISED or sim.rng.random() >= GRADE_CORRECTIONS:
            continue
        if sim.grades[(pupil, subject)].get(code) != grade:
            continue
        sim.clock.at(day, 17, 50)
        sim.records.attestation.correct_period_grade(
            pupil=pupil,
            subject=subject,
            year=sim.calendar.label,
            corrects=name,
            grade=RAISED[grade],
            reason="пересчет: не учтена работа над ошибками",
            signed_by=sim.staff[label].signing(),
        )
        sim.grades[(pupil, subject)][code] = RAISED[grade]
        sim.commands += 1


def close_period(sim: SchoolState, code: str, day: date) -> None:
    """The deputy closes the period for the whole school, then corrects one
    grade on a parent's appeal, citing the director's order."""
    sim.clock.at(day, 18)
    sim.records.closing.close_period(
        year=sim.calendar.label, period=code, signed_by=sim.deputy.signing()
    )
    sim.commands += 1
    found = [
        r
        for r in _recorded(sim, code)
        if r[3] in RAISED and sim.grades[(r[1], r[2])].get(code) == r[3]
    ]
    if code == YEAR_PERIOD or not found:
        return
    name, pupil, subject, grade, _ = sim.rng.choice(found)
    sim.orders += 1
    sim.clock.at(day, 18, 30)
    sim.records.attestation.correct_period_grade(
        pupil=pupil,
        subject=subject,
        year=sim.calendar.label,
        corrects=name,
        grade=RAISED[grade],
        reason="по заявлению родителей, после повторной проверки работ",
        order=Protocol(f"{sim.orders}-о", day),
        signed_by=sim.deputy.signing(),
    )
    sim.grades[(pupil, subject)][code] = RAISED[grade]
    sim.commands += 1


def close_year(sim: SchoolState, day: date) -> None:
    """The deputy closes the year for the whole school (after the retakes)."""
    close_period(sim, YEAR_PERIOD, day)


def _recorded(sim: SchoolState, code: str) -> list[tuple[str, UUID, str, str, str]]:
    return list(sim.period_grade_events[f"{sim.calendar.label}/{code}"])
