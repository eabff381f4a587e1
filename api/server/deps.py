"""Dependencies of the routes: the office, the signed-in account, role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.server.accounts import Account
from api.server.office import Office
from api.server.problems import ProblemError
from api.server.tokens import TokenError, Tokens

oauth2 = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
BEARER = {"WWW-Authenticate": "Bearer"}


async def get_office(request: Request) -> Office:
    office: Office = request.app.state.office
    return office


async def get_tokens(request: Request) -> Tokens:
    tokens: Tokens = request.app.state.tokens
    return tokens


OfficeDep = Annotated[Office, Depends(get_office)]
TokensDep = Annotated[Tokens, Depends(get_tokens)]


def current_account(
    office: OfficeDep, tokens: TokensDep, token: Annotated[str | None, Depends(oauth2)]
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
    current = office.accounts.active(bearer.name)
    if current is None:
        msg = f"the token names account {bearer.name!r}, which is not active"
        raise ProblemError(401, "bad-token", msg, headers=BEARER)
    if current.version != bearer.version:
        msg = (
            f"the token was issued before account {bearer.name!r} changed (a new "
            "password); sign in again at /token"
        )
        raise ProblemError(401, "token-revoked", msg, headers=BEARER)
    return current.account


CurrentAccount = Annotated[Account, Depends(current_account)]


def role(*roles: str) -> Callable[[Account], Account]:
    """A dependency: the signed-in account, if it has one of ``roles``; else 403."""

    def check(account: CurrentAccount) -> Account:
        if not account.has(*roles):
            msg = (
                f"account {account.name!r} ({', '.join(account.roles)}) may not do "
                f"this; allowed roles: {', '.join(roles)}"
            )
            raise ProblemError(403, "role-not-allowed", msg, allowed=", ".join(roles))
        return account

    return check
