"""A report as PDF/A-3b for the archive, with its evidence inside (§7.3.3).

WeasyPrint lays out the report's own HTML form (the same template, so the
PDF never says something the HTML does not) with a print stylesheet that sets
the embedded font and the sheet numbers («Лист N из M», CSS paged media), and
writes PDF/A-3b (``pdf_variant="pdf/a-3b"``: XMP metadata, an sRGB output
intent, every font embedded). Three files ride inside, as PDF/A-3 associated
files, so that one file carries what an auditor needs:

- ``report.json``: the report's JSON form (its digest included), what
  ``letopis report check`` compares against the log;
- ``checkpoint.txt``: the signed checkpoint (note text) the report names;
- ``leaves.json``: the leaf indexes of the events the report read.

A **bound** file (:func:`to_pdf` with ``bound=True``; the summary statement of
a class and year as the archive keeps it) ends with a certification sheet for
the director's signature and the seal that states how many sheets the file
has, itself included: the document is laid out once to count its sheets, then
again with that count written in.

The font is DejaVu Serif (Debian's ``fonts-dejavu-core``, found through
fontconfig): it has Cyrillic, and nothing is fetched at run time.
"""

from __future__ import annotations

import json
import re
from typing import Any

from projections.reports.errors import ReportError
from projections.reports.model import Report, Table
from projections.reports.render import html_text, to_json

VARIANT = "pdf/a-3b"
REPORT_JSON = "report.json"
CHECKPOINT = "checkpoint.txt"
LEAVES = "leaves.json"
FONT = "DejaVu Serif"

PRINT_CSS = f"""
    @page {{
      @bottom-right {{
        content: "Лист " counter(page) " из " counter(pages);
        font-family: "{FONT}"; font-size: 8pt;
      }}
    }}
    body {{ font-family: "{FONT}"; font-size: 8.5pt; margin: 0; }}
    pre, code {{ font-family: "DejaVu Sans Mono"; font-size: 7pt; }}
    th, td {{ overflow-wrap: break-word; }}
    .certification {{ page-break-before: always; font-size: 11pt; }}
    .certification h1 {{ text-align: center; margin-bottom: 2em; }}
    .certification p.sign {{ margin-top: 2.5em; }}
    """


def to_pdf(report: Report, *, bound: bool = False) -> bytes:
    """``report`` as PDF/A-3b with its evidence attached (see the module)."""
    attachments = _attachments(report)
    tables = print_tables(report)
    if not bound:
        return _write(html_text(report, tables=tables), attachments)
    first = html_text(report, tables=tables, bound_sheets=1)
    sheets = len(_layout(first).pages)  # the certification sheet included
    words, noun = sheets_in_words(sheets)
    text = html_text(
        report,
        tables=tables,
        bound_sheets=sheets,
        bound_sheets_words=words,
        bound_sheets_noun=noun,
    )
    document = _layout(text)
    if len(document.pages) != sheets:  # the count itself moved a line
        msg = (
            f"the bound file came to {len(document.pages)} sheets, not the "
            f"{sheets} its certification sheet names"
        )
        raise ReportError(msg)
    return _finish(document, attachments)


#: characters of 8.5 pt text a sheet holds across, inside its margins
LINE_CHARS = {True: 125, False: 85}  # landscape, portrait
#: what a cell costs across beyond its text (padding, borders), in characters
CELL_CHARS = 2
_BREAKS = re.compile(r"[\s-]+")


def print_tables(report: Report) -> tuple[Table, ...]:
    """The tables as printed: a table wider than a sheet is cut into parts of
    whole columns, each part repeating the leading key columns (№ and the
    pupil) and titled with the columns it holds, the way paper forms go on
    «на обороте». The report itself (its JSON, its digest) is not changed."""
    budget = LINE_CHARS[report.landscape]
    printed: list[Table] = []
    for table in report.tables:
        widths = [_width(table, i) for i in range(len(table.columns))]
        if sum(widths) <= budget or len(table.columns) < 2:
            printed.append(table)
            continue
        keys = _key_columns(table)
        room = budget - sum(widths[i] for i in keys)
        parts: list[list[int]] = [[]]
        used = 0
        for index in (i for i in range(len(table.columns)) if i not in keys):
            if parts[-1] and used + widths[index] > room:
                parts.append([])
                used = 0
            parts[-1].append(index)
            used += widths[index]
        total = len(table.columns)
        for part in parts:
            columns = [*keys, *part]
            title = f"{table.title} (столбцы {part[0] + 1}–{part[-1] + 1} из {total})"
            printed.append(
                Table(
                    title,
                    tuple(table.columns[i] for i in columns),
                    tuple(tuple(row[i] for i in columns) for row in table.rows),
                )
            )
    return tuple(printed)


#: how the column naming a row's person begins (journal, statement, book)
NAME_COLUMNS = ("Обучающийся", "Фамилия", "Ф. И. О.", "ФИО")


def _key_columns(table: Table) -> list[int]:
    """The columns that name a row, repeated in every part: the leading «№…»
    column and the person's name when the table has one early on, else the
    leading columns up to the first that is not «№»."""
    columns = [c.strip() for c in table.columns]
    numbered = [0] if columns[0].startswith("№") else []
    for index, column in enumerate(columns[:6]):
        if column.startswith(NAME_COLUMNS):
            return [*numbered, index] if index else [index]
    for index, column in enumerate(columns):
        if column != "№":
            return list(range(index + 1))
    return [0]


def _width(table: Table, index: int) -> int:
    """A column's width in characters: its longest unbreakable piece of text
    (a header's counts a fifth more: headers are bold)."""
    header = max((len(w) for w in _BREAKS.split(table.columns[index])), default=1)
    cells = (row[index] for row in table.rows)
    longest = max((len(w) for t in cells for w in _BREAKS.split(t)), default=1)
    return max(round(header * 1.2), longest, 1) + CELL_CHARS


def _layout(text: str) -> Any:
    # WeasyPrint takes 1.5 s to import: only a PDF pays for it
    from weasyprint import CSS, HTML

    return HTML(string=text).render(stylesheets=[CSS(string=PRINT_CSS)])


def _write(text: str, attachments: list[Any]) -> bytes:
    return _finish(_layout(text), attachments)


def _finish(document: Any, attachments: list[Any]) -> bytes:
    pdf = document.write_pdf(
        pdf_variant=VARIANT, attachments=attachments, uncompressed_pdf=False
    )
    return bytes(pdf)


def _attachments(report: Report) -> list[Any]:
    from weasyprint import Attachment

    provenance = report.provenance
    leaves = {
        "origin": provenance.origin,
        "tree_size": provenance.tree_size,
        "root": provenance.root,
        "leaves": list(report.leaves),
    }
    found = [
        Attachment(
            string=to_json(report),
            name=REPORT_JSON,
            description="Отчёт в форме JSON (канонический JSON: RFC 8785)",
            relationship="Source",
        ),
        Attachment(
            string=json.dumps(leaves, ensure_ascii=False).encode(),
            name=LEAVES,
            description="Номера листьев журнала (leaf index) событий отчёта",
            relationship="Supplement",
        ),
    ]
    if provenance.checkpoint:
        found.append(
            Attachment(
                string=provenance.checkpoint.encode(),
                name=CHECKPOINT,
                description="Подписанная контрольная точка (signed note)",
                relationship="Supplement",
            )
        )
    return found


_ONES = (
    "",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
)
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)


def sheets_in_words(count: int) -> tuple[str, str]:
    """``count`` sheets in words, as a certification writes them, and the
    noun's form: ``(«двадцать один», «лист»)``, ``(«три», «листа»)``. A bound
    file of 1000 sheets or more is not a thing an archive binds; refused."""
    if not 1 <= count <= 999:
        msg = f"a bound file has 1 to 999 sheets, not {count}"
        raise ReportError(msg)
    hundreds, rest = divmod(count, 100)
    tens, ones = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]]
    if tens == 1:
        words.append(_TEENS[ones])
    else:
        words += [_TENS[tens], _ONES[ones]]
    if tens != 1 and ones == 1:
        noun = "лист"
    elif tens != 1 and 2 <= ones <= 4:
        noun = "листа"
    else:
        noun = "листов"
    return " ".join(w for w in words if w), noun
