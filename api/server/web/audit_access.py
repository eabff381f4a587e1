"""The access log in the console: who read whose records, when (152-ФЗ).

The rows ``GET /access-log`` lists, filtered by the day of the read (from,
to, inclusive, UTC as the rows are kept), by who read (an account) and by
whose records (a personal file number, a pupil's or a class's id, a class
name), a page at a time. A page of the unfiltered log shows whether its rows
still chain up (each row's hash covers the one before it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.server.access_log import AccessPage, AccessQuery, chain_intact, search
from api.server.scope import pupil_ref
from api.server.web.audit_scope import Audited, AuditedDep, page

router = APIRouter(include_in_schema=False)
PAGE = 50
MAX_TEXT = 100


@dataclass
class Filters:
    """The form's values as typed, and what is wrong with them."""

    since: str = ""
    until: str = ""
    account: str = ""
    whose: str = ""
    page: str = "1"

    def __post_init__(self) -> None:
        self.errors: dict[str, str] = {}

    def query(self, school: UUID) -> tuple[AccessQuery, int]:
        """The query and the page number; fills ``errors`` on bad input."""
        since = self._day("since")
        until = self._day("until")
        if since and until and until < since:
            self.errors["until"] = "«По» не может быть раньше «с»."
        number = self._page()
        for name in ("account", "whose"):
            if len(getattr(self, name)) > MAX_TEXT:
                self.errors[name] = f"Не длиннее {MAX_TEXT} знаков."
        whose = self.whose.strip()
        subjects: tuple[str, ...] = ()
        if whose:
            pupil = pupil_ref(school, whose)
            subjects = (whose, str(pupil))
        query = AccessQuery(
            since=f"{since.isoformat()}T00:00:00" if since else None,
            before=f"{(until + timedelta(days=1)).isoformat()}T00:00:00"
            if until
            else None,
            account=self.account.strip() or None,
            subjects=subjects,
        )
        return query, number

    def _day(self, name: str) -> date | None:
        text = getattr(self, name).strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors[name] = "Дата в виде ГГГГ-ММ-ДД, например 2024-10-01."
            return None

    def _page(self) -> int:
        text = self.page.strip() or "1"
        if not text.isdigit() or not 1 <= int(text) <= 10**9:
            self.errors["page"] = "Номер страницы — целое число от 1."
            return 1
        return int(text)

    @property
    def filtered(self) -> bool:
        return any((self.since, self.until, self.account, self.whose))


@router.get("/app/audit/access")
def access_page(
    request: Request,
    audited: AuditedDep,
    since: str = "",
    until: str = "",
    account: str = "",
    whose: str = "",
    page_number: str = "1",
) -> HTMLResponse:
    """A page of the access log, filtered by date and person."""
    filters = Filters(since, until, account, whose, page_number)
    office = audited.office
    query, number = filters.query(office.school)
    if filters.errors:
        return _page(request, audited, filters, None, 0, status_code=422)
    found = search(office.access, query, (number - 1) * PAGE, PAGE)
    return _page(request, audited, filters, found, number)


def _page(
    request: Request,
    audited: Audited,
    filters: Filters,
    found: AccessPage | None,
    number: int,
    status_code: int = 200,
) -> HTMLResponse:
    rows = found.rows if found else []
    total = found.total if found else 0
    pages = max(1, -(-total // PAGE))
    params = {
        "since": filters.since,
        "until": filters.until,
        "account": filters.account,
        "whose": filters.whose,
    }
    return page(
        request,
        "audit_access.html",
        audited,
        "access",
        status_code=status_code,
        title="Аудит: журнал доступа",
        filters=filters,
        rows=rows,
        total=total,
        number=number,
        pages=pages,
        previous=audited.link(request.url.path, **params, page_number=number - 1)
        if number > 1
        else None,
        following=audited.link(request.url.path, **params, page_number=number + 1)
        if number < pages
        else None,
        intact=chain_intact(rows, rows[0].prev_hash)
        if rows and not filters.filtered
        else None,
    )
