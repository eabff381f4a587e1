"""Every record command signed on the client's own device, not by the server.

The same two steps as a lesson sheet at ``/envelopes``, for any kind of record
in the command table (``api.commands``):

1. ``POST /signed/{kind}/prepare`` with the command's body and the key ids that
   will sign (the author's, then any co-signers'): the unsigned envelopes the
   rules make of it now. Nothing is written.
2. The client chains and signs them (``api.server.client.sign_prepared``) and
   sends ``POST /signed/{kind}`` with the same body and the signed envelopes.
   The server runs the command again, through the same services and rules,
   with the clock set to the envelopes' time; each signature is handed back
   only for the exact signing input the rules make (any other field refused,
   named), after every check a client-signed append gets at ``/envelopes``.

So the server never holds the key, and a client cannot sign anything the
command would not record.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from api.commands import Body, Command
from api.commands.catalog import all_commands
from api.commands.catalog import command as command_named
from api.server.accounts import Account
from api.server.deps import OfficeDep, current_account, require_role
from api.server.presigned import MAX_ENVELOPES, SubmissionError
from api.server.problems import PROBLEM_RESPONSES, ProblemError, refusal
from api.server.routers._appends import Appended, answer_of, idempotent
from api.server.routers.envelopes import KEY_ID, _check_own_key, _problem
from api.server.routers.journal import CREATED, IdempotencyKey
from ledger.domain.errors import DomainError

TAG = "signed"
TAG_METADATA = {
    "name": TAG,
    "description": (
        "Записи, подписанные на устройстве автора: сервер готовит неподписанные "
        "конверты любой записи (`/signed/{kind}/prepare`), устройство их "
        "подписывает своим ключом, сервер принимает их после всех проверок "
        "(`/signed/{kind}`); ключ не покидает устройство. Any record kind signed "
        "on the author's own device: the server prepares the unsigned envelopes, "
        "the device signs them, the server appends them after every check; the "
        "key never leaves the device."
    ),
}
router = APIRouter(tags=[TAG], responses=PROBLEM_RESPONSES)
KeyId = Annotated[str, Field(pattern=KEY_ID)]


class PrepareCommand(BaseModel):
    """A command's body and who will sign it."""

    key: Annotated[KeyId, Field(description="Your key id (you author the record).")]
    cosigners: Annotated[
        list[KeyId],
        Field(
            max_length=4,
            description="Key ids of the co-signers the signing policy asks for.",
        ),
    ] = []
    body: dict[str, Any]


class SignedCommand(BaseModel):
    """A command's body and the envelopes signed for it."""

    body: dict[str, Any]
    envelopes: Annotated[
        list[dict[str, Any]], Field(min_length=1, max_length=MAX_ENVELOPES)
    ]


class PreparedCommand(BaseModel):
    """Unsigned envelopes in order; a null ``prev`` after a stream's first
    envelope is the hash of the envelope before it, once signed."""

    envelopes: list[dict[str, Any]]


def _command(kind: str, account: Account) -> Command[Any]:
    found = command_named(kind)
    if found is None:
        msg = f"there is no record kind {kind!r}"
        raise ProblemError(
            404,
            "not-found",
            msg,
            field="path.kind",
            allowed=", ".join(sorted(c.name for c in all_commands())),
        )
    require_role(account, found.roles, f"record {kind}")
    return found


def _body(command: Command[Any], raw: dict[str, Any]) -> Body:
    """The command's body read by its own model; a 422 naming each wrong field."""
    try:
        body: Body = command.body.model_validate(raw)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", "body", *err["loc"])} for err in e.errors()]
        raise RequestValidationError(errors) from e
    return body


@router.post("/signed/{kind}/prepare")
def prepare_command(
    kind: str,
    request: PrepareCommand,
    office: OfficeDep,
    account: Annotated[Account, Depends(current_account)],
) -> PreparedCommand:
    """The envelopes the rules make of this record now, to sign on your device;
    nothing is written."""
    command = _command(kind, account)
    body = _body(command, request.body)
    _check_own_key(office, account, request.key)
    try:
        made = office.prepare_with(
            request.key,
            tuple(request.cosigners),
            lambda records, signing: command.run(records, body, signing),
        )
    except DomainError as e:
        raise refusal(command, e, within="body.body") from e
    return PreparedCommand(envelopes=[e.unsigned_json() for e in made])


@router.post("/signed/{kind}", status_code=201, responses=CREATED)
def append_command(
    kind: str,
    request: SignedCommand,
    office: OfficeDep,
    account: Annotated[Account, Depends(current_account)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record with envelopes signed on your device, after every check."""
    command = _command(kind, account)
    body = _body(command, request.body)

    def run() -> Appended:
        try:
            names = office.append_signed(
                account,
                request.envelopes,
                lambda records, signing: command.run(records, body, signing),
            )
        except SubmissionError as e:
            raise _problem(e) from e
        except DomainError as e:
            raise refusal(command, e, within="body.body") from e
        return Appended(events=names)

    payload = {"kind": kind, **request.model_dump(mode="json")}
    return idempotent(office, account, idempotency_key, payload, run, answer_of())
