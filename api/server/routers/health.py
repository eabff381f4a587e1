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
from api.server.office import Office
from api.server.problems import MEDIA_TYPE, Problem, ProblemError
from api.server.sealing import SealHealth
from ledger.log.witnesses import WitnessSender
from verify.note import parse_checkpoint

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


class WitnessStatus(BaseModel):
    """One configured witness: the latest size it cosigned for this log."""

    name: str
    url: str
    latest_cosigned_size: int | None


class WitnessHealth(BaseModel):
    """The witnesses (docs/witness.md) and the failures recorded sending to them."""

    witnesses: list[WitnessStatus]
    failures: int
    last_failure: dict[str, object] | None


@router.get("/health/witnesses")
def health_witnesses(office: OfficeDep) -> WitnessHealth:
    """The configured witnesses, what each cosigned last, and recorded failures.

    A witness's failure never stops sealing, so this is always 200: read it.
    """
    return witness_health(office)


def witness_health(office: Office) -> WitnessHealth:
    """The witnesses of ``office``'s log and what each cosigned last (also
    shown by the auditor's console)."""
    sender = WitnessSender(office.app.context.keys.path)
    cosigned = sender.cosigned()
    rows = []
    for witness in sender.witnesses():
        sizes = [
            size
            for size, text in cosigned.items()
            if any(s.name == witness.name for s in parse_checkpoint(text).signatures)
        ]
        rows.append(
            WitnessStatus(
                name=witness.name,
                url=witness.url,
                latest_cosigned_size=max(sizes) if sizes else None,
            )
        )
    failures = sender.failures()
    return WitnessHealth(
        witnesses=rows,
        failures=len(failures),
        last_failure=failures[-1] if failures else None,
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
