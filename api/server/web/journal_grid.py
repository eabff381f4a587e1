"""A journal page's grid: pupils × lessons of one course and period.

Read from the records view as the API's lists read it
(:mod:`api.server.routers.lists`), once per page: the course's lessons of the
period, the entries of all of them in one read, the class's pupils by journal
number (Russian alphabetical order) with their names opened only for this
class, and the period grades. Each pupil's weighted average and the grade it
rounds to come from the school's grading policy itself
(:meth:`GradingPolicy.suggest`, the same arithmetic the period grade records
beside the teacher's grade).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any
from uuid import UUID

from markupsafe import Markup

from api.server.accounts import Account
from api.server.listing import (
    LiveRecords,
    period_title,
    placed_in,
    staff_names,
    year_periods,
)
from api.server.office import Office
from api.server.routers.lists import (
    EntryListed,
    LessonListed,
    entries_listed,
    entry_counts,
    held_in,
    lesson_rows,
    listed_lessons,
    period_span,
)
from api.server.tokens import utcnow
from api.server.web.journal_scope import JournalCourse
from api.server.web.pages import PageError
from ledger.domain.grading import GradingPolicy, Suggestion, WorkType
from ledger.domain.schoolyear import YEAR_PERIOD
from projections.reports.source import Record

GRADE_TYPES = ("attestation.PeriodGradeRecorded", "attestation.PeriodGradeCorrected")


@dataclass(frozen=True)
class Shown:
    """An entry as its cell shows it: the link, the style, the hover text."""

    href: str
    css: str
    title: str
    value: str


def shown(entry: EntryListed, work_types: list[str]) -> Shown:
    """How a cell shows ``entry``: its work type's style (the legend's), a
    correction or void marked, the work type and weight on hover."""
    css = ["entry", entry.kind]
    if entry.kind == "mark":
        index = (
            work_types.index(entry.work_type)
            if entry.work_type in work_types
            else len(work_types)
        )
        css.append(f"wt-{index}")
        title = f"{entry.work_type}, вес {entry.weight}"
    else:
        title = "отсутствие"
    if entry.voided:
        css.append("voided")
        title += "; аннулирована"
    elif entry.history:
        css.append("corrected")
        title += f"; исправлено: {entry.recorded} → {entry.value}"
    return Shown(
        f"/app/journal/entries/{entry.entry}", " ".join(css), title, entry.value
    )


@dataclass
class GridRow:
    """One pupil's line: their entries by lesson, average and period grade."""

    number: int  # № in the class journal
    pupil: str
    name: str
    left: str | None  # the day the pupil left the class, if they did
    cells: dict[str, list[EntryListed]] = field(default_factory=dict)
    suggestion: Suggestion | None = None
    grade: str | None = None
    grade_history: list[Record] = field(default_factory=list)  # it, corrections
    line: list[list[Shown]] = field(default_factory=list)  # a cell a lesson

    @property
    def grade_entry(self) -> str | None:
        """The period grade's original entry (corrections name it)."""
        return self.grade_history[0].event if self.grade_history else None

    @property
    def cells_html(self) -> Markup:
        """The row's lesson cells as HTML, every value escaped: built here, in
        one pass, rather than by the template's loops (30 × 45 cells)."""
        cells = (
            "".join(
                f'<a class="{escape(e.css)}" href="{escape(e.href)}" '
                f'title="{escape(e.title)}">{escape(e.value)}</a>'
                for e in cell
            )
            for cell in self.line
        )
        return Markup("".join(f'<td class="cell">{c}</td>' for c in cells))  # noqa: S704 - escaped above

    @property
    def present(self) -> bool:
        return self.left is None

    def entries(self, lesson: LessonListed) -> list[EntryListed]:
        return self.cells.get(str(lesson.lesson), [])


@dataclass
class Grid:
    """Everything a journal page shows."""

    course: JournalCourse
    period: dict[str, Any]  # code, starts, ends (ISO dates)
    periods: list[dict[str, Any]]
    lessons: list[LessonListed]
    rows: list[GridRow]
    work_types: tuple[WorkType, ...]
    marks: tuple[str, ...]  # marks a new lesson may take
    min_marks: int
    today: date
    staff: dict[str, str]  # staff id → full name (the lessons' teachers)

    @property
    def period_name(self) -> str:
        return period_title(self.period["code"])

    @property
    def starts(self) -> date:
        return date.fromisoformat(self.period["starts"])

    @property
    def ends(self) -> date:
        return date.fromisoformat(self.period["ends"])

    def in_period(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    def default_day(self) -> str:
        """Today, when the page's period holds it; else nothing."""
        return self.today.isoformat() if self.in_period(self.today) else ""

    def next_number(self, day: str) -> int:
        """The number the next lesson of this course on ``day`` takes."""
        taken = [lesson.number for lesson in self.lessons if str(lesson.day) == day]
        return max(taken, default=0) + 1


def read_grid(
    office: Office,
    account: Account,
    live: LiveRecords,
    course: JournalCourse,
    period: str | None,
) -> Grid:
    """The grid of ``course`` in ``period`` (default: the one today is in)."""
    klass = course.klass
    with office.reading() as ctx:
        school = ctx.school()
        today = ctx.today()
        assessment = school.subject(course.subject).assessment
    span, periods = page_period(live, course, period, today)
    held = [
        r
        for r in held_in(live, klass["id"], span, course.subject, course.subgroup)
        if r.data["subgroup"] == course.subgroup
    ]
    found = lesson_rows(live, [r.stream for r in held])  # every entry, one read
    lessons = listed_lessons(held, entry_counts(found))
    rows = _rows(live, office, course)
    _fill(rows, found)
    _grades(live, rows, course, span["code"])
    ends = date.fromisoformat(span["ends"])
    policy = school.policy_on(ends)
    entering = school.policy_on(max(min(today, ends), policy.effective_from))
    names = [w.name for w in entering.work_types]  # the legend's styles
    keys = [str(lesson.lesson) for lesson in lessons]
    for row in rows:
        row.suggestion = policy.suggest(_marks(row), assessment)
        row.line = [[shown(e, names) for e in row.cells.get(k, ())] for k in keys]
    teachers = {str(lesson.teacher) for lesson in lessons} | {course.teacher}
    action = f"journal {klass['id']} {course.subject} period={span['code']}"
    office.access.record(account, action, f"class:{klass['id']}", utcnow())
    return Grid(
        course=course,
        period=span,
        periods=periods,
        lessons=lessons,
        rows=rows,
        work_types=entering.work_types,
        marks=_entering_marks(entering, assessment, klass["grade"]),
        min_marks=policy.min_marks,
        today=today,
        staff=staff_names(live, office.reads.data_keys, teachers),
    )


def page_period(
    live: LiveRecords, course: JournalCourse, period: str | None, today: date
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The page's period (``period``, or the one ``today`` is in) and every
    period of the class's grade; the year is not a journal page."""
    klass = course.klass
    facts = live.facts()
    periods = [
        p
        for p in year_periods(facts.years[klass["year"]], klass["grade"])
        if p["code"] != YEAR_PERIOD
    ]
    span = period_span(facts, klass, period or current_period(periods, today))
    if span["code"] == YEAR_PERIOD:
        codes = ", ".join(p["code"] for p in periods)
        raise PageError(
            422,
            "Журнал ведётся по периодам",
            f"Откройте журнал одного периода ({codes}); годовые отметки "
            "выставляют по отметкам за периоды.",
        )
    return span, periods


def current_period(periods: list[dict[str, Any]], today: date) -> str:
    """The period ``today`` falls in; else the latest begun; else the first."""
    day = today.isoformat()
    inside = [p for p in periods if p["starts"] <= day <= p["ends"]]
    begun = [p for p in periods if p["starts"] <= day]
    chosen = inside or begun or periods[:1]
    return str(chosen[-1]["code"]) if chosen else YEAR_PERIOD


def _rows(live: LiveRecords, office: Office, course: JournalCourse) -> list[GridRow]:
    """The class's pupils by journal number; a subgroup's only its members."""
    placed = placed_in(live, str(course.class_id), office.reads.data_keys)
    return [
        GridRow(number, p.pupil, p.name, p.left)
        for number, p in enumerate(placed, start=1)
        if not course.members or p.pupil in course.members
    ]


def _fill(rows: list[GridRow], found: list[Record]) -> None:
    """Every entry of the lessons' rows ``found`` into its pupil's cell."""
    by_pupil = {UUID(row.pupil): row for row in rows}
    names = {row.pupil: row.name for row in rows}
    for entry in entries_listed(found, names):
        row = by_pupil.get(entry.pupil)
        if row is not None:
            lesson = entry.entry.split(":")[0]
            row.cells.setdefault(lesson, []).append(entry)


def _grades(
    live: LiveRecords, rows: list[GridRow], course: JournalCourse, period: str
) -> None:
    """Each pupil's period grade as it stands (the latest correction)."""
    by_pupil = {row.pupil: row for row in rows}
    marks = ", ".join("?" * len(GRADE_TYPES))
    where = f"class_id = ? AND year = ? AND type IN ({marks}) AND subject = ?"
    params = (str(course.class_id), course.klass["year"], *GRADE_TYPES, course.subject)
    for r in live.rows("view_grades", where, params):
        row = by_pupil.get(str(r.pupil))
        if row is not None and r.data.get("period") == period:
            row.grade = r.data["grade"]
            row.grade_history.append(r)


def _marks(row: GridRow) -> Iterable[tuple[str, int]]:
    """The pupil's counting marks (value, weight), after corrections and voids."""
    return [
        (e.value, e.weight)
        for entries in row.cells.values()
        for e in entries
        if e.kind == "mark" and not e.voided
    ]


def _entering_marks(
    policy: GradingPolicy, assessment: Any, grade: int
) -> tuple[str, ...]:
    """The marks a lesson of this course may record now (none in the grades
    taught without marks)."""
    if grade in policy.unmarked_grades:
        return ()
    return policy.current_marks(assessment)
