"""Reports as pages: the summary statement, a personal file, the attestat
book, the blank stock, the change log, read in the browser and printed on A4.

A report is built as the API builds it (:func:`api.server.routers.reports.
read_report`: the same scope checks, access log and refusals), as of the
latest signed checkpoint (the views not re-audited on each view, as the
diary's pages), and shown as data in the application's own layout
(the report's own HTML carries inline styles and scripts the pages' security
policy refuses). Wide tables print on continuation sheets that repeat the
pupils' column, as the paper forms do (:meth:`projections.reports.model.
Table.sheets`); ``office.css`` holds the A4 print rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.server.routers.reports import read_report
from api.server.web.forms_submit import notices
from api.server.web.pages import WebUser, render
from projections.reports import Reports
from projections.reports.model import Report
from projections.reports.source import open_source


def report_of(
    user: WebUser,
    name: str,
    params: Mapping[str, str | None],
    only: Collection[str] | None = None,
) -> Report:
    """Report ``name`` as data, if the signed-in person may read it; ``only``:
    the pupils it is about (only their names are opened), if known."""
    office = user.office

    def build(checked: dict[str, str]) -> Report:
        # not re-audited against the log on each view (as the diary's pages):
        # that re-reads every view row of the school, seconds on a school of
        # a few hundred pupils; `letopis report` and the archive's bound files
        # keep the audit, and `letopis verify` checks the views against the log
        source = open_source(office.app, None, audited=False)
        keys = office.reads.data_keys  # opened once for the server
        reports = Reports(office.app, source=source, keys=keys, only=only)
        return reports.build(name, checked)

    return read_report(office, user.account, name, params, build)


def report_page(
    request: Request,
    user: WebUser,
    name: str,
    params: Mapping[str, str | None],
    *,
    back: str,
    back_title: str,
    actions: Sequence[tuple[str, str]] = (),
    only: Collection[str] | None = None,
) -> HTMLResponse:
    """The report's page, printable; ``actions``: links (address, text) to
    the forms that add to it."""
    report = report_of(user, name, params, only)
    return render(
        request,
        "office_report.html",
        user,
        report=report,
        provenance=report.provenance,
        title=report.title,
        back=back,
        back_title=back_title,
        actions=actions,
        notices=notices(user),
    )
