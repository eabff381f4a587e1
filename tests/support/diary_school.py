"""The served small school with a diary worth reading, for the diary, chart and
proof pages.

On top of ``tests.support.serving.school_app`` (9А's first maths lesson on
1 October 2024), in the order of their days: lessons of mathematics, Russian,
history and English (subgroup 1: Иванов and Смирнова) on 16–20 September and
30 September – 4 October 2024, with topics, homework, marks of every work
type and absences; one of Иванов's marks corrected (3→5, «описка») and one
voided on 4 October; a history lesson whose topic and homework are HTML; an
olympiad in Иванов's portfolio; the I quarter's grades (28 October); lessons
on 11–15 November; the II quarter's grades (28 December); lessons on 13–17
January 2025. The server's clock then stands on Wednesday 15 January 2025.
Besides the small school's accounts: ``parent2``, the guardian of Иванов and
Смирнова.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from fastapi import FastAPI

from api.server.accounts import Account
from api.server.office import Office
from api.server.tables import API_TABLES
from ledger.domain.journal import AbsenceKind
from ledger.domain.portfolio import AchievementKind, AchievementLevel, AchievementResult
from ledger.records.journal import AbsenceInput, LessonInput, MarkInput
from ledger.storage.init import initialise
from tests.support.pg import throwaway_database
from tests.support.school import TEST, WORK, SmallSchool
from tests.support.serving import PASSWORD, school_app
from tests.support.stores import ORIGIN, PASSPHRASE, Store, require_postgres

SELF_STUDY = "самостоятельная работа"
TODAY = date(2025, 1, 15)
WEEKS = (date(2024, 9, 16), date(2024, 9, 30), date(2024, 11, 11), date(2025, 1, 13))
#: subject → (teacher's key label, subgroup, the subgroup's members by index)
COURSES = {
    "math": ("maths", None),
    "rus": ("russian", None),
    "hist": ("history", None),
    "eng": ("english", "1"),
}
#: the school days each subject is taught on (Monday = 0)
TIMETABLE = {"math": (0, 1, 2, 3, 4), "rus": (0, 2, 4), "hist": (1, 3), "eng": (1, 2)}
MARKS = ("5", "4", "3", "5", "4", "2", "5", "4")
WORKS = (WORK, SELF_STUDY, TEST)
INJECTED_TOPIC = '<script>alert("тема")</script> Смутное время & «Романовы»'
INJECTED_HOMEWORK = "<img src=x onerror=alert(1)> §12, вопросы 1–3"
INJECTED_DAY = date(2024, 10, 3)
VOID_REASON = 'выставлена ошибочно: "<i>повтор</i>"'  # HTML in a reason
CORRECTED_DAY = date(2024, 10, 2)
VOIDED_DAY = date(2024, 10, 3)
#: Иванов's (pupil 0's) marks fixed where the tests read them
FIXED = {
    ("math", CORRECTED_DAY, 0): ("3", SELF_STUDY),
    ("math", VOIDED_DAY, 0): ("2", TEST),
}


@dataclass(frozen=True)
class Marked:
    """A mark of Иванов's as recorded: its entry name, subject, day, value."""

    entry: str
    subject: str
    day: date
    value: str


@dataclass
class DiarySchool:
    """The app on the small school with its diary, and what the tests name."""

    app: FastAPI
    school: SmallSchool
    store: Store
    office: Office
    first_lesson: UUID
    corrected: str = ""  # Иванов's mark 3→5, as <lesson>:<seq>
    voided: str = ""  # Иванов's voided mark
    ivanovs: list[Marked] = field(default_factory=list)  # Иванов's marks

    @property
    def ivanov(self) -> UUID:
        return self.school.pupils[0]

    @property
    def smirnova(self) -> UUID:
        return self.school.pupils[1]

    @property
    def kuznetsov(self) -> UUID:
        return self.school.pupils[2]


@contextmanager
def module_store(kind: str, path: Path) -> Iterator[Store]:
    """A store initialised as `letopis init` does (with the API's tables) that
    lives as long as the caller wants: the diary's pages only read, so one
    school serves a module's tests. PostgreSQL's lives in a throwaway database."""
    keys = path / "keys"
    with ExitStack() as stack:
        roles: dict[str, str] = {}
        if kind == "sqlite":
            url = f"sqlite:///{path / 'letopis.db'}"
        else:
            require_postgres()
            db = stack.enter_context(throwaway_database("letopis_t"))
            url = db.admin_url
            roles = {"owner_role": db.owner_role, "app_role": db.app_role}
        done = initialise(
            url,
            keys,
            origin=ORIGIN,
            passphrase=PASSPHRASE,
            side_tables=API_TABLES,
            **roles,
        )
        store = Store(kind, done.app_url, keys, url)
        try:
            yield store
        finally:
            store.close_all()


@contextmanager
def diary_app(store: Store) -> Iterator[DiarySchool]:
    """The small school served, with the diary history above, sealed."""
    with school_app(store) as (app, school, lesson):
        office: Office = app.state.office
        served = DiarySchool(app, school, store, office, lesson)
        _history(served)
        office.accounts.add(
            Account(
                "parent2", ("guardian",), pupils=(school.pupils[0], school.pupils[1])
            ),
            PASSWORD,
        )
        school.clock.set(TODAY)
        office.sealer.seal()
        yield served


def _history(d: DiarySchool) -> None:
    n = _weeks(d, WEEKS[:2], 0)
    _amend(d)
    _portfolio(d)
    _grades(d, "Q1")
    n = _weeks(d, WEEKS[2:3], n)
    _grades(d, "Q2")
    _weeks(d, WEEKS[3:], n)


def _weeks(d: DiarySchool, mondays: tuple[date, ...], n: int) -> int:
    """The timetable's lessons of the weeks from ``mondays``; lessons numbered
    on from ``n`` (the number picks the marks)."""
    for monday in mondays:
        for offset in range(5):
            day = monday + timedelta(days=offset)
            for subject, days in TIMETABLE.items():
                first = day == date(2024, 10, 1) and subject == "math"
                if offset in days and not first:  # that one is school_app's
                    n += 1
                    _lesson(d, subject, day, n)
    return n


def _portfolio(d: DiarySchool) -> None:
    s = d.school
    s.clock.set(date(2024, 10, 16))
    s.records.portfolio.record_achievement(
        pupil=d.ivanov,
        kind=AchievementKind.OLYMPIAD,
        title="Школьный этап всероссийской олимпиады по математике",
        level=AchievementLevel.SCHOOL,
        result=AchievementResult.WINNER,
        on=date(2024, 10, 15),
        document="протокол № 3 от 15.10.2024",
        signed_by=s.signing("maths"),
    )


def _lesson(d: DiarySchool, subject: str, day: date, n: int) -> None:
    s = d.school
    teacher, subgroup = COURSES[subject]
    pupils = s.pupils[:2] if subgroup else s.pupils
    marks = tuple(
        MarkInput(p, *_mark(subject, day, n, i))
        for i, p in enumerate(pupils)
        if (n + i) % 3 != 2 or (subject, day, i) in FIXED
    )
    absences: tuple[AbsenceInput, ...] = ()
    if n % 4 == 0 and not any(m.pupil == pupils[-1] for m in marks):
        absences = (AbsenceInput(pupils[-1], AbsenceKind.ILL),)
    injected = subject == "hist" and day == INJECTED_DAY
    s.clock.set(day, 15)
    [stream] = s.records.journal.record_lessons(
        [
            LessonInput(
                s.klass("9А"),
                subject,
                day,
                INJECTED_TOPIC if injected else f"Тема {n}: {subject} {day:%d.%m}",
                homework=INJECTED_HOMEWORK if injected else f"Упражнения {n}, {n + 1}",
                subgroup=subgroup,
                marks=marks,
                absences=absences,
            )
        ],
        signed_by=s.signing(teacher),
    )
    for seq, m in enumerate(marks, start=2):
        if m.pupil == d.ivanov:
            d.ivanovs.append(Marked(f"{stream}:{seq}", subject, day, m.mark))


def _mark(subject: str, day: date, n: int, i: int) -> tuple[str, str]:
    """The mark of pupil ``i`` in lesson ``n`` and its kind of work."""
    return FIXED.get((subject, day, i)) or (
        MARKS[(n + i) % len(MARKS)],
        WORKS[(n + i) % len(WORKS)],
    )


def _amend(d: DiarySchool) -> None:
    """Иванов's first «3» in mathematics of 30 September – 4 October corrected
    to «5», and his first «2» there voided, by the maths teacher."""
    s = d.school
    s.clock.set(date(2024, 10, 4), 16)
    maths = s.signing("maths")
    week = [m for m in d.ivanovs if m.subject == "math"]
    three = next(m.entry for m in week if m.day == CORRECTED_DAY)
    two = next(m.entry for m in week if m.day == VOIDED_DAY)
    s.records.journal.correct_mark(three, mark="5", reason="описка", signed_by=maths)
    s.records.journal.void_entry(two, reason=VOID_REASON, signed_by=maths)
    d.corrected, d.voided = three, two


#: the period grades of 9А: subject → (teacher, grades of pupils 0, 1, 2 in Q1, Q2)
GRADES = {
    "math": ("maths", (("5", "4", "3"), ("5", "5", "3"))),
    "rus": ("russian", (("4", "5", "2"), ("4", "5", "3"))),
    "hist": ("history", (("5", "4", "н/а"), ("4", "4", "3"))),
    "eng": ("english", (("5", "4"), ("5", "3"))),
}
GRADED_ON = {"Q1": date(2024, 10, 28), "Q2": date(2024, 12, 28)}


def _grades(d: DiarySchool, period: str) -> None:
    """A quarter's grades, recorded by each subject's teacher the day after
    the quarter ends."""
    s = d.school
    s.clock.set(GRADED_ON[period])
    index = list(GRADED_ON).index(period)
    for subject, (teacher, by_period) in GRADES.items():
        s.records.attestation.record_period_grades(
            class_id=s.klass("9А"),
            subject=subject,
            period=period,
            subgroup=COURSES[subject][1],
            grades={s.pupils[i]: g for i, g in enumerate(by_period[index])},
            signed_by=s.signing(teacher),
        )
