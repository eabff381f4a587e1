"""Signing in and out of the web pages, and the start page.

The sign-in form is protected like every other form: a random token in a
cookie of its own (SameSite=Strict) must come back in the form, so another
site cannot sign a browser in to an account of its choosing (login CSRF).
Passwords are checked by the API's own path: attempts limited per login and
per address, a bounded number of hashes at once.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server import custody
from api.server.deps import SchoolsDep
from api.server.routers.auth import NAME
from api.server.schools import TooManySchoolsError, UnknownSchoolError
from api.server.signin import TooManyAttemptsError
from api.server.web.nav import ROLE_NAMES
from api.server.web.pages import (
    SESSION_COOKIE,
    CsrfDep,
    WebUserDep,
    render,
    templates,
    web_sessions,
)

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "letopis_login"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    """Only a path of this application: never another site (open redirect)."""
    if target and target.startswith("/app/") and not target.startswith("//"):
        return target
    return "/app/"


def _login_page(
    request: Request,
    *,
    login: str = "",
    error: str = "",
    next_path: str = "/app/",
    status_code: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "user": None,
            "csrf": token,
            "sections": [],
            "role_names": ROLE_NAMES,
            "school": "",
            "login": login,
            "error": error,
            "next": _safe_next(next_path),
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/app/login",
    )
    return response


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=303)


@router.get("/app/login")
def login_form(request: Request, next: str = "/app/") -> HTMLResponse:
    return _login_page(request, next_path=next)


@router.post("/app/login")
async def sign_in(
    request: Request,
    schools: SchoolsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/app/",
) -> Response:
    """Checks the password and starts a new session (a new id, always)."""
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        return _login_page(
            request,
            login=username,
            error="Форма входа устарела: введите имя и пароль ещё раз.",
            next_path=next,
            status_code=403,
        )
    wrong = "Неверное имя или пароль."
    username = username.strip()
    if not username or not password:
        return _login_page(
            request,
            login=username,
            error="Введите имя пользователя и пароль.",
            next_path=next,
            status_code=422,
        )
    try:
        office, login = schools.for_sign_in(username)
    except UnknownSchoolError:
        return _login_page(
            request, login=username, error=wrong, next_path=next, status_code=401
        )
    except TooManySchoolsError:
        return _login_page(
            request,
            login=username,
            error="Сервер перегружен: попробуйте войти через минуту.",
            next_path=next,
            status_code=503,
        )
    address = request.client.host if request.client else "unknown"
    found = held = None
    try:
        attempt = office.attempts.admit(username[:100], address)
        if NAME.fullmatch(username) and len(password) <= 1024:
            async with office.hashing.slot():
                found, held = await run_in_threadpool(
                    custody.sign_in, office.accounts, office.directory, login, password
                )
    except TooManyAttemptsError as e:
        return _login_page(
            request,
            login=username,
            error=f"Слишком много попыток входа: повторите через {e.retry_after} с.",
            next_path=next,
            status_code=429,
        )
    if found is None:
        return _login_page(
            request, login=username, error=wrong, next_path=next, status_code=401
        )
    office.attempts.succeeded(attempt)
    sessions = web_sessions(request)
    sessions.end(request.cookies.get(SESSION_COOKIE))
    session = sessions.start(office.settings.school, login, found.version)
    if held is not None:  # the key wrapped by this password, for this session
        session.held[custody.SESSION_KEY] = office.holds.keep(held)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/app/login")
    return response


@router.post("/app/logout")
def sign_out(request: Request, user: CsrfDep) -> RedirectResponse:
    web_sessions(request).end(user.session.id)
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/app/")
def home(request: Request, user: WebUserDep) -> HTMLResponse:
    """The start page: who is signed in, their sections, the log's state."""
    latest = user.office.sealer.store.latest_checkpoint()
    return render(request, "home.html", user, checkpoint=latest)
