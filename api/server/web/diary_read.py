"""What the diary pages show, read as the reports read it.

A pupil's diary («электронный дневник», §7.3.6) for one week: each school day
with the lessons that concern the pupil (their class's, and their subgroup's),
each lesson's topic and homework, and the pupil's marks and absences in it as
the journal shows them after corrections and voids; below, the period grades
and averages of the year. The personal file and the portfolio are the
reports of those names.

Everything is read from the records view cut at the latest signed checkpoint
(:func:`projections.reports.source.open_source`), through the report modules'
own functions (:func:`projections.reports.diary.pupil_marks`, the period
grades table, the personal file and portfolio builders), so the diary says
what the printed reports say, and every entry it shows has an inclusion proof
against that checkpoint (the «доказательство» link). An entry appended a
moment ago appears once the next checkpoint is signed (within seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from api.server.problems import ProblemError
from api.server.scope import check_pupil_reader, pupil_ref
from api.server.tokens import utcnow
from api.server.web.pages import PageError, WebUser
from ledger.domain.journal import AbsenceKind
from projections.reports import Reports
from projections.reports.diary import periods_table, pupil_marks, pupil_year
from projections.reports.errors import NamesUnavailableError, ReportError
from projections.reports.journal import Entry
from projections.reports.model import Report, Table
from projections.reports.school import Klass, Period, Pupil, School, Year
from projections.reports.source import Record, Source, open_source

WEEKDAYS = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
)
ABSENCES = {
    AbsenceKind.UNEXCUSED.value: "не был на уроке",
    AbsenceKind.ILL.value: "болел",
    AbsenceKind.EXCUSED.value: "отсутствовал по уважительной причине",
    AbsenceKind.LATE.value: "опоздал",
}
PEOPLE = {
    "people.StudentEnrolled",
    "people.StudentMovedToClass",
    "people.StudentLeft",
}


# -- who may read whose diary ----------------------------------------------------------


def readable_pupil(user: WebUser, text: str, action: str) -> UUID:
    """The pupil ``text`` names, if the signed-in person may read their records
    (:func:`api.server.scope.check_pupil_reader`, the API's own check); the
    read, or its refusal, goes to the access log."""
    office = user.office
    with office.reading() as ctx:
        pupil = pupil_ref(ctx.school_id, text)
        try:
            check_pupil_reader(ctx, user.account, pupil)
        except ProblemError as e:
            office.access.refused(
                user.account, action, f"pupil:{pupil}", e.status, utcnow()
            )
            raise
    office.access.record(user.account, action, f"pupil:{pupil}", utcnow())
    return pupil


# -- the records at the latest checkpoint ----------------------------------------------


@dataclass(frozen=True)
class PupilRecords:
    """The school at the latest checkpoint, and one pupil in it."""

    reports: Reports
    pupil: Pupil

    @property
    def school(self) -> School:
        return self.reports.school

    @property
    def source(self) -> Source:
        return self.reports.inputs.source

    def years(self) -> list[Year]:
        """The years the pupil was placed in a class, oldest first."""
        labels = {
            self.school.classes[p["class_id"]].year
            for p in self.pupil.placements
            if p.get("class_id") in self.school.classes
        }
        return sorted((self.school.years[y] for y in labels), key=lambda y: y.starts)


def pupil_records(user: WebUser, pupil: UUID) -> PupilRecords:
    """The school's records at the latest checkpoint, with ``pupil``'s own.

    The views are not audited against the log here (see ``open_source``):
    what a page proves it proves from the log, entry by entry."""
    office = user.office
    try:
        source = open_source(office.app, None, audited=False)
        reports = Reports(
            office.app,
            source=source,
            keys=office.reads.data_keys,  # opened once for the server
            only={str(pupil)},  # no other pupil's name is decrypted
        )
    except NamesUnavailableError as e:
        msg = (
            "Сервер не может открыть имя обучающегося: ключи персональных данных "
            "недоступны (152-ФЗ). Сообщите администратору школы."
        )
        raise PageError(503, "Имена недоступны", msg) from e
    except ReportError as e:
        msg = (
            "Журнал записей ещё не заверен подписанной контрольной точкой; "
            "обновите страницу через несколько секунд."
        )
        raise PageError(503, "Записи ещё не готовы", msg) from e
    found = reports.school.pupils.get(str(pupil))
    if found is None:
        raise PageError(
            404,
            "Не найдено",
            "У этого обучающегося ещё нет записей, заверенных контрольной точкой "
            "журнала. Обновите страницу через несколько секунд.",
        )
    return PupilRecords(reports, found)


def report(records: PupilRecords, name: str) -> Report:
    """The report ``name`` (``personal-file``, ``portfolio``) of the pupil."""
    try:
        return records.reports.build(name, {"pupil": records.pupil.id})
    except ReportError as e:
        raise PageError(422, "Отчёт не построен", str(e)) from e


# -- the week --------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class DiaryEntry:
    """A mark or absence of the pupil in one lesson, as the journal shows it."""

    entry: str  # <lesson>:<seq>, the name its proof is found by
    absence: bool
    text: str  # «5», «3→5», «(4) анн.», «н»
    current: str
    work_type: str
    weight: int | None
    voided: bool
    corrected: bool
    reason: str

    @property
    def title(self) -> str:
        """What the entry means, in words (the cell's tooltip)."""
        if self.absence:
            return ABSENCES.get(self.current, self.current)
        what = f"отметка {self.current}, {self.work_type}"
        if self.weight:
            what += f" (вес {self.weight})"
        if self.voided:
            what = f"аннулирована: {self.reason}"
        elif self.corrected:
            what += f"; исправлена: {self.reason}"
        return what


@dataclass(frozen=True)
class DiaryLesson:
    """A lesson of the pupil's: subject, topic, homework and their entries."""

    lesson: str
    day: date
    number: int
    subject: str
    subgroup: str | None
    topic: str
    homework: str
    entries: tuple[DiaryEntry, ...]


@dataclass(frozen=True)
class DiaryDay:
    day: date
    name: str
    lessons: tuple[DiaryLesson, ...]


@dataclass(frozen=True)
class DiaryWeek:
    """One week of a pupil's diary and the year's period grades."""

    monday: date
    days: tuple[DiaryDay, ...]
    year: Year | None
    klass: Klass | None
    periods: Table | None

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def default_day(records: PupilRecords, today: date) -> date:
    """Today, moved inside the pupil's latest year when it falls outside (the
    summer shows the year's last week, not an empty one)."""
    years = records.years()
    if not years:
        return today
    inside = [y for y in years if y.starts <= today.isoformat() <= y.ends]
    if inside:
        return today
    latest = years[-1] if years[0].starts <= today.isoformat() else years[0]
    bound = max(min(today.isoformat(), latest.ends), latest.starts)
    return date.fromisoformat(bound)


def diary_week(records: PupilRecords, monday: date) -> DiaryWeek:
    """The pupil's week from ``monday``: lessons, entries, the year's grades."""
    school, pupil, source = records.school, records.pupil, records.source
    sunday = monday + timedelta(days=6)
    span = Period("W", monday.isoformat(), sunday.isoformat())
    marks = pupil_marks(source, pupil, span)
    by_lesson: dict[str, list[Entry]] = {}
    for e in marks.entries:
        by_lesson.setdefault(e.record.stream, []).append(e)
    lessons = dict(marks.lessons)
    for lesson in _class_lessons(records, monday, sunday):
        lessons.setdefault(lesson.stream, lesson)
    order = list(school.subjects)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        held = sorted(
            (r for r in lessons.values() if r.data["day"] == day.isoformat()),
            key=lambda r: (_index(order, r.data["subject"]), r.data["number"]),
        )
        shown = tuple(
            _lesson(school, r, by_lesson.get(r.stream, []), marks.reasons) for r in held
        )
        if shown or offset < 6:  # Sunday only when something happened on it
            days.append(DiaryDay(day, WEEKDAYS[offset], shown))
    year, klass, periods = _year_grades(records, monday)
    return DiaryWeek(
        monday=monday,
        days=tuple(days),
        year=year,
        klass=klass,
        periods=periods,
    )


def _index(order: list[str], code: str) -> int:
    return order.index(code) if code in order else len(order)


def _lesson(
    school: School,
    r: Record,
    entries: Iterable[Entry],
    reasons: dict[str | None, str],
) -> DiaryLesson:
    d = r.data
    return DiaryLesson(
        lesson=r.stream,
        day=date.fromisoformat(d["day"]),
        number=d["number"],
        subject=school.subject_name(d["subject"]),
        subgroup=d["subgroup"],
        topic=d["topic"],
        homework=d["homework"],
        entries=tuple(_entry(e, reasons) for e in entries),
    )


def _entry(e: Entry, reasons: dict[str | None, str]) -> DiaryEntry:
    absence = e.record.type == "journal.AbsenceRecorded"
    return DiaryEntry(
        entry=e.record.event,
        absence=absence,
        text=e.text(),
        current=e.current,
        work_type=e.record.data.get("work_type") or "",
        weight=e.record.data.get("weight"),
        voided=e.voided,
        corrected=len(e.values) > 1,
        reason=reasons.get(e.record.event, ""),
    )


def _class_lessons(records: PupilRecords, monday: date, sunday: date) -> list[Record]:
    """The lessons of the week held for the pupil's class while the pupil was
    in it: the whole class's, and those of the subgroups the pupil is in."""
    school, pupil = records.school, records.pupil
    found: list[Record] = []
    for class_id, starts, ends in placements(pupil):
        first = max(starts, monday.isoformat())
        last = min(ends or sunday.isoformat(), sunday.isoformat())
        if first > last or class_id not in school.classes:
            continue
        klass = school.classes[class_id]
        for r in records.source.rows(
            "view_journal",
            "class_id = ? AND day >= ? AND day <= ?",
            (class_id, first, last),
            types=("journal.LessonHeld",),
        ):
            if _concerns(school, klass, r, pupil.id):
                found.append(r)
    return found


def _concerns(school: School, klass: Klass, lesson: Record, pupil: str) -> bool:
    subgroup = lesson.data["subgroup"]
    if subgroup is None:
        return True
    courses = school.subgroups(klass, lesson.data["subject"])
    return any(c.subgroup == subgroup and pupil in c.members for c in courses)


def placements(pupil: Pupil) -> list[tuple[str, str, str | None]]:
    """The pupil's stays in classes: (class id, first day, last day or None),
    from their enrolment, moves and leaving as the log records them."""
    stays: list[tuple[str, str, str | None]] = []
    for p in pupil.placements:
        if p["type"] not in PEOPLE:
            continue
        on = p["on"]
        if stays and stays[-1][2] is None:
            before = (date.fromisoformat(on) - timedelta(days=1)).isoformat()
            stays[-1] = (stays[-1][0], stays[-1][1], before)
        if p["type"] != "people.StudentLeft" and p.get("class_id"):
            stays.append((p["class_id"], on, None))
    return stays


def _year_grades(
    records: PupilRecords, monday: date
) -> tuple[Year | None, Klass | None, Table | None]:
    """The year the week falls in (else the pupil's latest) and its period
    grades table, as the diary report prints it."""
    years = records.years()
    if not years:
        return None, None, None
    day = monday.isoformat()
    sunday = (monday + timedelta(days=6)).isoformat()
    chosen = next((y for y in years if y.starts <= sunday and day <= y.ends), None)
    year, klass = pupil_year(records.school, records.pupil, (chosen or years[-1]).label)
    if klass is None:
        return year, None, None
    span = Period("Y", year.starts, year.ends)
    marks = pupil_marks(records.source, records.pupil, span)
    table = periods_table(
        records.reports.inputs, records.pupil, year, klass, marks, span
    )
    return year, klass, table
