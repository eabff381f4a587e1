"""Substitutions («журнал замещения», §7.3.6): who covers whose lessons, when.

A teacher sees the substitutions in their classes (as ``/me/classes`` lists
them: those they make or that cover them; a class teacher every one of their
class), each substitute with a link to the journal they keep for those days.
Recording one is the command ``classes.record-substitution`` of the API's
table; its roles say who may (the deputy director and the director by the
school's rules): they get the form, everyone else is told whom to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.commands.catalog import command as command_named
from api.server.listing import LiveRecords, staff_names
from api.server.routers.lists import ClassOfMine, Substitution, chosen_year
from api.server.tokens import utcnow
from api.server.web.journal_forms import FormState, first_values, run_command
from api.server.web.journal_home import my_classes
from api.server.web.nav import ROLE_NAMES
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles

router = APIRouter(include_in_schema=False)
COMMAND = "classes.record-substitution"
FIELDS = ("class_id", "subject", "subgroup", "substitute", "starts", "ends", "reason")


def recorders() -> tuple[str, ...]:
    """The roles that may record a substitution: the command's own."""
    found = command_named(COMMAND)
    assert found is not None
    return found.roles


SUBS_ROLES = ("teacher", "class_teacher", *recorders())
Reader = Annotated[WebUser, roles(*SUBS_ROLES)]


@dataclass(frozen=True)
class Listed:
    """A substitution as the page lists it."""

    klass: ClassOfMine
    substitution: Substitution

    @property
    def journal(self) -> str:
        s = self.substitution
        query = f"?subgroup={s.subgroup}" if s.subgroup else ""
        return f"/app/journal/{self.klass.class_id}/{s.subject}{query}"


@router.get("/app/substitutions")
def substitutions(
    request: Request, user: Reader, done: str | None = None
) -> HTMLResponse:
    """The substitutions in my classes this year; the form for who may record."""
    notice = "Замещение записано и подписано." if done == "1" else ""
    return _page(request, user, FormState(), notice=notice)


@router.post("/app/substitutions")
async def record_substitution(request: Request, user: CsrfDep) -> Response:
    values = first_values((await request.form()).multi_items())
    return await run_in_threadpool(_record, request, user, FormState(values))


def _record(request: Request, user: WebUser, form: FormState) -> Response:
    if not user.has(*recorders()):
        raise PageError(403, "Нет доступа", _who_may())
    body: dict[str, Any] = {name: form.value(name).strip() for name in FIELDS}
    body["subgroup"] = body["subgroup"] or None
    if run_command(user, COMMAND, body, form):
        return RedirectResponse("/app/substitutions?done=1", status_code=303)
    return _page(request, user, form, status_code=422)


def _page(
    request: Request,
    user: WebUser,
    form: FormState,
    *,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    office, account = user.office, user.account
    live = LiveRecords(office.app)
    facts = live.facts()
    year = chosen_year(office, facts, None)
    classes = my_classes(live, account, year)
    listed = [
        Listed(klass, s)
        for klass in classes
        for s in sorted(klass.substitutions, key=lambda s: (s.starts, s.subject))
    ]
    may = user.has(*recorders())
    office.access.record(account, f"substitutions {year}", "classes:mine", utcnow())
    return render(
        request,
        "journal_subs.html",
        user,
        status_code=status_code,
        title="Замещения",
        year=year,
        listed=listed,
        staff=staff_names(live, office.reads.data_keys),
        me=str(account.staff) if account.staff else "",
        may_record=may,
        who_may=_who_may(),
        classes=classes if may else [],
        subjects=facts.subjects,
        form=form,
        notice=notice,
    )


def _who_may() -> str:
    names = " или ".join(ROLE_NAMES[r] for r in recorders())
    return (
        f"Замещение записывает {names} (§7.3.6): обратитесь к ним, и замещаемые "
        "уроки появятся в ваших классах на эти дни."
    )
