"""Period grades: the sheet of a course for a period, the weighted average
beside each pupil, saved through the API's command ``grades.period-sheet``.

The averages, the grades they round to and the grades recorded are the
journal page's own (:func:`read_grid`: the school's grading policy computes
them). The sheet offers each pupil without a grade the grades of the scale,
the suggested one chosen; the teacher's choice is what is signed. The rule
that a period's grades come after its last day, on the scale, by the
course's teacher, each once, is the command's; a refusal is shown next to
the pupil's line with the input kept.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.listing import LiveRecords
from api.server.web.journal_cell import CORRECTORS
from api.server.web.journal_forms import FormState, first_values, run_command
from api.server.web.journal_grid import Grid, read_grid
from api.server.web.journal_page import (
    JOURNAL_ROLES,
    PeriodQuery,
    Reader,
    SubgroupQuery,
    journal_path,
    target_of,
)
from api.server.web.journal_scope import JournalCourse, SubgroupsError, open_course
from api.server.web.pages import CsrfDep, PageError, WebUser, render
from ledger.domain.grading import NOT_ATTESTED, period_grades_allowed

router = APIRouter(include_in_schema=False)
COMMAND = "grades.period-sheet"
LINE = re.compile(r"grades\.([0-9]{1,3})\.pupil")
DONE = {
    "1": "Отметки за период записаны и подписаны.",
    "2": "Отметка за период исправлена: исправление подписано и записано.",
}


@router.get("/app/journal/{class_id}/{subject}/grades")
def grades_page(
    request: Request,
    class_id: str,
    subject: str,
    user: Reader,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
    done: Annotated[str | None, Query(max_length=4)] = None,
) -> HTMLResponse:
    """The period's sheet: averages, grades recorded, the grades to enter."""
    course = course_of(user, class_id, subject, subgroup)
    grid = read_grid(
        user.office, user.account, LiveRecords(user.office.app), course, period
    )
    notice = DONE.get(done or "", "")
    return _page(request, user, grid, FormState(), notice=notice)


@router.post("/app/journal/{class_id}/{subject}/grades")
async def save_grades(
    request: Request,
    class_id: str,
    subject: str,
    user: CsrfDep,
    period: PeriodQuery = None,
    subgroup: SubgroupQuery = None,
) -> Response:
    if not user.has(*JOURNAL_ROLES):
        raise PageError(403, "Нет доступа", "Отметки за период ставят учителя.")
    values = first_values((await request.form()).multi_items())
    course = await run_in_threadpool(course_of, user, class_id, subject, subgroup)
    return await run_in_threadpool(
        _save, request, user, course, period, FormState(values)
    )


def course_of(
    user: WebUser, class_id: str, subject: str, subgroup: str | None
) -> JournalCourse:
    target = target_of(class_id, subject, subgroup)
    live = LiveRecords(user.office.app)
    action = f"period grades {target[0]} {subject}"
    try:
        return open_course(user.office, user.account, live, target, action)
    except SubgroupsError as e:
        raise PageError(
            404,
            "Выберите подгруппу",
            "Предмет ведётся по подгруппам: откройте отметки за период из "
            "журнала своей подгруппы.",
        ) from e


def _save(
    request: Request,
    user: WebUser,
    course: JournalCourse,
    period: str | None,
    form: FormState,
) -> Response:
    office = user.office
    grid = read_grid(office, user.account, LiveRecords(office.app), course, period)
    # the lines as posted (not as the grid stands now): a form sent twice
    # makes the same body, and its second post gets the first one's answer
    lines = sorted(
        (int(m.group(1)), value, form.value(f"grades.{m.group(1)}.grade").strip())
        for name, value in form.values.items()
        if (m := LINE.fullmatch(name))
    )
    chosen = [(i, pupil, grade) for i, pupil, grade in lines if grade]
    if not chosen:
        form.refuse("", "Выберите отметку хотя бы одному обучающемуся.")
        return _page(request, user, grid, form, status_code=422)
    body: dict[str, Any] = {
        "class_id": str(course.class_id),
        "subject": course.subject,
        "subgroup": course.subgroup,
        "period": grid.period["code"],
        "grades": [{"pupil": pupil, "grade": grade} for _, pupil, grade in chosen],
    }

    def field_of(where: str, detail: str) -> str:
        """A line's grade field: the line the body names, else the first
        whose grade the rule's detail quotes (a grade off the scale)."""
        parts = where.split(".")
        if parts[0] == "grades" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            return f"grades.{chosen[index][0]}.grade" if index < len(chosen) else ""
        quoted = (i for i, _, grade in chosen if repr(grade) in detail)
        line = next(quoted, None) if parts[0] == "grades" else None
        return "" if line is None else f"grades.{line}.grade"

    if run_command(user, COMMAND, body, form, field_of):
        LiveRecords(office.app)  # the view takes them in (journal_page)
        path = grades_path(course, grid.period["code"]) + "&done=1"
        return RedirectResponse(path, status_code=303)
    return _page(request, user, grid, form, status_code=422)


def grades_allowed(user: WebUser, grid: Grid) -> list[str]:
    """The grades a period of this course may be given: the subject's scale
    under the school's grading policy of the period's last day."""
    with user.office.reading() as ctx:
        school = ctx.school()
        assessment = school.subject(grid.course.subject).assessment
        policy = school.policy_on(grid.ends)
    return list(period_grades_allowed(assessment, policy))


def grades_path(course: JournalCourse, period: str) -> str:
    query = course.query(period=period)
    return f"/app/journal/{course.class_id}/{course.subject}/grades?{query}"


def correction_path(course: JournalCourse, period: str, pupil: str) -> str:
    """The page that corrects ``pupil``'s grade of ``period``."""
    query = course.query(period=period, pupil=pupil)
    return f"/app/journal/{course.class_id}/{course.subject}/grades/correction?{query}"


def _page(
    request: Request,
    user: WebUser,
    grid: Grid,
    form: FormState,
    *,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    course = grid.course
    allowed = grades_allowed(user, grid)
    return render(
        request,
        "journal_grades.html",
        user,
        status_code=status_code,
        title=f"Отметки за период: {course.title}, {grid.period_name}",
        grid=grid,
        course=course,
        form=form,
        notice=notice,
        allowed=allowed,
        suggested={
            row.pupil: row.suggestion.grade
            for row in grid.rows
            if row.suggestion and row.suggestion.grade != NOT_ATTESTED
        },
        ended=grid.today > grid.ends,
        may_correct=user.has(*CORRECTORS),
        correction=partial(correction_path, course, grid.period["code"]),
        last_day=grid.ends,
        first_day_after=date.fromordinal(grid.ends.toordinal() + 1),
        action=grades_path(course, grid.period["code"]),
        journal=journal_path(course, period=grid.period["code"]),
    )
