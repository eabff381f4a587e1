"""The diary pages of pupils and guardians («электронный дневник», §7.3.6).

``/app/diary``: a pupil goes to their own diary; a guardian chooses one of
their children (or goes straight to the only one). ``/app/diary/{pupil}``:
a week of the diary, ``…/file``: the personal file («личное дело», its
yearly results), ``…/portfolio``: the portfolio of achievements (§3.2.2).
Every page of a pupil is scoped by the API's own check (152-ФЗ): a pupil who
puts another pupil's id in the address gets «Нет доступа» (403), and the
attempt is in the access log. What the pages show is read as the reports read
it (:mod:`api.server.web.diary_read`); each mark links to its proof.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.accounts import GUARDIAN, PUPIL
from api.server.listing import LiveRecords, pupil_names
from api.server.web.diary_read import (
    PupilRecords,
    default_day,
    diary_week,
    monday_of,
    pupil_records,
    readable_pupil,
    report,
)
from api.server.web.pages import WebUser, WebUserDep, render, roles, templates
from projections.reports.common import day as dotted

router = APIRouter(include_in_schema=False)
WEEK_FORMAT = "дата в виде ДД.ММ.ГГГГ или ГГГГ-ММ-ДД, например 01.10.2024"
PupilPath = Annotated[str, "a pupil's id or personal file number"]
FamilyDep = Annotated[WebUser, roles(PUPIL, GUARDIAN)]


def dotted_day(value: date | str | None) -> str:
    """«01.10.2024», as Russian documents write a date."""
    if isinstance(value, date):
        value = value.isoformat()
    return dotted(value)


templates.env.filters["dotted_day"] = dotted_day


@router.get("/app/diary", response_class=HTMLResponse)
def choose(request: Request, user: FamilyDep) -> Response:
    """A pupil's own diary; a guardian's choice among their children."""
    pupils = list(user.account.pupils)
    if len(pupils) == 1:
        return RedirectResponse(f"/app/diary/{pupils[0]}", status_code=303)
    live = LiveRecords(user.office.app)
    names = pupil_names(live, {str(p) for p in pupils}, user.office.reads.data_keys)
    children = sorted(
        ((str(p), names.get(str(p), str(p))) for p in pupils), key=lambda c: c[1]
    )
    return render(
        request, "diary_choose.html", user, title="Дневник", children=children
    )


def parse_week(text: str | None) -> date | None:
    """A day of the week asked for (any day; its Monday is shown); ValueError."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip()
    try:
        if "." in cleaned:
            d, m, y = cleaned.split(".")
            return date(int(y), int(m), int(d))
        return date.fromisoformat(cleaned)
    except ValueError as e:
        msg = f"«{cleaned}» — не дата; нужна {WEEK_FORMAT}"
        raise ValueError(msg) from e


@router.get("/app/diary/{pupil}", response_class=HTMLResponse)
def diary_page(
    request: Request,
    pupil: PupilPath,
    user: WebUserDep,
    week: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """A week of the pupil's diary (the week of ``week``; default: this week)."""
    pupil_id = readable_pupil(user, pupil, f"diary {week or 'this week'}")
    records = pupil_records(user, pupil_id)
    error = ""
    try:
        asked = parse_week(week)
    except ValueError as e:
        asked, error = None, str(e)
    if asked is None:
        with user.office.reading() as ctx:
            asked = default_day(records, ctx.today())
    monday = monday_of(asked)
    shown = diary_week(records, monday)
    return _page(
        request,
        "diary_week.html",
        user,
        records,
        "diary",
        status_code=422 if error else 200,
        title=f"Дневник: {records.pupil.name}",
        week=shown,
        previous=(monday - timedelta(days=7)).isoformat(),
        following=(monday + timedelta(days=7)).isoformat(),
        asked=week if error else dotted_day(asked),
        error=error,
    )


@router.get("/app/diary/{pupil}/file", response_class=HTMLResponse)
def personal_file(request: Request, pupil: PupilPath, user: WebUserDep) -> Response:
    """The pupil's personal file: movement, yearly results, council decisions."""
    pupil_id = readable_pupil(user, pupil, "personal file")
    records = pupil_records(user, pupil_id)
    shown = report(records, "personal-file")
    return _page(request, "diary_report.html", user, records, "file", report=shown)


@router.get("/app/diary/{pupil}/portfolio", response_class=HTMLResponse)
def portfolio(request: Request, pupil: PupilPath, user: WebUserDep) -> Response:
    """The pupil's portfolio of achievements (§3.2.2)."""
    pupil_id = readable_pupil(user, pupil, "portfolio")
    records = pupil_records(user, pupil_id)
    shown = report(records, "portfolio")
    return _page(request, "diary_report.html", user, records, "portfolio", report=shown)


def _page(
    request: Request,
    template: str,
    user: WebUser,
    records: PupilRecords,
    tab: str,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    """A page of one pupil, with the tabs of their pages."""
    pupil = records.pupil
    context.setdefault("title", pupil.name)
    return render(
        request,
        template,
        user,
        status_code=status_code,
        pupil=pupil,
        pupil_id=UUID(pupil.id),
        tab=tab,
        provenance=records.source.provenance,
        **context,
    )
