"""The web application: server-rendered pages in the API's own process.

Jinja2 templates and plain HTML forms that work without scripts; a little
JavaScript of the project's own where it helps; every asset served from
``/app/static`` by the application itself (nothing from the internet, so the
pages work on a school's closed network). Pages live under ``/app/``; ``/``
leads there. ``install`` adds them to the API's application.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.server.problems import ProblemError, problem_response
from api.server.settings import Settings
from api.server.web import audit, signin
from api.server.web.pages import (
    PageError,
    SignInNeededError,
    error_page,
    problem_page,
    templates,
)
from api.server.web.sessions import WebSessions

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


def human_time(value: str | datetime) -> str:
    """«5 декабря 2026 г., 19:40 UTC» for a stored ISO time."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (
        f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} г., {moment:%H:%M} UTC"
    )


templates.env.filters["human_time"] = human_time


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


def install(app: FastAPI, settings: Settings) -> None:
    """Adds the web pages, their assets and their error pages to ``app``."""
    app.state.web_sessions = WebSessions(
        idle_seconds=settings.web_idle_minutes * 60,
        lifetime_seconds=settings.web_lifetime_hours * 3600,
    )
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
    app.add_middleware(PageHeaders)

    @app.exception_handler(SignInNeededError)
    async def _sign_in(_: Request, error: SignInNeededError) -> RedirectResponse:
        return RedirectResponse(error.next_path, status_code=303)

    @app.exception_handler(PageError)
    async def _refused(request: Request, error: PageError) -> HTMLResponse:
        return error_page(request, error.status, error.title, error.message)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> Response:
        # The API's own checks (scope, rules) raised inside a page: a page.
        if request.url.path.startswith("/app/"):
            return problem_page(request, error)
        return problem_response(
            request,
            error.status,
            error.kind,
            error.detail,
            field=error.field,
            allowed=error.allowed,
            headers=error.headers,
        )

    app.include_router(signin.router)
    app.include_router(audit.router)
