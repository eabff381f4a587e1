"""The deputy director's pages («учебная часть»): the year's attestation
records of a class.

The intermediate attestation protocol of a class and subject (§7.3.1), a
retake of an academic debt (273-ФЗ art. 58; the second before a commission),
and the teachers' council's decisions with the protocol's date and number
(§7.3.6): each a form of its record command, for the class chosen first,
with a row per pupil by journal number. Closing periods and the change log
are in :mod:`api.server.web.deputy_periods`. The director opens these pages
too (the council's decisions and closings are the director's as well).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.server.routers.periods import periods
from api.server.web.forms import Form, FormSpec, Option
from api.server.web.forms_choices import SchoolChoices
from api.server.web.forms_submit import (
    Posted,
    command_form,
    form_page,
    notices,
    post_form,
)
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles

router = APIRouter(include_in_schema=False)
HOME = "/app/deputy"
TITLE = "Учебная часть"
ROLES = ("deputy_director", "director")
Deputy = Annotated[WebUser, roles(*ROLES)]
ClassParam = Annotated[UUID | None, Query(alias="class")]
#: where a period stands today, as the school says it
PERIOD_STATES = {
    "upcoming": "ещё не начался",
    "open": "идёт",
    "ended": "окончен, не закрыт",
    "closed": "закрыт",
}

FORMS: dict[str, FormSpec] = {
    spec.slug: spec
    for spec in (
        FormSpec(
            "attestation",
            "attestation.record",
            "Протокол промежуточной аттестации",
            "Результаты класса по предмету с протоколом (п. 7.3.1); "
            "неудовлетворительный результат становится академической задолженностью.",
            rows={"results": "pupil"},
            hidden=("class_id",),
        ),
        FormSpec(
            "retake",
            "attestation.retake",
            "Пересдача академической задолженности",
            "Не более двух пересдач; вторая — перед комиссией не менее чем из трёх "
            "педагогов (ст. 58 273-ФЗ).",
            omit=("pupil", "subject", "year"),
        ),
        FormSpec(
            "council",
            "council.decide",
            "Решения педагогического совета",
            "Решения по ученикам класса с датой и номером протокола (п. 7.3.6).",
            rows={"decisions": "pupil"},
            hidden=("class_id",),
        ),
        FormSpec(
            "council-correction",
            "council.correct",
            "Исправление решения педсовета",
            "Решение заменяется решением более позднего протокола педсовета; "
            "прежнее остаётся в журнале. Исправление заверяет директор: оно ждёт "
            "его подписи.",
            omit=("decision.pupil",),
            button="Передать на подпись директору",
        ),
    )
}


def _spec(slug: str) -> FormSpec:
    spec = FORMS.get(slug)
    if spec is None:
        raise PageError(404, "Нет такой формы", f"Формы «{slug}» здесь нет.")
    return spec


def _form_of(
    user: WebUser, spec: FormSpec, class_id: UUID
) -> tuple[Form, dict[str, Any], SchoolChoices]:
    choices = SchoolChoices(user.office, user.account)
    klass = choices.klass(str(class_id))
    if klass is None or klass["year"] != choices.year:
        raise PageError(
            404, "Нет такого класса", "Такого класса в этом учебном году нет."
        )
    options: dict[str, list[Option]] = {
        "pupil": choices.pupils_of(klass["id"]),
        "subject": choices.subjects(klass["id"]),
        "debts": choices.subjects(klass["id"]),
        "commission": choices.staff(),
    }
    if spec.slug == "retake":
        options["retakes"] = choices.debt_options(klass["id"])
    if spec.slug == "council-correction":
        options["corrects"] = [o for _, _, o in choices.decisions(klass["id"])]
    initial = {"class_id": klass["id"], "protocol.date": choices.today.isoformat()}
    return command_form(user, spec, options, initial), klass, choices


def _chooser(request: Request, user: WebUser, spec: FormSpec) -> HTMLResponse:
    choices = SchoolChoices(user.office, user.account)
    return render(
        request,
        "deputy_class.html",
        user,
        title=spec.title,
        spec=spec,
        classes=choices.class_list(),
        back=HOME,
    )


@router.get("/app/deputy")
def deputy_home(request: Request, user: Deputy) -> HTMLResponse:
    """The classes with their forms, and where the year's periods stand."""
    choices = SchoolChoices(user.office, user.account)
    year = periods(user.office, user.account, None) if choices.year else None
    return render(
        request,
        "deputy_home.html",
        user,
        title=TITLE,
        forms=list(FORMS.values()),
        classes=choices.class_list(),
        year=choices.year,
        periods=year,
        states=PERIOD_STATES,
        notices=notices(user),
    )


@router.get("/app/deputy/forms/{slug}")
def deputy_form(
    request: Request, slug: str, user: Deputy, klass: ClassParam = None
) -> HTMLResponse:
    spec = _spec(slug)
    if klass is None:
        return _chooser(request, user, spec)
    form, chosen, _ = _form_of(user, spec, klass)
    return form_page(
        request,
        user,
        form,
        HOME,
        back_title=TITLE,
        class_name=chosen["name"],
        notices=[],
    )


@router.post("/app/deputy/forms/{slug}")
def deputy_form_sent(
    request: Request,
    slug: str,
    user: CsrfDep,
    _: Deputy,
    posted: Posted,
    klass: ClassParam = None,
) -> Response:
    spec = _spec(slug)
    if klass is None:
        return _chooser(request, user, spec)
    form, chosen, choices = _form_of(user, spec, klass)
    derived = DERIVED.get(spec.slug)
    if derived is not None and not derived(form, choices, chosen, posted):
        form.bind(posted, posted.getlist)
        form.refuse(DERIVED_FROM[spec.slug], "Выберите запись из списка класса.")
        return form_page(
            request,
            user,
            form,
            HOME,
            status_code=422,
            back_title=TITLE,
            class_name=chosen["name"],
        )
    return post_form(
        request,
        user,
        form,
        posted,
        HOME,
        back_title=TITLE,
        class_name=chosen["name"],
    )


def _retaken(
    form: Form, choices: SchoolChoices, klass: dict[str, Any], posted: Posted
) -> bool:
    """A retake names the debt; its pupil, subject and year are the debt's.
    False when the posted one is no open debt of the class."""
    event = str(posted.get("retakes") or "")
    debt = next((d for d in choices.debts(klass["id"]) if d.event == event), None)
    if debt is None:
        return False
    form.fixed = {"pupil": debt.pupil, "subject": debt.subject, "year": debt.year}
    return True


def _corrected(
    form: Form, choices: SchoolChoices, klass: dict[str, Any], posted: Posted
) -> bool:
    """A correction names the decision; its pupil is the decision's. False
    when the posted one is no decision about the class's pupils."""
    event = str(posted.get("corrects") or "")
    found = [p for e, p, _ in choices.decisions(klass["id"]) if e == event]
    if not found:
        return False
    form.fixed = {"decision": {"pupil": found[0]}}
    return True


#: forms whose record names another record, and derives fields from it
DERIVED: dict[str, Callable[[Form, SchoolChoices, dict[str, Any], Posted], bool]] = {
    "retake": _retaken,
    "council-correction": _corrected,
}
DERIVED_FROM = {"retake": "retakes", "council-correction": "corrects"}
