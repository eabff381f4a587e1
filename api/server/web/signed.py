"""Signing in the browser: the web session's ``/signed/{kind}``.

``static/signing.js`` (``LetopisSigning.submit``) asks ``POST
/app/signed/{kind}/prepare`` for the unsigned envelopes the rules make of
what the person entered, checks that they say exactly that, signs them with
the person's key that never leaves the browser (WebCrypto, non-extractable,
in IndexedDB), and sends them to ``POST /app/signed/{kind}``. These two
routes are the API's ``/signed/{kind}`` for the session cookie instead of a
bearer token: the same functions (``api.server.routers._signing``), the same
bodies, keys, rules and problems. Being called by a page's script, they take
the session's CSRF token in the ``X-CSRF-Token`` header and answer JSON,
refusals as RFC 9457 problems.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.server.deps import SchoolsDep
from api.server.problems import ProblemError
from api.server.routers._signing import (
    append_signed,
    prepare_signed,
    read_body,
    signed_command,
)
from api.server.routers.journal import IdempotencyKey
from api.server.routers.signed import PrepareCommand, PreparedCommand, SignedCommand
from api.server.web.pages import PageError, SignInNeededError, WebUser, web_user

CSRF_HEADER = "X-CSRF-Token"
router = APIRouter(include_in_schema=False)


def session_user(request: Request, schools: SchoolsDep) -> WebUser:
    """The signed-in person of this browser, or a 401 problem (a script asks)."""
    try:
        return web_user(request, schools)
    except SignInNeededError as e:
        msg = "sign in first: the session has ended or never began (/app/login)"
        raise ProblemError(401, "not-signed-in", msg) from e
    except PageError as e:
        raise ProblemError(e.status, "school-unavailable", e.message) from e


SessionUser = Annotated[WebUser, Depends(session_user)]


def csrf_header_checked(request: Request, user: SessionUser) -> WebUser:
    """The signed-in person, if the request carries their session's token in
    ``X-CSRF-Token`` (a script of another site cannot read it)."""
    token = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(token.encode(), user.csrf.encode()):
        msg = (
            f"the {CSRF_HEADER} header is missing or is not this session's token; "
            "nothing was written"
        )
        raise ProblemError(
            403,
            "csrf",
            msg,
            field=f"header.{CSRF_HEADER}",
            allowed="the session's token (GET /app/keys/state)",
        )
    return user


ScriptUser = Annotated[WebUser, Depends(csrf_header_checked)]


@router.post("/app/signed/{kind}/prepare")
def prepare(kind: str, request: PrepareCommand, user: ScriptUser) -> PreparedCommand:
    """The envelopes the rules make of this record now, for the browser to
    check and sign; nothing is written."""
    command = signed_command(kind, user.account)
    body = read_body(command, request.body)
    made = prepare_signed(
        user.office, user.account, command, body, request.key, request.cosigners
    )
    return PreparedCommand(envelopes=made)


@router.post("/app/signed/{kind}", status_code=201)
def append(
    kind: str,
    request: SignedCommand,
    user: ScriptUser,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record with envelopes signed in the browser, after every check."""
    command = signed_command(kind, user.account)
    body = read_body(command, request.body)
    return append_signed(
        user.office,
        user.account,
        command,
        body,
        request.envelopes,
        idempotency_key=idempotency_key,
        payload={"kind": kind, **request.model_dump(mode="json")},
    )
