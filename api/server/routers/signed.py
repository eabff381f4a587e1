"""Every record command signed on the client's own device, not by the server.

The same two steps as a lesson sheet at ``/envelopes``, for any kind of record
in the command table (``api.commands``) and for ``lesson-sheet`` (the body of
``POST /lesson-sheets``); the web pages sign the same kinds in the browser at
``/app/signed/{kind}`` through the same functions (``routers._signing``):

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
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.server.accounts import Account
from api.server.deps import OfficeDep, current_account
from api.server.presigned import MAX_ENVELOPES
from api.server.problems import PROBLEM_RESPONSES
from api.server.routers._signing import (
    append_signed,
    prepare_signed,
    read_body,
    signed_command,
)
from api.server.routers.envelopes import KEY_ID
from api.server.routers.journal import CREATED, IdempotencyKey

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


@router.post("/signed/{kind}/prepare")
def prepare_command(
    kind: str,
    request: PrepareCommand,
    office: OfficeDep,
    account: Annotated[Account, Depends(current_account)],
) -> PreparedCommand:
    """The envelopes the rules make of this record now, to sign on your device;
    nothing is written."""
    command = signed_command(kind, account)
    body = read_body(command, request.body)
    made = prepare_signed(
        office, account, command, body, request.key, request.cosigners
    )
    return PreparedCommand(envelopes=made)


@router.post("/signed/{kind}", status_code=201, responses=CREATED)
def append_command(
    kind: str,
    request: SignedCommand,
    office: OfficeDep,
    account: Annotated[Account, Depends(current_account)],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record with envelopes signed on your device, after every check."""
    command = signed_command(kind, account)
    body = read_body(command, request.body)
    return append_signed(
        office,
        account,
        command,
        body,
        request.envelopes,
        idempotency_key=idempotency_key,
        payload={"kind": kind, **request.model_dump(mode="json")},
    )
