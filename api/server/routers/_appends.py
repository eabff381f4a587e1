"""What every append route shares: idempotent retries and the appended names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.server.accounts import Account
from api.server.idempotency import Answer, Pending, body_hash, keeping
from api.server.office import Office
from api.server.problems import ProblemError
from ledger.envelope import canonical

IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"


class Appended(BaseModel):
    """What one append wrote: the events, named ``<stream>:<seq>``."""

    events: list[str]
    lesson: UUID | None = None


class Recorded(BaseModel):
    """What a record command appended."""

    events: list[str] = Field(
        description="События, по порядку / the appended events, «<stream>:<seq>»"
    )
    made: list[str] = Field(
        description=(
            "Новые записи (id: школа, класс, ученик…) / the streams this append "
            "opened: the ids it made (a class, a pupil's file…)"
        )
    )

    @classmethod
    def of(cls, events: Sequence[StoredEvent]) -> Recorded:
        return cls(
            events=[f"{e.originator_id}:{e.originator_version}" for e in events],
            made=[str(e.originator_id) for e in events if e.originator_version == 1],
        )


def answer_of(*, lesson: bool = False) -> Answer:
    """The answer to an append, made of the events it inserts (so the answer
    kept with them is exactly what the first request got): their names, and
    for a lesson sheet the lesson (their stream)."""

    def answer(events: Sequence[StoredEvent]) -> dict[str, Any]:
        names = [f"{e.originator_id}:{e.originator_version}" for e in events]
        made = Appended(
            events=names, lesson=UUID(str(events[0].originator_id)) if lesson else None
        )
        return made.model_dump(mode="json")

    return answer


def idempotent(
    office: Office,
    account: Account,
    key: str | None,
    request: Any,
    run: Callable[[], BaseModel],
    answer: Answer,
) -> JSONResponse:
    """Run an append once per (account, key, body); replay the stored answer.

    The answer is kept in the append's own transaction (see
    ``api.server.idempotency``). A first use that fails is looked up again: if
    the same key was answered meanwhile (another server, or this append whose
    commit went through before its connection dropped), that answer is given.
    """
    if key is None:
        return _created(run().model_dump(mode="json"), replayed=False)
    digest = body_hash(canonical(request))
    stored = office.idempotency.get(account.name, key)
    if stored is None:
        pending = Pending(account.name, key, digest, answer)
        try:
            with keeping(pending):
                made = run()
        except Exception:
            stored = office.idempotency.get(account.name, key)
            if stored is None:
                raise
        else:
            kept = pending.kept
            body = kept.response if kept else made.model_dump(mode="json")
            return _created(body, replayed=False)
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
