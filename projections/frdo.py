"""The ФИС ФРДО upload file: the attestats and duplicates issued in one year.

ФИС ФРДО («Федеральный реестр сведений о документах об образовании») takes a
school's issued documents as a spreadsheet in its upload template, one row a
document. This module rebuilds that sheet from the log like any report: the
attestat book of a level (``view_book``) as of the latest signed checkpoint,
the director's corrections of the issue date applied, and the graduates'
identity fields opened with their data keys. A second sheet, «Сведения о
выгрузке», names the checkpoint the file was made at (origin, tree size, root
hash, when), so the upload can be traced back to the signed log.

Columns (:data:`COLUMNS`) follow the registry's template for school attestats
as far as its published descriptions give them: the list of data of the
registry's rules (Government decree of 31.05.2021 № 1100) and the regional
instructions for filling the «Шаблон» sheet. Columns the ledger keeps nothing
for (the loss, exchange and destruction confirmations, the document's status)
stay empty, in their place, so the sheet keeps the template's shape. The sheet
is data: when the registry changes its template, :data:`COLUMNS` changes.

Sex, СНИЛС and citizenship are optional at enrolment; a row without any of
them is written with the cell empty and counted in :attr:`FrdoExport.incomplete`
(the registry needs them: the office fills them in before uploading).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from ledger.application import LedgerApplication
from ledger.domain.ids import attestat_book_id
from ledger.errors import LedgerError
from ledger.keys.personal import DataKeyStore
from ledger.log import LogStore
from projections.reports.errors import ReportError
from projections.reports.model import Provenance
from projections.reports.school import data_keys
from projections.reports.source import AsOf, Record, Source, open_source

DATA_SHEET = "Шаблон"
ABOUT_SHEET = "Сведения о выгрузке"
DOCUMENT_NAMES = {
    "basic": "Аттестат об основном общем образовании",
    "secondary": "Аттестат о среднем общем образовании",
}
LEVEL_NAMES = {
    "basic": "Основное общее образование",
    "secondary": "Среднее общее образование",
}
ORIGINAL, DUPLICATE = "Оригинал", "Дубликат"
#: ОКСМ numeric codes of the citizenships a school most often records; any
#: other name is written as recorded (the office replaces it with its code).
OKSM = {
    "россия": "643",
    "российская федерация": "643",
    "беларусь": "112",
    "казахстан": "398",
    "киргизия": "417",
    "кыргызстан": "417",
    "таджикистан": "762",
    "узбекистан": "860",
    "армения": "051",
    "азербайджан": "031",
    "молдова": "498",
    "украина": "804",
}

#: The template's columns, in order; the value of each comes from the key named.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Название документа", "document"),
    ("Вид документа", "kind"),
    ("Статус документа", ""),
    ("Подтверждение утраты", ""),
    ("Подтверждение обмена", ""),
    ("Подтверждение уничтожения", ""),
    ("Уровень образования", "level"),
    ("Серия документа", "series"),
    ("Номер документа", "number"),
    ("Дата выдачи", "issued_on"),
    ("Регистрационный номер", "registration"),
    ("Фамилия получателя", "surname"),
    ("Имя получателя", "name"),
    ("Отчество получателя", "patronymic"),
    ("Дата рождения получателя", "birth_date"),
    ("Пол получателя", "sex"),
    ("СНИЛС", "snils"),
    ("Гражданство получателя (код страны по ОКСМ)", "citizenship"),
    ("Год окончания", "graduated"),
    ("Наименование документа об образовании (оригинала)", "original_document"),
    ("Серия (оригинала)", "original_series"),
    ("Номер (оригинала)", "original_number"),
    ("Регистрационный N (оригинала)", "original_registration"),
    ("Дата выдачи (оригинала)", "original_issued_on"),
)
HEADERS = tuple(header for header, _ in COLUMNS)
#: identity fields the registry needs that enrolment may have left empty
NEEDED = {"sex": "пол", "snils": "СНИЛС", "citizenship": "гражданство"}


@dataclass(frozen=True)
class FrdoExport:
    """The rows of one year's upload, and the checkpoint they were built at."""

    year: int
    level: str
    rows: tuple[dict[str, Any], ...]
    provenance: Provenance
    signed_at: str | None
    incomplete: tuple[str, ...] = field(default=())

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rows if r["kind"] == DUPLICATE)


def check_year(text: str) -> int:
    """The calendar year of issue, «2025»; :class:`ReportError` otherwise."""
    if not (len(text) == 4 and text.isdigit() and 1990 <= int(text) <= 2100):
        msg = (
            f"--year {text!r} is not a year; give the calendar year of issue, e.g. 2025"
        )
        raise ReportError(msg)
    return int(text)


def check_level(text: str) -> str:
    if text not in DOCUMENT_NAMES:
        msg = f"--level {text!r} is not an attestat level; allowed: basic, secondary"
        raise ReportError(msg)
    return text


def build_frdo(app: LedgerApplication, year: int, level: str) -> FrdoExport:
    """The documents of ``level`` issued in ``year``, as of the latest checkpoint."""
    keys = data_keys(app.env)
    if keys is None:
        msg = (
            "the ФИС ФРДО file needs the graduates' names: give --keys and set "
            "LETOPIS_KEY_PASSPHRASE to the key directory's passphrase"
        )
        raise ReportError(msg)
    source = open_source(app, AsOf())
    entries = _book(source, level)
    issued = [e for e in entries.values() if _issued_on(e).year == year]
    if not issued:
        msg = (
            f"no {level} attestat or duplicate was issued in {year} (as of the "
            f"latest checkpoint, size {source.provenance.tree_size}); years with "
            f"documents: {_years(entries) or 'none'}"
        )
        raise ReportError(msg)
    rows, incomplete = [], []
    for entry in sorted(issued, key=lambda e: e.data["number"]):
        row = _row(source, entries, entry, level, keys)
        rows.append(row)
        missing = [NEEDED[k] for k in NEEDED if not row[k]]
        if missing:
            incomplete.append(f"№ {row['registration']}: {', '.join(missing)}")
    latest = LogStore(app.recorder).latest_checkpoint()
    signed_at = (
        latest.signed_at
        if latest and latest.size == source.provenance.tree_size
        else None
    )
    return FrdoExport(
        year, level, tuple(rows), source.provenance, signed_at, tuple(incomplete)
    )


def _book(source: Source, level: str) -> dict[int, Record]:
    """The book's entries by registration number, issue dates as corrected."""
    school = source.rows("view_school", types=("school.SchoolRegistered",))
    if not school:
        msg = "the log holds no school yet at this point; nothing to export"
        raise ReportError(msg)
    book = str(attestat_book_id(UUID(school[0].stream), level))
    entries: dict[int, Record] = {}
    for r in source.rows("view_book", "stream = ?", (book,)):
        if r.type in ("attestat.AttestatIssued", "attestat.DuplicateIssued"):
            entries[r.data["number"]] = r
        elif r.type == "attestat.BookEntryCorrected" and r.data["field"] == "issued_on":
            corrected = entries.get(r.data["entry"])
            if corrected is not None:
                corrected.data["issued_on"] = r.data["value"]
    return entries


def _issued_on(entry: Record) -> date:
    return date.fromisoformat(entry.data["issued_on"])


def _years(entries: Mapping[int, Record]) -> str:
    return ", ".join(
        str(y) for y in sorted({_issued_on(e).year for e in entries.values()})
    )


def _row(
    source: Source,
    entries: Mapping[int, Record],
    entry: Record,
    level: str,
    keys: DataKeyStore,
) -> dict[str, Any]:
    d = entry.data
    duplicate = entry.type == "attestat.DuplicateIssued"
    original = entries.get(d["original"]) if duplicate else entry
    if original is None:  # pragma: no cover - the book refuses a dangling duplicate
        msg = (
            f"duplicate № {d['number']} names entry № {d['original']}, not in the book"
        )
        raise ReportError(msg)
    person = _identity(source, d["pupil"], keys)
    graduated = original.data["year"].split("/")[-1]
    row: dict[str, Any] = {
        "document": DOCUMENT_NAMES[level],
        "kind": DUPLICATE if duplicate else ORIGINAL,
        "level": LEVEL_NAMES[level],
        "series": d["blank"]["series"],
        "number": d["blank"]["number"],
        "issued_on": _issued_on(entry),
        "registration": str(d["number"]),
        "surname": person.get("surname", ""),
        "name": person.get("name", ""),
        "patronymic": person.get("patronymic", ""),
        "birth_date": date.fromisoformat(person["birth_date"]),
        "sex": person.get("sex", ""),
        "snils": person.get("snils", ""),
        "citizenship": _citizenship(person.get("citizenship", "")),
        "graduated": int(graduated),
    }
    if duplicate:
        row |= {
            "original_document": DOCUMENT_NAMES[level],
            "original_series": original.data["blank"]["series"],
            "original_number": original.data["blank"]["number"],
            "original_registration": str(original.data["number"]),
            "original_issued_on": _issued_on(original),
        }
    return row


def _citizenship(name: str) -> str:
    return OKSM.get(name.strip().casefold(), name.strip())


def _identity(source: Source, pupil: str, keys: DataKeyStore) -> dict[str, Any]:
    rows = source.rows(
        "view_people", "pupil = ?", (pupil,), types=("people.StudentEnrolled",)
    )
    if not rows:
        msg = f"pupil {pupil} of the attestat book has no personal file in the log"
        raise ReportError(msg)
    try:
        return keys.open(pupil, rows[0].data["enc"])
    except LedgerError as e:
        file = rows[0].data["personal_file"]
        msg = f"the identity of pupil {file} ({pupil}) cannot be opened: {e}"
        raise ReportError(msg) from e


# -- the spreadsheet ------------------------------------------------------------------


def write_xlsx(export: FrdoExport, out: Path, *, now: datetime | None = None) -> None:
    """Write the upload file at ``out``, whole or not at all (a temporary file
    in the same folder, renamed into place)."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = DATA_SHEET
    _data_sheet(sheet, export)
    _about_sheet(book.create_sheet(ABOUT_SHEET), export, now or datetime.now(UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".frdo-", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        book.save(temporary)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _data_sheet(sheet: Worksheet, export: FrdoExport) -> None:
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export.rows:
        sheet.append([row.get(key, "") if key else "" for _, key in COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
            elif isinstance(cell.value, str):
                cell.number_format = "@"  # text: «000123» keeps its zeros
    sheet.freeze_panes = "A2"


def _about_sheet(sheet: Worksheet, export: FrdoExport, now: datetime) -> None:
    p = export.provenance
    lines = [
        ("Выгрузка", "ФИС ФРДО: выданные аттестаты и дубликаты"),
        ("Уровень", LEVEL_NAMES[export.level]),
        ("Год выдачи", str(export.year)),
        ("Документов", str(len(export.rows))),
        ("Из них дубликатов", str(export.duplicates)),
        ("Без пола, СНИЛС или гражданства", str(len(export.incomplete))),
        ("Журнал (origin)", p.origin),
        ("Размер дерева (tree size)", str(p.tree_size)),
        ("Корень (root, SHA-256, base64)", p.root),
        ("Контрольная точка подписана (UTC)", export.signed_at or "—"),
        (
            "Выгрузка сформирована (UTC)",
            now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
        ("Контрольная точка", p.checkpoint or "не подписана для этого размера"),
        *(("Проверка", command) for command in p.verify),
    ]
    for label, value in lines:
        sheet.append([label, value])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 90
