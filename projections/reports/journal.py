"""The class journal page («страница электронного журнала», §7.3.6).

Pupils × lessons of one class, subject and period. A mark that was corrected
shows its history in the cell (``3→4``) and a voided entry is shown struck as
``(4) анн.``; the table of corrections below names each correction, its reason,
who made it, when, and the entry it refers to. The weighted average counts the
marks as they stand after corrections and voids, with the weights recorded
with each mark (``ledger.domain.grading.weighted_average``). An entry made later
than the year's grace period after its lesson (§7.3.6: on the day of the
lesson) is printed with «*» (see :func:`is_late`); a corrected period grade
shows its current value and what it was.

A subject taught in subgroups has a journal per subgroup (§7.3.6: each
subgroup's teacher keeps its own records): its lessons, its members and its
teacher, signed by that teacher; the ``subgroup`` parameter prints one. On A4
landscape a wide period continues on further sheets, lessons in chunks, each
sheet repeating the pupils' column, the average and the period grade on the
last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from ledger.domain.grading import weighted_average
from ledger.envelope import parse_time
from projections.reports.amendments import Amended, amend, with_corrections
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    decimal,
    moment,
    short_day,
)
from projections.reports.errors import ReportError
from projections.reports.model import Layout, Report, Signature, Table
from projections.reports.school import Course, Pupil, School
from projections.reports.source import Record, Source, school_zone

NAME = "journal"
LATE = "*"
PARAMETERS = ("class", "subject", "period", "year", "subgroup")
REQUIRED = ("class", "subject", "period")
ENTRY_TYPES = ("journal.MarkRecorded", "journal.AbsenceRecorded")
AMEND_TYPES = ("journal.MarkCorrected", "journal.MarkVoided")
#: narrow (one-lesson) columns a sheet of A4 landscape holds beside the pupils
SHEET_COLUMNS = 20
AVERAGE_WIDTH = 2
GRADE_WIDTH = 4
MARKS = "Отметки и посещаемость"
LESSONS_OF = (
    "SELECT stream FROM {view_journal} WHERE type = 'journal.LessonHeld' AND "
    "class_id = ? AND subject = ? AND day >= ? AND day <= ?"
)


@dataclass
class Entry:
    """A mark or absence with its history: values in order, voided or not."""

    record: Record
    values: list[str] = field(default_factory=list)
    voided: bool = False

    @property
    def current(self) -> str:
        return self.values[-1]

    late: bool = False

    @property
    def counts(self) -> bool:
        """A mark that counts in the average: numeric and not voided."""
        return (
            self.record.type == "journal.MarkRecorded"
            and not self.voided
            and self.current.isdigit()
        )

    def text(self) -> str:
        shown = "→".join(self.values) + (LATE if self.late else "")
        return f"({shown}) анн." if self.voided else shown


def entries_with_history(
    rows: list[Record],
) -> tuple[dict[str, Entry], list[tuple[Record, str]]]:
    """Entries by event name with their corrections applied in log order, and
    each correction or void with the value it changed."""
    entries: dict[str, Entry] = {}
    amendments: list[tuple[Record, str]] = []
    for r in rows:
        if r.type == "journal.MarkRecorded":
            entries[r.event] = Entry(r, [r.data["mark"]])
        elif r.type == "journal.AbsenceRecorded":
            entries[r.event] = Entry(r, [r.data["kind"]])
        elif r.target in entries:
            amendments.append((r, entries[r.target].current))
            if r.type == "journal.MarkCorrected":
                entries[r.target].values.append(r.data["mark"])
            else:
                entries[r.target].voided = True
    return entries, amendments


@dataclass
class Page:
    """What one journal page shows: its lessons, their entries with history,
    the corrections and voids, and the period grades by pupil."""

    lessons: list[Record]
    entries: dict[str, Entry]
    amendments: list[tuple[Record, str]]
    grades: dict[str | None, str]


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school = inputs.school
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    subject = school.taught_subject(params.get("subject"), klass)
    period = school.period(params.get("period"), year, klass)
    page = _read(inputs.source, (klass.id, subject.code, period.starts, period.ends))
    flag_late(page, year.late_after_days, school_zone(inputs.source))
    graded = amend(
        inputs.source.rows(
            "view_grades",
            "class_id = ? AND year = ? AND subject = ?",
            (klass.id, year.label, subject.code),
            types=with_corrections(("attestation.PeriodGradeRecorded",)),
        )
    )
    page.grades = {
        r.pupil: _grade_shown(graded, r)
        for r in graded.rows
        if r.data["period"] == period.code
    }
    pupils = school.pupils_of(klass)
    groups = _subgroups(page, school.subgroups(klass, subject.code), pupils)
    wanted = params.get("subgroup")
    if wanted:
        groups = [g for g in groups if g.label == wanted.strip()]
        if not groups:
            known = ", ".join(
                g.label or "весь класс"
                for g in _subgroups(page, school.subgroups(klass, subject.code), pupils)
            )
            msg = (
                f"subgroup {wanted!r} has no lessons of {subject.code} in "
                f"{klass.name}; subgroups: {known}"
            )
            raise ReportError(msg)
    teachers = [
        (g, school.staff_name(g.teacher) if g.teacher else DASH) for g in groups
    ]
    return Report(
        name=NAME,
        title=f"Классный журнал: {klass.name}, {subject.name}, {period.title}"
        + (f", подгруппа {wanted.strip()}" if wanted else ""),
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
            ("Предмет", subject.name),
            ("Период", f"{period.title}: {day(period.starts)} – {day(period.ends)}"),
            *((_teacher_label(g), name) for g, name in teachers),
        ),
        provenance=inputs.source.provenance,
        tables=(
            *(_marks_table(page, g, period.title) for g in groups),
            _amendments_table(
                page, {p.id: p.name for p in pupils}, school.staff_member, school
            ),
            _lessons_table(page.lessons),
        ),
        notes=NOTES,
        landscape=True,
        parameters={
            "class": klass.name,
            "subject": subject.code,
            "period": period.code,
            "year": year.label,
            **({"subgroup": wanted.strip()} if wanted else {}),
        },
        signatures=tuple(
            Signature("Учитель", name, f"Подгруппа {g.label}" if g.label else "")
            for g, name in teachers
        ),
    )


@dataclass(frozen=True)
class Subgroup:
    """One journal of a subject: the whole class (``label`` empty) or a
    subgroup, with its lessons, pupils and teacher."""

    label: str
    lessons: list[Record]
    pupils: list[Pupil]
    teacher: str | None


def _subgroups(
    page: Page, courses: list[Course], pupils: list[Pupil]
) -> list[Subgroup]:
    """The page's journals: one per subgroup its lessons name (the whole class
    when they name none), each with the subgroup's members when assigned, and
    the teacher of its assignment (or of its lessons)."""
    labels = sorted({r.data["subgroup"] or "" for r in page.lessons}) or [""]
    if not page.lessons:
        labels = sorted({c.subgroup or "" for c in courses}) or [""]
    assigned = {c.subgroup or "": c for c in courses}
    found = []
    for label in labels:
        lessons = [r for r in page.lessons if (r.data["subgroup"] or "") == label]
        course = assigned.get(label)
        members = set(course.members) if course and course.members else None
        if members is None and label:
            members = {
                e.record.data["pupil"]
                for e in page.entries.values()
                if e.record.stream in {r.stream for r in lessons}
            }
        held = [r.data["teacher"] for r in lessons if not r.data["substitute"]]
        teacher = course.teacher if course else (held[0] if held else None)
        found.append(
            Subgroup(
                label,
                lessons,
                [p for p in pupils if members is None or p.id in members],
                teacher,
            )
        )
    return found


def _teacher_label(group: Subgroup) -> str:
    return f"Учитель (подгруппа {group.label})" if group.label else "Учитель"


NOTES = (
    "«3→4»: отметка исправлена (история слева направо); «(4) анн.»: запись "
    "аннулирована и не учитывается; н, б, у, оп: отсутствие (не был, болел, "
    "по уважительной причине, опоздал).",
    f"«4{LATE}»: запись внесена позже срока (журнал заполняется в день урока, "
    "§7.3.6; срок задается календарем учебного года); такие записи перечислены "
    "в отчете «Журнал изменений».",
    "Средний балл взвешен по видам работ; исправленные отметки учитываются "
    "в последнем значении, аннулированные не учитываются.",
)


def _read(source: Source, span: tuple[str, str, str, str]) -> Page:
    """The lessons of (class, subject, first day, last day) and their entries."""
    lessons = source.rows(
        "view_journal",
        "class_id = ? AND subject = ? AND day >= ? AND day <= ?",
        span,
        types=("journal.LessonHeld",),
    )
    lessons.sort(key=lambda r: (r.day, r.data["number"], r.data["subgroup"] or ""))
    rows = source.rows(
        "view_journal",
        f"stream IN ({LESSONS_OF})",
        span,
        types=ENTRY_TYPES + AMEND_TYPES,
    )
    entries, amendments = entries_with_history(rows)
    return Page(lessons, entries, amendments, {})


def _marks_table(page: Page, group: Subgroup, period: str) -> Table:
    cells: dict[tuple[str, str], list[Entry]] = {}
    for e in page.entries.values():
        cells.setdefault((e.record.data["pupil"], e.record.stream), []).append(e)
    rows = []
    for n, pupil in enumerate(group.pupils, 1):
        mine = [cells.get((pupil.id, lesson.stream), []) for lesson in group.lessons]
        counted = [
            (int(e.current), e.record.data["weight"])
            for c in mine
            for e in c
            if e.counts
        ]
        rows.append(
            (
                str(n),
                pupil.name,
                *(" ".join(e.text() for e in c) for c in mine),
                decimal(weighted_average(counted)) if counted else DASH,
                page.grades.get(pupil.id, DASH),
            )
        )
    columns = (
        "№",
        "Обучающийся",
        *(_lesson_heading(r) for r in group.lessons),
        "Средний балл (взвешенный)",
        f"Отметка за период ({period})",
    )
    title = f"{MARKS}: подгруппа {group.label}" if group.label else MARKS
    return Table(
        title,
        columns,
        tuple(rows),
        marks_layout(len(group.lessons)),
    )


def marks_layout(lessons: int) -> Layout:
    """A journal page on A4: lessons in chunks that fit a sheet, the pupils'
    column on every sheet, the average and the period grade last."""
    return Layout(
        fixed=2,
        groups=(("Даты уроков", lessons), ("", 2)),
        budget=SHEET_COLUMNS,
        widths=(*(1 for _ in range(lessons)), AVERAGE_WIDTH, GRADE_WIDTH),
    )


def _amendments_table(
    page: Page, names: dict[str, str], staff: Callable[[str], str], school: School
) -> Table:
    lesson_day = {r.stream: r.day for r in page.lessons}
    return Table(
        "Исправления и аннулирования записей",
        (
            "Дата урока",
            "Обучающийся",
            "Запись (событие)",
            "Было",
            "Действие",
            "Причина",
            "Кто (сотрудник)",
            "Когда",
            "Событие исправления",
        ),
        tuple(
            _amendment(a, page.entries, names, lesson_day, staff, school.zone)
            for a in page.amendments
        ),
    )


def _lessons_table(lessons: list[Record]) -> Table:
    return Table(
        "Уроки",
        ("Дата", "№ урока", "Подгруппа", "Тема", "Домашнее задание", "Замещение"),
        tuple(
            (
                day(r.day),
                str(r.data["number"]),
                r.data["subgroup"] or DASH,
                r.data["topic"],
                r.data["homework"] or DASH,
                "да" if r.data["substitute"] else "",
            )
            for r in lessons
        ),
    )


def _lesson_heading(r: Record) -> str:
    text = short_day(r.day or "")
    if r.data["number"] > 1:
        text += f"/{r.data['number']}"
    return text


def _amendment(
    amended: tuple[Record, str],
    entries: dict[str, Entry],
    names: dict[str, str],
    lesson_day: dict[str, str | None],
    staff: Callable[[str], str],
    zone: ZoneInfo,
) -> tuple[str, ...]:
    r, before = amended
    pupil = entries[r.target or ""].record.data["pupil"]
    if r.type == "journal.MarkCorrected":
        action = f"исправлено на {r.data['mark']}"
    else:
        action = "аннулировано"
    return (
        day(lesson_day.get(r.stream)),
        names.get(pupil, pupil),
        r.target or DASH,
        before,
        action,
        r.data["reason"],
        staff(r.data["by"]),
        moment(r.at, zone),
        r.event,
    )


def is_late(lesson_day: str, at: str, grace_days: int, zone: ZoneInfo) -> bool:
    """Whether an entry made at ``at`` (UTC, RFC 3339) for a lesson of
    ``lesson_day`` was made more than ``grace_days`` after the lesson's day, in
    the school's own time zone (§7.3.6: on the day of the lesson)."""
    entered = parse_time(at).astimezone(zone).date()
    return (entered - date.fromisoformat(lesson_day)).days > grace_days


def flag_late(page: Page, grace_days: int, zone: ZoneInfo) -> None:
    """Mark the page's entries made after the grace period as late."""
    days = {r.stream: r.day or "" for r in page.lessons}
    for entry in page.entries.values():
        lesson_day = days.get(entry.record.stream)
        if lesson_day:
            entry.late = is_late(lesson_day, entry.record.at, grace_days, zone)


def _grade_shown(graded: Amended, r: Record) -> str:
    """The current period grade, with what it was when corrected («4 (было 3)»)."""
    grade = str(r.data["grade"])
    changes = graded.changes.get(r.event)
    if not changes:
        return grade
    return f"{grade} (исправлено, было {changes[0].before})"
