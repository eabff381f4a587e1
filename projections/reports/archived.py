"""A school year's bound summary statements, for the year's archive (§7.3.3,
§7.3.6; ``ledger.archive.year``).

Each class of the year gets its summary statement as the bound PDF/A file the
archive keeps (``to_pdf(bound=True)``: sheets numbered, a certification sheet
for the director's signature and the seal, the report's JSON, checkpoint and
leaves inside), built as of the checkpoint that covers the year, exactly as
``letopis report summary --class … --year … --format pdf --bound
--as-of-size N`` makes it.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.application import LedgerApplication
from ledger.archive.year import Statement, Statements
from ledger.log import StoredCheckpoint
from projections.collation import ascii_name
from projections.reports import AsOf, Reports, rendered


def year_statements(app: LedgerApplication, year: str) -> Statements:
    """The bound summary statements of ``year``'s classes as of a checkpoint,
    each rendered only when the archive writes it."""

    def made(checkpoint: StoredCheckpoint) -> list[Statement]:
        reports = Reports(app, AsOf(tree_size=checkpoint.size))
        found = reports.school.years.get(year)
        if found is None:
            return []

        def render(params: dict[str, str]) -> Callable[[], bytes]:
            def body() -> bytes:
                report = reports.build("summary", params, leaves=True)
                return rendered(report, "pdf", bound=True).body

            return body

        return [
            (
                f"summary-{ascii_name(year)}-{ascii_name(k.name)}.pdf",
                render({"class": k.name, "year": year}),
            )
            for k in reports.school.classes_of(found)
        ]

    return made
