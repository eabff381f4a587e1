"""A lesson sheet that `letopis serve --demo` suggests, and that the rules accept.

The demo simulates the school year 2025/2026 and stops there, so no later
year is open: a lesson dated today is outside every academic year and is
refused (§7.3.6: a lesson is dated inside its year, on the day or later).
The rules are not bent for the demo. Instead the suggestion is a sheet the
regulation allows today: the next lesson of a course the demo teacher
teaches, on the last school day of 2025/2026 that has lessons, with marks
for pupils who were marked in that course's first lesson of the day.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from api.server.office import Office
from ledger.domain.classes import SchoolClass
from ledger.domain.ids import class_id, lesson_id
from ledger.domain.journal import Entry, Lesson
from ledger.records.context import RecordsContext
from simulation.calendar import LAST_YEAR_STARTS, Calendar
from simulation.curriculum import LETTERS

Course = tuple[SchoolClass, str, str | None]
MAX_LESSONS_A_DAY = 8  # as the API's lesson sheet allows
SEARCHED_DAYS = 200  # school days looked back for a lesson with marks


def demo_lesson_sheet(office: Office, teacher: UUID) -> dict[str, Any] | None:
    """A lesson sheet body ``teacher`` may post now, or None if none is found."""
    calendar = Calendar.of(LAST_YEAR_STARTS)
    today = office.now().date()
    days = [d for d in reversed(calendar.school_days()) if d <= today]
    if not days:
        return None
    with office.reading() as ctx:
        courses = _courses(ctx, office.school, calendar.label, teacher, days[0])
        for day in days[:SEARCHED_DAYS]:
            for course in courses:
                sheet = _sheet(ctx, course, day)
                if sheet is not None:
                    return sheet
    return None


def _courses(
    ctx: RecordsContext, school: UUID, year: str, teacher: UUID, day: date
) -> list[Course]:
    found = []
    for grade in range(1, 12):
        for letter in LETTERS:
            klass = ctx.view(SchoolClass, class_id(school, year, f"{grade}{letter}"))
            if klass is None:
                continue
            for key in klass.assignments:
                subject, group = key.split("/", 1)
                subgroup = None if group == "-" else group
                if klass.teacher_on(subject, subgroup, day) == teacher:
                    found.append((klass, subject, subgroup))
    return found


def _sheet(ctx: RecordsContext, course: Course, day: date) -> dict[str, Any] | None:
    klass, subject, subgroup = course
    first = ctx.view(Lesson, lesson_id(klass.id, subject, subgroup, day, 1))
    if first is None:
        return None
    marked = [e for e in first.entries.values() if e.kind == "mark" and not e.voided]
    if not marked:
        return None
    number = 2
    while ctx.view(Lesson, lesson_id(klass.id, subject, subgroup, day, number)):
        number += 1
    if number > MAX_LESSONS_A_DAY:
        return None
    return {
        "class_id": str(klass.id),
        "subject": subject,
        "subgroup": subgroup,
        "day": day.isoformat(),
        "number": number,
        "topic": "Повторение (пробная запись демонстрации)",
        "marks": [_mark(e) for e in _distinct(marked)[:2]],
        "absences": [],
    }


def _distinct(entries: list[Entry]) -> list[Entry]:
    seen: dict[UUID, Entry] = {}
    for e in entries:
        seen.setdefault(e.pupil, e)
    return list(seen.values())


def _mark(entry: Entry) -> dict[str, Any]:
    return {
        "pupil": str(entry.pupil),
        "mark": entry.value,
        "work_type": entry.work_type,
    }
