"""The attestat book («книга для учёта и записи выданных аттестатов и дубликатов
аттестатов», §7.3.5; Приказ Минпросвещения № 546 of 05.10.2020).

One :class:`AttestatBook` stream per school and level (basic, secondary), as a
school keeps one book per level: entries numbered through («сквозная
нумерация») with no gaps; each entry with the graduate's name and birth date
(sealed), the attestat's and the supplement's blank numbers, the final grades,
the issue date and who received it; the class's entries certified by the class
teacher and the director; duplicates as their own entries naming the original,
with their own grades; the director's corrections naming the entry number.

The book also keeps the level's blanks as strict-accounting stock: blanks
received (by invoice or act), used by an entry, spoiled; only a blank received
and not yet used or spoiled can be filled in.

A book is kept fifty years, so its stream grows for ever; the services
snapshot it every :data:`SNAPSHOT_INTERVAL` events (signed by the school's
seal) so no append replays more than that. The state is kept in plain JSON-able
values for that, and holds no personal data in clear (names stay in ``enc``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.base import OpensStream, RecordStream
from ledger.domain.blanks import (
    MAX_BLANKS,
    Blank,
    BlankForm,
    BlankKind,
    Person,
    blank_range,
)
from ledger.domain.decisions import Decision, Medal
from ledger.domain.errors import (
    AlphabeticalOrderError,
    AlreadyRecordedError,
    AttestatError,
    BlankError,
    BlankStockError,
    DuplicateOfUnknownError,
    InvalidRecordError,
    MissingFinalGradesError,
    NoDecisionError,
    RegistrationNumberError,
)
from ledger.domain.honours import GraduateResults
from ledger.domain.school import Level, Subject
from ledger.events import register_event_types

__all__ = [
    "CORRECTABLE",
    "SNAPSHOT_INTERVAL",
    "AttestatBook",
    "Blank",
    "BlankForm",
    "BlankKind",
    "DuplicateCause",
    "Graduate",
    "Person",
    "Recipient",
    "Sealer",
    "SubjectGrade",
    "blank_range",
    "book_subject",
    "check_alphabetical",
    "check_issue_dates",
    "check_recipient",
]

SNAPSHOT_INTERVAL = 50

#: seals a book entry's personal fields (the service passes the data key
#: store's ``seal`` for the entry's subject); the domain never holds a key
Sealer = Callable[[dict[str, str]], dict[str, str]]


def book_subject(pupil: UUID | str) -> str:
    """The data-key subject of a pupil's book entries: not the personal file's
    key, so the names in the book outlive the personal file (3 years after
    leaving) for the book's fifty years."""
    return f"attestat-book/{pupil}"


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


class DuplicateCause(StrEnum):
    """Why a duplicate is issued (Приказ № 546): the cause decides its grades."""

    LOST = "lost"  # утрата: the original's grades
    DAMAGED = "damaged"  # порча: the original's grades
    ERROR = "error"  # ошибка в оригинале: the corrected (current) final grades
    NAME_CHANGED = "name_changed"  # смена фамилии (имени, отчества)


CORRECTABLE = ("issued_on", "order", "received_by")


@dataclass(frozen=True)
class Graduate:
    """What an attestat entry is made from, besides the book: the pupil, the
    council's decision to issue this level's attestat (``None`` when there is
    none), the pupil's final grades and state exam results, and the name and
    birth date the book prints (``None`` when the service has not read them)."""

    pupil: UUID
    decision: Decision | None
    results: GraduateResults
    person: Person | None = None


@register_event_types
class AttestatBook(RecordStream):
    """The school's book of issued attestats of one level, and its blanks."""

    class AttestatIssued(OpensStream):
        """attestat.AttestatIssued: an attestat entry (registration number, the
        graduate's name and birth date sealed in ``enc`` with the recipient when
        not the graduate, the attestat's and the supplement's blanks, order,
        final grades, honours), signed by the class teacher and co-signed by the
        director (§7.3.5; Приказ № 546). ``late_reason`` says why an entry comes
        after its class's alphabetical list."""

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
        supplement: Blank | None = None
        enc: dict[str, str] | None = None
        late_reason: str = ""

        def apply(self, aggregate: Any) -> None:
            aggregate.add_entry(self, "attestat", self.class_id, self.final_grades)

    class DuplicateIssued(OpensStream):
        """attestat.DuplicateIssued: a duplicate attestat as its own entry, naming
        the original entry, the cause and reason, with its own grades (the
        original's, or the corrected ones when the original was in error) and
        blanks; certified by the director (§7.3.5; Приказ № 546)."""

        TOPIC: ClassVar[str] = "attestat.DuplicateIssued"
        number: int
        original: int
        pupil: UUID
        blank: Blank
        issued_on: date
        order: Protocol
        reason: str
        received_by: Recipient
        cause: DuplicateCause = DuplicateCause.LOST
        final_grades: tuple[SubjectGrade, ...] = ()
        supplement: Blank | None = None
        enc: dict[str, str] | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.add_entry(self, "duplicate", None, self.final_grades)

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
        kind: BlankKind = BlankKind.TITLE

        def apply(self, aggregate: Any) -> None:
            aggregate.blanks[self.blank.stock_key(self.kind)] = "spoiled"

    class BlanksReceived(OpensStream):
        """attestat.BlanksReceived: blanks of one kind taken into the school's
        stock, by the invoice or act that lists them (strict accounting of
        blanks, Приказ № 546); recorded by the secretary or the director."""

        TOPIC: ClassVar[str] = "attestat.BlanksReceived"
        kind: BlankKind
        blanks: tuple[Blank, ...]
        invoice: str
        received_on: date

        def apply(self, aggregate: Any) -> None:
            for blank in self.blanks:
                aggregate.received[blank.stock_key(self.kind)] = str(self.received_on)

    class ClassEntriesCertified(OpensStream):
        """attestat.ClassEntriesCertified: the class's entries certified by the
        class teacher and the director, separately for each class (§7.3.5);
        names the entries it covers and the date."""

        TOPIC: ClassVar[str] = "attestat.ClassEntriesCertified"
        class_id: UUID
        class_name: str
        year: str
        entries: tuple[int, ...]
        certified_on: date
        class_teacher: UUID
        #: the co-signing director; None only in a dry run made before the
        #: director co-signs (the signing policy refuses the save without one)
        director: UUID | None = None

        def apply(self, aggregate: Any) -> None:
            for number in self.entries:
                aggregate.entries[str(number)]["certified"] = True

    def __init__(self) -> None:
        self.last_number = 0
        self.entries: dict[str, dict[str, Any]] = {}
        #: stock key (kind and number) → what used it ("entry N", "spoiled")
        self.blanks: dict[str, str] = {}
        #: stock key → the date it was received
        self.received: dict[str, str] = {}
        #: class → [series, number] of its last attestat blank
        self.last_blank: dict[str, list[Any]] = {}
        #: class → its last entry's pupil and sealed name (alphabetical order)
        self.last_of_class: dict[str, dict[str, Any]] = {}

    def add_entry(
        self,
        event: Any,
        kind: str,
        klass: UUID | None,
        grades: tuple[SubjectGrade, ...],
    ) -> None:
        number, blank = event.number, event.blank
        self.last_number = number
        self.entries[str(number)] = {
            "kind": kind,
            "pupil": str(event.pupil),
            "blank": blank.key,
            "class": str(klass) if klass else None,
            "grades": [[g.subject, g.name, g.grade] for g in grades],
        }
        self.blanks[blank.stock_key(BlankKind.TITLE)] = f"entry {number}"
        if event.supplement is not None:
            key = event.supplement.stock_key(BlankKind.SUPPLEMENT)
            self.blanks[key] = f"entry {number}"
        if klass is not None:
            self.last_blank[str(klass)] = [blank.series, int(blank.number)]
            self.last_of_class[str(klass)] = {
                "pupil": str(event.pupil),
                "enc": event.enc,
            }

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
        supplement: Blank | None = None,
        recipient_name: str = "",
        proxy_document: str = "",
        late_reason: str = "",
        seal: Sealer | None = None,
    ) -> int:
        """Enter the attestat of ``graduate`` of class ``class_name`` (§7.3.5,
        Приказ № 546): the book's next registration number (``number``, when
        given, must be it), one attestat per pupil, blanks (the attestat's and
        the supplement's) received into this book's stock and never used in the
        school, the attestat's above the class's last one; only after the
        council's decision to issue it in that class, with a final grade in
        every subject of ``curriculum`` (copied into the entry) and honours and
        a medal as decided, when the criteria hold. The graduate's name and
        birth date, and the recipient when not the graduate, are sealed with
        ``seal``. Its registration number."""
        pupil = graduate.pupil
        entry_number = self.next_number(number)
        self.check_new_graduate(pupil)
        self.check_blanks(blank, supplement, other)
        self.check_blank_ascending(blank, class_id, class_name)
        check_recipient(received_by, recipient_name, proxy_document)
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
        enc = _sealed(
            graduate.person, seal, received_by, recipient_name, proxy_document
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
                supplement=supplement,
                enc=enc,
                late_reason=late_reason.strip(),
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
        cause: DuplicateCause = DuplicateCause.LOST,
        corrected_grades: Mapping[str, str] | None = None,
        supplement: Blank | None = None,
        person: Person | None = None,
        recipient_name: str = "",
        proxy_document: str = "",
        seal: Sealer | None = None,
    ) -> int:
        """Enter a duplicate of attestat entry ``original`` as its own entry, with
        the cause and reason, on blanks received and never used in the school
        (§7.3.5, Приказ № 546). Its grades are the original's, or, when the
        original was in error, ``corrected_grades`` (the current final grades)
        over the original's subjects. Its number."""
        check_issue_dates(order, issued_on, today)
        if not reason.strip():
            msg = "a duplicate needs the reason (lost, damaged, name changed …)"
            raise InvalidRecordError(msg)
        entry = self.original_entry(original)
        self.check_blanks(blank, supplement, other)
        check_recipient(received_by, recipient_name, proxy_document)
        grades = _duplicate_grades(entry, cause, corrected_grades)
        number = self.next_number(None)
        enc = _sealed(person, seal, received_by, recipient_name, proxy_document)
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
                cause=cause,
                final_grades=grades,
                supplement=supplement,
                enc=enc,
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
        self,
        *,
        blank: Blank,
        reason: str,
        other: AttestatBook,
        at: datetime,
        kind: BlankKind = BlankKind.TITLE,
    ) -> str:
        """Write off a blank of this book's stock never used in the school, with
        the reason; its event name."""
        self.check_in_stock(blank, kind)
        self.check_blank_unused(blank, other, kind=kind)
        if not reason.strip():
            msg = "a spoiled blank needs the reason"
            raise InvalidRecordError(msg)
        return self._append(
            self.BlankSpoiled(*self._next(at), blank=blank, reason=reason, kind=kind)
        )

    def receive_blanks(
        self,
        *,
        kind: BlankKind,
        blanks: Sequence[Blank],
        invoice: str,
        received_on: date,
        today: date,
        other: AttestatBook,
        at: datetime,
    ) -> str:
        """Take ``blanks`` of ``kind`` into this book's stock by ``invoice`` (the
        invoice or act, its number and date): each number once, never received
        in the school before, at most :data:`MAX_BLANKS` at a time, received
        not after ``today``. Its event name."""
        if not invoice.strip():
            msg = "a receipt of blanks names the invoice or act (its number and date)"
            raise InvalidRecordError(msg)
        if received_on > today:
            msg = f"blanks received on {received_on}: not after today ({today})"
            raise InvalidRecordError(msg)
        if not 0 < len(blanks) <= MAX_BLANKS:
            msg = f"a receipt lists 1–{MAX_BLANKS} blanks, not {len(blanks)}"
            raise InvalidRecordError(msg)
        keys = [b.stock_key(kind) for b in blanks]
        if len(set(keys)) != len(keys):
            msg = "a receipt lists a blank number twice; each number once"
            raise BlankStockError(msg)
        for book in (self, other):
            again = [b.key for b in blanks if b.stock_key(kind) in book.received]
            if again:
                msg = (
                    f"blanks {', '.join(again[:5])} were received already; a blank "
                    "number enters the school's stock once"
                )
                raise BlankStockError(msg)
        return self._append(
            self.BlanksReceived(
                *self._next(at),
                kind=kind,
                blanks=tuple(blanks),
                invoice=invoice.strip(),
                received_on=received_on,
            )
        )

    def certify_class(
        self,
        *,
        class_id: UUID,
        class_name: str,
        year: str,
        certified_on: date,
        class_teacher: UUID,
        director: UUID | None,
        at: datetime,
    ) -> tuple[int, ...]:
        """Certify the class's entries not yet certified (§7.3.5: «заверяются
        подписями классного руководителя, директора … отдельно по каждому
        классу»); the entry numbers it covers."""
        numbers = tuple(
            int(n)
            for n, e in self.entries.items()
            if e.get("class") == str(class_id) and not e.get("certified")
        )
        if not numbers:
            msg = (
                f"{class_name} has no uncertified entries in this book "
                f"({self._holds()}); certify a class after entering its attestats"
            )
            raise AttestatError(msg)
        self._append(
            self.ClassEntriesCertified(
                *self._next(at),
                class_id=class_id,
                class_name=class_name,
                year=year,
                entries=numbers,
                certified_on=certified_on,
                class_teacher=class_teacher,
                director=director,
            )
        )
        return numbers

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

    def check_blanks(
        self, blank: Blank, supplement: Blank | None, other: AttestatBook
    ) -> None:
        """The attestat's blank and the supplement's (when given) are in this
        book's stock and never used in the school."""
        self.check_in_stock(blank, BlankKind.TITLE)
        self.check_blank_unused(blank, other)
        if supplement is not None:
            self.check_in_stock(supplement, BlankKind.SUPPLEMENT)
            self.check_blank_unused(supplement, other, kind=BlankKind.SUPPLEMENT)

    def check_in_stock(self, blank: Blank, kind: BlankKind) -> None:
        """:class:`BlankStockError` unless ``blank`` of ``kind`` was received
        into this book's stock (by an invoice or act)."""
        if blank.stock_key(kind) not in self.received:
            msg = (
                f"{_KIND_NAMES[kind]} blank {blank.key} was not received into this "
                f"book's stock ({self.on_hand_text(kind)}); record the receipt of "
                "blanks (invoice or act) before filling one in"
            )
            raise BlankStockError(msg)

    def check_blank_unused(
        self, blank: Blank, *others: AttestatBook, kind: BlankKind = BlankKind.TITLE
    ) -> None:
        """Raise :class:`BlankError` when this book or any of ``others`` (the
        school's other book) used or spoiled ``blank``."""
        for book in (self, *others):
            used = book.blanks.get(blank.stock_key(kind))
            if used is not None:
                msg = (
                    f"blank {blank.key} was used already ({used}); every blank "
                    "number is used once in the school"
                )
                raise BlankError(msg)

    def check_blank_ascending(self, blank: Blank, klass: UUID, name: str) -> None:
        """Blank numbers rise within a class's entries (§7.3.5), compared within
        one series (a current-form blank has none)."""
        last = self.last_blank.get(str(klass))
        if (
            last is not None
            and last[0] == blank.series
            and int(blank.number) <= last[1]
        ):
            msg = (
                f"blank number {blank.number} is not above {last[1]}, the last blank "
                f"of {name} in this book; blank numbers ascend within a class "
                "(§7.3.5)"
            )
            raise BlankError(msg)

    def on_hand(self, kind: BlankKind) -> list[str]:
        """The blanks of ``kind`` received and neither used nor spoiled."""
        prefix = f"{kind.value}:"
        return [
            key.removeprefix(prefix)
            for key in self.received
            if key.startswith(prefix) and key not in self.blanks
        ]

    def on_hand_text(self, kind: BlankKind) -> str:
        left = self.on_hand(kind)
        if not left:
            return "none on hand"
        shown = ", ".join(left[:3]) + (" …" if len(left) > 3 else "")
        return f"{len(left)} on hand: {shown}"

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


_KIND_NAMES = {BlankKind.TITLE: "attestat", BlankKind.SUPPLEMENT: "supplement"}


def check_alphabetical(
    class_name: str,
    people: Sequence[tuple[UUID, Person]],
    after: Person | None,
    *,
    late_reason: str = "",
) -> None:
    """The graduates of one class entered in one save are in alphabetical order
    (§7.3.5: «в алфавитном порядке отдельно по каждому классу»); and they come
    after the class's entries already in the book (``after``: the last one's
    name) unless ``late_reason`` says why they are entered late — a late entry
    goes at the end of the book with its own number, as the book is numbered
    through and never rewritten (Приказ № 546)."""
    for (first, a), (second, b) in pairwise(people):
        if b.sort_key < a.sort_key:
            msg = (
                f"graduates of {class_name} are not in alphabetical order: pupil "
                f"{second} sorts before pupil {first}; the book lists a class "
                "alphabetically (§7.3.5): enter them sorted by surname, name, "
                "patronymic"
            )
            raise AlphabeticalOrderError(msg)
    late = after is not None and people and people[0][1].sort_key < after.sort_key
    if late and not late_reason.strip():
        msg = (
            f"pupil {people[0][0]} sorts before the last graduate of {class_name} "
            "already in the book; the class's list is closed: enter a late "
            "attestat at the end of the book with the reason (late_reason, e.g. "
            "«ГИА сдана в дополнительные сроки»)"
        )
        raise AlphabeticalOrderError(msg)


def check_recipient(received_by: Recipient, name: str, document: str) -> None:
    """The book names who received the attestat when it is not the graduate
    (Приказ № 546): a parent's name, or the proxy's name and power of attorney."""
    if received_by is Recipient.GRADUATE and (name.strip() or document.strip()):
        msg = (
            "recipient_name and proxy_document are for an attestat received by a "
            "parent or by proxy; received_by is graduate"
        )
        raise InvalidRecordError(msg)
    if received_by is not Recipient.GRADUATE and not name.strip():
        msg = (
            f"received_by {received_by.value}: the book names the recipient; give "
            "recipient_name (surname, name, patronymic)"
        )
        raise InvalidRecordError(msg)
    if received_by is Recipient.PROXY and not document.strip():
        msg = (
            "received_by proxy: the book names the power of attorney; give "
            "proxy_document (its number and date)"
        )
        raise InvalidRecordError(msg)


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


def _sealed(
    person: Person | None,
    seal: Sealer | None,
    received_by: Recipient,
    recipient_name: str,
    proxy_document: str,
) -> dict[str, str]:
    """The entry's personal fields, sealed: the graduate's name and birth date,
    and the recipient when not the graduate."""
    if person is None or seal is None:
        msg = (
            "a book entry needs the graduate's name and birth date (Приказ № 546) "
            "and the data key store to seal them"
        )
        raise InvalidRecordError(msg)
    fields = person.sealed_fields()
    if received_by is not Recipient.GRADUATE:
        fields["recipient_name"] = recipient_name.strip()
    if proxy_document.strip():
        fields["proxy_document"] = proxy_document.strip()
    return seal(fields)


def _duplicate_grades(
    entry: Mapping[str, Any],
    cause: DuplicateCause,
    corrected: Mapping[str, str] | None,
) -> tuple[SubjectGrade, ...]:
    """A duplicate's grades: the original's, or for an original in error the
    corrected ones over the same subjects."""
    lines = [SubjectGrade(*line) for line in entry["grades"]]
    if cause is not DuplicateCause.ERROR:
        return tuple(lines)
    missing = [
        g.subject for g in lines if corrected is None or g.subject not in corrected
    ]
    if corrected is None or missing:
        msg = (
            "a duplicate issued for an error in the original carries the corrected "
            f"final grades; missing: {', '.join(missing)}"
        )
        raise MissingFinalGradesError(msg)
    return tuple(SubjectGrade(g.subject, g.name, corrected[g.subject]) for g in lines)


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
