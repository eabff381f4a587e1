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
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.base import OpensStream, RecordStream
from ledger.domain.decisions import Decision, Medal
from ledger.domain.errors import (
    AlreadyRecordedError,
    AttestatError,
    BlankError,
    DuplicateOfUnknownError,
    InvalidRecordError,
    MissingFinalGradesError,
    NoDecisionError,
    RegistrationNumberError,
)
from ledger.domain.honours import GraduateResults
from ledger.domain.school import Level, Subject
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


@dataclass(frozen=True)
class Graduate:
    """What an attestat entry is made from, besides the book: the pupil, the
    council's decision to issue this level's attestat (``None`` when there is
    none), and the pupil's final grades and state exam results."""

    pupil: UUID
    decision: Decision | None
    results: GraduateResults


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

    # -- commands --------------------------------------------------------------------

    def issue_attestat(
        self,
        *,
        graduate: Graduate,
        number: int | None,
        blank: Blank,
        received_by: Recipient,
        class_id: UUID,
        class_name: str,
        year: str,
        level: Level,
        curriculum: tuple[Subject, ...],
        issued_on: date,
        order: Protocol,
        other: AttestatBook,
        at: datetime,
    ) -> int:
        """Enter the attestat of ``graduate`` of class ``class_name`` (§7.3.5): the
        book's next registration number (``number``, when given, must be it), one
        attestat per pupil, a blank unused in this book and the ``other`` level's
        and above the class's last one; only after the council's decision to issue
        it in that class, with a final grade in every subject of ``curriculum``
        (copied into the entry) and honours and a medal as decided, when the
        criteria hold. Its registration number."""
        pupil = graduate.pupil
        entry_number = self.next_number(number)
        self.check_new_graduate(pupil)
        self.check_blank_unused(blank, other)
        self.check_blank_ascending(blank, class_id, class_name)
        decision = graduate.decision
        if decision is None or decision.class_id != class_id:
            msg = (
                f"pupil {pupil} has no teachers' council decision to issue the "
                f"{level.value} attestat in {class_name} {year}; attestats are "
                "issued only after one (§7.3.6)"
            )
            raise NoDecisionError(msg)
        grades = graduate.results.final_grades
        missing = [s.code for s in curriculum if s.code not in grades]
        if missing:
            msg = (
                f"pupil {pupil} has no final grade in {', '.join(missing)}; an "
                "attestat needs a final grade for every subject of the curriculum"
            )
            raise MissingFinalGradesError(msg)
        graduate.results.check_honours(
            level, with_honours=decision.with_honours, medal=decision.medal
        )
        self._append(
            self.AttestatIssued(
                *self._next(at),
                number=entry_number,
                pupil=pupil,
                class_id=class_id,
                class_name=class_name,
                year=year,
                level=level,
                blank=blank,
                issued_on=issued_on,
                order=order,
                decision=decision.protocol,
                final_grades=tuple(
                    SubjectGrade(s.code, s.name, grades[s.code]) for s in curriculum
                ),
                with_honours=decision.with_honours,
                medal=decision.medal,
                received_by=received_by,
            )
        )
        return entry_number

    def issue_duplicate(
        self,
        *,
        original: int,
        blank: Blank,
        reason: str,
        order: Protocol,
        issued_on: date,
        received_by: Recipient,
        today: date,
        other: AttestatBook,
        at: datetime,
    ) -> int:
        """Enter a duplicate of attestat entry ``original`` as its own entry, with
        the reason, on a blank unused in the school (§7.3.5). Its number."""
        check_issue_dates(order, issued_on, today)
        if not reason.strip():
            msg = "a duplicate needs the reason (lost, damaged, name changed …)"
            raise InvalidRecordError(msg)
        entry = self.original_entry(original)
        self.check_blank_unused(blank, other)
        number = self.next_number(None)
        self._append(
            self.DuplicateIssued(
                *self._next(at),
                number=number,
                original=original,
                pupil=UUID(entry["pupil"]),
                blank=blank,
                issued_on=issued_on,
                order=order,
                reason=reason,
                received_by=received_by,
            )
        )
        return number

    def correct_entry(
        self, *, entry: int, field: str, value: str, reason: str, at: datetime
    ) -> str:
        """The director's correction of a field of entry ``entry`` (§7.3.5), with
        the reason; its event name."""
        self.check_correction(entry, field, value)
        if not reason.strip():
            msg = "a book correction needs the reason"
            raise InvalidRecordError(msg)
        return self._append(
            self.BookEntryCorrected(
                *self._next(at), entry=entry, field=field, value=value, reason=reason
            )
        )

    def spoil_blank(
        self, *, blank: Blank, reason: str, other: AttestatBook, at: datetime
    ) -> str:
        """Write off a blank never used in the school, with the reason; its
        event name."""
        self.check_blank_unused(blank, other)
        if not reason.strip():
            msg = "a spoiled blank needs the reason"
            raise InvalidRecordError(msg)
        return self._append(
            self.BlankSpoiled(*self._next(at), blank=blank, reason=reason)
        )

    # -- rules -----------------------------------------------------------------------

    def next_number(self, asked: int | None) -> int:
        """The next registration number; :class:`RegistrationNumberError` when the
        one asked for would leave a gap or repeat one."""
        expected = self.last_number + 1
        if asked is not None and asked != expected:
            msg = (
                f"registration number {asked} would break the book's through "
                f"numbering; the next number is {expected} (no gaps, no repeats, "
                "§7.3.5)"
            )
            raise RegistrationNumberError(msg)
        return expected

    def check_new_graduate(self, pupil: UUID) -> None:
        """One attestat per pupil and book: :class:`AlreadyRecordedError` when the
        book has one for ``pupil``."""
        for number, entry in self.entries.items():
            if entry["kind"] == "attestat" and entry["pupil"] == str(pupil):
                msg = (
                    f"pupil {pupil} has an attestat in this book already (entry "
                    f"{number}); a lost one is replaced by a duplicate"
                )
                raise AlreadyRecordedError(msg)

    def check_blank_unused(self, blank: Blank, *others: AttestatBook) -> None:
        """Raise :class:`BlankError` when this book or any of ``others`` (the
        school's other book) used ``blank``."""
        for book in (self, *others):
            used = book.blanks.get(blank.key)
            if used is not None:
                msg = (
                    f"blank {blank.key} was used already ({used}); every blank "
                    "number is used once in the school"
                )
                raise BlankError(msg)

    def check_blank_ascending(self, blank: Blank, klass: UUID, name: str) -> None:
        """Blank numbers rise within a class's entries (§7.3.5)."""
        last = self.last_blank.get(str(klass))
        if last is not None and int(blank.number) <= last:
            msg = (
                f"blank number {blank.number} is not above {last}, the last blank "
                f"of {name} in this book; blank numbers ascend within a class "
                "(§7.3.5)"
            )
            raise BlankError(msg)

    def original_entry(self, original: int) -> dict[str, Any]:
        """The attestat entry a duplicate names; :class:`DuplicateOfUnknownError`
        when the book has no such attestat entry."""
        entry = self.entries.get(str(original))
        if entry is None or entry["kind"] != "attestat":
            msg = (
                f"entry {original} is not an attestat entry of this book "
                f"({self._holds()}); a duplicate names the original entry"
            )
            raise DuplicateOfUnknownError(msg)
        return entry

    def check_correction(self, entry: int, field: str, value: str) -> None:
        """A correction names an existing entry and a correctable field."""
        if str(entry) not in self.entries:
            msg = (
                f"entry {entry} is not in this book ({self._holds()}); a correction "
                "names the entry's registration number"
            )
            raise AttestatError(msg)
        if field not in CORRECTABLE:
            msg = (
                f"field {field!r} cannot be corrected; allowed: "
                f"{', '.join(CORRECTABLE)}"
            )
            raise AttestatError(msg)
        _check_value(field, value)

    def _holds(self) -> str:
        if self.last_number == 0:
            return "the book has no entries yet"
        return f"it has entries 1–{self.last_number}"


def check_issue_dates(order: Protocol, issued_on: date, today: date) -> None:
    """The order of issue has a number and a date not after ``today``; the issue
    date is on or after the order and not after ``today``."""
    check_protocol(order, today, "the order of issue")
    if not order.on <= issued_on <= today:
        msg = (
            f"issue date {issued_on} must be on or after the order ({order.on}) "
            f"and not after today ({today})"
        )
        raise InvalidRecordError(msg)


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
