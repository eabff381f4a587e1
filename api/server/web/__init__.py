"""The web application: server-rendered pages in the API's own process.

Jinja2 templates and plain HTML forms that work without scripts; a little
JavaScript of the project's own where it helps; every asset served from
``/app/static`` by the application itself (nothing from the internet, so the
pages work on a school's closed network). Pages live under ``/app/``; ``/``
leads there. ``install`` adds them to the API's application.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.server.problems import ProblemError, problem_response
from api.server.settings import Settings
from api.server.web import (
    audit,
    charts_pages,
    classteacher,
    deputy,
    deputy_periods,
    diary,
    director,
    journal,
    keys,
    keys_requests,
    office,
    office_imports,
    proofs,
    signed,
    signin,
)
from api.server.web.pages import (
    PageError,
    SignInNeededError,
    error_page,
    problem_page,
    templates,
)
from api.server.web.sessions import WebSessions
from projections.reports.common import zone_label

STATIC = Path(__file__).parent / "static"
# Pages and their scripts come only from this server; nothing inline.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def human_time(value: str | datetime, zone: ZoneInfo | None = None) -> str:
    """«5 декабря 2026 г., 22:40 (МСК)» for a stored ISO time, in the school's
    time zone as the printed reports show it; «… UTC» without a zone."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    label = "UTC"
    if zone is not None:
        moment = moment.astimezone(zone)
        label = f"({zone_label(moment.utcoffset())})"
    day = f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} г."
    return f"{day}, {moment:%H:%M} {label}"


@pass_context
def _human_time(context: Context, value: str | datetime) -> str:
    """The template filter: the page's ``school_zone`` (set by ``render``)."""
    return human_time(value, context.get("school_zone"))


templates.env.filters["human_time"] = _human_time


class PageHeaders:
    """The web pages' security headers: own scripts only, no framing, no caching
    of pages that show children's records. (Plain ASGI: the API's own
    responses pass through untouched.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/app/"):
            await self.app(scope, receive, send)
            return
        extra = [
            (b"content-security-policy", PAGE_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]
        if not path.startswith("/app/static/"):
            extra.append((b"cache-control", b"no-store"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def wants_json(request: Request) -> bool:
    """A page's script, not a person, asks (``Accept: application/json``):
    refusals are answered as problems, not pages."""
    return "application/json" in request.headers.get("accept", "")


PageMaker = Callable[[Request, Any], Response]


def _pages_first(app: FastAPI, kind: type[Exception], page: PageMaker) -> None:
    """Errors of ``kind`` answer with ``page`` under /app/ (unless a page's
    script asks for JSON, ``wants_json``), else as the API does."""
    api = app.exception_handlers[kind]

    async def handler(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/app/") and not wants_json(request):
            return page(request, error)
        answer = api(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(kind, handler)


def invalid_page(request: Request, error: RequestValidationError) -> Response:
    fields = (
        ", ".join(str(e.get("loc", ("?",))[-1]) for e in error.errors()) or "запрос"
    )
    return error_page(
        request,
        422,
        "Неверные данные",
        f"В адресе или форме неверное значение ({fields}): проверьте ссылку или "
        "откройте страницу заново. Ничего не записано.",
    )


def http_page(request: Request, error: StarletteHTTPException) -> Response:
    if error.status_code == 404:
        return error_page(
            request, 404, "Страница не найдена", "Такой страницы в Летописи нет."
        )
    if error.status_code == 405:
        return error_page(
            request, 405, "Так нельзя", "Эта страница не принимает такой запрос."
        )
    return error_page(request, error.status_code, "Ошибка", str(error.detail))


def install(app: FastAPI, settings: Settings) -> None:
    """Adds the web pages, their assets and their error pages to ``app``."""
    app.state.web_sessions = WebSessions(
        idle_seconds=settings.web_idle_minutes * 60,
        lifetime_seconds=settings.web_lifetime_hours * 3600,
    )
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
    app.add_middleware(PageHeaders)

    @app.exception_handler(SignInNeededError)
    async def _sign_in(request: Request, error: SignInNeededError) -> Response:
        if wants_json(request):
            msg = "sign in first: the session has ended or never began"
            return problem_response(request, 401, "not-signed-in", msg)
        return RedirectResponse(error.next_path, status_code=303)

    @app.exception_handler(PageError)
    async def _refused(request: Request, error: PageError) -> Response:
        if wants_json(request):
            return problem_response(request, error.status, "refused", error.message)
        return error_page(request, error.status, error.title, error.message)

    # The API's own refusals raised on a page (scope checks, rules, a bad
    # path or form value, an unknown address) become Russian pages there.
    _pages_first(app, ProblemError, problem_page)
    _pages_first(app, RequestValidationError, invalid_page)
    _pages_first(app, StarletteHTTPException, http_page)

    app.include_router(signin.router)
    app.include_router(journal.router)
    app.include_router(diary.router)
    app.include_router(proofs.router)
    app.include_router(charts_pages.router)
    app.include_router(signed.router)
    app.include_router(keys.router)
    app.include_router(keys_requests.router)
    app.include_router(audit.router)
    app.include_router(office.router)
    app.include_router(office_imports.router)
    app.include_router(director.router)
    app.include_router(classteacher.router)
    app.include_router(deputy.router)
    app.include_router(deputy_periods.router)
