"""Running an import: read and check every row, refuse with every problem, or
append through the services.

1. The file is hashed (its SHA-256 goes into imported history).
2. Every row is read and checked; nothing is written while checking.
3. If any row was refused, :class:`~api.imports.problems.ImportRefusedError`
   lists them all (sheet, row, column, what is allowed) and the store is as
   it was.
4. Otherwise the kind appends in signed saves of a batch each (marks from a
   spool of the checked lessons on disk, as a year of them is too large to
   hold).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from api.imports.columns import Column, check_header, is_blank, parse_row
from api.imports.exams import ExamsImport
from api.imports.kind import Importer, ParsedRows, Progress, Source
from api.imports.lookups import Lookup
from api.imports.marks import MarksImport
from api.imports.problems import ImportRefusedError, Problems
from api.imports.pupils import PupilsImport
from api.imports.setup import ClassesImport, StaffImport, TeachingImport
from api.imports.sheets import Table, open_table
from ledger.application import Signing
from ledger.errors import LedgerError
from ledger.records.office import SchoolRecords

KINDS: dict[str, type[Importer]] = {
    k.name: k
    for k in (
        StaffImport,
        ClassesImport,
        PupilsImport,
        TeachingImport,
        MarksImport,
        ExamsImport,
    )
}


class UnknownImportError(LedgerError):
    """No import of that name."""


@dataclass(frozen=True)
class Imported:
    """What an import wrote: rows read, items appended, the file's SHA-256."""

    kind: str
    rows: int
    written: int
    sha256: str


def importer_for(kind: str) -> type[Importer]:
    found = KINDS.get(kind)
    if found is None:
        msg = f"no import {kind!r}; allowed: {', '.join(KINDS)}"
        raise UnknownImportError(msg)
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _nothing(_: int) -> None:
    return None


def run_import(
    kind: str,
    path: Path,
    records: SchoolRecords,
    signing: Signing,
    *,
    year: str | None = None,
    source_name: str | None = None,
    checked: Progress = _nothing,
    progress: Progress = _nothing,
    counted: Callable[[int], None] = _nothing,
) -> Imported:
    """Import ``path`` as ``kind``, signed by ``signing``; ``checked`` and
    ``progress`` hear of rows checked and written, ``counted`` of the total."""
    cls = importer_for(kind)
    source = Source(source_name or path.name, sha256_of(path), year)
    importer = cls(Lookup(records.context, year), records, signing, source)
    try:
        rows = _check(importer, path, checked)
        counted(rows)
        written = importer.append(progress)
    finally:
        importer.close()
    return Imported(kind, rows, written, source.sha256)


def _check(importer: Importer, path: Path, checked: Progress) -> int:
    """Check every row of ``path``; the number of data rows, or
    :class:`ImportRefusedError` listing every problem."""
    rows = 0
    with open_table(path) as table:
        problems = Problems(table.sheet)
        importer.start(problems)
        for number, values in parsed_rows(table, importer.columns, problems):
            importer.check(number, values, problems)
            rows += 1
            if rows % 1000 == 0:
                checked(1000)
        merged_problems(table, importer.columns, problems)
        importer.finish(problems)
    if rows == 0 and not problems:
        problems.add(2, "", "в файле нет строк с данными", "хотя бы одна строка")
    problems.refuse_if_any(importer.name)
    return rows


def merged_problems(
    table: Table, columns: Sequence[Column], problems: Problems
) -> None:
    """A problem for each merged area the reader found after the rows (XLSX):
    noted at its first cell, naming the area."""
    for r1, c1, r2, c2 in table.areas.merged if table.areas else ():
        header = columns[c1 - 1].header if c1 <= len(columns) else f"столбец {c1}"
        span = f"строки {r1}–{r2}, столбцы {c1}–{c2}"
        problems.add(
            r1, header, f"объединённые ячейки ({span})", "одно значение в ячейке"
        )


def parsed_rows(
    table: Table, columns: Sequence[Column], problems: Problems
) -> ParsedRows:
    """The table's data rows parsed by ``columns`` (problems noted, bad rows
    and blank rows left out); nothing after a wrong header."""
    header = next(table.rows, None)
    if header is None:
        problems.add(1, "", "пустой файл", "строка заголовков шаблона")
        return
    if not check_header(columns, header[1], header[0], problems):
        return
    for number, cells in table.rows:
        if is_blank(cells):
            continue
        values = parse_row(columns, cells, number, problems)
        if values is not None:
            yield number, values


__all__ = ["KINDS", "ImportRefusedError", "Imported", "importer_for", "run_import"]
