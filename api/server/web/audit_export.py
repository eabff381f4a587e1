"""The archive export from the console: `letopis export` as a zip download.

``ledger.archive.export.export_archive`` (the code behind `letopis export`)
seals, then writes the log, every checkpoint, the key history, the policies
and a copy of the verifier as a BagIt bag, checking each entry against its
sealed leaf on the way. On a large store that takes minutes, so it runs in
the background (``audit_jobs``): the page shows the step («подготовка»,
writing the entries with a count, packing) and refreshes itself; when the
zip is ready it is streamed to the browser from a temporary folder (kept
until newer exports push it out). The bag is the archive's whole record of
the school, so its export is recorded in the access log.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from api.server.office import Office
from api.server.tokens import utcnow
from api.server.web.audit_jobs import Job, Work, audit_jobs
from api.server.web.audit_scope import Audited, AuditedDep, AuditedFormDep, page
from api.server.web.pages import PageError
from ledger.archive.export import export_archive

router = APIRouter(include_in_schema=False)
KIND = "export"
REFRESH = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class Exported:
    """A finished export: the zip, its download name, the checkpoint."""

    zip: Path
    filename: str
    size: int
    note: str


@router.get("/app/audit/export")
def export_page(request: Request, audited: AuditedDep) -> HTMLResponse:
    """What the export holds, the button, and the latest export's state."""
    return page(
        request,
        "audit_export.html",
        audited,
        "export",
        title="Аудит: выгрузка архива",
        job=audit_jobs(request).latest(audited.code, KIND),
        refresh=None,
    )


@router.post("/app/audit/export")
def start_export(request: Request, audited: AuditedFormDep) -> RedirectResponse:
    """Start an export (or show the one already running for the school)."""
    account = audited.user.account
    job = Job(_new_id(), KIND, audited.code, account.name)
    job = audit_jobs(request).start(job, _export(audited.office), str)
    audited.office.access.record(account, "archive export", "school", utcnow())
    return RedirectResponse(_job_link(audited, job), status_code=303)


@router.get("/app/audit/export/{job_id}")
def export_job(request: Request, audited: AuditedDep, job_id: str) -> HTMLResponse:
    """One export: its progress (the page refreshes itself), then the link."""
    job = _job(request, audited, job_id)
    return page(
        request,
        "audit_export.html",
        audited,
        "export",
        title="Аудит: выгрузка архива",
        job=job,
        refresh=REFRESH if job.running else None,
    )


@router.get("/app/audit/export/{job_id}/download")
def download(request: Request, audited: AuditedDep, job_id: str) -> FileResponse:
    """The finished zip, streamed."""
    job = _job(request, audited, job_id)
    done = job.result
    if not isinstance(done, Exported) or not done.zip.is_file():
        raise PageError(
            404,
            "Архив не готов",
            "Этой выгрузки нет или она ещё идёт: откройте страницу выгрузки.",
        )
    return FileResponse(done.zip, media_type="application/zip", filename=done.filename)


def _job(request: Request, audited: Audited, job_id: str) -> Job:
    job = audit_jobs(request).find(job_id, audited.code, KIND)
    if job is None:
        raise PageError(
            404,
            "Нет такой выгрузки",
            "Такой выгрузки нет: сервер хранит несколько последних, и не после "
            "перезапуска. Начните новую.",
        )
    return job


def _job_link(audited: Audited, job: Job) -> str:
    return audited.link(f"/app/audit/export/{job.id}")


def _new_id() -> str:
    return secrets.token_hex(8)


def _export(office: Office) -> Work:
    """The job: export into a temporary folder, then pack it into a zip."""

    def work(job: Job) -> Exported:
        job.folder = Path(tempfile.mkdtemp(prefix="letopis-export-"))
        bag = job.folder / "bag"
        job.stage = "запечатывание и выгрузка записей"
        done = export_archive(office.app, bag, progress=job.progress)
        job.stage = "упаковка в zip"
        name = f"letopis-{_UNSAFE.sub('-', office.origin)}-{done.checkpoint.size}"
        target = job.folder / f"{name}.zip"
        _pack(bag, target, name, job)
        shutil.rmtree(bag, ignore_errors=True)
        job.stage = "готово"
        return Exported(
            target, f"{name}.zip", done.checkpoint.size, done.checkpoint.note
        )

    return work


def _pack(bag: Path, target: Path, name: str, job: Job) -> None:
    """The bag's files into ``target`` under the folder ``name``."""
    files = sorted(p for p in bag.rglob("*") if p.is_file())
    job.progress(0, len(files))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as packed:
        for number, path in enumerate(files, 1):
            packed.write(path, f"{name}/{path.relative_to(bag).as_posix()}")
            job.progress(number, len(files))
