"""The change log for the deputy director («Журнал изменений», §7.3.6, §8.1).

For a class and year, month by month (the school-local month an entry was
made in), three lists:

- late entries: lessons, marks and absences entered more than the year's grace
  period after the lesson's day (§7.3.6: the journal is filled in on the day of
  the lesson; the grace period is the year calendar's ``late_after_days``);
- corrections: journal corrections and voids, and corrections of period, year
  and final grades, attestation and exam results (appeals) and council
  decisions, each with what it was and what it became;
- entries after closing: those corrections made after the period they concern
  was closed («период закрыт», «год закрыт»), with the order they cite.

Each row says who (the staff member), when (in the school's time zone), why (the reason,
the order or protocol) and names the events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from ledger.domain.schoolyear import PERIOD_NAMES
from ledger.envelope import parse_time
from projections.reports.amendments import (
    CORRECTION_TYPES,
    CORRECTIONS,
    Amended,
    amend,
    basis,
)
from projections.reports.common import (
    DASH,
    Inputs,
    check_parameters,
    day,
    director_signature,
    moment,
)
from projections.reports.errors import ReportError
from projections.reports.journal import (
    AMEND_TYPES,
    ENTRY_TYPES,
    entries_with_history,
    is_late,
)
from projections.reports.model import Report, Table
from projections.reports.school import Klass, School, Year
from projections.reports.source import Record, Source, school_zone

NAME = "changes"
PARAMETERS = ("class", "year", "month")
REQUIRED = ("class",)
CLOSING_TYPES = ("school.PeriodClosed", "school.YearClosed")
MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
ABSENCE = "отсутствие"
CLASS_LESSONS = (
    "SELECT stream FROM {view_journal} WHERE type = 'journal.LessonHeld' AND "
    "class_id = ? AND day >= ? AND day <= ?"
)


@dataclass(frozen=True)
class Line:
    """One row of the change log, with the month it falls in (``YYYY-MM``)."""

    month: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Closed:
    """A closing as the report applies it: period, scope, when, its event."""

    period: str
    class_id: str | None
    subject: str | None
    position: int
    event: str


def build(inputs: Inputs, params: Mapping[str, str]) -> Report:
    check_parameters(NAME, params, PARAMETERS, REQUIRED)
    school, source = inputs.school, inputs.source
    year = school.year(params.get("year"))
    klass = school.klass(params.get("class"), year)
    month = _month(params.get("month"), year)
    log = ChangeLog(source, school, year, klass)
    sections = (
        ("записи, внесенные позже срока", LATE_COLUMNS, log.late()),
        ("исправления и аннулирования", CHANGE_COLUMNS, log.corrections()),
        ("изменения после закрытия периода", CHANGE_COLUMNS, log.after_closing()),
    )
    tables = []
    months = sorted({line.month for _, _, lines in sections for line in lines})
    for m in months if month is None else [month]:
        for title, columns, lines in sections:
            rows = tuple(line.cells for line in lines if line.month == m)
            if rows:
                tables.append(Table(f"{_month_title(m)}: {title}", columns, rows))
    if not tables:
        tables.append(Table("Изменений нет", ("Запись",), (("—",),)))
    return Report(
        name=NAME,
        title=f"Журнал изменений: {klass.name} класс, {year.label}",
        header=(
            ("Школа", school.name),
            ("Учебный год", year.label),
            ("Класс", klass.name),
            ("Месяц", _month_title(month) if month else "все месяцы"),
            ("Срок внесения записей", _grace(year.late_after_days)),
        ),
        provenance=source.provenance,
        tables=tuple(tables),
        notes=NOTES,
        landscape=True,
        parameters={
            "class": klass.name,
            "year": year.label,
            **({"month": month} if month else {}),
        },
        signatures=(director_signature(school),),
        seal=True,
    )


NOTES = (
    "Журнал заполняется в день урока (§7.3.6); запись позже срока не запрещена, "
    "но отмечается. Исправление не стирает исходную запись: обе хранятся в "
    "журнале событий, исправление называет исходную запись (событие).",
    "После закрытия периода заместителем директора отметки и оценки периода "
    "изменяются только исправлением заместителя директора или директора со "
    "ссылкой на приказ (§8.1).",
)
LATE_COLUMNS = (
    "Дата урока",
    "Предмет",
    "Обучающийся",
    "Запись",
    "Внесена",
    "Позже на, дн.",
    "Кто (сотрудник)",
    "Событие",
)
CHANGE_COLUMNS = (
    "Когда",
    "Предмет",
    "Обучающийся",
    "Запись",
    "Было",
    "Стало",
    "Причина",
    "Основание",
    "Кто (сотрудник)",
    "Событие",
    "Исправляет",
)


class ChangeLog:
    """The class's late entries, corrections and changes after closing."""

    def __init__(self, source: Source, school: School, year: Year, klass: Klass):
        self.school = school
        self.year = year
        self.klass = klass
        self.zone = school_zone(source)
        span = (klass.id, year.starts, year.ends)
        self.lessons = {
            r.stream: r
            for r in source.rows(
                "view_journal",
                "class_id = ? AND day >= ? AND day <= ?",
                span,
                types=("journal.LessonHeld",),
            )
        }
        self.journal = source.rows(
            "view_journal",
            f"stream IN ({CLASS_LESSONS})",
            span,
            types=ENTRY_TYPES + AMEND_TYPES,
        )
        self.grades = self._grades(source)
        self.closings = [
            Closed(
                r.data.get("period", "Y"),
                r.data.get("class_id"),
                r.data.get("subject"),
                r.position,
                r.event,
            )
            for r in source.rows(
                "view_school", "stream = ?", (year.stream,), types=CLOSING_TYPES
            )
        ]

    def _grades(self, source: Source) -> Amended:
        pupils = [p.id for p in self.school.pupils_of(self.klass)]
        rows = source.rows(
            "view_grades",
            f"year = ? AND pupil IN ({', '.join('?' * len(pupils)) or 'NULL'})",
            (self.year.label, *pupils),
            types=(*CORRECTIONS, *CORRECTION_TYPES),
        )
        mine = [r for r in rows if r.class_id in (None, self.klass.id)]
        return amend(mine)

    # -- the three lists -----------------------------------------------------------

    def late(self) -> list[Line]:
        grace = self.year.late_after_days
        found = []
        for r in [*self.lessons.values(), *self.journal]:
            lesson = self.lessons.get(r.stream)
            if r.type not in ("journal.LessonHeld", *ENTRY_TYPES) or lesson is None:
                continue
            if not is_late(lesson.day or "", r.at, grace, self.zone):
                continue
            late_by = (
                self._local_day(r.at) - date.fromisoformat(lesson.day or "")
            ).days
            found.append(
                Line(
                    self._month_of(r.at),
                    (
                        day(lesson.day),
                        self.school.subject_name(lesson.subject or ""),
                        self._pupil(r.data.get("pupil")),
                        _entry_text(r),
                        moment(r.at, self.zone),
                        str(late_by),
                        self.school.staff_member(_author(r)),
                        r.event,
                    ),
                )
            )
        return sorted(found, key=lambda line: (line.month, line.cells[4]))

    def corrections(self) -> list[Line]:
        return sorted(
            [*self._journal_changes(), *self._grade_changes()],
            key=lambda line: (line.month, line.cells[0]),
        )

    def after_closing(self) -> list[Line]:
        closed = []
        for line, closing in self._closed_changes():
            cells = (*line.cells[:7], f"{line.cells[7]}; закрыто: {closing.event}")
            closed.append(Line(line.month, (*cells, *line.cells[8:])))
        return sorted(closed, key=lambda line: (line.month, line.cells[0]))

    # -- corrections ---------------------------------------------------------------

    def _journal_changes(self) -> list[Line]:
        entries, amendments = entries_with_history(self.journal)
        lines = []
        for r, before in amendments:
            entry = entries[r.target or ""].record
            lesson = self.lessons[entry.stream]
            after = (
                r.data["mark"] if r.type == "journal.MarkCorrected" else "аннулирована"
            )
            what = f"{_entry_text(entry)}, урок {day(lesson.day)}"
            lines.append(
                self._change_line(r, lesson.subject, entry, what, before, after)
            )
        return lines

    def _grade_changes(self) -> list[Line]:
        lines = []
        originals = {r.event: r for r in self.grades.rows}
        for changes in self.grades.changes.values():
            for c in changes:
                r = c.record
                original = originals[r.target or ""]
                what = _grade_text(original)
                lines.append(
                    self._change_line(r, r.subject, original, what, c.before, c.after)
                )
        return lines

    def _change_line(
        self,
        r: Record,
        subject: str | None,
        original: Record,
        what: str,
        before: str,
        after: str,
    ) -> Line:
        return Line(
            self._month_of(r.at),
            (
                moment(r.at, self.zone),
                self.school.subject_name(subject or "") if subject else DASH,
                self._pupil(original.data.get("pupil") or original.pupil),
                what,
                before,
                after,
                r.data.get("reason") or DASH,
                basis(r.data),
                self.school.staff_member(r.data.get("by") or ""),
                r.event,
                r.target or DASH,
            ),
        )

    # -- closing -------------------------------------------------------------------

    def _closed_changes(self) -> list[tuple[Line, Closed]]:
        found = []
        entries, amendments = entries_with_history(self.journal)
        for r, before in amendments:
            entry = entries[r.target or ""].record
            lesson = self.lessons[entry.stream]
            closing = self._closing_of_day(lesson.subject, lesson.day or "", r.position)
            if closing is not None:
                after = r.data.get("mark", "аннулирована")
                what = f"{_entry_text(entry)}, урок {day(lesson.day)}"
                line = self._change_line(r, lesson.subject, entry, what, before, after)
                found.append((line, closing))
        originals = {r.event: r for r in self.grades.rows}
        for changes in self.grades.changes.values():
            for c in changes:
                r = c.record
                if r.type != "attestation.PeriodGradeCorrected":
                    continue
                closing = self._closing_of_period(
                    r.subject, r.data["period"], r.position
                )
                if closing is not None:
                    original = originals[r.target or ""]
                    what = _grade_text(original)
                    line = self._change_line(
                        r, r.subject, original, what, c.before, c.after
                    )
                    found.append((line, closing))
        return found

    def _closing_of_day(
        self, subject: str | None, lesson_day: str, position: int
    ) -> Closed | None:
        periods = {p.code: p for p in self.year.periods(self.klass.grade)}
        for c in self._closings_before(subject, position):
            span = periods.get(c.period)
            if span is not None and span.starts <= lesson_day <= span.ends:
                return c
        return None

    def _closing_of_period(
        self, subject: str | None, period: str, position: int
    ) -> Closed | None:
        for c in self._closings_before(subject, position):
            if c.period in (period, "Y"):
                return c
        return None

    def _closings_before(self, subject: str | None, position: int) -> list[Closed]:
        """The closings of this class and subject made before the log position
        ``position`` (the log orders them; times may be equal)."""
        return [
            c
            for c in self.closings
            if c.class_id in (None, self.klass.id)
            and c.subject in (None, subject)
            and c.position < position
        ]

    # -- helpers -------------------------------------------------------------------

    def _local_day(self, at: str) -> date:
        return parse_time(at).astimezone(self.zone).date()

    def _month_of(self, at: str) -> str:
        return f"{self._local_day(at):%Y-%m}"

    def _pupil(self, pupil: str | None) -> str:
        found = self.school.pupils.get(pupil or "")
        return found.name if found else DASH


def _author(r: Record) -> str:
    return str(r.data.get("teacher") or r.data.get("by") or "")


def _entry_text(r: Record) -> str:
    if r.type == "journal.LessonHeld":
        return f"урок: {r.data['topic']}"
    if r.type == "journal.AbsenceRecorded":
        return f"{ABSENCE} «{r.data['kind']}»"
    return f"отметка {r.data['mark']} ({r.data['work_type']})"


GRADE_KINDS: dict[str, Callable[[Record], str]] = {
    "attestation.PeriodGradeRecorded": lambda r: (
        f"отметка: {PERIOD_NAMES.get(r.data['period'], r.data['period'])}"
    ),
    "attestation.IntermediateAttestationRecorded": lambda r: "промежуточная аттестация",
    "attestation.RetakeRecorded": lambda r: f"пересдача {r.data['attempt']}",
    "attestation.ExamResultImported": lambda r: f"ГИА ({r.data['exam']}), апелляция",
    "attestation.FinalGradeRecorded": lambda r: "итоговая отметка",
    "decisions.CouncilDecisionRecorded": lambda r: "решение педагогического совета",
}


def _grade_text(r: Record) -> str:
    describe = GRADE_KINDS.get(r.type)
    return describe(r) if describe is not None else r.type


def _month(value: str | None, year: Year) -> str | None:
    """The month parameter as ``YYYY-MM``: «2024-10», «10.2024» or «10» (the
    month of the school year)."""
    if not value:
        return None
    text = value.strip()
    try:
        if "-" in text:
            y, m = (int(x) for x in text.split("-"))
        elif "." in text:
            m, y = (int(x) for x in text.split("."))
        else:
            m = int(text)
            starts = date.fromisoformat(year.starts)
            y = starts.year if m >= starts.month else starts.year + 1
        found = date(y, m, 1)
    except ValueError as e:
        msg = (
            f"month {value!r} is not a month; write it as 2024-10, 10.2024 or 10 "
            f"(a month of the year {year.label})"
        )
        raise ReportError(msg) from e
    return f"{found:%Y-%m}"


def _month_title(month: str) -> str:
    y, m = month.split("-")
    return f"{MONTHS[int(m) - 1].capitalize()} {y}"


def _grace(days: int) -> str:
    if days == 0:
        return "в день урока (§7.3.6)"
    return f"в течение {days} дн. после урока"
