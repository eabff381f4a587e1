"""Closing study periods, and the change log («Журнал изменений», §7.3.6,
§8.1), for the deputy director (and the director).

The periods of the year and their state today are read as ``GET /periods``
reads them (:func:`api.server.routers.periods.periods`). Closing one is the
``periods.close`` record command; as it cannot be undone (afterwards the
period's entries change only as corrections citing an order) the form asks
again before it is sent: the first POST shows what will be closed, the
second, with ``confirmed``, closes it. The change log is the ``changes``
report: late entries, corrections and entries made after closing, month by
month, for a class.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.server.routers.periods import periods
from api.server.web.deputy import HOME, PERIOD_STATES, ROLES, TITLE
from api.server.web.forms import Form, FormSpec, Option
from api.server.web.forms_choices import SchoolChoices
from api.server.web.forms_submit import Posted, command_form, notices, post_form
from api.server.web.office_reports import report_page
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles

router = APIRouter(include_in_schema=False)
PERIODS = "/app/deputy/periods"
Deputy = Annotated[WebUser, roles(*ROLES)]
CLOSE = FormSpec(
    "close",
    "periods.close",
    "Закрыть период",
    hidden=("year",),
    button="Закрыть…",
)
STATES = PERIOD_STATES


def _close_form(
    user: WebUser, choices: SchoolChoices, period: str | None = None
) -> Form:
    options: dict[str, list[Option]] = {
        "period": choices.periods(),
        "class_id": choices.classes(),
        "subject": choices.subjects(),
    }
    initial = {"year": choices.year or "", "period": period or ""}
    return command_form(user, CLOSE, options, initial)


def _periods_page(
    request: Request,
    user: WebUser,
    form: Form,
    choices: SchoolChoices,
    status_code: int = 200,
    template: str = "deputy_periods.html",
    **extra: Any,
) -> HTMLResponse:
    return render(
        request,
        template,
        user,
        status_code=status_code,
        title="Закрытие периодов",
        form=form,
        notices=notices(user),
        **_context(user, choices),
        **extra,
    )


@router.get("/app/deputy/periods")
def periods_page(
    request: Request,
    user: Deputy,
    period: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    """The periods of the year by grade, their state, and the closing form."""
    choices = SchoolChoices(user.office, user.account)
    return _periods_page(request, user, _close_form(user, choices, period), choices)


@router.post("/app/deputy/periods")
def close_period(
    request: Request, user: CsrfDep, _: Deputy, posted: Posted
) -> Response:
    """First what will be closed, to confirm; then, confirmed, the closing."""
    choices = SchoolChoices(user.office, user.account)
    form = _close_form(user, choices)
    if posted.get("confirmed") == "1":
        return post_form(
            request,
            user,
            form,
            posted,
            PERIODS,
            template="deputy_periods.html",
            **_context(user, choices),
        )
    form.bind(posted, posted.getlist)
    body = form.body()
    if body is None:
        return _periods_page(request, user, form, choices, 422)
    data = body.model_dump(mode="json")
    scope = _scope(data, choices)
    return _periods_page(
        request,
        user,
        form,
        choices,
        template="deputy_close_confirm.html",
        scope=scope,
        posted=[(w.path, w.value) for w in _sent(form)],
    )


def _context(user: WebUser, choices: SchoolChoices) -> dict[str, Any]:
    """What the periods page shows besides the form."""
    year = periods(user.office, user.account, None) if choices.year else None
    return {
        "year": year,
        "states": STATES,
        "classes": {k["id"]: k["name"] for k in choices.class_list()},
        "subjects": choices.facts.subjects,
        "home": HOME,
        "home_title": TITLE,
    }


def _sent(form: Form) -> list[Any]:
    """The inputs the confirmation sends again, as they were posted."""
    return [w for w in form.widgets if w.kind not in ("group", "rows")]


def _scope(data: dict[str, Any], choices: SchoolChoices) -> str:
    """«I четверть 2024/2025: 9А, Математика» in words."""
    names = {o.value: o.label for o in choices.periods()}
    period = names.get(data["period"], data["period"])
    klass = choices.klass(str(data.get("class_id") or ""))
    where = f"класс {klass['name']}" if klass else "вся школа"
    subject = data.get("subject")
    if subject:
        where += f", предмет «{choices.facts.subjects.get(subject, subject)}»"
    else:
        where += ", все предметы"
    return f"{period} {data['year']} уч. года — {where}"


@router.get("/app/deputy/changes")
def change_log(
    request: Request,
    user: Deputy,
    klass: Annotated[UUID | None, Query(alias="class")] = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    """The change log of a class: late entries, corrections, entries after
    closing (printable)."""
    choices = SchoolChoices(user.office, user.account)
    if klass is None:
        return render(
            request,
            "deputy_changes.html",
            user,
            title="Журнал изменений",
            classes=choices.class_list(),
            back=HOME,
            back_title=TITLE,
        )
    chosen = choices.klass(str(klass))
    if chosen is None:
        raise PageError(404, "Нет такого класса", "Такого класса в школе нет.")
    params = {"class": chosen["name"], "year": chosen["year"], "month": month or None}
    return report_page(request, user, "changes", params, back=HOME, back_title=TITLE)
