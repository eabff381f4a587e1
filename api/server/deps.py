"""Dependencies of the routes: the office, the signed-in account, role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.server.accounts import Account
from api.server.office import Office
from api.server.problems import ProblemError
from api.server.schools import (
    SCHOOL_HEADER,
    Schools,
    TooManySchoolsError,
    UnknownSchoolError,
)
from api.server.tokens import TokenError, Tokens

oauth2 = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
BEARER = {"WWW-Authenticate": "Bearer"}


async def get_schools(request: Request) -> Schools:
    schools: Schools = request.app.state.schools
    return schools


async def get_tokens(request: Request) -> Tokens:
    tokens: Tokens = request.app.state.tokens
    return tokens


SchoolsDep = Annotated[Schools, Depends(get_schools)]
TokensDep = Annotated[Tokens, Depends(get_tokens)]


def school_office(schools: Schools, code: str) -> Office:
    """The office of school ``code``, or the problem that says why not."""
    try:
        return schools.office(code)
    except UnknownSchoolError as e:
        raise ProblemError(404, "unknown-school", str(e), field=SCHOOL_HEADER) from e
    except TooManySchoolsError as e:
        raise ProblemError(503, "too-many-schools", str(e)) from e


async def get_office(
    request: Request,
    schools: SchoolsDep,
    tokens: TokensDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Office:
    """The office the request acts on: the one school of a single-school
    server; with many schools, the token's (the account's school), or the
    school named by ``X-Letopis-School``: one already open for a request
    without a token, any for the municipality's auditor; naming another
    school with any other token is refused here, before that school opens."""
    if not schools.many:
        assert schools.default is not None
        return schools.default
    named = request.headers.get(SCHOOL_HEADER)
    bearer = None
    if token:
        try:
            bearer = tokens.bearer(token)
        except TokenError:
            bearer = None  # current_account says why, if the route needs one
    home = (bearer.school if bearer else None) or schools.settings.school
    if named is None or named == home:
        return school_office(schools, home)
    if bearer is None:
        if not schools.is_open(named):
            msg = f"school {named!r} is not open here: sign in to one of its accounts"
            raise ProblemError(404, "unknown-school", msg, field=SCHOOL_HEADER)
        return school_office(schools, named)
    own = school_office(schools, home)
    current = own.accounts.active(bearer.name)
    if current is None or not schools.municipal(own, current.account):
        msg = (
            f"account {bearer.name!r} belongs to school {home!r} and may not act "
            f"on school {named!r}"
        )
        raise ProblemError(403, "other-school", msg, field=SCHOOL_HEADER, allowed=home)
    return school_office(schools, named)


OfficeDep = Annotated[Office, Depends(get_office)]


def current_account(
    office: OfficeDep,
    schools: SchoolsDep,
    tokens: TokensDep,
    token: Annotated[str | None, Depends(oauth2)],
) -> Account:
    """The account of the bearer token, or 401."""
    if not token:
        msg = "sign in first: POST /token, then send 'Authorization: Bearer <token>'"
        raise ProblemError(401, "not-signed-in", msg, headers=BEARER)
    try:
        bearer = tokens.bearer(token)
    except TokenError as e:
        raise ProblemError(
            401, "bad-token", f"{e}; sign in again at /token", headers=BEARER
        ) from e
    home = office
    if schools.many:
        home = school_office(schools, bearer.school or schools.settings.school)
    current = home.accounts.active(bearer.name)
    if current is None:
        msg = f"the token names account {bearer.name!r}, which is not active"
        raise ProblemError(401, "bad-token", msg, headers=BEARER)
    if current.version != bearer.version:
        msg = (
            f"the token was issued before account {bearer.name!r} changed (a new "
            "password); sign in again at /token"
        )
        raise ProblemError(401, "token-revoked", msg, headers=BEARER)
    if not schools.may_read(home, current.account, office):
        msg = (
            f"account {bearer.name!r} belongs to school {home.settings.school!r} "
            f"and may not act on school {office.settings.school!r}"
        )
        raise ProblemError(
            403,
            "other-school",
            msg,
            field=SCHOOL_HEADER,
            allowed=home.settings.school,
        )
    return current.account


CurrentAccount = Annotated[Account, Depends(current_account)]


def role(*roles: str) -> Callable[[Account], Account]:
    """A dependency: the signed-in account, if it has one of ``roles``; else 403."""

    def check(account: CurrentAccount) -> Account:
        require_role(account, roles)
        return account

    return check


def require_role(
    account: Account, roles: tuple[str, ...], what: str = "do this"
) -> None:
    """403 unless ``account`` has one of ``roles``; ``what`` it may not do."""
    if not account.has(*roles):
        msg = (
            f"account {account.name!r} ({', '.join(account.roles)}) may not {what}; "
            f"allowed roles: {', '.join(roles)}"
        )
        raise ProblemError(403, "role-not-allowed", msg, allowed=", ".join(roles))
