"""The records office's files: imports from spreadsheets, and the ФИС ФРДО
upload file.

An import goes the HTTP API's one way (:func:`api.server.routers.imports.
import_upload`: the role the signing policy names, the account's key, every
row checked before anything is written); a refused file is shown row by row,
in Russian, as the import's checks word it. A form sent twice (the same
``submission``) is imported once: the second answer is the first one's.
The ФИС ФРДО file is rebuilt from the log as ``letopis export frdo`` builds
it (:mod:`projections.frdo`), as of the latest signed checkpoint.
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.imports import ImportRefusedError, importer_for, write_template
from api.server.problems import ProblemError
from api.server.routers.imports import ROLES, ImportKind, import_upload
from api.server.routers.reports import RENDERING
from api.server.tokens import utcnow
from api.server.web.forms_choices import SchoolChoices
from api.server.web.forms_submit import Posted, flash, notices, russian
from api.server.web.office import HOME, TITLE
from api.server.web.office import ROLES as CLERKS
from api.server.web.pages import CsrfDep, PageError, WebUser, render, roles
from ledger.errors import LedgerError
from projections.frdo import (
    DOCUMENT_NAMES,
    build_frdo,
    check_level,
    check_year,
    write_xlsx,
)
from projections.reports.errors import ReportError

router = APIRouter(include_in_schema=False)
Clerk = Annotated[WebUser, roles(*CLERKS)]
Books = Annotated[WebUser, roles("secretary", "director")]
DONE = "imports-done"  # submission keys of imports done, in the session
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kinds(user: WebUser) -> list[tuple[str, str]]:
    """The imports the person's roles may make, with their Russian names."""
    return [
        (k.value, importer_for(k.value).title)
        for k in ImportKind
        if user.has(*ROLES[k])
    ]


def _page(
    request: Request, user: WebUser, status_code: int = 200, **context: Any
) -> HTMLResponse:
    choices = SchoolChoices(user.office, user.account)
    values = {"kind": "", "year": choices.year or "", **context.pop("values", {})}
    return render(
        request,
        "office_imports.html",
        user,
        status_code=status_code,
        title="Импорт из таблиц",
        kinds=_kinds(user),
        years=choices.years(),
        values=values,
        submission=context.pop("submission", secrets.token_urlsafe(24)),
        back=HOME,
        back_title=TITLE,
        notices=notices(user),
        **context,
    )


@router.get("/app/office/imports")
def imports_page(request: Request, user: Clerk) -> HTMLResponse:
    if not _kinds(user):
        raise PageError(403, "Нет доступа", "Вашей роли импорт не разрешён.")
    return _page(request, user)


@router.post("/app/office/imports")
def import_sent(request: Request, user: CsrfDep, _: Clerk, posted: Posted) -> Response:
    """Import the uploaded file; every bad row listed when it is refused."""
    values = {k: str(posted.get(k) or "") for k in ("kind", "year")}
    key = str(posted.get("submission") or "")[:200]
    done: dict[str, str] = user.session.held.setdefault(DONE, {})
    if key in done:
        flash(user, done[key] + " Форма была отправлена повторно: загружено один раз.")
        return RedirectResponse("/app/office/imports", status_code=303)
    errors: dict[str, str] = {}
    kind = next((k for k in ImportKind if k.value == values["kind"]), None)
    upload = posted.get("file")
    if kind is None:
        errors["kind"] = "Выберите, что загружается."
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["file"] = "Выберите файл XLSX, ODS или CSV."
    if errors or kind is None or not isinstance(upload, UploadFile):
        return _page(request, user, 422, values=values, errors=errors, submission=key)
    try:
        made = import_upload(
            user.office, user.account, kind, upload, values["year"] or None
        )
    except ImportRefusedError as e:
        return _page(request, user, 422, values=values, refused=e, submission=key)
    except (ProblemError, LedgerError) as e:
        where = getattr(e, "field", None) if isinstance(e, ProblemError) else None
        text = _refusal_text(e)
        errors["file" if where == "file" else "form"] = text
        return _page(request, user, 422, values=values, errors=errors, submission=key)
    notice = (
        f"Файл «{upload.filename}» загружен: строк {made.rows}, записано "
        f"{made.written}. SHA-256 файла: {made.sha256}."
    )
    done[key] = notice
    flash(user, notice)
    return RedirectResponse("/app/office/imports", status_code=303)


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ProblemError):
        return russian(error.kind, error.detail, error.allowed)
    return russian("rule-broken", str(error), None)


@router.get("/app/office/imports/template/{kind}")
def import_template(kind: ImportKind, user: Clerk) -> Response:
    """The kind's spreadsheet template with Russian headers and hints."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_template(kind.value, Path(folder) / f"{kind.value}.xlsx")
        body = path.read_bytes()
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{kind.value}.xlsx"'},
    )


@router.get("/app/office/frdo")
def frdo_export(
    request: Request,
    user: Books,
    year: Annotated[str | None, Query(max_length=10)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The ФИС ФРДО upload file of a year's attestats (the form, then the
    file)."""
    if year is None and level is None:
        values = {"year": str(user.office.now().year), "level": "basic"}
        return _frdo_page(request, user, values, {})
    values = {"year": year or "", "level": level or ""}
    errors: dict[str, str] = {}
    try:
        issued_in = check_year(values["year"])
    except ReportError:
        errors["year"] = "Укажите календарный год выдачи, например 2025."
    try:
        wanted = check_level(values["level"])
    except ReportError:
        errors["level"] = "Выберите уровень: основное или среднее общее."
    if errors:
        return _frdo_page(request, user, values, errors, 422)
    try:
        with RENDERING:
            made = build_frdo(user.office.app, issued_in, wanted)
    except ReportError as e:
        errors["year"] = f"Выгрузка не собрана: {e}"
        return _frdo_page(request, user, values, errors, 422)
    user.office.access.record(
        user.account, f"frdo export {issued_in} {wanted}", "school", utcnow()
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "frdo.xlsx"
        write_xlsx(made, out)
        body = out.read_bytes()
    name = f"frdo-{issued_in}-{wanted}.xlsx"
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _frdo_page(
    request: Request,
    user: WebUser,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "office_frdo.html",
        user,
        status_code=status_code,
        title="Выгрузка в ФИС ФРДО",
        values=values,
        errors=errors,
        levels=list(DOCUMENT_NAMES.items()),
        back=HOME,
        back_title=TITLE,
    )
