"""Imports from spreadsheets over HTTP: ``POST /imports/{kind}`` with the file
uploaded as multipart (``file``), signed by the server with the account's key.

Who may import what follows the signing policy: staff and pupils by the
secretary or the director, classes and teaching by the deputy director or the
director, state exam results by the importer (оператор РЦОИ), an earlier
journal by the teacher whose lessons it holds. A refused file answers 422
problem+json with ``errors`` listing every bad row (``field`` is
``Лист!строка:столбец``) and nothing is written.
"""

from __future__ import annotations

import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile as Upload

from api.imports import Imported, ImportRefusedError, run_import
from api.imports.sheets import FORMATS
from api.server.accounts import Account
from api.server.deps import CurrentAccount, OfficeDep, require_role
from api.server.office import Office
from api.server.problems import (
    PROBLEM_RESPONSES,
    FieldProblem,
    ProblemError,
    documented,
    problem_response,
)

TAG = "imports"
TAG_METADATA = {
    "name": TAG,
    "description": (
        "Импорт из таблиц (XLSX, ODS, CSV): сотрудники, классы, ученики, нагрузка, "
        "прежний журнал, результаты ГИА из протокола РЦОИ; все строки проверяются, "
        "и ничего не записывается, пока есть ошибки. Imports from spreadsheets: "
        "staff, classes, pupils, teaching, an earlier journal, state exam results; "
        "every row is checked first and nothing is written unless all pass, then "
        "signed saves by the account's key (422 lists every bad row)."
    ),
}

router = APIRouter(prefix="/imports", tags=[TAG], responses=PROBLEM_RESPONSES)

MAX_BYTES = 64 * 2**20  # a year's journal of a large school fits well below


class ImportKind(StrEnum):
    """What a spreadsheet holds."""

    STAFF = "staff"
    CLASSES = "classes"
    PUPILS = "pupils"
    TEACHING = "teaching"
    MARKS = "marks"
    EXAMS = "exams"


#: The roles that may import each kind (their events are theirs to sign).
ROLES: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.STAFF: ("secretary", "director"),
    ImportKind.PUPILS: ("secretary", "director"),
    ImportKind.CLASSES: ("deputy_director", "director"),
    ImportKind.TEACHING: ("deputy_director", "director"),
    ImportKind.EXAMS: ("importer",),
    ImportKind.MARKS: ("teacher",),
}


class ImportedPublic(BaseModel):
    """What an import wrote."""

    kind: str
    rows: int
    written: int
    sha256: str


@router.post(
    "/{kind}",
    status_code=201,
    response_model=ImportedPublic,
    responses={413: documented(413), 415: documented(415)},
)
def import_file(
    kind: ImportKind,
    file: UploadFile,
    request: Request,
    office: OfficeDep,
    account: CurrentAccount,
    year: Annotated[
        str | None, Query(description="Учебный год строк / academic year: 2024/2025")
    ] = None,
) -> Any:
    """Импорт из таблицы (XLSX, ODS, CSV): все строки проверяются, и ничего не
    записывается, пока есть ошибки. / Import a spreadsheet: every row checked,
    nothing written unless all pass; then signed saves by your key."""
    try:
        done = import_upload(office, account, kind, file, year)
    except ImportRefusedError as e:
        return _refused(request, e)
    return ImportedPublic(
        kind=done.kind, rows=done.rows, written=done.written, sha256=done.sha256
    )


def import_upload(
    office: Office,
    account: Account,
    kind: ImportKind,
    file: Upload,
    year: str | None,
) -> Imported:
    """Import the uploaded ``file`` as ``kind``, signed with ``account``'s key
    (the HTTP route's and the web page's one path): ProblemError when the
    role, the file's type or its size is refused, ImportRefusedError listing
    every bad row; nothing is written then."""
    require_role(account, ROLES[kind], f"import {kind.value}")
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in FORMATS:
        msg = f"file {file.filename!r} is not a spreadsheet this import reads"
        raise ProblemError(
            415, "unsupported-file", msg, field="file", allowed=", ".join(FORMATS)
        )
    signing = office.custodial(account)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        _save(file, path)
        return office.run(
            lambda r: run_import(
                kind.value, path, r, signing, year=year, source_name=file.filename
            )
        )


def _save(upload: Upload, path: Path) -> None:
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    if path.stat().st_size > MAX_BYTES:
        msg = f"the file is larger than {MAX_BYTES // 2**20} MiB; split it by class"
        raise ProblemError(413, "too-large", msg, field="file")


def _refused(request: Request, error: ImportRefusedError) -> JSONResponse:
    first = error.problems[0]
    return problem_response(
        request,
        422,
        "import-refused",
        f"the file has {error.total} bad rows; nothing was written",
        field=f"{first.sheet}!{first.row}:{first.column}",
        allowed=first.allowed,
        errors=[
            FieldProblem(
                field=f"{p.sheet}!{p.row}:{p.column}",
                detail=p.message,
                allowed=p.allowed,
            )
            for p in error.problems
        ],
    )
