"""Reports rebuilt from the log (journal, diary, summary, protocols, the attestat
book, personal files, portfolios) as html, csv or json, as of a date or tree
size; every read is scoped (152-ФЗ) and recorded in the access log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from api.server.accounts import AUDITOR, GUARDIAN, OFFICE, PUPIL, Account
from api.server.deps import CurrentAccount, OfficeDep
from api.server.office import Office
from api.server.problems import PROBLEM_RESPONSES, ProblemError
from api.server.scope import (
    check_pupil_reader,
    pupil_ref,
    reads_everything,
    teaches,
)
from api.server.tokens import utcnow
from ledger.domain.classes import SchoolClass
from ledger.domain.ids import class_id
from ledger.records.context import RecordsContext
from projections.checked import EntryRefusedError
from projections.reports import (
    FORMATS,
    REPORT_NAMES,
    AsOf,
    ReportError,
    render,
    report_parameters,
)
from projections.reports.errors import NamesUnavailableError, ViewsDisagreeError

router = APIRouter(tags=["reports"], responses=PROBLEM_RESPONSES)
T = TypeVar("T")
#: one report built at a time (each catches the views up and holds a cut of
#: the log in memory); the web pages' exports take it too
RENDERING = threading.Lock()
Param = Annotated[str | None, Query(min_length=1, max_length=100)]


class ReportInfo(BaseModel):
    """A report, the parameters it takes and the formats it comes in."""

    name: str
    parameters: list[str]
    formats: list[str]


@router.get("/reports")
def list_reports(_: CurrentAccount) -> list[ReportInfo]:
    """Every report this server builds."""
    return [
        ReportInfo(name=n, parameters=list(report_parameters(n)), formats=list(FORMATS))
        for n in REPORT_NAMES
    ]


BODY: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report",
        "content": {
            "text/html": {},
            "text/csv": {},
            "application/json": {"schema": {"type": "object"}},
            "application/pdf": {},
        },
    }
}


@router.get("/reports/{name}", response_class=Response, responses=BODY)
def get_report(
    office: OfficeDep,
    account: CurrentAccount,
    name: Annotated[str, Path(description=", ".join(REPORT_NAMES))],
    format: Annotated[str, Query(pattern="^(html|csv|json|pdf)$")] = "json",
    klass: Annotated[
        str | None, Query(alias="class", min_length=1, max_length=20)
    ] = None,
    subject: Param = None,
    period: Param = None,
    year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{4}$")] = None,
    pupil: Param = None,
    level: Param = None,
    as_of: Annotated[
        date | None, Query(description="The records as they stood then.")
    ] = None,
    tree_size: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Report ``name`` with its parameters; scoped to what the account may read."""
    given = {
        "class": klass,
        "subject": subject,
        "period": period,
        "year": year,
        "pupil": pupil,
        "level": level,
    }
    rendered = read_report(
        office,
        account,
        name,
        given,
        lambda params: render(
            office.app,
            name,
            params,
            format,
            AsOf(as_of, tree_size),
            keys=office.data_keys,  # opened once for the server
        ),
    )
    return Response(
        rendered.body,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'inline; filename="{rendered.filename}"'},
    )


def read_report(
    office: Office,
    account: Account,
    name: str,
    given: Mapping[str, str | None],
    produce: Callable[[dict[str, str]], T],
) -> T:
    """``produce`` report ``name`` (rendered, or as data for a web page) with
    the parameters ``given``, if ``account`` may read it: the scope checks,
    the access log and the refusals of ``GET /reports/{name}``."""
    if name not in REPORT_NAMES:
        msg = f"no report named {name!r}; reports: {', '.join(REPORT_NAMES)}"
        raise ProblemError(
            404,
            "no-such-report",
            msg,
            field="path.name",
            allowed=", ".join(REPORT_NAMES),
        )
    params = {k: v for k, v in given.items() if v is not None}
    about = _about(name, params)
    try:
        with office.reading() as ctx:
            params = _canonical(ctx, name, params)
            about = _about(name, params)
            about = _check_access(ctx, account, name, params)
        with RENDERING:
            made = _produced(account, name, lambda: produce(params))
    except ProblemError as e:
        office.access.refused(
            account, f"report {name} {_describe(params)}", about, e.status, utcnow()
        )
        raise
    office.access.record(account, f"report {name} {_describe(params)}", about, utcnow())
    return made


def _produced(account: Account, name: str, produce: Callable[[], T]) -> T:
    """The report; a reader of part of the school gets a plain 404 when it
    cannot be built, since the reason may list records they may not read (the
    other pupils' personal files, say); the office and auditors get it all."""
    try:
        return produce()
    except (ViewsDisagreeError, EntryRefusedError, NamesUnavailableError) as e:
        # not the caller's parameters: the views or the names cannot be trusted
        raise ProblemError(503, "report-refused", str(e)) from e
    except ReportError as e:
        if reads_everything(account):
            raise ProblemError(422, "bad-report-parameters", str(e)) from e
        msg = (
            f"report {name} has nothing for these parameters that account "
            f"{account.name!r} may read; check them against GET /reports"
        )
        raise ProblemError(404, "not-found", msg) from e


def _describe(params: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _check_access(
    ctx: RecordsContext, account: Account, name: str, params: dict[str, str]
) -> str:
    """403 unless ``account`` may read this report; what the read is about."""
    needs = report_parameters(name)
    if "pupil" in needs:
        pupil = _pupil_id(ctx, params.get("pupil"))
        if pupil is None:
            if account.has(PUPIL, GUARDIAN) or not reads_everything(account):
                msg = f"report {name} needs the pupil: give pupil=<id or file number>"
                raise ProblemError(422, "missing-parameter", msg, field="query.pupil")
            return "school"
        check_pupil_reader(ctx, account, pupil)
        return f"pupil:{pupil}"
    if account.has(PUPIL, GUARDIAN):
        msg = (
            f"report {name} concerns other pupils; a pupil or guardian reads only "
            "the diary, personal file and portfolio of their own (152-ФЗ, §6.2)"
        )
        raise ProblemError(
            403, "not-your-pupil", msg, allowed="diary, personal-file, portfolio"
        )
    if "class" not in needs or reads_everything(account):
        if not reads_everything(account):
            msg = (
                f"report {name} concerns the whole school; only the deputy director, "
                "the director, the secretary and auditors read it"
            )
            allowed = ", ".join((*OFFICE, AUDITOR))
            raise ProblemError(403, "role-not-allowed", msg, allowed=allowed)
        return f"class:{params.get('class', '')} {params.get('year', '')}".strip()
    return _check_teacher(ctx, account, params)


def _check_teacher(
    ctx: RecordsContext, account: Account, params: dict[str, str]
) -> str:
    name, year = params.get("class"), params.get("year")
    if name is None or year is None:
        msg = "a teacher names the class and the year (class=9А&year=2025/2026)"
        raise ProblemError(
            422, "missing-parameter", msg, field="query.year" if name else "query.class"
        )
    normal = name.replace(" ", "").upper()
    klass = ctx.view(SchoolClass, class_id(ctx.school_id, year, normal))
    if klass is None or account.staff is None or not teaches(klass, account.staff):
        msg = (
            f"account {account.name!r} does not teach {normal} in {year}; a teacher "
            "reads only the classes they teach (152-ФЗ, §6.2)"
        )
        raise ProblemError(403, "not-your-class", msg, allowed="classes you teach")
    return f"class:{klass.id}"


def _canonical(
    ctx: RecordsContext, name: str, params: dict[str, str]
) -> dict[str, str]:
    """The parameters with the pupil as its canonical id, parsed once here: the
    scope check and the report's lookup then see the same pupil."""
    if "pupil" not in params or "pupil" not in report_parameters(name):
        return params
    return {**params, "pupil": str(pupil_ref(ctx.school_id, params["pupil"]))}


def _about(name: str, params: dict[str, str]) -> str:
    """Whom a read is about, before anything is checked (for a refusal)."""
    if "pupil" in report_parameters(name):
        return f"pupil:{params.get('pupil', '')}"[:120]
    return f"class:{params.get('class', '')} {params.get('year', '')}".strip()[:120]


def _pupil_id(ctx: RecordsContext, text: str | None) -> UUID | None:
    return None if text is None else pupil_ref(ctx.school_id, text)
