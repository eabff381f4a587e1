"""The teacher's start page: my classes and subjects this year, and my lessons
of today and of this week.

The classes and courses are the API's own list (``GET /me/classes``:
:func:`class_of_mine`, the same scope); the lessons are those the records
hold for this week in those classes (:func:`lessons_in`), the ones I gave or
substituted. Today's row lists what my assignments and substitutions say I
teach, each with its journal page, and marks what is recorded already: the
school has no timetable in the records, so a course without a lesson today
is offered, not demanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.server.accounts import Account
from api.server.listing import LiveRecords, staff_names
from api.server.routers.lists import (
    ClassOfMine,
    LessonListed,
    chosen_year,
    class_of_mine,
    lessons_in,
)
from api.server.scope import reads_everything
from api.server.tokens import utcnow
from api.server.web.pages import WebUser, render, roles

router = APIRouter(include_in_schema=False)
Teacher = Annotated[WebUser, roles("teacher", "class_teacher")]
DAYS = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
)


@dataclass(frozen=True)
class Taught:
    """A course of mine (or one I substitute in) with its journal page."""

    klass: ClassOfMine
    subject: str
    subject_name: str
    subgroup: str | None
    teacher: str
    mine: bool  # I teach it (else: I lead the class, or I substitute)
    covering: str = ""  # «замещение 02.10–04.10» when I substitute

    @property
    def path(self) -> str:
        query = urlencode({"subgroup": self.subgroup} if self.subgroup else {})
        path = f"/app/journal/{self.klass.class_id}/{self.subject}"
        return path + (f"?{query}" if query else "")


@dataclass(frozen=True)
class MyLesson:
    """A lesson I gave this week."""

    lesson: LessonListed
    klass: ClassOfMine
    subject_name: str

    @property
    def path(self) -> str:
        query = {"subgroup": self.lesson.subgroup} if self.lesson.subgroup else {}
        path = f"/app/journal/{self.klass.class_id}/{self.lesson.subject}"
        return path + (f"?{urlencode(query)}" if query else "")


@router.get("/app/teacher")
def teacher_home(request: Request, user: Teacher) -> HTMLResponse:
    """My classes and subjects, today's and this week's lessons."""
    office, account = user.office, user.account
    live = LiveRecords(office.app)
    facts = live.facts()
    with office.reading() as ctx:
        today = ctx.today()
    if not facts.years:
        return render(
            request, "journal_home.html", user, title="Мои классы и уроки", year=None
        )
    year = chosen_year(office, facts, None)
    span = facts.years[year]
    starts, ends = date.fromisoformat(span["starts"]), date.fromisoformat(span["ends"])
    classes = my_classes(live, account, year)
    week = _week(today)
    lessons = _my_lessons(live, account, classes, week)
    taught = [t for klass in classes for t in _taught(klass, account, today)]
    teachers = {t.teacher for t in taught}
    office.access.record(account, f"my classes {year}", "classes:mine", utcnow())
    return render(
        request,
        "journal_home.html",
        user,
        title="Мои классы и уроки",
        year=year,
        year_span=(starts, ends),
        in_year=starts <= today <= ends,
        today=today,
        today_name=DAYS[today.weekday()],
        week=week,
        classes=classes,
        taught=taught,
        today_taught=[t for t in taught if t.mine or t.covering],
        lessons=lessons,
        today_lessons=[x for x in lessons if x.lesson.day == today],
        staff=staff_names(live, office.reads.data_keys, teachers),
    )


def my_classes(live: LiveRecords, account: Account, year: str) -> list[ClassOfMine]:
    """The classes of ``year`` I teach, lead or substitute in (``/me/classes``)."""
    facts = live.facts()
    everything = reads_everything(account)
    found = []
    for klass in sorted(facts.classes.values(), key=lambda k: (k["grade"], k["name"])):
        if klass["year"] == year:
            mine = class_of_mine(facts, klass, account, {}, everything=everything)
            if mine is not None:
                found.append(mine)
    return found


def _week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _my_lessons(
    live: LiveRecords,
    account: Account,
    classes: list[ClassOfMine],
    week: tuple[date, date],
) -> list[MyLesson]:
    """The lessons of this week I gave (or substituted), by day."""
    span: dict[str, Any] = {"starts": week[0].isoformat(), "ends": week[1].isoformat()}
    subjects = live.facts().subjects
    found = [
        MyLesson(lesson, klass, subjects.get(lesson.subject, lesson.subject))
        for klass in classes
        for lesson in lessons_in(live, str(klass.class_id), span, None, None)
        if lesson.teacher == account.staff
    ]
    return sorted(found, key=lambda x: (x.lesson.day, x.klass.name, x.lesson.number))


def _taught(klass: ClassOfMine, account: Account, today: date) -> list[Taught]:
    """The courses of a class I open: mine, the class's (if I lead it), and
    those I substitute in (today or later)."""
    found = [
        Taught(
            klass,
            c.subject,
            c.subject_name,
            c.subgroup,
            str(c.teacher),
            mine=c.teacher == account.staff,
        )
        for c in klass.courses
    ]
    for s in klass.substitutions:
        if s.substitute == account.staff and s.ends >= today:
            found.append(
                Taught(
                    klass,
                    s.subject,
                    s.subject_name,
                    s.subgroup,
                    str(s.absent_teacher),
                    mine=False,
                    covering=f"замещение {s.starts:%d.%m}–{s.ends:%d.%m}"
                    + (" (сегодня)" if s.starts <= today <= s.ends else ""),
                )
            )
    return found
