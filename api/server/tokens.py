"""Short-lived access tokens: JWT, HS256, with the account name, roles and the
account version they were issued for (``ver``): a later version of the account
(a new password, a deactivation) revokes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "letopis-api"


class TokenError(Exception):
    """The token is missing, malformed, expired or not ours."""


@dataclass(frozen=True)
class Bearer:
    """Whom a valid token names: the account and the version it was issued for."""

    name: str
    version: int
    school: str | None = None  # the account's school (many schools, one server)


class Tokens:
    """Issues and checks access tokens with one secret."""

    def __init__(self, secret: str, lifetime: timedelta) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def issue(
        self,
        name: str,
        roles: tuple[str, ...],
        now: datetime,
        *,
        version: int,
        school: str | None = None,
    ) -> str:
        claims: dict[str, object] = {
            "sub": name,
            "ver": version,
            "roles": list(roles),
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
        }
        if school is not None:
            claims["sch"] = school
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def bearer(self, token: str) -> Bearer:
        """The account and its version in a valid, unexpired token."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["sub", "ver", "exp", "iat", "aud"]},
                leeway=timedelta(seconds=5),
            )
        except jwt.PyJWTError as e:
            msg = f"the access token is not valid: {e}"
            raise TokenError(msg) from e
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            msg = "the access token names no account"
            raise TokenError(msg)
        version = claims.get("ver")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            msg = "the access token names no account version"
            raise TokenError(msg)
        school = claims.get("sch")
        if school is not None and not isinstance(school, str):
            msg = "the access token names no school"
            raise TokenError(msg)
        return Bearer(subject, version, school)


def utcnow() -> datetime:
    return datetime.now(UTC)
