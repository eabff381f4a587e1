"""The Merkle log: the latest signed checkpoint and RFC 6962 proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from api import proofs
from api.server.accounts import ROLES, Account
from api.server.deps import OfficeDep, role
from api.server.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(tags=["log"], responses=PROBLEM_RESPONSES)
Anyone = Annotated[Account, Depends(role(*ROLES))]
QUERY = proofs.Options(
    event="event",
    index="index",
    tree_size="tree_size",
    size1="from",
    size2="to",
    seal="wait for the next checkpoint (a few seconds)",
)


class InclusionProof(BaseModel):
    """An RFC 6962 inclusion proof (field names of the test vectors)."""

    leafIdx: int
    treeSize: int
    root: str
    leafHash: str
    proof: list[str]


class ConsistencyProof(BaseModel):
    """An RFC 6962 consistency proof between two checkpointed sizes."""

    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]


def _answer(error: proofs.ProofRequestError) -> ProblemError:
    status = 404 if isinstance(error, proofs.NoCheckpointError) else 422
    field = "checkpoint" if status == 404 else f"query.{error.option}"
    return ProblemError(
        status, "bad-proof-request", str(error), field=field, allowed=error.allowed
    )


TEXT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "A C2SP signed note"}
}


@router.get("/checkpoint", response_class=PlainTextResponse, responses=TEXT)
def checkpoint(office: OfficeDep, _: Anyone) -> PlainTextResponse:
    """The latest checkpoint signed with the school's log key (a C2SP signed note)."""
    try:
        latest = proofs.latest_checkpoint(office.sealer.store, QUERY)
    except proofs.ProofRequestError as e:
        raise _answer(e) from e
    return PlainTextResponse(latest.note)


Size = Annotated[int | None, Query(ge=1, le=2**62)]


@router.get("/proofs/inclusion")
def inclusion_proof(
    office: OfficeDep,
    _: Anyone,
    event: Annotated[
        str | None,
        Query(pattern=r"^[0-9a-f-]{36}:[0-9]{1,12}$", description="STREAM:SEQ"),
    ] = None,
    index: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    tree_size: Size = None,
) -> InclusionProof:
    """Prove that an event (``event`` or leaf ``index``) is in the log."""
    try:
        proof = proofs.inclusion(
            office.sealer.store,
            office.sealer.tree,
            event=event,
            index=index,
            tree_size=tree_size,
            names=QUERY,
        )
    except proofs.ProofRequestError as e:
        raise _answer(e) from e
    return InclusionProof(**proof)


@router.get("/proofs/consistency")
def consistency_proof(
    office: OfficeDep,
    _: Anyone,
    size1: Annotated[int, Query(alias="from", ge=1, le=2**62)],
    size2: Annotated[int | None, Query(alias="to", ge=1, le=2**62)] = None,
) -> ConsistencyProof:
    """Prove that the log at ``to`` (default: latest) extends the log at ``from``."""
    try:
        proof = proofs.consistency(
            office.sealer.store,
            office.sealer.tree,
            size1=size1,
            size2=size2,
            names=QUERY,
        )
    except proofs.ProofRequestError as e:
        raise _answer(e) from e
    return ConsistencyProof(**proof)
