"""What every append route shares: idempotent retries and the appended names."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.server.accounts import Account
from api.server.idempotency import Stored, body_hash
from api.server.office import Office
from api.server.problems import ProblemError
from ledger.envelope import canonical

IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_keyed = threading.Lock()


class Appended(BaseModel):
    """What one append wrote: the events, named ``<stream>:<seq>``."""

    events: list[str]
    lesson: UUID | None = None


def idempotent(
    office: Office,
    account: Account,
    key: str | None,
    request: Any,
    run: Callable[[], Appended],
) -> JSONResponse:
    """Run an append once per (account, key, body); replay the stored answer."""
    if key is None:
        return _created(run().model_dump(mode="json"), replayed=False)
    digest = body_hash(canonical(request))
    with _keyed:
        stored = office.idempotency.get(account.name, key)
        if stored is None:
            answer = run().model_dump(mode="json")
            office.idempotency.put(account.name, key, Stored(digest, 201, answer))
            return _created(answer, replayed=False)
    if stored.body_hash != digest:
        msg = (
            f"{IDEMPOTENCY_HEADER} {key!r} was used for another request body; "
            "use a new key for a new request"
        )
        raise ProblemError(
            422,
            "idempotency-key-reused",
            msg,
            field=f"header.{IDEMPOTENCY_HEADER}",
            allowed="a key not used before, or the same body as its first use",
        )
    return _created(stored.response, replayed=True)


def _created(body: dict[str, Any], *, replayed: bool) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(body, status_code=201, headers=headers)
