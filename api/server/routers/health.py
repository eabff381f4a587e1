"""Is the server up, and does it seal: answered from memory, no database.

``/health`` stays the trivial endpoint (the load benchmark's baseline): one
look at the sealer's state in shared memory, on the event loop itself, so it
answers even when every worker thread is busy (sign-ins hashing, say).
``/health/seal`` says more: the latest checkpoint's size and time and the
last good round. Both answer 503 with a problem when sealing failed, stopped,
or is overdue: appends are then acknowledged but not yet covered by a signed
checkpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.server.deps import OfficeDep
from api.server.problems import MEDIA_TYPE, Problem, ProblemError
from api.server.sealing import SealHealth

UNAVAILABLE = {
    503: {
        "model": Problem,
        "description": "Sealing failed, stopped or is overdue",
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}
router = APIRouter(tags=["health"], responses=UNAVAILABLE)  # type: ignore[arg-type]


class Health(BaseModel):
    """The server answers and seals."""

    status: str


class SealStatus(BaseModel):
    """The sealer: the latest checkpoint and its last good round."""

    status: str
    checkpoint_size: int | None
    checkpoint_signed_at: str | None
    last_sealed_at: str | None
    interval_seconds: float
    overdue_after_seconds: float


@router.get("/health")
async def health(office: OfficeDep) -> Health:
    """``{"status": "ok"}`` while the server runs and seals; no sign-in."""
    _raise_if_unwell(office.seal_health())
    return Health(status="ok")


@router.get("/health/seal")
async def health_seal(office: OfficeDep) -> SealStatus:
    """The sealer's state; 503 (a problem) if sealing failed or is overdue."""
    seal = office.seal_health()
    _raise_if_unwell(seal)
    report = seal.report
    return SealStatus(
        status="ok",
        checkpoint_size=report.checkpoint_size,
        checkpoint_signed_at=report.checkpoint_signed_at,
        last_sealed_at=_iso(report.sealed_at),
        interval_seconds=seal.interval,
        overdue_after_seconds=seal.overdue_after,
    )


def _raise_if_unwell(seal: SealHealth) -> None:
    if seal.problem is None:
        return
    report = seal.report
    covered = (
        f"; the latest checkpoint covers {report.checkpoint_size} events, signed "
        f"{report.checkpoint_signed_at}"
        if report.checkpoint_size is not None
        else "; no checkpoint yet"
    )
    raise ProblemError(503, "sealing-unwell", seal.problem + covered)


def _iso(at: float | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")
