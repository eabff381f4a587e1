"""What a report file claims: its report, parameters, checkpoint and digest,
and what it shows, read from each format in its own way (``report check``).

- JSON: the document itself;
- PDF: its ``report.json`` attachment (read with ``pypdf``), and the text of
  each sheet as printed;
- HTML: the tables as a person sees them (``<h2>`` titles, ``<th>``, ``<td>``)
  *and* the JSON form in its ``<script type="application/json">``, both;
- CSV: the evidence rows at its end; its blocks (:func:`~.render.to_csv`) are
  read back later in the shape of the re-derived report (:func:`csv_document`).

A file that is none of these, or lacks its evidence, is
:class:`UncheckableError`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from html.parser import HTMLParser
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from projections.reports.errors import ReportError
from projections.reports.evidence import Evidence
from projections.reports.model import CHECKPOINT_LABELS
from projections.reports.pdf import REPORT_JSON
from projections.reports.render import (
    CSV_DIGEST,
    CSV_PARAMETERS,
    CSV_REPORT,
    EMBEDDED_JSON_ID,
)


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
    """The visible tables of a report's HTML form, and its embedded JSON.

    A wide table prints as continuation sheets (``model.Layout``): each sheet
    is a ``<table data-sheet="N">`` repeating the fixed columns, its cells
    naming their column (``data-column``) and a heading under a group its full
    text (``data-heading``); the sheets of a table are put together again, so
    the table read is the table the report holds. Group headings
    (``th.group``) are not columns."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._tables: list[tuple[str, dict[int, str], list[dict[int, str]]]] = []
        self.embedded: str | None = None
        self._title = ""
        self._text: list[str] | None = None
        self._row: dict[int, str] | None = None
        self._cell: tuple[int | None, str | None] = (None, None)
        self._head = False
        self._skip_row = False
        self._script = False
        self._sheet_rows = 0  # rows of the current sheet read so far

    @property
    def tables(self) -> list[dict[str, Any]]:
        return [
            {
                "title": title,
                "columns": [columns[c] for c in sorted(columns)],
                "rows": [[row[c] for c in sorted(row)] for row in rows],
            }
            for title, columns, rows in self._tables
        ]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        if tag == "script" and given.get("id") == EMBEDDED_JSON_ID:
            self._script, self._text = True, []
        elif tag == "h2":
            self._text = []
        elif tag == "table":
            title = given.get("data-title") or self._title
            continued = (given.get("data-sheet") or "1") != "1"
            if not (continued and self._tables and self._tables[-1][0] == title):
                self._tables.append((title, {}, []))
            self._sheet_rows = 0
        elif tag == "tr" and self._tables:
            self._row, self._head, self._skip_row = {}, False, False
        elif tag in ("td", "th") and self._row is not None:
            self._head = tag == "th"
            self._skip_row = self._skip_row or given.get("class") == "empty"
            column = given.get("data-column")
            if "group" in (given.get("class") or "").split():
                column = "skip"
            self._cell = (
                -1 if column == "skip" else None if column is None else int(column),
                given.get("data-heading"),
            )
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
            column, heading = self._cell
            if column != -1:
                self._row[len(self._row) if column is None else column] = (
                    heading or text
                )
            self._text = None
        elif tag == "tr" and self._row is not None:
            _, columns, rows = self._tables[-1]
            if self._head:
                columns.update(self._row)
            elif not self._skip_row:
                if self._sheet_rows < len(rows):
                    rows[self._sheet_rows].update(self._row)
                else:
                    rows.append(self._row)
                self._sheet_rows += 1
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
    labelled = {r[0]: r[1] for r in _strip_cells(rows) if len(r) == 2}
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
_CSV_CHECKPOINT = CHECKPOINT_LABELS


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
