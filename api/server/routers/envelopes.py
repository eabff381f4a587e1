"""Client-signed appends: the client signs v1 envelopes with its own key.

``POST /envelopes/prepare`` says what the rules make of a lesson sheet (the
unsigned envelopes, nothing written); the client chains and signs them
(:func:`api.server.client.sign_prepared`) and sends them to ``POST /envelopes``,
which checks the signatures against the key registry, the signing policy and
the same journal rules as every other append. The server never holds the key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.server.accounts import Account
from api.server.deps import OfficeDep, role
from api.server.presigned import MAX_ENVELOPES, SubmissionError
from api.server.problems import PROBLEM_RESPONSES
from api.server.routers._appends import Appended, answer_of, idempotent
from api.server.routers._signing import bad_envelope, check_own_key
from api.server.routers.journal import CREATED, IdempotencyKey, LessonSheet

router = APIRouter(tags=["journal"], responses=PROBLEM_RESPONSES)
Signer = Annotated[
    Account, Depends(role("teacher", "class_teacher", "deputy_director"))
]
KEY_ID = r"^[0-9a-f]{32}$"


class PrepareRequest(BaseModel):
    """Lesson sheets to prepare, and the key that will sign them."""

    key: Annotated[str, Field(pattern=KEY_ID, description="Your key id.")]
    lessons: Annotated[list[LessonSheet], Field(min_length=1, max_length=10)]


class Prepared(BaseModel):
    """Unsigned envelopes in order; a null ``prev`` after a stream's first
    envelope is the hash of the envelope before it, once signed."""

    envelopes: list[dict[str, Any]]


class SignedEnvelopes(BaseModel):
    """v1 envelopes (DESIGN §2), each signed by the author (then co-signers)."""

    envelopes: Annotated[
        list[dict[str, Any]], Field(min_length=1, max_length=MAX_ENVELOPES)
    ]


@router.post("/envelopes/prepare")
def prepare(request: PrepareRequest, office: OfficeDep, account: Signer) -> Prepared:
    """The envelopes the rules make of these lesson sheets now; nothing is written."""
    check_own_key(office, account, request.key)
    made = office.prepare(request.key, [sheet.as_input() for sheet in request.lessons])
    return Prepared(envelopes=[e.unsigned_json() for e in made])


@router.post("/envelopes", status_code=201, responses=CREATED)
def append_signed(
    body: SignedEnvelopes,
    office: OfficeDep,
    account: Signer,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Append envelopes signed on the client, after every check an append gets."""

    def run() -> Appended:
        try:
            names = office.append_signed(account, body.envelopes)
        except SubmissionError as e:
            raise bad_envelope(e) from e
        return Appended(events=names)

    return idempotent(
        office, account, idempotency_key, body.model_dump(mode="json"), run, answer_of()
    )
