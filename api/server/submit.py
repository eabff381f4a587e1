"""Submitting a record command over HTTP: the one path every record route takes.

``submit(office, command, body, account, idempotency_key)`` signs with the
account's custodial key, runs the command on the records services (alone, under
the office's write lock), and answers 201 with the appended events' names and
the streams the append opened (the ids it made). An ``Idempotency-Key`` makes a
retry safe (``api.server.routers._appends.idempotent``); a rule's refusal
becomes a problem naming the body field it is about, and nothing is written.

A command whose events need a co-signer (the signing policy's ``[cosign]``)
is refused by the ledger with nothing written; it is then held as a pending
request (``api.server.cosign``) and answered 202 with where to follow it.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from api.commands import Body, Command
from api.server import cosign
from api.server.accounts import Account
from api.server.idempotency import capturing
from api.server.office import Office
from api.server.problems import refusal
from api.server.routers import cosignatures
from api.server.routers._appends import Recorded, idempotent
from ledger.domain.errors import DomainError
from ledger.errors import PolicyError


def submit(
    office: Office,
    command: Command[Any],
    body: Body,
    account: Account,
    idempotency_key: str | None,
) -> JSONResponse:
    """Run ``command`` with ``body`` for ``account`` and answer 201 (or replay
    the answer kept for ``idempotency_key``)."""

    def run() -> Recorded:
        signing = office.custodial(account)
        with capturing() as inserted:
            try:
                office.run(lambda records: command.run(records, body, signing))
            except DomainError as e:
                raise refusal(command, e) from e
            except PolicyError as e:  # a co-signature missing: held, not refused
                raise cosign.held(
                    office, command, body, account, e, idempotency_key=idempotency_key
                ) from e
        return Recorded.of(inserted)

    request = {"command": command.name, "body": body.model_dump(mode="json")}
    try:
        return idempotent(
            office,
            account,
            idempotency_key,
            request,
            run,
            lambda events: Recorded.of(events).model_dump(mode="json"),
        )
    except cosign.Held as held:
        return cosignatures.accepted(held.request)
