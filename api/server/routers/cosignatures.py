"""Co-signatures: records waiting for a second signature (§7.3.5).

A record command whose events the signing policy marks for co-signing (an
attestat entry: the class teacher's, certified by the director) is answered
``202 Accepted`` by its endpoint and waits here (:func:`accepted`); nothing is
in the log until every co-signer has signed. The co-signer lists what waits
for them, reads each request in full (with what would be appended now) and
signs or declines with a reason. See ``api.server.cosign``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.server.accounts import STAFF_ROLES, Account
from api.server.cosign import (
    CommandNotServedError,
    CosignDesk,
    CosignError,
    NotCosignedError,
    OwnRequestError,
    PendingRequest,
    RequestChangedError,
    RequestClosedError,
    SubmitterChangedError,
    UnknownRequestError,
    WrongCosignerError,
    desk_for,
)
from api.server.custody import NoCustodialKeyError
from api.server.deps import OfficeDep, role
from api.server.problems import PROBLEM_RESPONSES, ProblemError, ledger_status
from api.server.tokens import utcnow
from ledger.errors import LedgerError

TAG = "cosignatures"
#: The OpenAPI tag, in Russian and English.
TAG_METADATA = {
    "name": TAG,
    "description": "Совместная подпись: записи, ожидающие второй подписи "
    "(запись в книге выдачи аттестатов заверяют классный руководитель и "
    "директор, п. 7.3.5). / Co-signatures: records waiting for a second "
    "signature; nothing is in the log until it is given.",
}
router = APIRouter(tags=[TAG], responses=PROBLEM_RESPONSES)
Staff = Annotated[Account, Depends(role(*STAFF_ROLES))]
RequestId = Annotated[UUID, Path(description="The co-signature request's id.")]

#: Status and problem type of each refusal of the desk.
STATUSES: tuple[tuple[type[CosignError], int, str], ...] = (
    (UnknownRequestError, 404, "cosignature-not-found"),
    (OwnRequestError, 403, "cosignature-own-request"),
    (WrongCosignerError, 403, "cosignature-wrong-signer"),
    (RequestClosedError, 409, "cosignature-closed"),
    (RequestChangedError, 409, "cosignature-changed"),
    (CommandNotServedError, 409, "cosignature-not-runnable"),
    (SubmitterChangedError, 409, "cosignature-not-runnable"),
    (NotCosignedError, 422, "cosignature-not-needed"),
    (CosignError, 422, "cosignature-invalid"),
)


class NeedPublic(BaseModel):
    """A co-signature the request needs: the role, and the person if named."""

    role: str
    staff: UUID | None
    who: str


class ApprovalPublic(BaseModel):
    """A co-signature given."""

    role: str
    account: str
    at: datetime


class CosignaturePublic(BaseModel):
    """A co-signature request: what will be signed (``summary``, Russian), by
    whom it was submitted, who must co-sign, its state and its outcome."""

    id: UUID
    state: Literal["pending", "signed", "declined", "expired", "superseded"]
    command: str
    summary: str
    submitted_by: str
    submitted_at: datetime
    expires_at: datetime
    needs: list[NeedPublic]
    waiting_for: list[NeedPublic]
    approvals: list[ApprovalPublic]
    you_may_sign: bool
    event_types: list[str]
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    events: list[str]
    superseded_by: UUID | None


class PreviewPublic(BaseModel):
    """What signing would append now (a dry run): the envelopes' types, streams
    and data, and their digest to send back as ``reviewed``; or why the rules
    refuse it now."""

    envelopes: list[dict[str, Any]]
    digest: str | None
    refused: str | None


class CosignatureDetail(CosignaturePublic):
    """One request in full, with the preview while it is pending."""

    preview: PreviewPublic | None


class SignIn(BaseModel):
    """A co-signature; ``reviewed`` (optional) is the digest of the preview the
    co-signer read: refused if what would be appended changed since."""

    model_config = ConfigDict(extra="forbid")

    reviewed: Annotated[str | None, Field(pattern=r"^sha256:[0-9a-f]{64}$")] = None


class DeclineIn(BaseModel):
    """Why the co-signer refuses to sign; the submitter reads it."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class Accepted(BaseModel):
    """A record held for co-signing: nothing is in the log yet."""

    cosignature: UUID
    state: str
    waiting_for: list[NeedPublic]
    expires_at: datetime
    location: str


def accepted(request: PendingRequest) -> JSONResponse:
    """The ``202 Accepted`` answer of a record endpoint whose command was held
    for co-signing (``api.server.cosign.submit``)."""
    where = f"/cosignatures/{request.id}"
    body = Accepted(
        cosignature=request.id,
        state=request.state,
        waiting_for=[NeedPublic(**n.as_json()) for n in request.open_needs()],
        expires_at=request.expires_at,
        location=where,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=202, headers={"Location": where}
    )


def problem_of(error: LedgerError) -> ProblemError:
    """A refusal of the desk or of the rules, as a problem naming the field."""
    if isinstance(error, CosignError):
        status, kind = next((s, k) for cls, s, k in STATUSES if isinstance(error, cls))
        return ProblemError(
            status, kind, str(error), field=error.field, allowed=error.allowed
        )
    if isinstance(error, NoCustodialKeyError):
        return ProblemError(
            403,
            "no-custodial-key",
            str(error),
            field="account",
            allowed="an account whose key the server keeps",
        )
    status, kind = ledger_status(error)
    return ProblemError(
        status,
        kind,
        f"{error}; the request stays pending",
        field="path.id",
        allowed="decline it with this reason, or the submitter submits it anew",
    )


def public(request: PendingRequest, account: Account, desk: CosignDesk) -> Any:
    now = desk.office.now()
    state = request.state_at(now)
    return {
        "id": request.id,
        "state": state,
        "command": request.command,
        "summary": request.summary,
        "submitted_by": request.submitted_by,
        "submitted_at": request.submitted_at,
        "expires_at": request.expires_at,
        "needs": [n.as_json() for n in request.needs],
        "waiting_for": [n.as_json() for n in request.open_needs()]
        if state == "pending"
        else [],
        "approvals": [
            {"role": a.role, "account": a.account, "at": a.at}
            for a in request.approvals
        ],
        "you_may_sign": state == "pending" and request.may_be_signed_by(account),
        "event_types": list(request.event_types),
        "decided_by": request.decided_by,
        "decided_at": request.decided_at,
        "reason": request.reason,
        "events": list(request.events),
        "superseded_by": request.superseded_by,
    }


def log_reading(desk: CosignDesk, account: Account, request: PendingRequest) -> None:
    """A request names pupils (and shows their names): its reading is logged
    in the access log, as every read of a person's records (152-ФЗ)."""
    pupils = sorted({s.rsplit(":", 1)[1] for s in request.subject})
    subject = ",".join(f"pupil:{p}" for p in pupils)
    desk.office.access.record(account, f"cosignature {request.id}", subject, utcnow())


@router.get("/cosignatures", response_model=list[CosignaturePublic])
def list_cosignatures(
    office: OfficeDep,
    account: Staff,
    state: Annotated[
        Literal["pending", "all"],
        Query(description="pending (default): open ones; all: also closed ones."),
    ] = "pending",
) -> list[Any]:
    """Requests you may co-sign or have submitted, with the Russian text of
    what will be signed (open ones, or all with ``state=all``)."""
    desk = desk_for(office)
    found = desk.visible(account, closed=state == "all")
    for request in found:
        log_reading(desk, account, request)
    return [public(r, account, desk) for r in found]


@router.get("/cosignatures/{request_id}", response_model=CosignatureDetail)
def show_cosignature(request_id: RequestId, office: OfficeDep, account: Staff) -> Any:
    """One request in full; while pending, what signing would append now."""
    desk = desk_for(office)
    try:
        request = desk.show(request_id, account)
    except LedgerError as e:
        raise problem_of(e) from e
    log_reading(desk, account, request)
    shown = public(request, account, desk)
    preview = None
    if shown["state"] == "pending":
        p = desk.preview(request)
        preview = {
            "envelopes": list(p.envelopes),
            "digest": p.digest,
            "refused": p.refused,
        }
    return {**shown, "preview": preview}


SIGNED: dict[int | str, dict[str, Any]] = {
    201: {"model": CosignaturePublic, "description": "Signed and appended"},
    202: {"model": CosignaturePublic, "description": "Co-signed; waits for another"},
}


@router.post("/cosignatures/{request_id}/sign", status_code=201, responses=SIGNED)
def sign_cosignature(
    request_id: RequestId,
    office: OfficeDep,
    account: Staff,
    body: SignIn | None = None,
) -> JSONResponse:
    """Co-sign: when yours is the last signature missing, the record is run
    again through its rules and appended with every signature (201)."""
    desk = desk_for(office)
    try:
        request = desk.sign(
            request_id, account, reviewed=body.reviewed if body else None
        )
    except LedgerError as e:
        raise problem_of(e) from e
    status = 201 if request.state == "signed" else 202
    shown = CosignaturePublic(**public(request, account, desk))
    return JSONResponse(shown.model_dump(mode="json"), status_code=status)


@router.post("/cosignatures/{request_id}/decline", response_model=CosignaturePublic)
def decline_cosignature(
    request_id: RequestId, body: DeclineIn, office: OfficeDep, account: Staff
) -> Any:
    """Refuse to co-sign, with the reason the submitter will read; nothing is
    appended."""
    desk = desk_for(office)
    try:
        request = desk.decline(request_id, account, body.reason)
    except LedgerError as e:
        raise problem_of(e) from e
    return public(request, account, desk)
