"""The records office's pages («канцелярия»): the secretary's and the
importer's (and the director's, who may do all of it).

Enrolment (the identity sealed as the API seals it), moves between classes,
leaving (with the personal file handed over on the parents' written
request), the attestat book and the blank stock with their forms: each is a
form of a record command (:mod:`api.server.web.forms`) sent the API's way
(:mod:`api.server.web.forms_submit`). Imports and the ФИС ФРДО export are in
:mod:`api.server.web.office_imports`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.commands import catalog
from api.server.cosign import desk_for
from api.server.web.forms import FormSpec, Option
from api.server.web.forms_choices import SchoolChoices
from api.server.web.forms_submit import (
    Posted,
    command_form,
    form_page,
    notices,
    post_form,
)
from api.server.web.office_reports import report_page
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles
from ledger.domain.attestat import CORRECTABLE

router = APIRouter(include_in_schema=False)
HOME = "/app/office"
TITLE = "Канцелярия"
ROLES = ("secretary", "importer", "director")
Clerk = Annotated[WebUser, roles(*ROLES)]

FORMS: dict[str, FormSpec] = {
    spec.slug: spec
    for spec in (
        FormSpec(
            "enrol",
            "pupils.enrol",
            "Зачисление в школу",
            "Личное дело получает номер по алфавитной книге. Фамилия, имя, "
            "дата рождения и СНИЛС хранятся только в зашифрованном виде (152-ФЗ).",
            button="Зачислить",
        ),
        FormSpec("move", "pupils.move", "Перевод в другой класс", button="Перевести"),
        FormSpec(
            "leave",
            "pupils.leave",
            "Выбытие из школы",
            "При переводе в другую организацию личное дело выдаётся родителям по "
            "их письменному заявлению (§7.3.4).",
            button="Записать выбытие",
        ),
        FormSpec(
            "blanks",
            "attestats.receive-blanks",
            "Приход бланков аттестатов",
            "Бланки строгой отчётности по накладной или акту (Приказ № 546).",
            button="Принять бланки",
        ),
        FormSpec(
            "duplicate",
            "attestats.duplicate",
            "Дубликат аттестата",
            "Дубликат записывается в книгу отдельной записью и ждёт подписи директора.",
            button="Передать на подпись",
        ),
        FormSpec(
            "spoiled",
            "attestats.spoil-blank",
            "Списание испорченного бланка",
            button="Списать бланк",
        ),
        FormSpec(
            "correction",
            "attestats.correct",
            "Исправление записи книги выдачи",
            "Исправление заверяет директор; прежняя запись остаётся в журнале.",
            button="Исправить запись",
        ),
    )
}
SEXES = [Option("М", "мужской"), Option("Ж", "женский")]
CORRECTABLE_NAMES = {
    "issued_on": "дата выдачи",
    "order": "приказ",
    "received_by": "кто получил",
}


def _options(
    slug: str, choices: SchoolChoices
) -> tuple[dict[str, list[Option]], dict[str, Any]]:
    """The selects' choices and the first values of form ``slug``."""
    today = choices.today.isoformat()
    if slug == "enrol":
        options = {"class_id": choices.classes(), "sex": SEXES}
        return options, {"pupils.0.on": today}
    if slug == "move":
        options = {"pupil": choices.school_pupils(), "class_id": choices.every_class()}
        return options, {"moves.0.on": today}
    if slug == "leave":
        return {"pupil": choices.school_pupils()}, {"on": today}
    if slug == "correction":
        fields = [Option(f, CORRECTABLE_NAMES.get(f, f)) for f in CORRECTABLE]
        return {"field": fields}, {}
    if slug == "blanks":
        return {}, {"received_on": today}
    if slug == "duplicate":
        return {}, {"issued_on": today}
    return {}, {}


def _form_of(slug: str, user: WebUser) -> Any:
    spec = FORMS.get(slug)
    if spec is None:
        raise PageError(404, "Нет такой формы", f"Формы «{slug}» в канцелярии нет.")
    options, initial = _options(slug, SchoolChoices(user.office, user.account))
    return command_form(user, spec, options, initial)


@router.get("/app/office")
def office_home(request: Request, user: Clerk) -> HTMLResponse:
    """What the records office does, by the person's roles."""
    forms = [(spec, catalog.command(spec.command)) for spec in FORMS.values()]
    allowed = [s for s, c in forms if c is not None and user.has(*c.roles)]
    desk = desk_for(user.office)
    waiting = [
        r for r in desk.visible(user.account) if r.submitted_by_account(user.account)
    ]
    return render(
        request,
        "office_home.html",
        user,
        title=TITLE,
        forms=allowed,
        books=user.has("secretary", "director"),
        requests=waiting,
        notices=notices(user),
    )


@router.get("/app/office/forms/{slug}")
def office_form(request: Request, slug: str, user: Clerk) -> HTMLResponse:
    return form_page(
        request, user, _form_of(slug, user), HOME, back_title=TITLE, notices=[]
    )


@router.post("/app/office/forms/{slug}")
def office_form_sent(
    request: Request, slug: str, user: CsrfDep, _: Clerk, posted: Posted
) -> Response:
    form = _form_of(slug, user)
    return post_form(request, user, form, posted, HOME, back_title=TITLE)


Level = Annotated[str, Query(pattern="^(basic|secondary)$")]


@router.get("/app/office/book")
def attestat_book(request: Request, user: Clerk, level: Level = "basic") -> Response:
    """The attestat book of a level, as of the latest checkpoint (printable)."""
    return report_page(
        request,
        user,
        "attestat-book",
        {"level": level},
        back=HOME,
        back_title=TITLE,
        actions=_actions(user, ("duplicate", "correction")),
    )


@router.get("/app/office/blanks")
def blank_stock(
    request: Request, user: Clerk, level: Annotated[str | None, Query()] = None
) -> Response:
    """The blanks of strict accounting: received, used, spoiled, on hand."""
    chosen = level if level in ("basic", "secondary") else None
    return report_page(
        request,
        user,
        "blank-stock",
        {"level": chosen},
        back=HOME,
        back_title=TITLE,
        actions=_actions(user, ("blanks", "spoiled")),
    )


def _actions(user: WebUser, slugs: tuple[str, ...]) -> list[tuple[str, str]]:
    """Links to the forms ``slugs`` the person's roles may send."""
    found = []
    for slug in slugs:
        command = catalog.command(FORMS[slug].command)
        if command is not None and user.has(*command.roles):
            found.append((f"/app/office/forms/{slug}", FORMS[slug].title))
    return found
