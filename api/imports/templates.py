"""XLSX templates for each import: Russian headers, a note on each header
saying what the column holds, data validation where openpyxl offers it (lists,
dates, whole numbers), and a second sheet «Пояснения» with every column's rule.
The data sheet comes first: it is the one an import reads.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from api.imports.columns import Column
from api.imports.run import importer_for
from ledger.errors import LedgerError

LAST_ROW = 100_000  # validation reaches this far down


def write_template(kind: str, out: Path) -> Path:
    """Write the template of import ``kind`` to ``out`` (a new ``.xlsx``)."""
    if out.suffix.lower() != ".xlsx":
        msg = f"a template is an .xlsx file, not {out.name!r}"
        raise LedgerError(msg)
    if out.exists():
        msg = f"{out} exists; a template never overwrites a file"
        raise LedgerError(msg)
    cls = importer_for(kind)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = cls.title
    for i, column in enumerate(cls.columns, start=1):
        _header(sheet, i, column)
        _validation(sheet, i, column)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Пояснения")
    notes.append(["Столбец", "Что вписывать"])
    for column in cls.columns:
        notes.append([column.header, column.hint])
    notes.column_dimensions["A"].width = 40
    notes.column_dimensions["B"].width = 90
    book.save(out)
    return out


def _header(sheet: object, i: int, column: Column) -> None:
    cell = sheet.cell(row=1, column=i, value=column.header)  # type: ignore[attr-defined]
    cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if column.required:
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    cell.comment = Comment(column.hint, "Летопись", width=300, height=80)
    letter = get_column_letter(i)
    sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))  # type: ignore[attr-defined]


def _validation(sheet: object, i: int, column: Column) -> None:
    letter = get_column_letter(i)
    if column.choices:
        rule = DataValidation(
            type="list", formula1='"' + ",".join(column.choices) + '"'
        )
    elif column.type == "date":
        rule = DataValidation(
            type="date", operator="greaterThan", formula1="DATE(1990,1,1)"
        )
    elif column.type == "int":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    else:
        return
    rule.allow_blank = not column.required
    rule.error = column.hint
    rule.errorTitle = column.header
    rule.prompt = column.hint
    rule.promptTitle = column.header
    rule.showErrorMessage = True
    rule.showInputMessage = True
    rule.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(rule)  # type: ignore[attr-defined]
