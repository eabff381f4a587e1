"""`letopis report check`: does a report file say what the log says?

A report file (JSON, CSV, HTML or PDF) names its report, its parameters, its
checkpoint (origin, tree size, root) and its digest (:mod:`.evidence`).
:func:`read_claim` reads those and what the file shows, each format in its
own way:

- JSON: the document itself;
- PDF: its ``report.json`` attachment (read with ``pypdf``);
- HTML: the tables as a person sees them (``<h2>`` titles, ``<th>``, ``<td>``)
  *and* the JSON form in its ``<script type="application/json">``, both;
- CSV: the blocks :func:`~.render.to_csv` writes, read back in the shape of
  the report re-derived from the log (title, header fields, one block per
  table), and the evidence rows at its end.

:func:`check` re-derives the report from the log at the named checkpoint and
lists every difference, naming the cell («таблица …, строка Иванов И.,
столбец 12.09: в файле 5, по журналу 3»). A file that cannot be read, or a
checkpoint this log does not have, is :class:`UncheckableError`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from html.parser import HTMLParser
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ledger.application import LedgerApplication
from projections.reports import Reports
from projections.reports.errors import ReportError
from projections.reports.evidence import DIGEST, Evidence, digest_of
from projections.reports.pdf import CERTIFICATION, REPORT_JSON, to_pdf
from projections.reports.render import (
    CSV_DIGEST,
    CSV_PARAMETERS,
    CSV_REPORT,
    EMBEDDED_JSON_ID,
    document,
)
from projections.reports.source import AsOf, cut_at_date, open_source


class UncheckableError(ReportError):
    """The file cannot be checked: unreadable, or its checkpoint is not in
    this log (the message says which)."""


@dataclass(frozen=True)
class Shown:
    """What a file shows: tables (title, columns, rows), and where."""

    where: str  # "" for the file itself, or «во встроенном JSON»
    tables: list[dict[str, Any]]
    document: Mapping[str, Any] | None = None  # the full JSON form, when read
    csv_rows: list[list[str]] | None = None  # a CSV, read in the report's shape


@dataclass(frozen=True)
class Claim:
    """What a report file claims: which report, from which checkpoint."""

    format: str
    report: str
    parameters: dict[str, str]
    as_of_date: date | None
    evidence: Evidence
    shown: tuple[Shown, ...]
    #: a PDF's text, sheet by sheet, as printed (compared with the re-derived
    #: report laid out again: what a person reads, not only the attachment)
    sheets: tuple[str, ...] | None = None


@dataclass
class Outcome:
    """The verdict: the differences found (none: the file matches)."""

    claim: Claim
    expected_digest: str
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


# -- reading a file ------------------------------------------------------------


def read_claim(data: bytes, name: str = "file") -> Claim:
    """The claim of a report file's bytes, its format told by its content."""
    head = data.lstrip()[:64].lower()
    if data.startswith(b"%PDF"):
        claim = _json_claim("pdf", _pdf_json(data, name), name)
        return replace(claim, sheets=sheet_texts(data))
    if head.startswith((b"<!doctype html", b"<html")):
        return _html_claim(data, name)
    if head.startswith(b"{"):
        return _json_claim("json", _parse_json(data, name), name)
    return _csv_claim(data, name)


def _parse_json(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"{name} is not a report: its JSON does not parse ({e})"
        raise UncheckableError(msg) from e
    if not isinstance(value, dict):
        msg = f"{name} is not a report: its JSON is not an object"
        raise UncheckableError(msg)
    return value


def sheet_texts(data: bytes) -> tuple[str, ...]:
    """The text of each sheet of a PDF, as ``pypdf`` extracts it."""
    return tuple(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf_json(data: bytes, name: str) -> dict[str, Any]:
    try:
        attached = PdfReader(io.BytesIO(data)).attachments
        found = attached.get(REPORT_JSON)
    except (PdfReadError, ValueError, KeyError) as e:
        msg = f"{name} is not a readable PDF ({e})"
        raise UncheckableError(msg) from e
    if not found:
        msg = f"{name} has no {REPORT_JSON} attachment: it is not a Letopis report"
        raise UncheckableError(msg)
    return _parse_json(found[0], f"{name} ({REPORT_JSON})")


def _json_claim(fmt: str, document: dict[str, Any], name: str) -> Claim:
    try:
        provenance = document["provenance"]
        as_of = provenance.get("as_of_date")
        return Claim(
            format=fmt,
            report=str(document["report"]),
            parameters={str(k): str(v) for k, v in document["parameters"].items()},
            as_of_date=date.fromisoformat(as_of) if as_of else None,
            evidence=Evidence.of(document),
            shown=(Shown("", list(document["tables"]), document),),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        msg = f"{name} is not a Letopis report: it lacks or garbles {e}"
        raise UncheckableError(msg) from e


class _Page(HTMLParser):
    """The visible tables of a report's HTML form, and its embedded JSON."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.embedded: str | None = None
        self._title = ""
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._head = False
        self._skip_row = False
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "script" and given.get("id") == EMBEDDED_JSON_ID:
            self._script, self._text = True, []
        elif tag == "h2":
            self._text = []
        elif tag == "table":
            self.tables.append({"title": self._title, "columns": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row, self._head, self._skip_row = [], False, False
        elif tag in ("td", "th") and self._row is not None:
            self._head = tag == "th"
            self._skip_row = self._skip_row or given.get("class") == "empty"
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or [])
        if tag == "script" and self._script:
            self.embedded, self._script, self._text = text, False, None
        elif tag == "h2":
            self._title, self._text = text.strip(), None
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(text)
            self._text = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if self._head:
                table["columns"] = self._row
            elif not self._skip_row:
                table["rows"].append(self._row)
            self._row = None


def _html_claim(data: bytes, name: str) -> Claim:
    page = _Page()
    try:
        page.feed(data.decode())
    except UnicodeDecodeError as e:
        msg = f"{name} is not UTF-8 HTML ({e})"
        raise UncheckableError(msg) from e
    if page.embedded is None:
        msg = (
            f"{name} has no <script id={EMBEDDED_JSON_ID!r}> with the report's "
            "JSON: it is not a Letopis report, or older than report checks"
        )
        raise UncheckableError(msg)
    inner = _json_claim("html", _parse_json(page.embedded.encode(), name), name)
    embedded = inner.shown[0]
    return replace(
        inner,
        shown=(
            Shown("", page.tables),
            Shown("во встроенном JSON", embedded.tables, embedded.document),
        ),
    )


def _csv_claim(data: bytes, name: str) -> Claim:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        msg = f"{name} is neither JSON, HTML, PDF nor UTF-8 CSV ({e})"
        raise UncheckableError(msg) from e
    rows = list(csv.reader(io.StringIO(text)))
    labelled = {r[0]: r[1] for r in rows if len(r) == 2}
    missing = [
        label
        for label in (CSV_REPORT, CSV_PARAMETERS, CSV_DIGEST, *_CSV_CHECKPOINT)
        if label not in labelled
    ]
    if missing:
        msg = (
            f"{name} is not a Letopis report CSV with its evidence: no "
            f"row {missing[0]!r}"
        )
        raise UncheckableError(msg)
    params = dict(
        part.split("=", 1)
        for part in labelled[CSV_PARAMETERS].split("; ")
        if "=" in part
    )
    as_of = params.pop("as_of", None)
    try:
        evidence = Evidence(
            origin=labelled[_CSV_CHECKPOINT[0]],
            tree_size=int(labelled[_CSV_CHECKPOINT[1]]),
            root=labelled[_CSV_CHECKPOINT[2]],
            digest=labelled[CSV_DIGEST],
        )
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as e:
        msg = f"{name}: its checkpoint rows do not read ({e})"
        raise UncheckableError(msg) from e
    return Claim(
        format="csv",
        report=labelled[CSV_REPORT],
        parameters=params,
        as_of_date=day,
        evidence=evidence,
        shown=(Shown("", [], None, rows),),
    )


#: the labels of the provenance rows of a CSV (model.Provenance.fields)
_CSV_CHECKPOINT = (
    "Журнал (origin)",
    "Размер дерева (tree size)",
    "Корень (root, SHA-256, base64)",
)


def csv_document(rows: list[list[str]], expected: Mapping[str, Any]) -> dict[str, Any]:
    """A report CSV read back in the shape of ``expected`` (see
    :func:`~.render.to_csv`): the title row; the header fields up to the first
    blank row; one block per expected table (its title row, its columns, its
    rows up to a blank row); then the notes, up to the provenance rows."""
    lines = iter(_strip_cells(rows))
    title = next(lines, [""])
    header = {}
    for line in lines:
        if not line:
            break
        header[line[0]] = line[1] if len(line) > 1 else ""
    tables = []
    for _ in expected["tables"]:
        named = next(lines, [""])
        columns = next(lines, [])
        body = []
        for line in lines:
            if not line:
                break
            body.append(line)
        tables.append(
            {"title": named[0] if named else "", "columns": columns, "rows": body}
        )
    notes = []
    for line in lines:
        if line and line[0] == _CSV_CHECKPOINT[0]:
            break
        notes.extend(line[:1])
    return {
        "title": title[0] if title else "",
        "header": header,
        "tables": tables,
        "notes": notes,
    }


def _strip_cells(rows: list[list[str]]) -> Iterator[list[str]]:
    """CSV rows with the formula guard's apostrophe removed (:func:`csv_cell`)."""
    for row in rows:
        yield [
            c[1:] if c.startswith("'") and len(c) > 1 and c[1] in "=+-@\t\r" else c
            for c in row
        ]


# -- re-deriving ---------------------------------------------------------------


def check(app: LedgerApplication, claim: Claim) -> Outcome:
    """Re-derive ``claim``'s report from ``app``'s log at the checkpoint it
    names and compare (see the module)."""
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
    report = Reports(app, source=source).build(claim.report, claim.parameters)
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
