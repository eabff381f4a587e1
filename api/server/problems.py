"""RFC 9457 problem details: every error the API returns, in one shape.

A problem names the field that was wrong (``field``, a JSON pointer-like path
such as ``body.marks.0.mark``) and what is allowed (``allowed``); validation
errors list every such field in ``errors``. Errors the ledger raises on purpose
map to 401/403/404/409/422 here, in the HTTP layer only; nothing else in the
ledger knows about HTTP.
"""

from __future__ import annotations

import sys
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.commands import Command
from api.commands.checks import located
from ledger.domain.errors import (
    AlreadyRecordedError,
    AuthorityError,
    DomainError,
)
from ledger.errors import (
    ConcurrencyError,
    EnvelopeError,
    KeyNotValidError,
    LedgerError,
    PolicyError,
    SignatureError,
    UnknownKeyError,
)
from projections.checked import EntryRefusedError

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://letopis.example/problems/"


class FieldProblem(BaseModel):
    """One field that was wrong, and what is allowed there."""

    field: str
    detail: str
    allowed: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, with the wrong field and what is allowed."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    allowed: str | None = None
    errors: list[FieldProblem] | None = None


class ProblemError(Exception):
    """Raised by routes: becomes a problem response (the HTTP layer only)."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        field: str | None = None,
        allowed: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.field = field
        self.allowed = allowed
        self.headers = headers
        self.about: str | None = None  # whom a refused read was about (the log)


TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


def documented(status: int) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": TITLES[status],
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: The problem responses every route documents.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: documented(status) for status in (401, 403, 404, 409, 422, 503)
}


def problem_response(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    *,
    field: str | None = None,
    allowed: str | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=TYPE_BASE + kind,
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        field=field,
        allowed=allowed,
        errors=errors,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


#: Seconds a client should wait before retrying after a 503.
RETRY_AFTER_SECONDS = 2


def database_unavailable(request: Request) -> JSONResponse:
    """503 with Retry-After: the database did not answer in time (an outage,
    a restart). Nothing was written by this request, or, for an append, it
    was committed just before the connection dropped: retry with the same
    ``Idempotency-Key`` to get its answer. The driver's message (it may name
    the database user and host) goes to the server's log only."""
    msg = (
        "the records database is not answering; nothing is lost: retry in "
        f"{RETRY_AFTER_SECONDS} s (appends with the same Idempotency-Key)"
    )
    return problem_response(
        request,
        503,
        "database-unavailable",
        msg,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


#: Ledger errors by how they answer: the first matching class wins.
LEDGER_STATUSES: tuple[tuple[type[LedgerError], int, str], ...] = (
    (ConcurrencyError, 409, "concurrent-append"),
    (AlreadyRecordedError, 409, "already-recorded"),
    (AuthorityError, 403, "not-authorised-to-record"),
    (PolicyError, 403, "signing-policy"),
    (KeyNotValidError, 403, "key-not-valid"),
    (UnknownKeyError, 422, "unknown-key"),
    (SignatureError, 422, "bad-signature"),
    (EnvelopeError, 422, "bad-envelope"),
    (DomainError, 422, "rule-broken"),
    # the log holds an entry the views refuse to apply (issue 15): not the
    # caller's fault, and no list or report can be trusted until it is seen to
    (EntryRefusedError, 503, "log-entry-refused"),
    (LedgerError, 422, "rejected"),
)


def ledger_status(error: LedgerError) -> tuple[int, str]:
    for cls, status, kind in LEDGER_STATUSES:
        if isinstance(error, cls):
            return status, kind
    return 422, "rejected"  # pragma: no cover - LedgerError is the last row


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _allowed(error: dict[str, Any]) -> str | None:
    ctx = error.get("ctx") or {}
    for key in ("expected", "pattern", "ge", "le", "gt", "lt", "max_length"):
        if key in ctx:
            return f"{key} {ctx[key]}"
    return None


def install(app: FastAPI) -> None:
    """Answer every error with a problem, never a bare 500 for bad input."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError) -> JSONResponse:
        return problem_response(
            request,
            error.status,
            error.kind,
            error.detail,
            field=error.field,
            allowed=error.allowed,
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            FieldProblem(
                field=_location(tuple(e.get("loc", ()))),
                detail=str(e.get("msg", "invalid")),
                allowed=_allowed(e),
            )
            for e in error.errors()
        ]
        first = errors[0] if errors else FieldProblem(field="body", detail="invalid")
        return problem_response(
            request,
            422,
            "invalid-request",
            f"{first.field}: {first.detail}",
            field=first.field,
            allowed=first.allowed,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        status = error.status_code
        return problem_response(
            request,
            status,
            TITLES.get(status, "error").lower().replace(" ", "-"),
            str(error.detail),
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(psycopg.InterfaceError)
    async def _unavailable(request: Request, error: Exception) -> JSONResponse:
        print(f"letopis serve: database unavailable: {error!r}", file=sys.stderr)
        return database_unavailable(request)

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        msg = "the server failed on this request; its log has the details"
        return problem_response(request, 500, "internal-error", msg)

    @app.exception_handler(LedgerError)
    async def _ledger(request: Request, error: LedgerError) -> JSONResponse:
        status, kind = ledger_status(error)
        return problem_response(request, status, kind, str(error))


def refusal(
    command: Command[Any], error: DomainError, *, within: str = "body"
) -> ProblemError:
    """A record command's rule refused it: a problem naming the field (inside
    ``within``, where the command's body sits in the request) and what is
    allowed."""
    status, kind = ledger_status(error)
    field, allowed = located(error)
    where = (field or command.field_of(error)).replace("body", within, 1)
    return ProblemError(status, kind, str(error), field=where, allowed=allowed)
