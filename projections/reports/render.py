"""One report, three formats: printable HTML, CSV and JSON.

HTML comes from a Jinja2 template (package data, autoescaped) with its A4
print stylesheet inline, so a saved file reads and prints without a server.
CSV writes each table as its own block: a title line, the header, the rows,
then a blank line, after the report's header fields; UTF-8 with a BOM so that
spreadsheet programs read the Cyrillic right. JSON is the model itself.
Every CSV cell is neutralised against formula injection (OWASP's CSV
injection rule, :func:`csv_cell`). Nothing in any format depends on when or
where it was rendered.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from projections.reports.evidence import DIGEST, Evidence, digest_of
from projections.reports.model import Provenance, Report

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}
#: the ``id`` of the ``<script type="application/json">`` holding the report's
#: JSON form in its HTML form (what ``letopis report check`` reads back)
EMBEDDED_JSON_ID = "letopis-report"
#: the CSV rows naming what ``letopis report check`` needs to re-derive a report
CSV_REPORT = "Отчёт (report)"
CSV_PARAMETERS = "Параметры (parameters)"
CSV_DIGEST = "Контрольная сумма (SHA-256 канонического JSON)"

_templates = Environment(
    loader=PackageLoader("projections.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def to_html(report: Report) -> bytes:
    return html_text(report).encode()


def html_text(report: Report, **extra: Any) -> str:
    """The HTML form; ``extra`` goes to the template (the PDF's bound sheets)."""
    template = _templates.get_template("report.html.j2")
    body = document(report)
    return template.render(
        report=report,
        provenance=report.provenance,
        evidence=Evidence.of(body),
        embedded=Markup(script_json(body)),  # noqa: S704 - escaped by script_json
        embedded_id=EMBEDDED_JSON_ID,
        **extra,
    )


def script_json(body: dict[str, Any]) -> str:
    """The JSON form as the text of a ``<script>`` element: every ``<``, ``>``
    and ``&`` as a JSON escape, so no text in a report can end the element."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number, negative or not: a spreadsheet reads it as a number
#: and evaluates nothing (no operator after the sign, no reference, no call).
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def csv_cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet: text starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return gets a leading apostrophe, so it is shown
    as text and never run as a formula (OWASP's CSV injection rule). A plain
    negative number such as ``-2`` or ``-0,5`` stays as it is: it holds no
    formula, and an apostrophe would turn the number into text."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeWriter:
    """A ``csv.writer`` whose every cell passes :func:`csv_cell` first; the
    module quotes delimiters, quotes and line breaks inside cells, so no cell
    text starts another cell. Every CSV the project writes goes through it."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\r\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow([report.title])
    for label, value in report.header:
        writer.writerow([label, value])
    writer.writerow([])
    for table in report.tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        writer.writerow([])
    for note in report.notes:
        writer.writerow([note])
    for label, value in report.provenance.fields():
        writer.writerow([label, value])
    if report.provenance.checkpoint:
        writer.writerow(
            ["Контрольная точка (подписанная)", report.provenance.checkpoint]
        )
    for command in report.provenance.verify:
        writer.writerow(["Проверка", command])
    body = document(report)
    writer.writerow([CSV_REPORT, report.name])
    writer.writerow([CSV_PARAMETERS, check_parameters(body)])
    writer.writerow([CSV_DIGEST, body[DIGEST]])
    return ("\ufeff" + buffer.getvalue()).encode()


def to_json(report: Report) -> bytes:
    return (json.dumps(document(report), ensure_ascii=False, indent=2) + "\n").encode()


def check_parameters(body: dict[str, Any]) -> str:
    """``key=value; …`` of what re-derives the report: its parameters, and the
    as-of date when it shows the end of a day (a CSV has no other place)."""
    params = dict(body["parameters"])
    if body["provenance"].get("as_of_date"):
        params["as_of"] = body["provenance"]["as_of_date"]
    return "; ".join(f"{k}={v}" for k, v in sorted(params.items()))


def document(report: Report) -> dict[str, Any]:
    """The report's JSON form, its digest last (see :mod:`.evidence`)."""
    body: dict[str, Any] = {
        "report": report.name,
        "title": report.title,
        "parameters": report.parameters,
        "header": dict(report.header),
        "tables": [
            {
                "title": t.title,
                "columns": list(t.columns),
                "rows": [list(r) for r in t.rows],
            }
            for t in report.tables
        ],
        "notes": list(report.notes),
        "provenance": report.provenance.to_json(),
    }
    body[DIGEST] = digest_of(body)
    return body


RENDERERS = {"html": to_html, "csv": to_csv, "json": to_json}


def index_html(
    school: str, reports: list[tuple[str, str, str]], provenance: Provenance
) -> bytes:
    """The table of contents of a ``report all`` folder: (name, file, title)."""
    template = _templates.get_template("index.html.j2")
    return template.render(
        school=school, reports=reports, provenance=provenance
    ).encode()
