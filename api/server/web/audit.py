"""The auditor's console (``/app/audit``): the log's state, and the pages of
the other audit modules.

The start page shows what ``/checkpoint``, ``/health/seal`` and
``/health/witnesses`` show, from the same functions: the latest signed
checkpoint (its size, root, time and the note itself), how sealing goes
(``Office.seal_health``), and what each witness cosigned last. The other
pages: verification runs (``audit_verify``), the access log
(``audit_access``), proofs (``audit_proofs``), a checkpoint or a report file
checked against the log (``audit_checkpoint``, ``audit_report``) and the
archive export (``audit_export``). The municipality's auditor chooses the
school on ``/app/audit/schools`` (``audit_scope``).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.server.deps import SchoolsDep
from api.server.routers.health import witness_health
from api.server.web import (
    audit_access,
    audit_checkpoint,
    audit_export,
    audit_proofs,
    audit_report,
    audit_verify,
)
from api.server.web.audit_scope import AuditedDep, AuditorDep, page
from api.server.web.audit_words import seal_words
from api.server.web.pages import PageError, render

router = APIRouter(include_in_schema=False)
for _module in (
    audit_verify,
    audit_access,
    audit_proofs,
    audit_checkpoint,
    audit_report,
    audit_export,
):
    router.include_router(_module.router)


@router.get("/app/audit")
def home(request: Request, audited: AuditedDep) -> HTMLResponse:
    """The log's state: checkpoint, sealing, witnesses, the last verification."""
    office = audited.office
    latest = office.sealer.store.latest_checkpoint()
    runs = office.verify_runs.latest(1)
    seal = office.seal_health()
    return page(
        request,
        "audit_home.html",
        audited,
        "home",
        title="Аудит: состояние журнала",
        checkpoint=latest,
        root_b64=base64.b64encode(latest.root).decode() if latest else "",
        leaves=office.sealer.store.size(),
        seal=seal,
        seal_words=seal_words(seal),
        last_sealed=_moment(seal.report.sealed_at),
        witnesses=witness_health(office),
        last_run=runs[0] if runs else None,
    )


@router.get("/app/audit/schools")
def schools_page(
    request: Request, schools: SchoolsDep, user: AuditorDep
) -> HTMLResponse:
    """The deployment's schools, for the municipality's auditor to choose."""
    if not schools.municipal(user.office, user.account):
        raise PageError(
            403,
            "Нет доступа",
            "Список школ открыт только аудитору муниципалитета; аудитор школы "
            "проверяет свою школу.",
        )
    return render(
        request,
        "audit_schools.html",
        user,
        title="Аудит: школы",
        listing=schools.listing(),
        home=user.office.settings.school,
    )


def _moment(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(at, UTC)
