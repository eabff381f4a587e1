"""The class teacher's pages («классный руководитель»): the class they lead.

The roster by journal number (read as ``GET /classes/{id}/roster`` reads it:
scoped and in the access log), the summary statement and each pupil's
personal file with its yearly entries (the results of each year and the
council's decision) as printable pages, and the class teacher's own records
of the graduating year: final grades, the attestat entries of the class
(held for the director's signature, §7.3.5) and the certification of the
class's entries. Only the classes the person leads open here.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.server.cosign import desk_for
from api.server.routers.lists import class_roster
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

router = APIRouter(include_in_schema=False)
HOME = "/app/class"
TITLE = "Мой класс"
ClassTeacher = Annotated[WebUser, roles("class_teacher")]
GRADUATING = (9, 11)

FORMS: dict[str, FormSpec] = {
    spec.slug: spec
    for spec in (
        FormSpec(
            "attestats",
            "attestats.issue",
            "Запись аттестатов в книгу выдачи",
            "Записи класса в книге выдачи заверяют классный руководитель и "
            "директор (п. 7.3.5): после отправки они ждут подписи директора и "
            "попадают в журнал только с ней.",
            rows={"entries": "pupil"},
            hidden=("class_id",),
            button="Передать на подпись директору",
        ),
        FormSpec(
            "final-grades",
            "final-grades.record",
            "Итоговые отметки выпускника",
            "Итоговые отметки для аттестата: по каждому предмету, с основанием.",
            rows={"grades": "subject"},
            button="Записать отметки",
        ),
        FormSpec(
            "certify",
            "attestats.certify",
            "Заверение записей класса в книге выдачи",
            "Заверяются все записи класса; заверение ждёт подписи директора.",
            hidden=("class_id",),
            button="Передать на подпись директору",
        ),
    )
}


def _led(user: WebUser, class_id: UUID) -> tuple[SchoolChoices, dict[str, Any]]:
    """The class, if the person leads it (else a refusal page)."""
    choices = SchoolChoices(user.office, user.account)
    klass = choices.klass(str(class_id))
    if klass is None or klass["class_teacher"] != str(user.account.staff):
        raise PageError(
            403,
            "Это не ваш класс",
            "Классный руководитель открывает здесь только свой класс (152-ФЗ, §6.2).",
        )
    return choices, klass


@router.get("/app/class")
def class_home(request: Request, user: ClassTeacher) -> HTMLResponse:
    """The classes the person leads this year, each with its roster."""
    choices = SchoolChoices(user.office, user.account)
    led = choices.class_list(led_only=True)
    rosters = [(k, class_roster(UUID(k["id"]), user.office, user.account)) for k in led]
    desk = desk_for(user.office)
    mine = [
        r for r in desk.visible(user.account) if r.submitted_by_account(user.account)
    ]
    return render(
        request,
        "classteacher_home.html",
        user,
        title=TITLE,
        rosters=rosters,
        graduating=GRADUATING,
        requests=mine,
        year=choices.year,
        notices=notices(user),
    )


@router.get("/app/class/{class_id}/summary")
def class_summary(request: Request, class_id: UUID, user: ClassTeacher) -> Response:
    """The class's summary statement (§7.3.3), printable on A4."""
    _, klass = _led(user, class_id)
    params = {"class": klass["name"], "year": klass["year"]}
    return report_page(request, user, "summary", params, back=HOME, back_title=TITLE)


@router.get("/app/class/{class_id}/pupils/{pupil}")
def personal_file(
    request: Request, class_id: UUID, pupil: UUID, user: ClassTeacher
) -> Response:
    """A pupil's personal file with its yearly entries, printable."""
    choices, _ = _led(user, class_id)
    if str(pupil) not in {p.pupil for p in choices.placed(str(class_id))}:
        raise PageError(404, "Нет такого ученика", "Этот ученик не числится в классе.")
    return report_page(
        request,
        user,
        "personal-file",
        {"pupil": str(pupil)},
        back=HOME,
        back_title=TITLE,
        only={str(pupil)},
    )


def _form_of(user: WebUser, class_id: UUID, slug: str) -> Any:
    spec = FORMS.get(slug)
    if spec is None:
        raise PageError(404, "Нет такой формы", f"Формы «{slug}» здесь нет.")
    choices, klass = _led(user, class_id)
    if spec.command.startswith("attestats.") and klass["grade"] not in GRADUATING:
        raise PageError(
            422,
            "Не выпускной класс",
            f"Аттестаты выдаются выпускникам 9 и 11 классов; {klass['name']} "
            f"— {klass['grade']} класс.",
        )
    pupils = choices.pupils_of(klass["id"])
    today = choices.today.isoformat()
    options: dict[str, list[Option]] = {
        "pupil": pupils,
        "grades.subject": choices.subjects(),
    }
    initial = {
        "class_id": klass["id"],
        "issued_on": today,
        "order.date": today,
        "certified_on": today,
        "level": "basic" if klass["grade"] == GRADUATING[0] else "secondary",
    }
    return command_form(user, spec, options, initial), klass


@router.get("/app/class/{class_id}/forms/{slug}")
def class_form(
    request: Request, class_id: UUID, slug: str, user: ClassTeacher
) -> HTMLResponse:
    form, klass = _form_of(user, class_id, slug)
    return form_page(
        request,
        user,
        form,
        HOME,
        back_title=TITLE,
        class_name=klass["name"],
        notices=[],
    )


@router.post("/app/class/{class_id}/forms/{slug}")
def class_form_sent(
    request: Request,
    class_id: UUID,
    slug: str,
    user: CsrfDep,
    _: ClassTeacher,
    posted: Posted,
) -> Response:
    form, klass = _form_of(user, class_id, slug)
    return post_form(
        request, user, form, posted, HOME, back_title=TITLE, class_name=klass["name"]
    )
