"""The columns of an import: Russian headers, what each cell may hold, parsing.

A kind of import names its columns in order (:class:`Column`); the header row
must carry exactly those headers. Each cell is parsed by its column's type
(text, whole number or date) and checked against its choices; every problem
is noted against the row and column, and the row is skipped, so one pass over
a file finds every bad cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from api.imports.problems import Problems
from api.imports.sheets import Cell, Value

DATE_FORM = "дата ДД.ММ.ГГГГ"


@dataclass(frozen=True)
class Column:
    """One column: its key, its header, what it holds and what is allowed."""

    key: str
    header: str
    allowed: str
    type: str = "text"  # text | int | date
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def hint(self) -> str:
        need = "обязательно" if self.required else "можно оставить пустым"
        return f"{self.allowed} ({need})"


class CellError(ValueError):
    """A cell's value is not of its column's type."""


def check_header(
    columns: Sequence[Column], cells: Sequence[Cell], row: int, problems: Problems
) -> bool:
    """Whether the header row names exactly ``columns``, in order (problems
    noted for every wrong, missing or extra header)."""
    ok = True
    for i, column in enumerate(columns):
        found = cells[i].value if i < len(cells) else None
        text = str(found).strip() if found is not None else ""
        if text != column.header:
            what = f"заголовок «{text}»" if text else "нет заголовка"
            problems.add(
                row, column.header, f"{what} в столбце {i + 1}", f"«{column.header}»"
            )
            ok = False
    for i in range(len(columns), len(cells)):
        if cells[i].value not in (None, ""):
            problems.add(
                row,
                str(cells[i].value),
                f"лишний столбец {i + 1}",
                "только столбцы шаблона: "
                + ", ".join(f"«{c.header}»" for c in columns),
            )
            ok = False
    return ok


def parse_row(
    columns: Sequence[Column], cells: Sequence[Cell], row: int, problems: Problems
) -> dict[str, Any] | None:
    """The row's values by column key, or ``None`` (problems noted) when any
    cell is a formula, merged, missing or not of its column's type."""
    values: dict[str, Any] = {}
    bad = False
    for i, column in enumerate(columns):
        cell = cells[i] if i < len(cells) else Cell(None)
        problem = _cell_problem(column, cell)
        if problem is None:
            try:
                values[column.key] = parse_value(column, cell.value)
            except CellError as e:
                problem = str(e)
        if problem is not None:
            problems.add(row, column.header, problem, column.hint)
            bad = True
    for i in range(len(columns), len(cells)):
        if cells[i].value not in (None, "") or cells[i].merged:
            problems.add(row, f"столбец {i + 1}", "значение вне столбцов", "пусто")
            bad = True
    return None if bad else values


def is_blank(cells: Sequence[Cell]) -> bool:
    """A row with nothing in it (skipped, as spreadsheets end in such rows)."""
    return all(c.value in (None, "") and not c.formula for c in cells)


def _cell_problem(column: Column, cell: Cell) -> str | None:
    if cell.merged:
        return "объединённые ячейки"
    if cell.formula:
        return f"формула {str(cell.value)[:40]!r} вместо значения"
    if cell.value in (None, "") and column.required:
        return "пустая ячейка"
    return None


def parse_value(column: Column, value: Value) -> Any:
    """The cell's value as its column's type; :class:`CellError` otherwise."""
    if value is None or value == "":
        return None
    if column.type == "date":
        return _date(value)
    if column.type == "int":
        return _int(value)
    text = _text(value)
    if column.choices and text not in column.choices:
        raise CellError(f"значение «{text}» не из списка")
    return text


def _text(value: Value) -> str:
    if type(value) is str:  # most cells: no other type to tell apart
        return " ".join(value.split())
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into a text column: «17»
    if isinstance(value, datetime | date):
        raise CellError(f"дата {value:%d.%m.%Y} вместо текста")
    return " ".join(str(value).split())


def _int(value: Value) -> int:
    if isinstance(value, bool):
        raise CellError(f"«{value}» не целое число")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise CellError(f"«{text}» не целое число")


def _date(value: Value) -> date:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError(f"«{value}» содержит время, а нужна дата")
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for form in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise CellError(f"«{text}» не дата")
