"""For auditors: verification of the live store, and the access log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.server.accounts import AUDITOR, Account
from api.server.deps import OfficeDep, role
from api.server.problems import PROBLEM_RESPONSES, ProblemError
from api.server.tokens import utcnow
from api.server.verification import verify_school
from verify.errors import VerificationError

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)
Auditor = Annotated[Account, Depends(role(AUDITOR, "director", "deputy_director"))]
LogReader = Annotated[Account, Depends(role(AUDITOR, "director"))]
MAX_PAGE = 500


@router.post("/verify")
def verify_store(
    office: OfficeDep,
    account: Auditor,
    full: Annotated[
        bool, Query(description="Check every signature again, not only new ones.")
    ] = False,
) -> dict[str, Any]:
    """Run the independent verifier on the store; incremental unless ``full``.

    The answer is the verifier's JSON object (DESIGN §7): ``ok``, ``tree_size``,
    ``root``, what was checked, ``retention`` and ``findings``. The run is
    recorded with the auditor's console's (``api.server.verification``).
    """
    runs = office.verify_runs
    run = runs.started(account.name, utcnow(), full=full, trusted=False)
    try:
        report = verify_school(office.settings, full=full)
    except VerificationError as e:
        runs.failed(run, utcnow(), str(e))
        raise ProblemError(422, "cannot-verify", str(e)) from e
    result: dict[str, Any] = report.to_json()
    runs.finished(run, utcnow(), result)
    return result


class AccessPublic(BaseModel):
    """One read of a person's records: who, what, when, chained by hash."""

    position: int
    at: str
    account: str
    roles: str
    action: str
    subject: str
    prev_hash: str
    row_hash: str


class AccessPage(BaseModel):
    """A page of the access log."""

    items: list[AccessPublic]
    total: int
    offset: int
    limit: int
    next_offset: int | None


@router.get("/access-log")
def access_log(
    office: OfficeDep,
    _: LogReader,
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AccessPage:
    """Every read of a person's records, oldest first, a page at a time."""
    rows = office.access.page(offset, limit)
    total = office.access.count()
    following = offset + len(rows)
    return AccessPage(
        items=[AccessPublic(**vars(r)) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
        next_offset=following if following < total else None,
    )
