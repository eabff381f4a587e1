"""Reading a rendered report's JSON in tests: a table's rows by column name."""

from __future__ import annotations

from typing import Any

STATEMENT = "Сводная ведомость"
NAME = "Фамилия, имя, отчество обучающегося"
DECISION = "Решение педагогического совета (дата и номер)"


def rows_of(document: Any, title: str) -> list[dict[str, str]]:
    """The rows of table ``title`` as {column heading: cell}."""
    for t in document["tables"]:
        if t["title"] == title:
            return [dict(zip(t["columns"], r, strict=True)) for r in t["rows"]]
    raise AssertionError(f"no table {title!r}")


def statement(document: Any) -> list[dict[str, str]]:
    """The summary statement's rows: one per pupil, by column heading
    («Математика: I ч.», «История: итоговая», the decision)."""
    return rows_of(document, STATEMENT)
