"""What a refused import says: every bad row, where it is and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import LedgerError

#: A refusal lists at most this many rows (and says how many more there were).
SHOWN = 1000


@dataclass(frozen=True)
class RowProblem:
    """One bad cell or row: sheet, row number (1 = the header), column, why."""

    sheet: str
    row: int
    column: str
    message: str
    allowed: str

    def __str__(self) -> str:
        where = f"{self.sheet}, строка {self.row}"
        if self.column:
            where += f", столбец «{self.column}»"
        return f"{where}: {self.message}; допустимо: {self.allowed}"

    def as_json(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "allowed": self.allowed,
        }


class ImportRefusedError(LedgerError):
    """The file has bad rows; nothing was written. ``problems`` lists them all
    (up to :data:`SHOWN`; ``total`` counts every one)."""

    def __init__(self, kind: str, problems: list[RowProblem], total: int) -> None:
        self.kind = kind
        self.problems = problems
        self.total = total
        more = f" (показаны первые {len(problems)})" if total > len(problems) else ""
        lines = "\n".join(f"  {p}" for p in problems)
        msg = (
            f"импорт «{kind}» отклонён, ничего не записано: ошибок {total}{more}:\n"
            f"{lines}"
        )
        super().__init__(msg)


class Problems:
    """The problems found so far while checking a file."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.found: list[RowProblem] = []
        self.total = 0

    def add(self, row: int, column: str, message: str, allowed: str) -> None:
        self.total += 1
        if len(self.found) < SHOWN:
            self.found.append(RowProblem(self.sheet, row, column, message, allowed))

    def __bool__(self) -> bool:
        return self.total > 0

    def refuse_if_any(self, kind: str) -> None:
        """Raise :class:`ImportRefusedError` when anything was found."""
        if self.total:
            raise ImportRefusedError(kind, self.found, self.total)
