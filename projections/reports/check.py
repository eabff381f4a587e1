"""`letopis report check`: does a report file say what the log says?

:func:`~.claim.read_claim` reads what a file claims (its report, parameters,
checkpoint, digest) and what it shows. :func:`check` re-derives the report
from the log at the named checkpoint and lists every difference, naming the
cell («таблица …, строка Иванов И., столбец 12.09: в файле 5, по журналу
3»); for a PDF also the words its sheets print that the re-derived report,
laid out again, does not. A checkpoint this log does not have is
:class:`~.claim.UncheckableError`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ledger.application import LedgerApplication
from ledger.keys.personal import DataKeyStore
from projections.reports import Reports
from projections.reports.claim import (
    Claim,
    UncheckableError,
    csv_document,
    read_claim,
    sheet_texts,
)
from projections.reports.errors import ReportError
from projections.reports.evidence import DIGEST, digest_of
from projections.reports.pdf import CERTIFICATION, to_pdf
from projections.reports.render import document
from projections.reports.source import AsOf, cut_at_date, open_source

__all__ = ["Claim", "Outcome", "UncheckableError", "check", "read_claim"]


@dataclass
class Outcome:
    """The verdict: the differences found (none: the file matches)."""

    claim: Claim
    expected_digest: str
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


# -- re-deriving ---------------------------------------------------------------


def check(
    app: LedgerApplication, claim: Claim, *, keys: DataKeyStore | None = None
) -> Outcome:
    """Re-derive ``claim``'s report from ``app``'s log at the checkpoint it
    names and compare (see the module); ``keys``: the data keys already opened
    (a server's), else those of ``app``'s environment."""
    evidence = claim.evidence
    origin = app.context.origin
    if evidence.origin != origin:
        msg = (
            f"the file names log {evidence.origin!r}; this store holds log "
            f"{origin!r}: check it against its own log"
        )
        raise UncheckableError(msg)
    try:
        source = open_source(app, AsOf(tree_size=evidence.tree_size))
    except ReportError as e:
        msg = (
            f"the file's checkpoint (size {evidence.tree_size}) is not in this log: {e}"
        )
        raise UncheckableError(msg) from e
    if source.provenance.root != evidence.root:
        msg = (
            f"the file's checkpoint is not in this log: at size {evidence.tree_size} "
            f"the file names root {evidence.root}, the log has "
            f"{source.provenance.root}"
        )
        raise UncheckableError(msg)
    if claim.as_of_date is not None:
        source = cut_at_date(source, claim.as_of_date)
    report = Reports(app, source=source, keys=keys).build(
        claim.report, claim.parameters
    )
    expected = document(report)
    outcome = Outcome(claim, expected[DIGEST])
    outcome.differences.extend(compare(claim, expected, report.title))
    if claim.sheets is not None:
        printed = sheet_texts(to_pdf(report, bound=_bound(claim.sheets)))
        outcome.differences.extend(
            sheet_differences(claim.sheets, printed, report.title)
        )
    return outcome


def _bound(sheets: Sequence[str]) -> bool:
    return bool(sheets) and CERTIFICATION in sheets[-1]


def sheet_differences(
    shown: Sequence[str], expected: Sequence[str], context: str
) -> Iterator[str]:
    """The words printed on the file's sheets that the re-derived report, laid
    out again, does not print, and the other way round. Words, not lines: a
    later WeasyPrint may break lines and sheets elsewhere, and the sheet
    numbers are left out; a changed cell still shows as a word too many and a
    word missing, with the sheets where the file prints it."""
    have, want = _words(shown), _words(expected)
    for word, count in sorted((have - want).items()):
        sheets = sorted({n for n, text in enumerate(shown, 1) if word in text.split()})
        where = ", ".join(map(str, sheets))
        yield (
            f"{context}: напечатано в файле, но не по журналу: «{word}» "
            f"({count} раз; лист {where})"
        )
    for word, count in sorted((want - have).items()):
        yield f"{context}: по журналу, но не напечатано в файле: «{word}» ({count} раз)"


_SHEET_NUMBER = re.compile(r"Лист \d+ из \d+")


def _words(sheets: Sequence[str]) -> Counter[str]:
    return Counter(w for text in sheets for w in _SHEET_NUMBER.sub(" ", text).split())


# -- comparing ------------------------------------------------------------------


def compare(claim: Claim, expected: Mapping[str, Any], context: str) -> list[str]:
    """Every difference between what ``claim`` shows and the ``expected``
    JSON form of the re-derived report, each a sentence naming the cell."""
    found: list[str] = []
    for shown in claim.shown:
        where = f" ({shown.where})" if shown.where else ""
        tables = shown.tables
        if shown.csv_rows is not None:
            read = csv_document(shown.csv_rows, expected)
            tables = read["tables"]
            found.extend(_field_differences(read, expected, context, where, CSV_FIELDS))
        found.extend(_table_differences(tables, expected["tables"], context, where))
        if shown.document is not None:
            found.extend(_field_differences(shown.document, expected, context, where))
            found.extend(
                _provenance_differences(shown.document, expected, context, where)
            )
    digest = expected[DIGEST]
    if claim.evidence.digest != digest:
        found.append(
            f"{context}: контрольная сумма в файле {claim.evidence.digest}, "
            f"по журналу {digest}"
        )
    return found


def _table_differences(
    shown: Sequence[Mapping[str, Any]],
    expected: Sequence[Mapping[str, Any]],
    context: str,
    where: str,
) -> Iterator[str]:
    if len(shown) != len(expected):
        yield (
            f"{context}{where}: в файле таблиц {len(shown)}, по журналу {len(expected)}"
        )
    for mine, theirs in zip(shown, expected, strict=False):
        title = theirs["title"]
        label = f"{context}{where}, таблица «{title}»"
        if mine["title"] != title:
            yield f"{label}: заголовок в файле «{mine['title']}»"
        columns = list(theirs["columns"])
        if list(mine["columns"]) != columns:
            yield (
                f"{label}: столбцы в файле {list(mine['columns'])}, "
                f"по журналу {columns}"
            )
        yield from _row_differences(label, columns, mine["rows"], theirs["rows"])


def _row_differences(
    label: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    want: Sequence[Sequence[str]],
) -> Iterator[str]:
    """Each cell of ``rows`` that is not as in ``want``, named by row and column."""
    if len(rows) != len(want):
        yield f"{label}: в файле строк {len(rows)}, по журналу {len(want)}"
    for number, (row, good) in enumerate(zip(rows, want, strict=False), 1):
        for index in range(max(len(row), len(good))):
            have = row[index] if index < len(row) else "(нет)"
            should = good[index] if index < len(good) else "(нет)"
            if have != should:
                column = columns[index] if index < len(columns) else f"№ {index + 1}"
                yield (
                    f"{label}, строка {_row_name(columns, good, number)}, "
                    f"столбец {column}: в файле {have}, по журналу {should}"
                )


def _row_name(columns: Sequence[str], row: Sequence[str], number: int) -> str:
    """A row as a person finds it: the pupil (or first named cell) and its number."""
    for index, column in enumerate(columns):
        if column != "№" and index < len(row) and row[index]:
            return f"{number} ({row[index]})"
    return str(number)


#: what a JSON form is compared on beside its tables, and what a CSV shows
JSON_FIELDS = ("report", "title", "parameters", "header", "notes")
CSV_FIELDS = ("title", "header", "notes")
PROVENANCE_FIELDS = (
    "origin",
    "tree_size",
    "root",
    "checkpoint",
    "as_of_date",
    "time_zone",
)


def _field_differences(
    shown: Mapping[str, Any],
    expected: Mapping[str, Any],
    context: str,
    where: str,
    keys: Sequence[str] = JSON_FIELDS,
) -> Iterator[str]:
    for key in keys:
        if shown.get(key) != expected.get(key):
            yield (
                f"{context}{where}: поле «{key}» в файле {shown.get(key)!r}, "
                f"по журналу {expected.get(key)!r}"
            )


def _provenance_differences(
    shown: Mapping[str, Any], expected: Mapping[str, Any], context: str, where: str
) -> Iterator[str]:
    mine, theirs = shown.get("provenance") or {}, expected["provenance"]
    for key in PROVENANCE_FIELDS:
        if mine.get(key) != theirs.get(key):
            yield (
                f"{context}{where}: источник, поле «{key}» в файле "
                f"{mine.get(key)!r}, по журналу {theirs.get(key)!r}"
            )
    if shown.get(DIGEST) and shown[DIGEST] != digest_of(shown):
        yield (
            f"{context}{where}: контрольная сумма в файле не сходится с его "
            "содержимым (файл изменён после печати)"
        )
