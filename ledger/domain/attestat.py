"""The attestat book («книга выдачи аттестатов», §7.3.5).

One :class:`AttestatBook` stream per school and level (basic, secondary), as a
school keeps one book per level: entries numbered through («сквозная
нумерация») with no gaps, blank numbers ascending within a class, duplicates
as their own entries naming the original, the director's corrections naming
the entry number, and spoiled blanks. A book is kept fifty years, so its
stream grows for ever; the services snapshot it every
:data:`SNAPSHOT_INTERVAL` events (signed by the school's seal) so no append
replays more than that. The state is kept in plain JSON-able values for that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol
from ledger.domain.base import OpensStream, RecordStream
from ledger.domain.decisions import Medal
from ledger.domain.errors import (
    AttestatError,
    BlankError,
    DuplicateOfUnknownError,
    InvalidRecordError,
    RegistrationNumberError,
)
from ledger.domain.school import Level
from ledger.events import register_event_types

SNAPSHOT_INTERVAL = 50
_SERIES = re.compile(r"[0-9A-Za-zА-ЯЁ]{1,10}")
_NUMBER = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Blank:
    """A numbered attestat form («бланк», series and number)."""

    series: str
    number: str

    def __post_init__(self) -> None:
        if not _SERIES.fullmatch(self.series) or not _NUMBER.fullmatch(self.number):
            msg = (
                f"blank {self.series!r} {self.number!r}: a series of up to 10 letters "
                "or digits and a number of up to 12 digits"
            )
            raise InvalidRecordError(msg)

    @property
    def key(self) -> str:
        return f"{self.series} {self.number}"


@dataclass(frozen=True)
class SubjectGrade:
    """A line of the attestat: subject and final grade."""

    subject: str
    name: str
    grade: str


class Recipient(StrEnum):
    """Who received the attestat (signs the book's receipt column)."""

    GRADUATE = "graduate"
    GUARDIAN = "guardian"
    PROXY = "proxy"


CORRECTABLE = ("issued_on", "order", "received_by")


@register_event_types
class AttestatBook(RecordStream):
    """The school's book of issued attestats of one level."""

    class AttestatIssued(OpensStream):
        """attestat.AttestatIssued: an attestat entry (registration number, blank,
        order, final grades, honours), signed by the class teacher and co-signed
        by the director (§7.3.5, §4.10)."""

        TOPIC: ClassVar[str] = "attestat.AttestatIssued"
        number: int
        pupil: UUID
        class_id: UUID
        class_name: str
        year: str
        level: Level
        blank: Blank
        issued_on: date
        order: Protocol
        decision: Protocol
        final_grades: tuple[SubjectGrade, ...]
        with_honours: bool
        medal: Medal | None
        received_by: Recipient

        def apply(self, aggregate: Any) -> None:
            aggregate.add_entry(
                self.number, "attestat", self.pupil, self.blank, self.class_id
            )

    class DuplicateIssued(OpensStream):
        """attestat.DuplicateIssued: a duplicate attestat as its own entry, naming
        the original entry and the reason; certified by the director (§7.3.5)."""

        TOPIC: ClassVar[str] = "attestat.DuplicateIssued"
        number: int
        original: int
        pupil: UUID
        blank: Blank
        issued_on: date
        order: Protocol
        reason: str
        received_by: Recipient

        def apply(self, aggregate: Any) -> None:
            aggregate.add_entry(self.number, "duplicate", self.pupil, self.blank, None)

    class BookEntryCorrected(OpensStream):
        """attestat.BookEntryCorrected: the director's certified correction of an
        entry, naming its registration number (§7.3.5)."""

        TOPIC: ClassVar[str] = "attestat.BookEntryCorrected"
        entry: int
        field: str
        value: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[str(self.entry)].setdefault("corrected", []).append(
                self.field
            )

    class BlankSpoiled(OpensStream):
        """attestat.BlankSpoiled: a blank spoiled while being filled in; its number
        is used up (strict accounting of blanks, §7.3.5)."""

        TOPIC: ClassVar[str] = "attestat.BlankSpoiled"
        blank: Blank
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.blanks[self.blank.key] = "spoiled"

    def __init__(self) -> None:
        self.last_number = 0
        self.entries: dict[str, dict[str, Any]] = {}
        self.blanks: dict[str, str] = {}
        self.last_blank: dict[str, int] = {}

    def add_entry(
        self, number: int, kind: str, pupil: UUID, blank: Blank, klass: UUID | None
    ) -> None:
        self.last_number = number
        self.entries[str(number)] = {
            "kind": kind,
            "pupil": str(pupil),
            "blank": blank.key,
        }
        self.blanks[blank.key] = f"entry {number}"
        if klass is not None:
            self.last_blank[str(klass)] = int(blank.number)


class EmptyBook:
    """The state of a book with no entries yet."""

    last_number = 0
    entries: ClassVar[dict[str, dict[str, Any]]] = {}
    blanks: ClassVar[dict[str, str]] = {}
    last_blank: ClassVar[dict[str, int]] = {}


BookState = AttestatBook | EmptyBook


def next_number(book: BookState, asked: int | None) -> int:
    """The next registration number; :class:`RegistrationNumberError` when the
    one asked for would leave a gap or repeat one."""
    expected = book.last_number + 1
    if asked is not None and asked != expected:
        msg = (
            f"registration number {asked} would break the book's through numbering; "
            f"the next number is {expected} (no gaps, no repeats, §7.3.5)"
        )
        raise RegistrationNumberError(msg)
    return expected


def check_blank_unused(blank: Blank, *books: BookState) -> None:
    """Raise :class:`BlankError` when any book of the school used ``blank``."""
    for book in books:
        used = book.blanks.get(blank.key)
        if used is not None:
            msg = (
                f"blank {blank.key} was used already ({used}); every blank number "
                "is used once in the school"
            )
            raise BlankError(msg)


def check_blank_ascending(
    book: BookState, blank: Blank, klass: UUID, name: str
) -> None:
    """Blank numbers rise within a class's entries (§7.3.5)."""
    last = book.last_blank.get(str(klass))
    if last is not None and int(blank.number) <= last:
        msg = (
            f"blank number {blank.number} is not above {last}, the last blank of "
            f"{name} in this book; blank numbers ascend within a class (§7.3.5)"
        )
        raise BlankError(msg)


def _holds(book: BookState) -> str:
    if book.last_number == 0:
        return "the book has no entries yet"
    return f"it has entries 1–{book.last_number}"


def check_original(book: BookState, original: int) -> dict[str, Any]:
    """The attestat entry a duplicate names; :class:`DuplicateOfUnknownError`
    when the book has no such attestat entry."""
    entry = book.entries.get(str(original))
    if entry is None or entry["kind"] != "attestat":
        msg = (
            f"entry {original} is not an attestat entry of this book "
            f"({_holds(book)}); a duplicate names the original entry"
        )
        raise DuplicateOfUnknownError(msg)
    return entry


def check_correction(book: BookState, entry: int, field: str, value: str) -> None:
    """A correction names an existing entry and a correctable field."""
    if str(entry) not in book.entries:
        msg = (
            f"entry {entry} is not in this book ({_holds(book)}); a correction "
            "names the entry's registration number"
        )
        raise AttestatError(msg)
    if field not in CORRECTABLE:
        msg = f"field {field!r} cannot be corrected; allowed: {', '.join(CORRECTABLE)}"
        raise AttestatError(msg)
    _check_value(field, value)


def _check_value(field: str, value: str) -> None:
    try:
        if field == "issued_on":
            date.fromisoformat(value)
        elif field == "received_by":
            Recipient(value)
    except ValueError as e:
        msg = f"value {value!r} is not a valid {field}"
        raise AttestatError(msg) from e
    if not value.strip():
        msg = f"a corrected {field} cannot be empty"
        raise AttestatError(msg)


def book_or_empty(book: AttestatBook | None) -> BookState:
    return book if book is not None else EmptyBook()
