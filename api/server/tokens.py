"""Short-lived access tokens: JWT, HS256, with the account name and roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "letopis-api"


class TokenError(Exception):
    """The token is missing, malformed, expired or not ours."""


class Tokens:
    """Issues and checks access tokens with one secret."""

    def __init__(self, secret: str, lifetime: timedelta) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def issue(self, name: str, roles: tuple[str, ...], now: datetime) -> str:
        claims = {
            "sub": name,
            "roles": list(roles),
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def subject(self, token: str) -> str:
        """The account name in a valid, unexpired token."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["sub", "exp", "iat", "aud"]},
                leeway=timedelta(seconds=5),
            )
        except jwt.PyJWTError as e:
            msg = f"the access token is not valid: {e}"
            raise TokenError(msg) from e
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            msg = "the access token names no account"
            raise TokenError(msg)
        return subject


def utcnow() -> datetime:
    return datetime.now(UTC)
