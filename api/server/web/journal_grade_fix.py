"""Correcting a period grade from the period's sheet (§8.1 of the regulation:
a record is never changed, a correction names it and gives the reason).

``…/grades/correction?pupil=…&period=…`` shows the pupil's grade as it stands
and a form for the new grade, the reason and, for the deputy director or the
director after the period is closed, the order. It runs the API's own
command ``grades.correct`` (:func:`run_command`: the same rules, the account's
custodial key, a form sent twice appends once); the correction names the
original grade. A refusal shows the page again with the message next to the
field and the input kept; nothing is written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.listing import LiveRecords, staff_names
from api.server.web.journal_cell import CORRECTORS
from api.server.web.journal_forms import FormState, first_values, run_command
from api.server.web.journal_grades import (
    correction_path,
    course_of,
    grades_allowed,
    grades_path,
)
from api.server.web.journal_grid import Grid, GridRow, read_grid
from api.server.web.journal_page import PeriodQuery, Reader, SubgroupQuery
from api.server.web.journal_scope import JournalCourse
from api.server.web.pages import CsrfDep, PageError, WebUser, render

router = APIRouter(include_in_schema=False)
COMMAND = "grades.correct"
PupilQuery = Annotated[str, Query(max_length=36)]
FIELDS = ("grade", "reason", "order.number", "order.date")


@router.get("/app/journal/{class_id}/{subject}/grades/correction")
def correction_page(
    request: Request,
    class_id: str,
    subject: str,
    user: Reader,
    pupil: PupilQuery,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
) -> HTMLResponse:
    """The pupil's period grade and the form that corrects it."""
    course = course_of(user, class_id, subject, subgroup)
    live = LiveRecords(user.office.app)
    grid = read_grid(user.office, user.account, live, course, period)
    return _page(request, user, live, grid, _row(grid, pupil), FormState())


@router.post("/app/journal/{class_id}/{subject}/grades/correction")
async def correct_grade(
    request: Request,
    class_id: str,
    subject: str,
    user: CsrfDep,
    pupil: PupilQuery,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
) -> Response:
    if not user.has(*CORRECTORS):
        raise PageError(
            403,
            "Нет доступа",
            "Отметку за период исправляет учитель предмета или заместитель директора.",
        )
    form = FormState(first_values((await request.form()).multi_items()))
    course = await run_in_threadpool(course_of, user, class_id, subject, subgroup)
    return await run_in_threadpool(_save, request, user, course, period, pupil, form)


def _row(grid: Grid, pupil: str) -> GridRow:
    found = next((r for r in grid.rows if r.pupil == pupil), None)
    if found is None or found.grade_entry is None:
        raise PageError(
            404,
            "Не найдено",
            "У этого обучающегося нет отметки за этот период: исправлять нечего.",
        )
    return found


def _save(
    request: Request,
    user: WebUser,
    course: JournalCourse,
    period: str | None,
    pupil: str,
    form: FormState,
) -> Response:
    live = LiveRecords(user.office.app)
    grid = read_grid(user.office, user.account, live, course, period)
    row = _row(grid, pupil)
    body: dict[str, Any] = {
        "pupil": row.pupil,
        "subject": course.subject,
        "year": course.klass["year"],
        "corrects": row.grade_entry,
        "grade": form.value("grade").strip(),
        "reason": form.value("reason").strip(),
    }
    number, on = form.value("order.number").strip(), form.value("order.date")
    if number or on:
        body["order"] = {"number": number, "date": on}
    if run_command(user, COMMAND, body, form, _field_of):
        LiveRecords(user.office.app)  # the view takes it in (journal_page)
        path = grades_path(course, grid.period["code"]) + "&done=2"
        return RedirectResponse(path, status_code=303)
    return _page(request, user, live, grid, row, form, status_code=422)


def _field_of(where: str, _detail: str) -> str:
    """The form's field a refusal is about, else the form as a whole."""
    return where if where in FIELDS else ""


def _page(
    request: Request,
    user: WebUser,
    live: LiveRecords,
    grid: Grid,
    row: GridRow,
    form: FormState,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    course = grid.course
    allowed = [g for g in grades_allowed(user, grid) if g != row.grade]
    # who set the grade (its teacher) and who corrected it, by entry
    authors = {
        h.event: str(h.data.get("by") or h.data["teacher"]) for h in row.grade_history
    }
    names = staff_names(live, user.office.reads.data_keys, set(authors.values()))
    with user.office.reading() as ctx:
        year = ctx.year_of(ctx.school_class(course.class_id))
        closed = year.closure_of_period(
            course.class_id, course.subject, grid.period["code"]
        )
    return render(
        request,
        "journal_grade_correction.html",
        user,
        status_code=status_code,
        title=f"Исправление отметки за период: {row.name}",
        grid=grid,
        course=course,
        row=row,
        form=form,
        allowed=allowed,
        authors={event: names.get(who, "—") for event, who in authors.items()},
        may_correct=user.has(*CORRECTORS),
        answers=user.has("deputy_director", "director"),
        closed=closed is not None,
        action=correction_path(course, grid.period["code"], row.pupil),
        back=grades_path(course, grid.period["code"]),
    )
