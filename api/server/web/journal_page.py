"""The journal page of a class, subject (or subgroup) and period, and its
new-lesson form.

``GET /app/journal/{class}/{subject}?period=&subgroup=`` shows the grid
(:mod:`api.server.web.journal_grid`); posting the new-lesson form to the same
address saves the lesson with its marks and absences as ONE signed lesson
sheet through the API's own route function (``POST /lesson-sheets``: the same
rules, the account's custodial key, and its idempotency: the form's random
``submission`` is the key, so a form sent twice appends once). A refusal shows
the page again with the typed input kept and the message next to the cell it
is about (status 422); nothing is written. A saved lesson leads back to the
page (303), which says what was saved.

The lists read the records view caught up to the log's last event. The save
catches the view up before it answers, so the teacher who appended pays for
taking their lesson in, once, and the pages that follow (theirs and their
colleagues') find the view current instead of each checking the new entries.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.custody import NoCustodialKeyError
from api.server.listing import LiveRecords, period_title
from api.server.problems import ProblemError
from api.server.routers.journal import LessonSheet, record_lesson_sheet
from api.server.web.journal_forms import first_values
from api.server.web.journal_grid import Grid, page_period, read_grid
from api.server.web.journal_scope import JournalCourse, SubgroupsError, open_course
from api.server.web.journal_sheet import (
    SheetForm,
    check_page,
    place,
    read_form,
    validated,
)
from api.server.web.journal_words import ru_date
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles

router = APIRouter(include_in_schema=False)
#: who opens journal pages: teachers, class teachers (their class, to read),
#: and the deputy director and the director, who answer for the records
JOURNAL_ROLES = ("teacher", "class_teacher", "deputy_director", "director")
Reader = Annotated[WebUser, roles(*JOURNAL_ROLES)]
SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,50}")
PeriodQuery = Annotated[str | None, Query(max_length=4)]
#: the browser-key script (signing in the browser), where the server has it
SIGNING_SCRIPT = Path(__file__).parent / "static" / "signing.js"
SubgroupQuery = Annotated[str | None, Query(max_length=20)]


def journal_path(course: JournalCourse, **extra: str) -> str:
    query = course.query(**extra)
    path = f"/app/journal/{course.class_id}/{course.subject}"
    return path + (f"?{query}" if query else "")


def target_of(
    class_id: str, subject: str, subgroup: str | None
) -> tuple[UUID, str, str | None]:
    """The class, subject and subgroup a page's address names; 404 if it
    names no class or subject at all."""
    try:
        klass = UUID(class_id)
    except ValueError:
        klass = None
    if klass is None or not SUBJECT.fullmatch(subject):
        raise PageError(404, "Не найдено", "Такого журнала нет в этой школе.")
    return klass, subject, subgroup or None


@router.get("/app/journal/{class_id}/{subject}")
def journal_page(
    request: Request,
    class_id: str,
    subject: str,
    user: Reader,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
    saved: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The grid of a course and period, with the new-lesson form."""
    target = target_of(class_id, subject, subgroup)
    live = LiveRecords(user.office.app)
    try:
        course = open_course(user.office, user.account, live, target, _action(target))
    except SubgroupsError as e:
        return render(
            request,
            "journal_subgroups.html",
            user,
            title="Выберите подгруппу",
            klass=e.klass,
            courses=e.courses,
            period=period or "",
        )
    grid = read_grid(user.office, user.account, live, course, period)
    form = SheetForm.blank(grid.default_day(), grid.next_number(grid.default_day()))
    return _page(request, user, grid, form, saved=_saved(grid, saved))


@router.post("/app/journal/{class_id}/{subject}")
async def save_lesson(
    request: Request,
    class_id: str,
    subject: str,
    user: CsrfDep,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
) -> Response:
    """Save the new lesson as one signed lesson sheet, or show why not."""
    if not user.has(*JOURNAL_ROLES):
        raise PageError(403, "Нет доступа", "Уроки записывают учителя.")
    posted = await request.form()
    values = first_values(posted.multi_items())
    target = target_of(class_id, subject, subgroup)
    return await run_in_threadpool(_save, request, user, target, period, values)


def _save(
    request: Request,
    user: WebUser,
    target: tuple[UUID, str, str | None],
    period: str | None,
    values: dict[str, str],
) -> Response:
    office = user.office
    live = LiveRecords(office.app)
    course = open_course(office, user.account, live, target, _action(target))
    form = read_form(values)
    with office.reading() as ctx:
        today = ctx.today()
    span, _ = page_period(live, course, period, today)
    sheet = validated(form)
    if sheet is not None:
        check_page(
            form,
            sheet,
            (str(course.class_id), course.subject, course.subgroup),
            (
                period_title(span["code"]),
                date.fromisoformat(span["starts"]),
                date.fromisoformat(span["ends"]),
            ),
        )
    if sheet is not None and not form.refused:
        lesson = _record(user, sheet, form)
        if lesson is not None:
            LiveRecords(office.app)  # the view takes the lesson in now: see below
            path = journal_path(course, period=span["code"], saved=lesson)
            return RedirectResponse(path, status_code=303)
    grid = read_grid(office, user.account, LiveRecords(office.app), course, period)
    return _page(request, user, grid, form, status_code=422)


def _record(user: WebUser, sheet: LessonSheet, form: SheetForm) -> str | None:
    """The lesson saved through the API's route (its rules, signing and
    idempotency); None, with the refusal placed on the form, if refused."""
    try:
        answer = record_lesson_sheet(
            sheet, user.office, user.account, f"web-lesson:{form.submission}"
        )
    except ProblemError as e:
        if e.kind == "idempotency-key-reused":
            form.refuse(
                "",
                "Эта форма уже отправлена с другими данными: откройте страницу "
                "заново и введите урок ещё раз.",
            )
        else:
            place(form, e)
        return None
    except NoCustodialKeyError as e:
        form.refuse(
            "",
            "Сервер не хранит ваш ключ подписи: подпишите урок ключом своего "
            "браузера (кнопка сохранения сделает это сама, когда ключ выпущен).",
            str(e),
        )
        return None
    made: dict[str, Any] = json.loads(bytes(answer.body))
    return str(made["lesson"])


def _page(
    request: Request,
    user: WebUser,
    grid: Grid,
    form: SheetForm,
    *,
    saved: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    course = grid.course
    return render(
        request,
        "journal_grid.html",
        user,
        status_code=status_code,
        title=f"{course.title}, {grid.period_name}",
        grid=grid,
        course=course,
        form=form,
        saved=saved,
        action=journal_path(course, period=grid.period["code"]),
        grades_path=_grades_path(course, grid.period["code"]),
        signing=SIGNING_SCRIPT.exists(),
    )


def _grades_path(course: JournalCourse, period: str) -> str:
    query = course.query(period=period)
    return f"/app/journal/{course.class_id}/{course.subject}/grades?{query}"


def _saved(grid: Grid, lesson: str | None) -> str:
    """What the page says after a lesson was saved."""
    found = next((x for x in grid.lessons if str(x.lesson) == lesson), None)
    if found is None:
        return ""
    marks = sum(1 for row in grid.rows for e in row.entries(found) if e.kind == "mark")
    absent = sum(
        1 for row in grid.rows for e in row.entries(found) if e.kind == "absence"
    )
    return (
        f"Урок {ru_date(found.day)} (№ {found.number}) записан и подписан: "
        f"отметок — {marks}, отсутствующих — {absent}."
    )


def _action(target: tuple[UUID, str, str | None]) -> str:
    class_id, subject, subgroup = target
    return f"journal {class_id} {subject}" + (
        f" subgroup={subgroup}" if subgroup else ""
    )
