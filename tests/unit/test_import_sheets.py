"""Reading spreadsheets for imports: the same rows from XLSX, ODS and CSV,
formulas and merged cells seen, dates and numbers as a school types them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from api.imports.columns import Column, parse_row
from api.imports.problems import Problems
from api.imports.sheets import Cell, UnreadableFileError, open_table
from tests.support.sheets import write_csv, write_ods

ROWS: list[list[Any]] = [["Класс", "Дата", "Номер"], ["5А", date(2024, 9, 2), 17]]


def read(path: Path) -> tuple[str, list[tuple[int, tuple[Cell, ...]]], object]:
    with open_table(path) as table:
        rows = list(table.rows)
        return table.sheet, rows, table.areas


def values(rows: list[tuple[int, tuple[Cell, ...]]]) -> list[list[object]]:
    return [[c.value for c in cells] for _, cells in rows]


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (",", False)])
def test_csv_as_russian_excel_or_plainly(
    tmp_path: Path, delimiter: str, bom: bool
) -> None:
    path = write_csv(tmp_path / "классы.csv", ROWS, delimiter=delimiter, bom=bom)
    sheet, rows, _ = read(path)
    assert sheet == "классы"
    assert values(rows) == [["Класс", "Дата", "Номер"], ["5А", "02.09.2024", "17"]]


def test_xlsx_values_formulas_and_merged_areas(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Классы"
    for row in ROWS:
        sheet.append(row)
    sheet.append(["6Б", "=TODAY()", 3])
    sheet.append(["7В", datetime(2024, 9, 3), 4])
    sheet.merge_cells("A4:B4")
    book.save(tmp_path / "c.xlsx")
    name, rows, areas = read(tmp_path / "c.xlsx")
    assert name == "Классы"
    assert values(rows)[1] == ["5А", datetime(2024, 9, 2), 17]
    assert rows[2][1][1] == Cell("=TODAY()", formula=True)
    assert areas is not None
    assert areas.merged == [(4, 1, 4, 2)]  # type: ignore[attr-defined]


texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t<>&\"'"),
    min_size=1,
    max_size=12,
).filter(lambda t: t.strip() == t and not t.startswith("="))
midnights = st.dates(date(1950, 1, 1), date(2090, 1, 1)).map(
    lambda d: datetime(d.year, d.month, d.day)
)
formulas = st.sampled_from(["=SUM(A1:A2)", "=TODAY()", '="a"&"b"'])
cell_values: st.SearchStrategy[Any] = st.one_of(
    st.none(), texts, st.integers(-(10**9), 10**9), st.booleans(), midnights, formulas
)


@settings(max_examples=15, deadline=None)
@given(
    rows=st.lists(st.lists(cell_values, max_size=6), min_size=1, max_size=6),
    write_only=st.booleans(),
)
def test_xlsx_cells_read_as_openpyxl_reads_them(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[Any]],
    write_only: bool,
) -> None:
    """Shared strings (a normal workbook) or inline strings (write-only), gaps,
    dates, booleans and formulas: the streamed reader gives openpyxl's values."""
    path = tmp_path_factory.mktemp("xlsx") / "rows.xlsx"
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("Лист") if write_only else book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    written = load_workbook(path, read_only=True).active
    assert written is not None
    expected = [list(r) for r in written.iter_rows(values_only=True)]
    _, found, _ = read(path)
    as_read = {n: [c.value for c in cells] for n, cells in found}

    def trimmed(values: list[Any]) -> list[Any]:
        while values and values[-1] is None:
            values = values[:-1]
        return values

    for number, row in enumerate(expected, start=1):
        assert trimmed(as_read.get(number, [])) == trimmed(row)
    formulas = {(n, i) for n, cells in found for i, c in enumerate(cells) if c.formula}
    assert formulas == {
        (n, i)
        for n, row in enumerate(expected, start=1)
        for i, v in enumerate(row)
        if isinstance(v, str) and v.startswith("=")
    }


def test_ods_formulas_and_merged_cells_are_marked(tmp_path: Path) -> None:
    path = write_ods(
        tmp_path / "c.ods",
        [*ROWS, ["6Б", ("=", "1+1", 2), 3], [("merge", "7В"), "x", 4]],
        name="Классы",
    )
    name, rows, _ = read(path)
    assert name == "Классы"
    assert values(rows)[1] == ["5А", date(2024, 9, 2), 17]
    assert rows[2][1][1].formula
    assert [c.merged for c in rows[3][1]] == [True, True, False]


def test_cells_parse_by_type_and_every_bad_cell_is_noted() -> None:
    columns = (
        Column("klass", "Класс", "«5А»"),
        Column("day", "Дата", "ДД.ММ.ГГГГ", "date"),
        Column("n", "Номер", "целое", "int", required=False),
    )
    problems = Problems("Лист")
    good = parse_row(columns, (Cell(17.0), Cell("02.09.2024"), Cell("3")), 2, problems)
    assert good == {"klass": "17", "day": date(2024, 9, 2), "n": 3}
    bad = (Cell(None), Cell("завтра"), Cell("=1", formula=True), Cell("лишнее"))
    assert parse_row(columns, bad, 3, problems) is None
    assert [(p.row, p.column) for p in problems.found] == [
        (3, "Класс"),
        (3, "Дата"),
        (3, "Номер"),
        (3, "столбец 4"),
    ]


def test_other_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_text("x", encoding="utf-8")
    with (
        pytest.raises(UnreadableFileError, match=r"\.xlsx, \.ods, \.csv"),
        open_table(path),
    ):
        pass
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with (
        pytest.raises(UnreadableFileError, match="cannot be read as XLSX"),
        open_table(broken),
    ):
        pass
