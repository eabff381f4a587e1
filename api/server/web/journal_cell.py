"""A journal cell's entry: its history, and its correction or void.

``/app/journal/entries/{lesson}:{seq}`` shows the mark or absence as it was
recorded and as it stands, each correction and void with its reason, who made
it, when, and the key that signed it (read from the stored envelope). The
forms correct a mark or void an entry through the API's own route functions
(``POST /entries/{entry}/correction`` and ``/void``: the same rules, the
author or the deputy director, an order after the period is closed; the
account's custodial key; a form sent twice appends once). A refusal shows the
page again with the message next to the field and the input kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.server.custody import NoCustodialKeyError
from api.server.listing import LiveRecords, staff_names
from api.server.problems import ProblemError
from api.server.routers.journal import Correction, Void, correct_mark, void_entry
from api.server.routers.lists import EntryListed, LessonEntries, lesson_entries
from api.server.web.journal_forms import FormState, body_field, first_values
from api.server.web.journal_grid import current_period
from api.server.web.journal_page import Reader
from api.server.web.journal_words import invalid_text, rule_text
from api.server.web.pages import CsrfDep, PageError, WebUser, render
from ledger.domain.errors import InvalidRecordError, ScaleError
from ledger.envelope import parse
from ledger.errors import LedgerError

router = APIRouter(include_in_schema=False)
ENTRY = re.compile(r"[0-9a-f-]{36}:[1-9][0-9]{0,5}")
#: who may correct or void an entry: its author (a teacher) or the deputy
#: director; the director too, after the period is closed, citing an order
CORRECTORS = ("teacher", "deputy_director", "director")
DONE = {
    "correction": "Отметка исправлена: исправление подписано и записано.",
    "void": "Запись аннулирована: аннулирование подписано и записано.",
}


@dataclass
class CellForm(FormState):
    """A correction or void form as typed, and the refusals placed on it."""

    kind: str = "correction"

    def body(self) -> dict[str, Any]:
        """The body of the API's correction or void (1:1 with its fields)."""
        body: dict[str, Any] = {"reason": self.value("reason").strip()}
        if self.kind == "correction":
            body["mark"] = self.value("mark").strip()
        number, on = self.value("order.number").strip(), self.value("order.date")
        if number or on:
            body["order"] = {"number": number, "date": on}
        return body


def entry_of(text: str) -> str:
    if not ENTRY.fullmatch(text):
        raise PageError(404, "Не найдено", "Такой записи нет в журнале школы.")
    return text


@router.get("/app/journal/entries/{entry}")
def entry_page(
    request: Request,
    entry: str,
    user: Reader,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The entry's history and the forms to correct or void it."""
    return _page(request, user, entry_of(entry), notice=DONE.get(done or "", ""))


@router.post("/app/journal/entries/{entry}/correction")
async def correct(request: Request, entry: str, user: CsrfDep) -> Response:
    values = first_values((await request.form()).multi_items())
    form = CellForm(values, kind="correction")
    return await run_in_threadpool(_change, request, user, entry_of(entry), form)


@router.post("/app/journal/entries/{entry}/void")
async def void(request: Request, entry: str, user: CsrfDep) -> Response:
    values = first_values((await request.form()).multi_items())
    form = CellForm(values, kind="void")
    return await run_in_threadpool(_change, request, user, entry_of(entry), form)


def _change(request: Request, user: WebUser, entry: str, form: CellForm) -> Response:
    """Correct or void through the API's route function, or show why not."""
    if not user.has(*CORRECTORS):
        raise PageError(
            403,
            "Нет доступа",
            "Исправляет или аннулирует запись её автор или заместитель директора.",
        )
    _found(user, entry)  # the scope: a class the person may read, logged
    model: type[BaseModel] = Correction if form.kind == "correction" else Void
    route: Callable[..., Any] = (
        correct_mark if form.kind == "correction" else void_entry
    )
    try:
        body = model.model_validate(form.body())
    except ValidationError as e:
        for error in e.errors():
            form.refuse(
                body_field(error["loc"]), invalid_text(error["type"], error.get("ctx"))
            )
        return _page(request, user, entry, form=form, status_code=422)
    try:
        route(
            entry, body, user.office, user.account, f"web-{form.kind}:{form.submission}"
        )
    except NoCustodialKeyError as e:
        form.refuse("", "Сервер не хранит ваш ключ подписи.", str(e))
        return _page(request, user, entry, form=form, status_code=422)
    except (ProblemError, LedgerError) as e:  # the route lets a rule's error out
        cause = e.__cause__ if isinstance(e, ProblemError) else e
        detail = e.detail if isinstance(e, ProblemError) else str(e)
        form.refuse(_field_of(form.kind, cause), rule_text(e), detail)
        return _page(request, user, entry, form=form, status_code=422)
    LiveRecords(user.office.app)  # the view takes the change in (journal_page)
    path = f"/app/journal/entries/{entry}?done={form.kind}"
    return RedirectResponse(path, status_code=303)


def _field_of(kind: str, cause: BaseException | None) -> str:
    """The form field a rule's refusal is about: the new mark (off the scale,
    or the same as before), else the form as a whole."""
    if kind == "correction" and isinstance(cause, ScaleError | InvalidRecordError):
        return "mark"
    return ""


def _found(user: WebUser, entry: str) -> tuple[LessonEntries, EntryListed]:
    """The lesson and entry, read as ``GET /lessons/{lesson}/entries`` reads
    them (the same scope and access log)."""
    stream = UUID(entry.split(":")[0])
    lesson = lesson_entries(stream, user.office, user.account)
    found = next((e for e in lesson.entries if e.entry == entry), None)
    if found is None:
        raise PageError(404, "Не найдено", "Такой записи нет в журнале этого урока.")
    return lesson, found


def _page(
    request: Request,
    user: WebUser,
    entry: str,
    *,
    form: CellForm | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    office = user.office
    lesson, found = _found(user, entry)
    live = LiveRecords(office.app)
    klass = live.facts().classes[str(lesson.class_id)]
    events = [found.entry, *(h.event for h in found.history)]
    signers = {name: _signer(user, name) for name in events}
    people = {str(found.by), *(str(h.by) for h in found.history)}
    people |= {holder for _, holder in signers.values() if holder}
    with office.reading() as ctx:
        school = ctx.school()
        marks = school.policy_on(lesson.day).current_marks(
            school.subject(lesson.subject).assessment
        )
        periods = ctx.year_of(ctx.school_class(lesson.class_id)).periods(klass["grade"])
    period = current_period(
        [
            {"code": p.code, "starts": str(p.starts), "ends": str(p.ends)}
            for p in periods
        ],
        lesson.day,
    )
    query = f"?period={period}" + (
        f"&subgroup={lesson.subgroup}" if lesson.subgroup else ""
    )
    return render(
        request,
        "journal_entry.html",
        user,
        status_code=status_code,
        title=f"Запись журнала: {found.pupil_name}",
        lesson=lesson,
        e=found,
        signers=signers,
        staff=staff_names(live, office.reads.data_keys, people),
        marks=[m for m in marks if m != found.value],
        journal=f"/app/journal/{lesson.class_id}/{lesson.subject}{query}",
        may_change=_may_change(user, found),
        correction=form if form and form.kind == "correction" else CellForm(),
        void=form if form and form.kind == "void" else CellForm(kind="void"),
        answers=user.has("deputy_director", "director"),
        notice=notice,
        failed=form,
    )


def _may_change(user: WebUser, entry: EntryListed) -> bool:
    """Whether the forms are offered: the entry's author, or whoever answers
    for the records (the rules decide the rest)."""
    if entry.voided:
        return False
    if user.has("deputy_director", "director"):
        return True
    return user.has("teacher") and user.account.staff == entry.by


def _signer(user: WebUser, name: str) -> tuple[str, str]:
    """The key that signed event ``name`` (its author's) and that key's holder."""
    stream, seq = name.split(":")
    rows = user.office.app.recorder.select_events(
        UUID(stream), gt=int(seq) - 1, lte=int(seq)
    )
    if not rows:
        return "", ""
    try:
        key = parse(rows[0].state).author_key
        holder = user.office.app.context.registry.get(key).holder
    except LedgerError:
        return "", ""
    return key, str(holder)
