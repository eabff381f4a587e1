"""Verification runs from the console: start one, watch it, read its findings.

A run is what ``POST /verify`` does (``api.server.verification.verify_school``,
the checks of `letopis verify`), then, when the log is intact, the step
`letopis verify` adds on a live store: the report views compared with the
log (``projections.audit``). It runs in the background (``audit_jobs``); its
page refreshes itself until the verdict is in. Every run, its verdict and
its result are recorded (``api_verify_runs``), so past runs stay listed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.server.office import Office
from api.server.tokens import utcnow
from api.server.verification import DONE, FAILED, Run, verify_school
from api.server.web.audit_findings import shown_run
from api.server.web.audit_jobs import Job, Work, audit_jobs
from api.server.web.audit_scope import Audited, AuditedDep, AuditedFormDep, page
from api.server.web.pages import PageError
from ledger.errors import LedgerError
from ledger.policy_log import RETENTION, load_policy
from projections.audit import audit_views
from projections.reports.source import views_runner
from verify.errors import NoteError, VerificationError
from verify.note import parse_checkpoint
from verify.report import Report
from verify.retention import RetentionPolicy

router = APIRouter(include_in_schema=False)
KIND = "verify"
#: seconds between the refreshes of a running verification's page
REFRESH = 2
#: the longest checkpoint text taken (a note with a hundred cosignatures fits)
MAX_NOTE = 20_000


@router.get("/app/audit/verify")
def runs_page(request: Request, audited: AuditedDep) -> HTMLResponse:
    """Past runs with their verdicts, and the form that starts a new one."""
    return _runs(request, audited)


def _runs(
    request: Request,
    audited: Audited,
    *,
    trusted: str = "",
    full: bool = False,
    error: str = "",
    detail: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "audit_verify.html",
        audited,
        "verify",
        status_code=status_code,
        title="Проверки журнала",
        runs=audited.office.verify_runs.latest(),
        running=audit_jobs(request).latest(audited.code, KIND),
        trusted=trusted,
        full=full,
        error=error,
        detail=detail,
    )


@router.post("/app/audit/verify")
def start(
    request: Request,
    audited: AuditedFormDep,
    full: Annotated[str, Form()] = "",
    trusted: Annotated[str, Form()] = "",
) -> Response:
    """Start a run (or show the one already running for the school)."""
    text = normal_note(trusted)
    if text:
        try:
            _checked_note(text)
        except NoteError as e:
            return _runs(
                request,
                audited,
                trusted=trusted[:MAX_NOTE],
                full=bool(full),
                error=(
                    "Это не подписанная контрольная точка: вставьте её текст целиком "
                    "— происхождение, размер, корень, пустая строка и строки "
                    "подписей «— …». Проверка не запущена."
                ),
                detail=str(e),
                status_code=422,
            )
    office = audited.office
    run = office.verify_runs.new(
        audited.user.account.name, utcnow(), full=bool(full), trusted=bool(text)
    )
    job = Job(run.id, KIND, audited.code, run.started_by)
    job.stage = "проверка подписей, цепочек и дерева"
    started = audit_jobs(request).start(
        job,
        _verification(office, run, bool(full), text or None),
        str,
        begin=lambda: office.verify_runs.record(run),
    )
    return RedirectResponse(_run_link(audited, started.id), status_code=303)


def _checked_note(text: str) -> None:
    """NoteError unless ``text`` reads as a signed checkpoint (of a sane length)."""
    if len(text) > MAX_NOTE:
        msg = f"the text is longer than {MAX_NOTE} characters"
        raise NoteError(msg)
    parse_checkpoint(text)


def normal_note(text: str) -> str:
    """A pasted note as the signed text is: newlines ``\\n`` (a browser sends
    ``\\r\\n``), no space around it, one final newline; "" when empty."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text + "\n" if text else ""


def _run_link(audited: Audited, run_id: str) -> str:
    return audited.link(f"/app/audit/verify/{run_id}")


def _verification(office: Office, run: Run, full: bool, trusted: str | None) -> Work:
    """The job: the verifier, then the views check; both recorded."""

    def work(job: Job) -> str:
        try:
            report = verify_school(
                office.settings, full=full, trusted=trusted, progress=job.progress
            )
            job.stage = "сверка представлений отчётов с журналом"
            result = report.to_json()
            views = views_step(office, report)
            result["views"] = views
            result["ok"] = report.ok and bool(views["ok"])
        except BaseException as e:
            office.verify_runs.failed(run, utcnow(), str(e) or type(e).__name__)
            raise
        office.verify_runs.finished(run, utcnow(), result)
        return run.id

    return work


def views_step(office: Office, report: Report) -> dict[str, Any]:
    """The report views against the log, as `letopis verify` checks them on a
    live store (its ``views`` member): only when the log itself is intact."""
    if not report.ok:
        return _step("skipped", "the log has findings: the views were not checked")
    try:
        audit = audit_views(office.app, views_runner(office.app))
    except LedgerError as e:
        return _step("failed", str(e), ok=False)
    return {
        **_step("checked", "", ok=audit.ok),
        "position": audit.position,
        "rows": audit.rows,
        "findings": [f.to_json() for f in audit.findings],
    }


def _step(status: str, reason: str, *, ok: bool = True) -> dict[str, Any]:
    return {
        "status": status,
        "reason": reason or None,
        "ok": ok,
        "position": None,
        "rows": None,
        "findings": [],
    }


@router.get("/app/audit/verify/{run_id}")
def run_page(request: Request, audited: AuditedDep, run_id: str) -> HTMLResponse:
    """One run: its progress while it runs (the page refreshes itself), then
    its verdict and findings per retention class."""
    run = audited.office.verify_runs.get(run_id)
    if run is None:
        raise PageError(
            404, "Нет такой проверки", f"Проверки «{run_id}» в этой школе нет."
        )
    job = audit_jobs(request).find(run_id, audited.code, KIND)
    shown = None
    if run.state == DONE and run.result is not None:
        shown = shown_run(run.result, retention_policy(audited.office))
    running = run.state not in (DONE, FAILED) and job is not None and job.running
    return page(
        request,
        "audit_run.html",
        audited,
        "verify",
        title="Проверка журнала",
        run=run,
        job=job,
        running=running,
        lost=run.state not in (DONE, FAILED) and not running,
        refresh=REFRESH if running else None,
        shown=shown,
    )


def retention_policy(office: Office) -> RetentionPolicy | None:
    """The retention policy the log holds (its classes sort the findings)."""
    record = load_policy(office.app, RETENTION)
    if record is None:
        return None
    try:
        return RetentionPolicy.from_toml(record.toml)
    except VerificationError:
        return None
