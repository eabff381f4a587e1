"""The chart pages: a pupil's dynamics, a class's results (§2.3, §4.2).

``/app/charts``: what the person may chart — their children (a pupil or a
guardian), the classes they lead with their pupils (a class teacher), every
class of the year (the deputy director, the director).
``/app/charts/pupil/{pupil}``: a pupil's results by subject over the periods
and years, for the family and the class teacher; scoped like the diary.
``/app/charts/class/{class}?period=Q1``: a class's grades by subject in a
period and its results period by period, for the deputy director's internal
quality monitoring (and the class's class teacher); scoped like the API's
class reads (:func:`api.server.scope.check_class_reader`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.server.accounts import GUARDIAN, PUPIL
from api.server.listing import (
    LiveRecords,
    current_year,
    placed_in,
    pupil_names,
)
from api.server.problems import ProblemError
from api.server.scope import check_class_reader, reads_everything
from api.server.tokens import utcnow
from api.server.web.charts import (
    YearSlots,
    distribution_chart,
    number,
    percent,
    periods_chart,
    pupil_panel,
    result_class,
)
from api.server.web.charts_data import (
    ClassResults,
    SubjectDynamics,
    class_results,
    class_school,
    pupil_dynamics,
    short_title,
)
from api.server.web.diary_read import pupil_records, readable_pupil
from api.server.web.pages import (
    PageError,
    WebUser,
    WebUserDep,
    render,
    roles,
    templates,
)
from projections.reports.school import Period

router = APIRouter(include_in_schema=False)
templates.env.globals.update(number=number, percent=percent, result_class=result_class)

LEADS = ("class_teacher", "deputy_director", "director")
ChartReader = Annotated[WebUser, roles(PUPIL, GUARDIAN, *LEADS)]
ClassReader = Annotated[WebUser, roles(*LEADS)]
NO_CLASS = "Такого класса нет в этой школе. Откройте класс из списка «Успеваемость»."


@router.get("/app/charts", response_class=HTMLResponse)
def charts_index(request: Request, user: ChartReader) -> HTMLResponse:
    """The charts the person may open."""
    office = user.office
    live = LiveRecords(office.app)
    facts = live.facts()
    with office.reading() as ctx:
        year = current_year(facts, ctx.today())
    keys = office.reads.data_keys
    pupils = {str(p) for p in user.account.pupils}
    names = pupil_names(live, pupils, keys)
    children = sorted(((p, names.get(p, p)) for p in pupils), key=lambda c: c[1])
    classes = []
    for klass in sorted(facts.classes.values(), key=lambda c: (c["grade"], c["name"])):
        if klass["year"] != year:
            continue
        leads = user.account.staff is not None and klass["class_teacher"] == str(
            user.account.staff
        )
        if leads or (reads_everything(user.account) and user.has(*LEADS)):
            shown = placed_in(live, klass["id"], keys) if leads else []
            classes.append({**klass, "pupils": [p for p in shown if p.left is None]})
    if any(c["pupils"] for c in classes):
        office.access.record(user.account, "charts: class lists", "classes", utcnow())
    return render(
        request,
        "charts_index.html",
        user,
        title="Успеваемость",
        year=year,
        children=children,
        classes=classes,
    )


@router.get("/app/charts/pupil/{pupil}", response_class=HTMLResponse)
def pupil_chart(request: Request, pupil: str, user: WebUserDep) -> HTMLResponse:
    """A pupil's results by subject over the periods and years."""
    pupil_id = readable_pupil(user, pupil, "dynamics chart")
    records = pupil_records(user, pupil_id)
    subjects = pupil_dynamics(records)
    return render(
        request,
        "charts_pupil.html",
        user,
        title=f"Динамика успеваемости: {records.pupil.name}",
        pupil=records.pupil,
        pupil_id=UUID(records.pupil.id),
        tab="chart",
        subjects=subjects,
        panels=[(s, pupil_panel(s.name, s.years)) for s in subjects if s.scored],
        unscored=[s.name for s in subjects if not s.scored],
        years=year_columns(subjects),
        provenance=records.source.provenance,
    )


def year_columns(subjects: list[SubjectDynamics]) -> list[YearSlots]:
    """Every year any subject has, in order, with its periods (the table's
    columns)."""
    found: dict[str, YearSlots] = {}
    for s in subjects:
        for y in s.years:
            found.setdefault(y.label, y)
    return sorted(found.values(), key=lambda y: y.label)


@router.get("/app/charts/class/{class_id}", response_class=HTMLResponse)
def class_chart(
    request: Request,
    class_id: str,
    user: ClassReader,
    period: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """A class's grades by subject in a period, and its periods side by side."""
    office = user.office
    klass_id = _class_id(class_id)
    action = f"class chart {klass_id} period={period or '-'}"
    about = f"class:{klass_id}"
    try:
        with office.reading() as ctx:
            check_class_reader(ctx, user.account, klass_id)
    except ProblemError as e:
        office.access.refused(user.account, action, about, e.status, utcnow())
        raise
    office.access.record(user.account, action, about, utcnow())
    source, school = class_school(office)
    klass = school.classes.get(str(klass_id))
    if klass is None:
        raise PageError(404, "Не найдено", NO_CLASS)
    results = class_results(office, source, school, klass, school.years[klass.year])
    shown = _period(results, period)
    rows = tuple(results.cells[(code, shown.code)] for code, _ in results.subjects)
    return render(
        request,
        "charts_class.html",
        user,
        title=f"Результаты {klass.name} класса",
        results=results,
        period=shown,
        shares=[s for s in results.overall[shown.code].shares if s.count],
        distribution=distribution_chart(klass.name, shown.title, rows),
        dynamics=periods_chart(
            klass.name,
            tuple((short_title(p), results.overall[p.code]) for p in results.periods),
        ),
        provenance=source.provenance,
    )


def _class_id(text: str) -> UUID:
    try:
        return UUID(text.strip().lower())
    except ValueError as e:
        raise PageError(404, "Не найдено", NO_CLASS) from e


def _period(results: ClassResults, code: str | None) -> Period:
    """The period asked for; by default the latest with grades (else the first)."""
    periods = results.periods
    if code is None:
        graded = [p for p in periods if results.overall[p.code].total]
        return graded[-1] if graded else periods[0]
    for p in periods:
        if p.code.casefold() == code.strip().casefold():
            return p
    allowed = ", ".join(f"{p.code} ({p.title})" for p in periods)
    raise PageError(
        422,
        "Нет такого периода",
        f"У {results.klass.name} класса нет периода «{code}»; периоды: {allowed}.",
    )
