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
from typing import Any

from projections.reports.errors import ReportError
from projections.reports.model import Report
from projections.reports.paper import print_tables, sheets_in_words
from projections.reports.render import html_text, to_json

VARIANT = "pdf/a-3b"
REPORT_JSON = "report.json"
CHECKPOINT = "checkpoint.txt"
LEAVES = "leaves.json"
#: the heading of a bound file's last sheet (templates/certification.html.j2)
CERTIFICATION = "Заверительный лист"
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
