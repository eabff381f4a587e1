"""What every kind of import is: its columns, a check of each row against the
ledger, and the appends through the records services once every row passed.

A kind checks one row at a time (:meth:`Importer.check`), noting problems
against the row and column, then the whole file (:meth:`Importer.finish`, for
rules across rows). Only when no problem was found does :meth:`Importer.append`
write, in signed saves of :attr:`Importer.batch` items, through the same
service a front end calls (so the same rules are checked again as it saves).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar

from api.imports.columns import Column
from api.imports.lookups import Lookup
from api.imports.problems import Problems
from ledger.application import Signing
from ledger.domain.errors import DomainError
from ledger.records.office import SchoolRecords

T = TypeVar("T")
Progress = Callable[[int], None]
ParsedRows = Iterator[tuple[int, dict[str, Any]]]  # (row number, values by key)


@dataclass(frozen=True)
class Source:
    """The file an import reads: its name and SHA-256 (kept with imported
    history), and the import's academic year when the kind needs one."""

    name: str
    sha256: str
    year: str | None = None


class Importer(ABC):
    """One kind of import (staff, classes, pupils, teaching, marks, exams)."""

    name: ClassVar[str]
    #: the template's sheet name and the kind's name for school staff
    title: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    #: whether the kind needs the academic year (``--year``)
    needs_year: ClassVar[bool] = True
    #: items per signed save
    batch: ClassVar[int] = 200

    def __init__(
        self, look: Lookup, records: SchoolRecords, signing: Signing, source: Source
    ) -> None:
        self.look = look
        self.records = records
        self.signing = signing
        self.source = source

    def column(self, key: str) -> str:
        """The header of column ``key`` (where problems are noted)."""
        return _headers(self.columns)[key]

    def start(self, problems: Problems) -> None:
        """Checks before the rows (the year is opened, ...)."""
        if self.needs_year and self.look.year() is None:
            problems.add(
                1,
                "",
                f"учебный год {self.source.year or '(не указан)'} не открыт",
                "год, открытый в журнале (--year 2024/2025)",
            )

    @abstractmethod
    def check(self, row: int, values: dict[str, Any], problems: Problems) -> None:
        """Check one parsed row, noting its problems."""

    def finish(self, problems: Problems) -> None:  # noqa: B027 - optional hook
        """Rules across rows, once every row was checked."""

    @abstractmethod
    def append(self, progress: Progress) -> int:
        """Write what the checked rows hold; the number of items written."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the check kept (the import is over, either way)."""


class HeldImporter(Importer, Generic[T]):
    """A kind whose checked items are few enough to hold until appended (a
    school's staff, classes, pupils, teaching, exam results)."""

    def __init__(
        self, look: Lookup, records: SchoolRecords, signing: Signing, source: Source
    ) -> None:
        super().__init__(look, records, signing, source)
        self.items: list[T] = []

    def append(self, progress: Progress) -> int:
        for i in range(0, len(self.items), self.batch):
            chunk = self.items[i : i + self.batch]
            self.save(chunk)
            progress(len(chunk))
        return len(self.items)

    @abstractmethod
    def save(self, items: Sequence[T]) -> None:
        """Append ``items`` in one signed save through the service."""


@cache
def _headers(columns: tuple[Column, ...]) -> dict[str, str]:
    """Each column's header by its key (asked for on every row checked)."""
    return {c.key: c.header for c in columns}


def domain_problem(
    problems: Problems, row: int, column: str, allowed: str, check: Callable[[], Any]
) -> bool:
    """Run a domain ``check``; note its refusal against ``row`` and ``column``.
    Whether it passed."""
    try:
        check()
    except DomainError as e:
        problems.add(row, column, str(e), allowed)
        return False
    return True
