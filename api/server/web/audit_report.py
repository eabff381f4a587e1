"""A report file checked against the log: `letopis report check` in the console.

The auditor uploads a report as the school printed or sent it (HTML, PDF,
JSON or CSV). It is read (``projections.reports.claim``: which report, with
which parameters, from which checkpoint, and what it shows), re-derived from
this school's log at the checkpoint it names and compared cell by cell
(``projections.reports.check``, the same code as the command): the page says
whether it matches and names every cell that differs. For a PDF it also says
what can be told of its PDF/A-3b conformance. The re-derived report reads
pupils' records, so the check is recorded in the access log; nothing else is
written, and the file is not kept.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pypdf.errors import PyPdfError

from api.server.tokens import utcnow
from api.server.web.audit_scope import Audited, AuditedDep, AuditedFormDep, page
from projections.reports import ReportError
from projections.reports.check import Claim, Outcome, read_claim
from projections.reports.check import check as check_report
from projections.reports.errors import NamesUnavailableError, ViewsDisagreeError
from projections.reports.pdfa import pdfa_problems

router = APIRouter(include_in_schema=False)
#: the largest file taken (a year's bound summary statements as PDF fit)
MAX_BYTES = 50 * 1024 * 1024
FORMATS = {"html": "HTML", "pdf": "PDF", "json": "JSON", "csv": "CSV"}


@router.get("/app/audit/report")
def report_form(request: Request, audited: AuditedDep) -> HTMLResponse:
    return _page(request, audited)


@router.post("/app/audit/report")
async def report_check(
    request: Request,
    audited: AuditedFormDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Check the uploaded file; a file that is no report is said so."""
    data = b"" if file is None else await file.read(MAX_BYTES + 1)
    name = (file.filename if file else "") or "файл"
    if len(data) > MAX_BYTES:
        return _refused(
            request, audited, f"Файл больше {MAX_BYTES // 2**20} МБ: это не отчёт."
        )
    if not data.strip():
        return _refused(
            request, audited, "Выберите файл отчёта (HTML, PDF, JSON или CSV)."
        )
    try:
        claim = read_claim(data, name)
    except (ReportError, PyPdfError, ValueError) as e:
        return _refused(
            request,
            audited,
            f"«{name}» — не отчёт Летописи: в нём нет отчёта с контрольной точкой "
            "(подходят HTML, PDF, JSON и CSV, сделанные Летописью).",
            str(e),
        )
    return await _checked(request, audited, name, data, claim)


async def _checked(
    request: Request, audited: Audited, name: str, data: bytes, claim: Claim
) -> HTMLResponse:
    office = audited.office
    outcome: Outcome | None = None
    problem = detail = ""
    try:
        outcome = await run_in_threadpool(
            partial(check_report, keys=office.data_keys), office.app, claim
        )
    except (ViewsDisagreeError, NamesUnavailableError) as e:
        problem = (
            "Сверить нельзя сейчас: представления отчётов расходятся с журналом "
            "или имена обучающихся недоступны серверу. Проверьте журнал на "
            "странице «Проверки»."
        )
        detail = str(e)
    except ReportError as e:
        problem = (
            "Сверить нельзя: контрольная точка, которую называет файл, не из этого "
            "журнала (другой журнал, размер больше журнала или другой корень). "
            "Такой отчёт журнал не подтверждает."
        )
        detail = str(e)
    office.access.record(
        audited.user.account,
        f"report check {claim.report} {_describe(claim.parameters)}".strip(),
        _about(claim),
        utcnow(),
    )
    pdfa = None
    if claim.format == "pdf":
        try:
            pdfa = pdfa_problems(data)
        except (PyPdfError, ValueError, KeyError) as e:
            pdfa = [f"the PDF's structure cannot be read: {e}"]
    return _page(
        request,
        audited,
        name=name,
        claim=claim,
        outcome=outcome,
        problem=problem,
        detail=detail,
        pdfa=pdfa,
    )


def _describe(params: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _about(claim: Claim) -> str:
    """Whom the re-derived report is about (as ``GET /reports`` logs it)."""
    params = claim.parameters
    if "pupil" in params:
        return f"pupil:{params['pupil']}"[:120]
    where = f"{params.get('class', '')} {params.get('year', '')}".strip()
    return f"class:{where}"[:120] if where else "school"


def _refused(
    request: Request, audited: Audited, error: str, detail: str = ""
) -> HTMLResponse:
    return _page(request, audited, status_code=422, error=error, detail=detail)


def _page(
    request: Request, audited: Audited, status_code: int = 200, **context: object
) -> HTMLResponse:
    return page(
        request,
        "audit_report.html",
        audited,
        "report",
        status_code=status_code,
        title="Аудит: проверка отчёта",
        formats=FORMATS,
        **context,
    )
