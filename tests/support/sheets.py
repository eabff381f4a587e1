"""Spreadsheets written for the import tests: XLSX from the import's own
template (openpyxl), CSV as Russian Excel writes it (``;``, UTF-8 with BOM), and
ODS with odfpy (the OpenDocument reference library, which pandas uses)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import CoveredTableCell, Table, TableCell, TableRow
from odf.text import P
from openpyxl import load_workbook

from api.imports import KINDS, write_template

Rows = Sequence[Sequence[Any]]


def headers(kind: str) -> list[str]:
    return [c.header for c in KINDS[kind].columns]


def filled_template(kind: str, path: Path, rows: Rows) -> Path:
    """The kind's template, written by `write_template`, with ``rows`` below."""
    write_template(kind, path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path, rows: Rows, *, delimiter: str = ";", bom: bool = True
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        for row in rows:
            writer.writerow(
                [v.strftime("%d.%m.%Y") if isinstance(v, date) else v for v in row]
            )
    return path


def write_ods(path: Path, rows: Rows, *, name: str = "Лист1") -> Path:
    """An ODS sheet; a value ``("=", formula, result)`` is a formula cell and
    ``("merge", text)`` a cell merged with the next one."""
    doc = OpenDocumentSpreadsheet()
    table = Table(name=name)
    for row in rows:
        tr = TableRow()
        skip = False
        for value in row:
            if skip:
                tr.addElement(CoveredTableCell())
                skip = False
                continue
            tr.addElement(_ods_cell(value))
            skip = isinstance(value, tuple) and value[0] == "merge"
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(str(path))
    return path


def _ods_cell(value: Any) -> TableCell:
    if isinstance(value, tuple) and value[0] == "=":
        return TableCell(formula=f"of:{value[1]}", valuetype="float", value=value[2])
    if isinstance(value, tuple) and value[0] == "merge":
        cell = TableCell(valuetype="string", numbercolumnsspanned=2)
        cell.addElement(P(text=str(value[1])))
        return cell
    if isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d.%m.%Y")))
        return cell
    if value is None or value == "":
        return TableCell()
    if isinstance(value, int):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
        return cell
    cell = TableCell(valuetype="string")
    cell.addElement(P(text=str(value)))
    return cell
