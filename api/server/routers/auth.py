"""Signing in (OAuth2 password flow, so /docs' Authorize works) and who am I."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.server import custody
from api.server.deps import BEARER, CurrentAccount, SchoolsDep, TokensDep
from api.server.problems import PROBLEM_RESPONSES, ProblemError, documented
from api.server.schools import TooManySchoolsError, UnknownSchoolError
from api.server.signin import TooManyAttemptsError
from api.server.tokens import utcnow

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES)
NAME = re.compile(r"[A-Za-z0-9._@-]{1,100}")


class TokenPublic(BaseModel):
    """A short-lived bearer token."""

    access_token: str
    token_type: str
    expires_in: int


class AccountPublic(BaseModel):
    """The signed-in account: roles and whom it is linked to."""

    name: str
    roles: list[str]
    staff: UUID | None
    pupils: list[UUID]
    custodial_key: bool


@router.post("/token", responses={429: documented(429)})
async def sign_in(
    schools: SchoolsDep,
    tokens: TokensDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
) -> TokenPublic:
    """Exchange a name and password for a short-lived access token.

    On a server of many schools the name is ``login@school`` (a bare login
    is the default school's). Attempts are limited per login and per client
    address (429 with ``Retry-After``), and only a few passwords are hashed
    at once."""
    address = request.client.host if request.client else "unknown"
    found = held = None
    try:
        office, login = schools.for_sign_in(form.username)
    except UnknownSchoolError:
        msg = "the name or the password is wrong (no such school)"
        raise ProblemError(401, "bad-credentials", msg, headers=BEARER) from None
    except TooManySchoolsError as e:
        raise ProblemError(503, "too-many-schools", str(e)) from e
    try:
        attempt = office.attempts.admit(form.username[:100], address)
        if NAME.fullmatch(form.username) and len(form.password) <= 1024:
            async with office.hashing.slot():
                found, held = await run_in_threadpool(
                    custody.sign_in,
                    office.accounts,
                    office.directory,
                    login,
                    form.password,
                )
    except TooManyAttemptsError as e:
        raise ProblemError(
            429,
            "too-many-sign-ins",
            str(e),
            headers={"Retry-After": str(e.retry_after)},
        ) from e
    if found is not None:
        office.attempts.succeeded(attempt)
    if found is None:
        msg = "the name or the password is wrong"
        raise ProblemError(401, "bad-credentials", msg, headers=BEARER)
    account = found.account
    school = office.settings.school if schools.many else None
    token = tokens.issue(
        account.name, account.roles, utcnow(), version=found.version, school=school
    )
    if held is not None:  # the key wrapped by this password, for the token's life
        office.holds.keep_for_token(token, held, tokens.lifetime.total_seconds())
    return TokenPublic(
        access_token=token,
        token_type="bearer",  # noqa: S106 - the OAuth2 token type
        expires_in=int(tokens.lifetime.total_seconds()),
    )


@router.get("/me")
def me(account: CurrentAccount) -> AccountPublic:
    """The signed-in account."""
    return AccountPublic(
        name=account.name,
        roles=list(account.roles),
        staff=account.staff,
        pupils=list(account.pupils),
        custodial_key=account.key_label is not None,
    )
