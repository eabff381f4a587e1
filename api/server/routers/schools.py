"""The schools of the deployment: the one listing that looks across schools."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.server.deps import CurrentAccount, OfficeDep, SchoolsDep
from api.server.problems import PROBLEM_RESPONSES

TAG_METADATA = {
    "name": "schools",
    "description": "Школы развёртывания: муниципальный аудитор видит все, "
    "остальные учётные записи — только свою школу.",
}
router = APIRouter(tags=["schools"], responses=PROBLEM_RESPONSES)


class SchoolPublic(BaseModel):
    """A school of the deployment: its code (for ``X-Letopis-School``) and the
    origin of its log."""

    code: str
    origin: str


@router.get("/schools")
def schools_listing(
    account: CurrentAccount, office: OfficeDep, schools: SchoolsDep
) -> list[SchoolPublic]:
    """The schools the signed-in account may read: every school of the
    deployment for an auditor of the municipality (read one by sending its
    code in ``X-Letopis-School``), else the account's own."""
    if schools.municipal(office, account):
        return [SchoolPublic(code=s.code, origin=s.origin) for s in schools.listing()]
    return [SchoolPublic(code=office.settings.school, origin=office.origin)]
