"""Reading a spreadsheet row by row: XLSX, ODS or CSV, one sheet, streamed.

Every reader gives the same thing, a :class:`Table`: the sheet's name, and its
rows as ``(row number, cells)``, each cell with its value and whether a formula
or a merged area covers it (an import refuses both: a value must be typed in,
one per cell). Row numbers are the spreadsheet's own (1 = the header row).

- XLSX: ``openpyxl`` in read-only mode reads the workbook's parts (which
  sheet is first, its shared strings, which styles are dates); the sheet's
  XML is then streamed row by row here, so a formula (``<f>``) is seen as one.
  Merged areas (``<mergeCell>``) follow the rows in the file: they are in
  :attr:`Table.areas` once the rows are read, for the import to refuse.
- ODS: ``python-calamine`` for the values; calamine reports neither formulas
  nor merged areas in ODS, so ``content.xml`` is streamed once for cells with
  ``table:formula`` and spanned cells, which are marked on the rows.
- CSV: the standard ``csv`` module; UTF-8 with or without a BOM, ``;`` or ``,``
  between fields (Russian Excel writes ``;``), chosen by the header line. A
  value starting with ``=`` is a formula as a spreadsheet would read it.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from python_calamine import CalamineWorkbook

from ledger.errors import LedgerError

Value = str | int | float | bool | date | datetime | time | timedelta | None
FORMATS = {".xlsx": "XLSX", ".xlsm": "XLSX", ".ods": "ODS", ".csv": "CSV"}
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # as expat names
_ROW_NAME, _C, _MERGE_NAME = f"{_NS}row", f"{_NS}c", f"{_NS}mergeCell"
_F_NAME = f"{_NS}f"
_TEXTS = frozenset({f"{_NS}v", f"{_NS}t", _F_NAME})


class UnreadableFileError(LedgerError):
    """The file is not a spreadsheet this import reads."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell as read: its value, and whether a formula or merge covers it."""

    value: Value
    formula: bool = False
    merged: bool = False


Row = tuple[int, tuple[Cell, ...]]
_EMPTY = Cell(None)


@dataclass
class Table:
    """One sheet: its name, its rows (numbered as in the spreadsheet) and, once
    the rows are read, its merged areas (XLSX lists them after the rows)."""

    sheet: str
    rows: Iterator[Row]
    areas: Areas | None = None


class Areas:
    """Merged areas (``(min_row, min_col, max_row, max_col)``, 1-based) and
    single formula cells found by a pre-scan of the sheet."""

    def __init__(self) -> None:
        self.merged: list[tuple[int, int, int, int]] = []
        self.formulas: set[tuple[int, int]] = set()

    def is_merged(self, row: int, col: int) -> bool:
        return any(
            r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in self.merged
        )


def file_format(path: Path) -> str:
    """``XLSX``, ``ODS`` or ``CSV`` by the file's suffix; refused otherwise."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        msg = (
            f"file {path.name!r} is not a spreadsheet this import reads; allowed: "
            ".xlsx, .ods, .csv"
        )
        raise UnreadableFileError(msg)
    return found


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """The first sheet of the spreadsheet at ``path``, streamed row by row."""
    kind = file_format(path)
    try:
        if kind == "CSV":
            with path.open(encoding="utf-8-sig", newline="") as f:
                yield Table(path.stem, _csv_rows(f))
        elif kind == "XLSX":
            with _xlsx(path) as table:
                yield table
        else:
            yield _ods(path)
    except UnicodeDecodeError as e:
        msg = f"file {path.name!r} is not UTF-8 text; save the CSV as UTF-8"
        raise UnreadableFileError(msg) from e
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        if isinstance(e, LedgerError):
            raise
        msg = f"file {path.name!r} cannot be read as {kind}: {e}"
        raise UnreadableFileError(msg) from e


# -- CSV ----------------------------------------------------------------------------


def _csv_rows(f: IO[str]) -> Iterator[Row]:
    first = f.readline()
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    f.seek(0)  # the utf-8-sig decoder starts again, dropping a BOM again
    reader = csv.reader(f, delimiter=delimiter)
    for fields in reader:
        cells = tuple(
            Cell(v.strip() or None, formula=v.lstrip().startswith("=")) for v in fields
        )
        yield reader.line_num, cells


# -- XLSX ---------------------------------------------------------------------------


@contextmanager
def _xlsx(path: Path) -> Iterator[Table]:
    """The first worksheet: openpyxl's reader reads the package's parts (which
    sheet is first and where, its shared strings, which styles are dates, the
    date epoch), not the sheets (its read-only sheets would parse a sheet
    without a ``<dimension>`` once just to size it); the sheet's XML is then
    streamed here with the C ElementTree parser, one row at a time."""
    reader = ExcelReader(path, read_only=True, keep_vba=False, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        title, target = _first_sheet(reader)
        dates: set[int] = getattr(reader.wb, "_date_formats")  # noqa: B009
        cells = _XlsxCells(reader.shared_strings, dates, reader.wb.epoch)
        areas = Areas()
        with reader.archive.open(target) as xml:
            yield Table(title, cells.rows(xml, areas), areas)
    finally:
        reader.archive.close()


def _first_sheet(reader: ExcelReader) -> tuple[str, str]:
    """The first worksheet's name and its part in the package."""
    for sheet, rel in reader.parser.find_sheets():
        if "worksheet" in rel.Type and rel.target in reader.valid_files:
            return sheet.name, rel.target
    msg = "the workbook has no worksheet"
    raise UnreadableFileError(msg)


class _XlsxCells:
    """Rows of a worksheet's XML (``<row r><c r t s><f/><v/></c></row>``),
    streamed through expat's callbacks (no element objects: half the time of
    ElementTree's ``iterparse`` per row); merged areas (``<mergeCell ref>``,
    after the rows) noted.

    The sheet is a part of the upload: expat (2.4+) refuses entity
    amplification, and no handler is set that would load an external entity.
    Names arrive as ``namespace local`` whatever prefix the file uses.
    """

    CHUNK = 1 << 16

    def __init__(
        self, strings: list[str], date_styles: set[int], epoch: datetime
    ) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self._known: dict[tuple[str, int, str | None], Cell] = {}

    def rows(self, xml: IO[bytes], areas: Areas) -> Iterator[Row]:
        sheet = _SheetReader(self, areas)
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = sheet.start
        parser.EndElementHandler = sheet.end
        parser.CharacterDataHandler = sheet.text
        while chunk := xml.read(self.CHUNK):
            parser.Parse(chunk, False)
            yield from sheet.done
            sheet.done.clear()  # the rows of one chunk at most: memory stays flat
        parser.Parse(b"", True)
        yield from sheet.done

    def value(self, kind: str, style: int, text: str | None) -> Cell:
        """A cell of type ``kind`` (the ``t`` attribute) and style whose
        ``<v>`` (or inline string) is ``text``. A column's values repeat down
        a sheet (a class, a subject, a mark), so cells are kept by what they
        are read from, a bounded number of them."""
        key = (kind, style, text)
        found = self._known.get(key)
        if found is None:
            if len(self._known) >= _KNOWN_CELLS:
                self._known.clear()
            found = self._known[key] = self._read(kind, style, text)
        return found

    def _read(self, kind: str, style: int, text: str | None) -> Cell:
        if kind == "inlineStr":
            return Cell(text or None)
        if text is None:
            return _EMPTY
        if kind == "s":
            return Cell(self.strings[int(text)])
        if kind == "n":
            return Cell(self._number(text, style))
        if kind == "b":
            return Cell(text == "1")
        if kind == "d":
            moment: Value = from_ISO8601(text)  # type: ignore[no-untyped-call]
            return Cell(moment)
        return Cell(text)  # str, e (an error such as #N/A)

    def _number(self, text: str, style: int) -> Value:
        number: int | float = (
            float(text) if any(ch in text for ch in ".eE") else int(text)
        )
        if style in self.date_styles:
            moment: Value = from_excel(number, self.epoch)
            return moment
        return number


_KNOWN_CELLS = 4096


class _SheetReader:
    """expat's handlers for one worksheet: the state of the row and the cell
    being read, and the rows completed since the last chunk (``done``)."""

    def __init__(self, cells: _XlsxCells, areas: Areas) -> None:
        self.cells = cells
        self.areas = areas
        self.done: list[Row] = []
        self.number = 0
        self.row: list[Cell] = []
        self.ref: str | None = None
        self.kind = "n"
        self.style = 0
        self.texts: list[str] | None = None  # collecting a <v>, <t> or <f>
        self.value: str | None = None
        self.formula: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _C:
            self.ref = attrs.get("r")
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s", 0))
            self.value = self.formula = None
        elif name in _TEXTS:
            self.texts = []
        elif name == _ROW_NAME:
            given = attrs.get("r")  # optional in the format
            self.number = int(given) if given else self.number + 1
            self.row = []
        elif name == _MERGE_NAME:
            c1, r1, c2, r2 = range_boundaries(attrs.get("ref", ""))
            self.areas.merged.append((r1 or 0, c1 or 0, r2 or 0, c2 or 0))

    def text(self, data: str) -> None:
        if self.texts is not None:
            self.texts.append(data)

    def end(self, name: str) -> None:
        if name == _C:
            self._cell()
        elif name in _TEXTS:
            found = "".join(self.texts or ())
            self.texts = None
            if name == _F_NAME:
                self.formula = found
            else:  # <v>, or one run (<t>) of an inline string
                self.value = found if self.value is None else self.value + found
        elif name == _ROW_NAME:
            self.done.append((self.number, tuple(self.row)))

    def _cell(self) -> None:
        row = self.row
        if self.ref:
            col = _column(self.ref)
            while len(row) < col - 1:
                row.append(_EMPTY)
        if self.formula is not None:
            row.append(Cell(f"={self.formula}", formula=True))
        else:
            row.append(self.cells.value(self.kind, self.style, self.value))


@cache
def _letters(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column(ref: str) -> int:
    """The column number of a cell reference («C12» → 3)."""
    return _letters(ref.rstrip("0123456789"))


# -- ODS ----------------------------------------------------------------------------


def _ods(path: Path) -> Table:
    areas = _ods_areas(path)
    book = CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(0)
    return Table(sheet.name, _ods_rows(book, sheet, areas))


def _ods_rows(book: CalamineWorkbook, sheet: Any, areas: Areas) -> Iterator[Row]:
    top, left = sheet.start or (0, 0)
    try:
        for i, values in enumerate(sheet.iter_rows()):
            number = top + i + 1
            yield (
                number,
                tuple(
                    Cell(
                        None if v == "" else v,
                        formula=(number, left + j + 1) in areas.formulas,
                        merged=areas.is_merged(number, left + j + 1),
                    )
                    for j, v in enumerate(values)
                ),
            )
    finally:
        book.close()


def _ods_areas(path: Path) -> Areas:
    """Formula cells and merged areas of the first table of ``content.xml``."""
    areas = Areas()
    row = col = 0
    row_repeat = 1
    with zipfile.ZipFile(path) as z, z.open("content.xml") as xml:
        for event, element in iterparse(xml, events=("start", "end")):  # noqa: S314
            tag = element.tag
            if event == "start" and tag == f"{_TABLE}table-row":
                row_repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                col = 0
            elif event == "start" and tag in (
                f"{_TABLE}table-cell",
                f"{_TABLE}covered-table-cell",
            ):
                col = _ods_cell(element, row + 1, col, areas)
            elif event == "end" and tag == f"{_TABLE}table-row":
                row += row_repeat
                element.clear()
            elif event == "end" and tag == f"{_TABLE}table":
                break
    return areas


def _ods_cell(element: Any, row: int, col: int, areas: Areas) -> int:
    """Note a formula or merge at ``(row, col + 1)``; the next column."""
    repeat = int(element.get(f"{_TABLE}number-columns-repeated", "1"))
    here = col + 1
    if element.get(f"{_TABLE}formula") is not None:
        areas.formulas.update((row, here + k) for k in range(min(repeat, 1024)))
    across = int(element.get(f"{_TABLE}number-columns-spanned", "1"))
    down = int(element.get(f"{_TABLE}number-rows-spanned", "1"))
    if across > 1 or down > 1:
        areas.merged.append((row, here, row + down - 1, here + across - 1))
    return col + repeat
