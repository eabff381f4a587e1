"""Lists to act on: my classes and courses, a class's roster, its lessons, a
lesson's entries with their history (and, in :mod:`.periods`, the periods of
the year).

A lesson sheet wants the class and every pupil by id, and a correction wants
the entry as ``<lesson>:<seq>``; these lists give them, with the Russian names
a teacher recognises. They are scoped like every read (:mod:`api.server.scope`):
a teacher lists the classes they teach, lead or substitute in; the office and
auditors the whole school; a pupil or guardian none of a class's lists. Every
read of a class's people or records is in the access log, refusals too. The
lists show the records as they are now (:mod:`api.server.listing`), not as of
a checkpoint as reports do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from api.server.accounts import AUDITOR, OFFICE, Account
from api.server.deps import CurrentAccount, OfficeDep, role
from api.server.listing import (
    LiveRecords,
    SchoolFacts,
    current_year,
    period_title,
    placed_in,
    pupil_names,
    year_periods,
)
from api.server.office import Office
from api.server.problems import PROBLEM_RESPONSES, ProblemError
from api.server.routers.journal import NUMBER_DOC
from api.server.scope import check_class_reader, reads_everything
from api.server.tokens import utcnow
from ledger.domain.classes import course_key
from projections.reports.source import Record

TAG = "lists"
TAG_METADATA = {
    "name": TAG,
    "description": (
        "Списки для работы: мои классы и предметы, список класса (по номерам в "
        "журнале, по алфавиту), уроки класса и предмета за период, записи урока с "
        "историей исправлений, периоды учебного года. Lists to act on: my classes "
        "and subjects, a class's roster, its lessons in a period, a lesson's "
        "entries with their corrections and voids, the periods of the year; with "
        "the ids a lesson sheet or a correction needs. Scoped like every read; "
        "reads of people's records are in the access log."
    ),
}
router = APIRouter(tags=[TAG], responses=PROBLEM_RESPONSES)

ClassReader = Annotated[
    Account, Depends(role("teacher", "class_teacher", *OFFICE, AUDITOR))
]
YearParam = Annotated[
    str | None,
    Query(
        pattern=r"^\d{4}/\d{4}$",
        description="Учебный год, 2024/2025; by default the year today falls in.",
    ),
]


# -- my classes ------------------------------------------------------------------------


class Course(BaseModel):
    """A subject (or one subgroup of it) taught in a class, and by whom."""

    subject: str = Field(description="Subject code, as a lesson sheet names it.")
    subject_name: str = Field(description="«Алгебра»")
    subgroup: str | None
    teacher: UUID = Field(description="The teacher of the latest assignment.")
    teacher_name: str = Field(description="Position and personnel number.")
    since: date
    members: list[UUID] = Field(description="A subgroup's pupils; [] for the class.")


class Substitution(BaseModel):
    """A teacher covering an absent colleague's lessons («журнал замещения»)."""

    subject: str
    subject_name: str
    subgroup: str | None
    absent_teacher: UUID
    substitute: UUID
    starts: date
    ends: date


class ClassOfMine(BaseModel):
    """A class of the year, the courses in it the account may act on."""

    class_id: UUID
    name: str = Field(description="«9А»")
    grade: int
    year: str
    class_teacher: UUID
    leads: bool = Field(description="The account is its class teacher.")
    courses: list[Course]
    substitutions: list[Substitution]


class MyClasses(BaseModel):
    """The classes of one year an account teaches, leads or substitutes in
    (the office and auditors: every class)."""

    year: str
    classes: list[ClassOfMine]


@router.get("/me/classes")
def my_classes(
    office: OfficeDep, account: ClassReader, year: YearParam = None
) -> MyClasses:
    """My classes and subjects this year: class ids, subject codes, subgroups."""
    live = LiveRecords(office.app)
    facts = live.facts()
    chosen = chosen_year(office, facts, year)
    staff = staff_titles(live)
    everything = reads_everything(account)
    classes = []
    for klass in sorted(facts.classes.values(), key=_class_order):
        if klass["year"] != chosen:
            continue
        mine = class_of_mine(facts, klass, account, staff, everything=everything)
        if mine is not None:
            classes.append(mine)
    return MyClasses(year=chosen, classes=classes)


def _class_order(klass: dict[str, Any]) -> tuple[int, str]:
    return klass["grade"], klass["name"]


def chosen_year(office: Office, facts: SchoolFacts, year: str | None) -> str:
    if year is not None and year not in facts.years:
        known = ", ".join(sorted(facts.years)) or "none yet"
        msg = f"year {year} is not opened in this school; years: {known}"
        raise ProblemError(404, "not-found", msg, field="query.year", allowed=known)
    if year is not None:
        return year
    with office.reading() as ctx:
        today = ctx.today()
    found = current_year(facts, today)
    if found is None:
        msg = "no academic year is opened yet in this school"
        raise ProblemError(404, "not-found", msg, field="query.year")
    return found


def class_of_mine(
    facts: SchoolFacts,
    klass: dict[str, Any],
    account: Account,
    staff: dict[str, str],
    *,
    everything: bool,
) -> ClassOfMine | None:
    me = str(account.staff) if account.staff else None
    leads = me is not None and klass["class_teacher"] == me
    courses = _courses(facts, klass["id"], staff)
    subs = [_substitution(facts, s) for s in facts.substitutions.get(klass["id"], [])]
    if not (everything or leads):
        taught = {
            course_key(d["subject"], d["subgroup"])
            for d in facts.courses.get(klass["id"], [])
            if d["teacher"] == me
        }
        courses = [c for c in courses if course_key(c.subject, c.subgroup) in taught]
        subs = [s for s in subs if me in (str(s.substitute), str(s.absent_teacher))]
        if not courses and not any(str(s.substitute) == me for s in subs):
            return None
    return ClassOfMine(
        class_id=klass["id"],
        name=klass["name"],
        grade=klass["grade"],
        year=klass["year"],
        class_teacher=klass["class_teacher"],
        leads=leads,
        courses=courses,
        substitutions=subs,
    )


def _courses(facts: SchoolFacts, class_id: str, staff: dict[str, str]) -> list[Course]:
    latest: dict[str, dict[str, Any]] = {}
    for d in facts.courses.get(class_id, []):
        latest[course_key(d["subject"], d["subgroup"])] = d
    order = list(facts.subjects)
    return [
        Course(
            subject=d["subject"],
            subject_name=facts.subjects.get(d["subject"], d["subject"]),
            subgroup=d["subgroup"],
            teacher=d["teacher"],
            teacher_name=staff.get(d["teacher"], d["teacher"]),
            since=d["starts"],
            members=d["members"],
        )
        for d in sorted(
            latest.values(),
            key=lambda d: (_index(order, d["subject"]), d["subgroup"] or ""),
        )
    ]


def _index(order: list[str], code: str) -> int:
    return order.index(code) if code in order else len(order)


def _substitution(facts: SchoolFacts, d: dict[str, Any]) -> Substitution:
    return Substitution(
        subject=d["subject"],
        subject_name=facts.subjects.get(d["subject"], d["subject"]),
        subgroup=d["subgroup"],
        absent_teacher=d["absent_teacher"],
        substitute=d["substitute"],
        starts=d["starts"],
        ends=d["ends"],
    )


def staff_titles(live: LiveRecords) -> dict[str, str]:
    """Staff as the records name them: position and personnel number (the
    full name is sealed in the log)."""
    return {
        r.stream: f"{r.data['position']}, таб. № {r.data['personnel_number']}"
        for r in live.rows("view_school", "type = ?", ("people.StaffMemberRegistered",))
    }


# -- a class's roster ------------------------------------------------------------------


class LeaveKind(StrEnum):
    """How a pupil stopped being in the class."""

    MOVED = "moved"  # to another class of the school (promoted, parallel…)
    TRANSFERRED = "transferred"
    GRADUATED = "graduated"
    EXPELLED = "expelled"


class RosterPupil(BaseModel):
    """A pupil of the class as the journal lists them."""

    number: int = Field(description="№ in the journal: Russian alphabetical order.")
    pupil: UUID = Field(description="The pupil's id, as a lesson sheet names them.")
    personal_file: str = Field(description="№ личного дела, «К-25»")
    name: str = Field(description="«Фамилия Имя Отчество»")
    joined: date
    left: date | None = Field(description="When the pupil left the class, if so.")
    left_how: LeaveKind | None
    moved_to: str | None = Field(description="The class moved to («9Б»).")


class Roster(BaseModel):
    """A class's pupils by journal number (everyone placed in it this year)."""

    class_id: UUID
    name: str
    year: str
    pupils: list[RosterPupil]


@router.get("/classes/{class_id}/roster")
def class_roster(class_id: UUID, office: OfficeDep, account: CurrentAccount) -> Roster:
    """A class's roster: pupils by journal number, in Russian alphabetical order,
    with pupil ids and personal file numbers; who left and when."""
    action = f"roster {class_id}"
    live = LiveRecords(office.app)
    klass = readable_class(office, account, live, class_id, action)
    placed = placed_in(live, str(class_id), office.reads.data_keys)
    office.access.record(account, action, f"class:{class_id}", utcnow())
    return Roster(
        class_id=class_id,
        name=klass["name"],
        year=klass["year"],
        pupils=[
            RosterPupil(
                number=n,
                pupil=UUID(p.pupil),
                personal_file=p.personal_file,
                name=p.name,
                joined=date.fromisoformat(p.joined),
                left=date.fromisoformat(p.left) if p.left else None,
                left_how=_leave_kind(p.left_how, p.moved_to),
                moved_to=p.moved_to,
            )
            for n, p in enumerate(placed, start=1)
        ],
    )


def _leave_kind(how: str | None, moved_to: str | None) -> LeaveKind | None:
    if how is None:
        return None
    return LeaveKind.MOVED if moved_to is not None else LeaveKind(how)


def readable_class(
    office: Office,
    account: Account,
    live: LiveRecords,
    class_id: UUID,
    action: str,
) -> dict[str, Any]:
    """The class, if ``account`` may read its records; a refusal is logged."""
    about = f"class:{class_id}"
    try:
        klass = _opened_class(live, class_id)
        with office.reading() as ctx:
            check_class_reader(ctx, account, class_id)
    except ProblemError as e:
        office.access.refused(account, action, about, e.status, utcnow())
        raise
    return klass


def _opened_class(live: LiveRecords, class_id: UUID) -> dict[str, Any]:
    klass = live.facts().classes.get(str(class_id))
    if klass is None:
        msg = f"class {class_id} is not opened in this school"
        raise ProblemError(404, "not-found", msg, field="path.class_id")
    return klass


# -- a class's lessons -----------------------------------------------------------------


class LessonListed(BaseModel):
    """One lesson, with the id its entries are named by."""

    lesson: UUID
    day: date
    number: int = Field(description=NUMBER_DOC)
    subject: str
    subgroup: str | None
    topic: str
    homework: str
    teacher: UUID
    substitute: bool = Field(description="Given by a substitute teacher.")
    entries: int = Field(description="Marks and absences recorded with it.")


class ClassLessons(BaseModel):
    """The lessons of a class (a subject, a subgroup) in one period."""

    class_id: UUID
    class_name: str
    subject: str | None
    subject_name: str | None
    subgroup: str | None
    period: str
    period_name: str
    starts: date
    ends: date
    lessons: list[LessonListed]


SubjectParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=50,
        description="Subject code (math); all if not given.",
    ),
]
SubgroupParam = Annotated[
    str | None,
    Query(min_length=1, max_length=20, description="Subgroup; all if not given."),
]
PeriodParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=4,
        description="Period code of the class's grade (Q1…Q4, T1…T3, H1, H2) or Y.",
    ),
]


@router.get("/classes/{class_id}/lessons")
def class_lessons(
    class_id: UUID,
    office: OfficeDep,
    account: CurrentAccount,
    subject: SubjectParam = None,
    subgroup: SubgroupParam = None,
    period: PeriodParam = "Y",
) -> ClassLessons:
    """The lessons of a class and subject (and subgroup) in a period, with their
    ids, dates, numbers and topics, in date order."""
    action = f"lessons {class_id} subject={subject or '*'} period={period}"
    live = LiveRecords(office.app)
    klass = readable_class(office, account, live, class_id, action)
    try:
        facts = live.facts()
        span = period_span(facts, klass, period)
        _check_subject(facts, subject)
    except ProblemError as e:
        office.access.refused(account, action, f"class:{class_id}", e.status, utcnow())
        raise
    lessons = lessons_in(live, str(class_id), span, subject, subgroup)
    office.access.record(account, action, f"class:{class_id}", utcnow())
    return ClassLessons(
        class_id=class_id,
        class_name=klass["name"],
        subject=subject,
        subject_name=facts.subjects.get(subject) if subject else None,
        subgroup=subgroup,
        period=span["code"],
        period_name=period_title(span["code"]),
        starts=span["starts"],
        ends=span["ends"],
        lessons=lessons,
    )


def period_span(facts: SchoolFacts, klass: dict[str, Any], code: str) -> dict[str, Any]:
    periods = year_periods(facts.years[klass["year"]], klass["grade"])
    for p in periods:
        if p["code"].casefold() == code.strip().casefold():
            return p
    allowed = ", ".join(p["code"] for p in periods)
    msg = f"grade {klass['grade']} has no period {code!r} in {klass['year']}"
    raise ProblemError(422, "bad-period", msg, field="query.period", allowed=allowed)


def _check_subject(facts: SchoolFacts, subject: str | None) -> None:
    if subject is not None and subject not in facts.subjects:
        allowed = ", ".join(facts.subjects)
        msg = f"subject {subject!r} is not in the curriculum"
        raise ProblemError(
            422, "bad-subject", msg, field="query.subject", allowed=allowed
        )


def lessons_in(
    live: LiveRecords,
    class_id: str,
    span: dict[str, Any],
    subject: str | None,
    subgroup: str | None,
) -> list[LessonListed]:
    held = held_in(live, class_id, span, subject, subgroup)
    return listed_lessons(held, _entry_counts(live, [r.stream for r in held]))


def held_in(
    live: LiveRecords,
    class_id: str,
    span: dict[str, Any],
    subject: str | None,
    subgroup: str | None,
) -> list[Record]:
    """The lessons held in the class (subject, subgroup) in the span."""
    where = "class_id = ? AND type = ? AND day >= ? AND day <= ?"
    params: tuple[Any, ...] = (
        class_id,
        "journal.LessonHeld",
        span["starts"],
        span["ends"],
    )
    if subject is not None:
        where, params = f"{where} AND subject = ?", (*params, subject)
    return [
        r
        for r in live.rows("view_journal", where, params)
        if subgroup is None or r.data["subgroup"] == subgroup
    ]


def listed_lessons(held: list[Record], counts: dict[str, int]) -> list[LessonListed]:
    """The lessons with their entry ``counts``, in date order."""
    listed = [
        LessonListed(
            lesson=UUID(r.stream),
            day=r.data["day"],
            number=r.data["number"],
            subject=r.data["subject"],
            subgroup=r.data["subgroup"],
            topic=r.data["topic"],
            homework=r.data["homework"],
            teacher=r.data["teacher"],
            substitute=r.data["substitute"],
            entries=counts.get(r.stream, 0),
        )
        for r in held
    ]
    return sorted(listed, key=lambda x: (x.day, x.subject, x.subgroup or "", x.number))


ENTRY_TYPES = ("journal.MarkRecorded", "journal.AbsenceRecorded")


def _entry_counts(live: LiveRecords, lessons: list[str]) -> dict[str, int]:
    return entry_counts(lesson_rows(live, lessons, ENTRY_TYPES))


def entry_counts(rows: Iterable[Record]) -> dict[str, int]:
    """Marks and absences recorded with each lesson among ``rows``."""
    counts: dict[str, int] = {}
    for r in rows:
        if r.type in ENTRY_TYPES:
            counts[r.stream] = counts.get(r.stream, 0) + 1
    return counts


def lesson_rows(
    live: LiveRecords, lessons: Sequence[str], types: Sequence[str] = ()
) -> list[Record]:
    """The view rows of ``lessons`` (of ``types``, or all), a few queries for
    any number of lessons: a journal page reads its lessons' entries at once."""
    found: list[Record] = []
    kinds = f" AND type IN ({', '.join('?' * len(types))})" if types else ""
    for start in range(0, len(lessons), 500):
        chunk = lessons[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        where = f"stream IN ({marks}){kinds}"
        found.extend(live.rows("view_journal", where, (*chunk, *types)))
    return found


# -- a lesson's entries ----------------------------------------------------------------


class AmendmentKind(StrEnum):
    CORRECTION = "correction"
    VOID = "void"


class Amendment(BaseModel):
    """A correction or void of an entry: who, when, why."""

    event: str = Field(description="<lesson>:<seq> of the correction or void")
    kind: AmendmentKind
    previous: str = Field(description="The value before it.")
    value: str | None = Field(description="The new mark; none for a void.")
    reason: str
    by: UUID
    at: str = Field(description="When it was recorded (UTC, RFC 3339).")


class EntryListed(BaseModel):
    """A mark or absence, named as a correction or void names it."""

    entry: str = Field(description="<lesson uuid>:<seq>, for /entries/{entry}/…")
    kind: str = Field(description="mark or absence")
    pupil: UUID
    pupil_name: str
    value: str = Field(description="As it stands after corrections.")
    recorded: str = Field(description="As first recorded.")
    work_type: str | None
    weight: int
    voided: bool
    by: UUID
    at: str
    history: list[Amendment]


class LessonEntries(BaseModel):
    """A lesson and its entries, each with its history."""

    lesson: UUID
    class_id: UUID
    class_name: str
    subject: str
    subject_name: str
    subgroup: str | None
    day: date
    number: int = Field(description=NUMBER_DOC)
    topic: str
    homework: str
    teacher: UUID
    substitute: bool
    entries: list[EntryListed]


@router.get("/lessons/{lesson}/entries")
def lesson_entries(
    lesson: UUID, office: OfficeDep, account: CurrentAccount
) -> LessonEntries:
    """The entries of a lesson with their ids (``<lesson>:<seq>``) and history:
    corrections and voids, who made them, when and why."""
    action = f"lesson entries {lesson}"
    live = LiveRecords(office.app)
    rows = live.rows("view_journal", "stream = ?", (str(lesson),))
    held = next((r for r in rows if r.type == "journal.LessonHeld"), None)
    if held is None:
        office.access.refused(account, action, f"lesson:{lesson}", 404, utcnow())
        msg = f"lesson {lesson} is not recorded"
        raise ProblemError(404, "not-found", msg, field="path.lesson")
    class_id = UUID(held.data["class_id"])
    klass = readable_class(office, account, live, class_id, action)
    pupils = {r.data["pupil"] for r in rows if "pupil" in r.data}
    names = pupil_names(live, pupils, office.reads.data_keys)
    entries = entries_listed(rows, names)
    office.access.record(account, action, f"class:{class_id}", utcnow())
    facts_subjects = live.facts().subjects
    d = held.data
    return LessonEntries(
        lesson=lesson,
        class_id=class_id,
        class_name=klass["name"],
        subject=d["subject"],
        subject_name=facts_subjects.get(d["subject"], d["subject"]),
        subgroup=d["subgroup"],
        day=d["day"],
        number=d["number"],
        topic=d["topic"],
        homework=d["homework"],
        teacher=d["teacher"],
        substitute=d["substitute"],
        entries=entries,
    )


def entries_listed(
    rows: Iterable[Record], names: Mapping[str, str]
) -> list[EntryListed]:
    """The marks and absences among ``rows`` (in log order), each as it stands
    after its corrections and voids, with its history; pupils by ``names``."""
    found: dict[str, EntryListed] = {}
    for r in rows:
        if r.type in ENTRY_TYPES:
            found[r.event] = _entry(r, names)
        elif r.target in found:
            _amend(found[r.target], r)
    return list(found.values())


def _entry(r: Record, names: Mapping[str, str]) -> EntryListed:
    d = r.data
    mark = r.type == "journal.MarkRecorded"
    value = d["mark"] if mark else d["kind"]
    return EntryListed(
        entry=r.event,
        kind="mark" if mark else "absence",
        pupil=d["pupil"],
        pupil_name=names.get(d["pupil"], d["pupil"]),
        value=value,
        recorded=value,
        work_type=d.get("work_type"),
        weight=d.get("weight", 0),
        voided=False,
        by=d["teacher"],
        at=r.at,
        history=[],
    )


def _amend(entry: EntryListed, r: Record) -> None:
    d = r.data
    correction = r.type == "journal.MarkCorrected"
    entry.history.append(
        Amendment(
            event=r.event,
            kind=AmendmentKind.CORRECTION if correction else AmendmentKind.VOID,
            previous=entry.value,
            value=d["mark"] if correction else None,
            reason=d["reason"],
            by=d["by"],
            at=r.at,
        )
    )
    if correction:
        entry.value = d["mark"]
    else:
        entry.voided = True
