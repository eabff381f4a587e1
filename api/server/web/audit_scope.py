"""Which school the auditor's console shows, and who may open it.

The console is the auditor's (role ``auditor``); every other person gets the
403 page. An auditor reads their own school. On a server of many schools the
municipality's auditor (``LETOPIS_MUNICIPALITY``, see ``api.server.schools``)
may read any school of the deployment: the console's addresses then carry
``?school=CODE``, and :meth:`Audited.link` keeps it on every link and form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api.server.accounts import AUDITOR
from api.server.deps import SchoolsDep
from api.server.office import Office
from api.server.schools import TooManySchoolsError, UnknownSchoolError
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles

#: the console's pages, in the order of its own menu: (name, address, title)
TABS = (
    ("home", "/app/audit", "Состояние журнала"),
    ("verify", "/app/audit/verify", "Проверки"),
    ("access", "/app/audit/access", "Журнал доступа"),
    ("proofs", "/app/audit/proofs", "Доказательства"),
    ("checkpoint", "/app/audit/checkpoint", "Проверка контрольной точки"),
    ("report", "/app/audit/report", "Проверка отчёта"),
    ("export", "/app/audit/export", "Выгрузка архива"),
)


@dataclass(frozen=True)
class Audited:
    """The auditor, the school their console shows, and whether they may
    choose another school (the municipality's auditor)."""

    user: WebUser
    office: Office
    municipal: bool

    @property
    def code(self) -> str:
        return self.office.settings.school

    @property
    def home(self) -> bool:
        return self.office is self.user.office

    def link(self, path: str, **params: Any) -> str:
        """``path`` with ``params`` (empty ones left out) and, for another
        school than the auditor's own, ``school=CODE``."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if not self.home:
            query = {"school": self.code, **query}
        return path + ("?" + urlencode(query) if query else "")


AuditorDep = Annotated[WebUser, roles(AUDITOR)]


def audited(request: Request, schools: SchoolsDep, user: AuditorDep) -> Audited:
    """The auditor and the school named by ``?school=`` (default: their own)."""
    municipal = schools.municipal(user.office, user.account)
    code = request.query_params.get("school") or user.office.settings.school
    if code == user.office.settings.school:
        return Audited(user, user.office, municipal)
    if not municipal:
        raise PageError(
            403,
            "Нет доступа",
            f"Аудитор школы {user.office.settings.school} проверяет только свою "
            f"школу, не {code}. Другие школы открыты аудитору муниципалитета.",
        )
    try:
        office = schools.office(code)
    except UnknownSchoolError as e:
        raise PageError(
            404, "Нет такой школы", f"Школы с кодом «{code}» здесь нет."
        ) from e
    except TooManySchoolsError as e:
        raise PageError(
            503,
            "Школа недоступна",
            "Сервер открыл столько школ, сколько ему разрешено: попробуйте через "
            "минуту.",
        ) from e
    return Audited(user, office, municipal)


AuditedDep = Annotated[Audited, Depends(audited)]


def audited_form(audited: AuditedDep, _: CsrfDep) -> Audited:
    """The auditor and school of a posted form that carries the CSRF token."""
    return audited


AuditedFormDep = Annotated[Audited, Depends(audited_form)]


def page(
    request: Request,
    template: str,
    audited: Audited,
    tab: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A console page: the layout, the console's menu, the school shown."""
    return render(
        request,
        template,
        audited.user,
        status_code=status_code,
        audited=audited,
        tabs=TABS,
        tab=tab,
        **context,
    )
