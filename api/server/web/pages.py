"""What every page shares: the signed-in user, CSRF checks, rendering, refusals.

Routes of the web application take ``WebUserDep`` (the signed-in person, or a
redirect to the sign-in page) and, for every form they accept, ``CsrfDep``
(the form's hidden ``csrf`` field must be the session's token: a form posted
from another site, or without the token, is refused and nothing is written).
``render`` fills a template with what the layout needs. A ``PageError`` (or
a ``ProblemError`` of the API's own checks, such as the 152-ФЗ scope) raised
by a page becomes a Russian error page with the same status.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.server.accounts import Account
from api.server.deps import SchoolsDep
from api.server.listing import staff_name
from api.server.office import Office
from api.server.problems import ProblemError
from api.server.schools import TooManySchoolsError, UnknownSchoolError
from api.server.web.nav import ROLE_NAMES, Section, sections
from api.server.web.sessions import WebSession, WebSessions
from ledger.domain.errors import UnknownRecordError
from ledger.domain.people import StaffMember

SESSION_COOKIE = "letopis_session"
PERSON = "person"  # the session's staff member's full name, from the records
TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)  # autoescapes .html


def current_section(sections: list[Section], path: str) -> str | None:
    """The menu's current section: the longest address the page is under."""
    under = [s.href for s in sections if path.startswith(s.href)]
    return max(under, key=len) if under else None


templates.env.globals["current_section"] = current_section


class SignInNeededError(Exception):
    """The page needs a signed-in person: redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A refusal shown as a page: the status, a title and what to do."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass(frozen=True)
class WebUser:
    """The person behind a page: their account, school and session."""

    account: Account
    office: Office
    session: WebSession

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def name(self) -> str:
        """The person as the layout shows them: the account's display name if
        one was given, else a staff member's full name from the records, else
        the login."""
        person = self.session.held.get(PERSON)
        return str(self.account.display_name or person or self.account.name)

    def has(self, *roles: str) -> bool:
        return self.account.has(*roles)


def web_sessions(request: Request) -> WebSessions:
    sessions: WebSessions = request.app.state.web_sessions
    return sessions


def sign_in_path(request: Request) -> str:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return "/app/login?next=" + quote(target, safe="")


def web_user(request: Request, schools: SchoolsDep) -> WebUser:
    """The signed-in person of this browser, or a redirect to sign in.

    The account must still be active with the password it signed in with: a
    new password or a deactivation ends every session of the account here."""
    sessions = web_sessions(request)
    session = sessions.find(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInNeededError(sign_in_path(request))
    try:
        office = schools.office(session.school)
    except (UnknownSchoolError, TooManySchoolsError) as e:
        sessions.end(session.id)
        raise PageError(503, "Школа недоступна", str(e)) from e
    current = office.accounts.active(session.login)
    if current is None or current.version != session.version:
        sessions.end(session.id)
        raise SignInNeededError(sign_in_path(request))
    staff = current.account.staff
    if staff is not None and PERSON not in session.held:
        session.held[PERSON] = person_name(office, staff)
    return WebUser(current.account, office, session)


def person_name(office: Office, staff: UUID) -> str | None:
    """A staff member's full name as the records hold it (sealed, opened with
    the school's data keys), read once a session; None if not registered."""
    with office.reading() as ctx:
        try:
            member = ctx.view(StaffMember, staff)
        except UnknownRecordError:  # the stream holds another kind of record
            member = None
    if member is None:
        return None
    registered = {
        "position": member.position,
        "personnel_number": member.personnel_number,
        "enc": member.enc,
    }
    return staff_name(str(staff), registered, office.data_keys)


WebUserDep = Annotated[WebUser, Depends(web_user)]


def roles(*allowed: str) -> Any:
    """A dependency: the signed-in person if they have one of ``allowed``."""

    def check(user: WebUserDep) -> WebUser:
        if not user.has(*allowed):
            names = ", ".join(ROLE_NAMES[r] for r in allowed)
            raise PageError(
                403,
                "Нет доступа",
                f"Эта страница открыта только для ролей: {names}.",
            )
        return user

    return Depends(check)


async def csrf_checked(request: Request, user: WebUserDep) -> WebUser:
    """The signed-in person, if the posted form carries their session's token."""
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(token, user.csrf):
        raise PageError(
            403,
            "Форма отклонена",
            "Форма пришла без действующего ключа защиты (CSRF): откройте страницу "
            "заново и отправьте форму ещё раз. Ничего не записано.",
        )
    return user


CsrfDep = Annotated[WebUser, Depends(csrf_checked)]


def render(
    request: Request,
    template: str,
    user: WebUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page ``template`` with the layout's context: the person, their
    sections, the CSRF token for forms, the school's name and time zone."""
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": user.csrf if user else "",
            "sections": sections(user.account) if user else [],
            "role_names": ROLE_NAMES,
            "school": user.office.school_name() if user else "",
            "school_zone": user.office.school_zone() if user else None,
            **context,
        },
        status_code=status_code,
    )


PROBLEM_TITLES = {
    400: "Неверный запрос",
    401: "Нужно войти",
    403: "Нет доступа",
    404: "Не найдено",
    409: "Конфликт",
    422: "Неверные данные",
    429: "Слишком много попыток",
    503: "Сервис недоступен",
}
PROBLEM_TEXTS = {
    "not-your-class": "Вы не ведёте этот класс: учитель видит только свои классы "
    "(152-ФЗ, §6.2 положения).",
    "not-your-pupil": "Записи этого обучающегося вам недоступны: обучающийся видит "
    "только свои записи, родитель — записи своих детей (152-ФЗ, §6.2).",
    "role-not-allowed": "Ваша роль не позволяет это действие.",
    "not-found": "Такой записи нет в этой школе.",
}


def problem_page(request: Request, error: ProblemError) -> HTMLResponse:
    """An API refusal (a scope check, a rule) as a Russian page."""
    title = PROBLEM_TITLES.get(error.status, "Отказ")
    message = PROBLEM_TEXTS.get(error.kind, error.detail)
    return error_page(request, error.status, title, message, detail=error.detail)


def error_page(
    request: Request, status: int, title: str, message: str, detail: str = ""
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "user": None,
            "csrf": "",
            "sections": [],
            "role_names": ROLE_NAMES,
            "school": "",
            "title": title,
            "message": message,
            "detail": detail if detail != message else "",
        },
        status_code=status,
    )
