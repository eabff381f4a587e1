"""A pupil's diary («электронный дневник», §7.3.6): marks, absences, period grades.

One pupil, one year (by default the latest year the pupil was placed in a
class), optionally one period: every mark and absence with its lesson, the
corrections and voids as the journal shows them, and the period grades.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ledger.domain.grading import weighted_average
from projections.reports.amendments import amend, with_corrections
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    class_teacher_signature,
    day,
    decimal,
)
from projections.reports.errors import ReportError
from projections.reports.journal import (
    AMEND_TYPES,
    ENTRY_TYPES,
    Entry,
    entries_with_history,
)
from projections.reports.model import Report, Table
from projections.reports.school import Klass, Period, Pupil, School, Year
from projections.reports.source import Record, Source

NAME = "diary"
PARAMETERS = ("pupil", "year", "period")
REQUIRED = ("pupil",)
LESSONS_OF = "SELECT stream FROM {view_journal} WHERE pupil = ?"


def pupil_year(
    school: School, pupil: Pupil, value: str | None
) -> tuple[Year, Klass | None]:
    """The year asked for (default: the pupil's latest) and the pupil's class in it."""
    classes = [school.classes.get(p.get("class_id") or "") for p in pupil.placements]
    placed = [c for c in classes if c is not None]
    if value is None and placed:
        latest = max(placed, key=lambda c: school.years[c.year].starts)
        value = latest.year
    year = school.year(value)
    in_year = [c for c in placed if c.year == year.label]
    return year, (in_year[-1] if in_year else None)


@dataclass
class Marks:
    """The pupil's entries in the lessons of a span, with what explains them."""

    lessons: dict[str, Record]  # lesson stream → the lesson
    entries: list[Entry]  # by lesson day, subject, number
    reasons: dict[str | None, str]  # entry name → reason of its correction

    def lesson(self, entry: Entry) -> Record:
        return self.lessons[entry.record.stream]


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school = inputs.school
    pupil = school.pupil(params.get("pupil"))
    year, klass = pupil_year(school, pupil, params.get("year"))
    span = _span(school, params.get("period"), year, klass)
    marks = pupil_marks(inputs.source, pupil, span)
    return Report(
        name=NAME,
        title=f"Электронный дневник: {pupil.name}",
        header=(
            ("Школа", school.name),
            ("Обучающийся", pupil.name),
            ("Личное дело №", pupil.personal_file),
            ("Учебный год", year.label),
            ("Класс", klass.name if klass else DASH),
            ("Период", f"{span.title}: {day(span.starts)} – {day(span.ends)}"),
        ),
        provenance=inputs.source.provenance,
        tables=(
            _entries_table(school, marks),
            periods_table(inputs, pupil, year, klass, marks, span),
        ),
        notes=(
            "«3→4»: отметка исправлена; «(4) анн.»: запись аннулирована; н, б, у, "
            "оп: отсутствие (не был, болел, по уважительной причине, опоздал).",
            "«4¹»: отметка за период исправлена (показана текущая; история — в "
            "сводной ведомости и в «Журнале изменений»).",
        ),
        parameters={
            "pupil": pupil.personal_file,
            "year": year.label,
            **({"period": span.code} if params.get("period") else {}),
        },
        signatures=(class_teacher_signature(school, klass),),
    )


def pupil_marks(source: Source, pupil: Pupil, span: Period) -> Marks:
    """The pupil's entries in the span's lessons, with their corrections (the
    diary report's, and the web diary's and its charts').

    Entries follow their lesson in the log, so rows before the span's first
    lesson are not read (a diary of one year does not decode every year).
    """
    lessons = {
        r.stream: r
        for r in source.rows(
            "view_journal",
            f"stream IN ({LESSONS_OF}) AND day >= ? AND day <= ?",
            (pupil.id, span.starts, span.ends),
            types=("journal.LessonHeld",),
        )
    }
    first = min((r.position for r in lessons.values()), default=0)
    own = source.rows(
        "view_journal",
        "pupil = ? AND position > ?",
        (pupil.id, first),
        types=ENTRY_TYPES,
    )
    amended = source.rows(
        "view_journal",
        f"stream IN ({LESSONS_OF}) AND position > ?",
        (pupil.id, first),
        types=AMEND_TYPES,
    )
    rows = sorted(own + amended, key=lambda r: r.position)
    entries, _ = entries_with_history(rows)
    mine = [e for e in entries.values() if e.record.stream in lessons]
    marks = Marks(lessons, mine, {})
    mine.sort(
        key=lambda e: (
            marks.lesson(e).day,
            marks.lesson(e).data["subject"],
            marks.lesson(e).data["number"],
            e.record.position,
        )
    )
    marks.reasons = {r.target: r.data["reason"] for r in rows if r.type in AMEND_TYPES}
    return marks


def _entries_table(school: School, marks: Marks) -> Table:
    def row(e: Entry) -> tuple[str, ...]:
        lesson = marks.lesson(e)
        weight = e.record.data.get("weight")
        return (
            day(lesson.day),
            school.subject_name(lesson.data["subject"]),
            lesson.data["topic"],
            e.text(),
            e.record.data.get("work_type") or "отсутствие",
            str(weight) if weight else DASH,
            marks.reasons.get(e.record.event, ""),
        )

    return Table(
        "Отметки и посещаемость",
        ("Дата", "Предмет", "Тема урока", "Запись", "Вид работы", "Вес", "Примечание"),
        tuple(row(e) for e in marks.entries),
    )


def periods_table(
    inputs: Inputs,
    pupil: Pupil,
    year: Year,
    klass: Klass | None,
    marks: Marks,
    span: Period,
) -> Table:
    """Subjects × the grade's periods, with the weighted average over the span."""
    by_subject: dict[str, dict[str, str]] = {}
    graded = amend(
        inputs.source.rows(
            "view_grades",
            "pupil = ? AND year = ?",
            (pupil.id, year.label),
            types=with_corrections(("attestation.PeriodGradeRecorded",)),
        )
    )
    for g in graded.rows:  # the current grades: a corrected one is marked «4¹»
        by_subject.setdefault(g.subject or "", {})[g.data["period"]] = graded.mark(
            g.event, g.data["grade"]
        )
    averages: dict[str, list[tuple[int, int]]] = {}
    for e in marks.entries:
        subject = marks.lesson(e).data["subject"]
        by_subject.setdefault(subject, {})
        if e.counts:
            averages.setdefault(subject, []).append(
                (int(e.current), e.record.data["weight"])
            )
    periods = year.periods(klass.grade) if klass else ()
    school = inputs.school
    return Table(
        "Отметки за периоды",
        ("Предмет", *(p.title for p in periods), f"Средний балл ({span.title})"),
        tuple(
            (
                school.subject_name(s),
                *(by_subject[s].get(p.code, DASH) for p in periods),
                decimal(weighted_average(averages[s])) if s in averages else DASH,
            )
            for s in school.subjects
            if s in by_subject
        ),
    )


def _span(school: School, value: str | None, year: Year, klass: Klass | None) -> Period:
    if value is None:
        return Period("Y", year.starts, year.ends)
    if klass is None:
        msg = f"the pupil was in no class in {year.label}; it has no periods"
        raise ReportError(msg)
    return school.period(value, year, klass)
