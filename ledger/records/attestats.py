"""The attestat book's services (§7.3.5).

Rules checked before anything is saved:

- an attestat only after a council decision to issue one (of that level, for
  that class), with a final grade for every subject of the curriculum, honours
  and a medal only as decided and only when the criteria hold;
- entries by the class teacher of the class, co-signed by the director (the
  co-signature is the signing policy's ``[cosign]`` rule);
- registration numbers through the book without gaps; blank numbers used once
  in the school (both books) and ascending within a class;
- a duplicate only of an existing attestat entry; a correction names an
  existing entry (the director's); a spoiled blank is a blank never used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ledger.application import Signing
from ledger.domain.attestat import (
    SNAPSHOT_INTERVAL,
    AttestatBook,
    Blank,
    BookState,
    Recipient,
    SubjectGrade,
    book_or_empty,
    check_blank_ascending,
    check_blank_unused,
    check_correction,
    check_original,
    next_number,
)
from ledger.domain.attestation import FinalGrades, Protocol, check_protocol
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import (
    AlreadyRecordedError,
    AttestatError,
    AuthorityError,
    InvalidRecordError,
    MissingFinalGradesError,
    NoDecisionError,
    UnknownRecordError,
)
from ledger.domain.ids import attestat_book_id, council_record_id, final_grades_id
from ledger.domain.school import Level, SchoolClass, Subject
from ledger.records.context import RecordsContext
from ledger.records.council import Council

_KIND = {
    Level.BASIC: DecisionKind.ATTESTAT_BASIC,
    Level.SECONDARY: DecisionKind.ATTESTAT_SECONDARY,
}


@dataclass(frozen=True)
class AttestatRequest:
    """One graduate's attestat: the blank it is printed on, who received it,
    and (optionally) the registration number the class teacher expects."""

    pupil: UUID
    blank: Blank
    received_by: Recipient = Recipient.GRADUATE
    number: int | None = None


class AttestatOffice:
    """Issues attestats and duplicates, corrects entries, writes off blanks."""

    def __init__(self, ctx: RecordsContext, council: Council) -> None:
        self.ctx = ctx
        self.council = council

    def issue(
        self,
        *,
        class_id: UUID,
        requests: Sequence[AttestatRequest],
        order: Protocol,
        issued_on: date,
        signed_by: Signing,
    ) -> list[int]:
        """Enter a class's attestats in the book, in one save; their numbers."""
        ctx = self.ctx
        ctx.begin()
        author = ctx.author(signed_by)
        klass = self._graduating_class(class_id)
        level = Level.BASIC if klass.grade == 9 else Level.SECONDARY
        if author.staff != klass.class_teacher:
            msg = (
                f"attestat entries of {klass.name} are made by its class teacher "
                f"({klass.class_teacher}) and co-signed by the director (§7.3.5)"
            )
            raise AuthorityError(msg)
        self._check_dates(order, issued_on)
        if not requests:
            msg = f"no graduates of {klass.name} named; nothing to enter in the book"
            raise InvalidRecordError(msg)
        stream, book = self._book(level)
        other = self._other_book(level)
        curriculum = ctx.school().curriculum(level)
        numbers = []
        for req in requests:
            state = book_or_empty(book)
            number = next_number(state, req.number)
            self._check_new_graduate(state, req.pupil)
            check_blank_unused(req.blank, state, other)
            check_blank_ascending(state, req.blank, klass.id, klass.name)
            book = AttestatBook.record(
                book,
                stream,
                AttestatBook.AttestatIssued,
                ctx.now(),
                number=number,
                class_id=klass.id,
                class_name=klass.name,
                year=klass.year,
                level=level,
                blank=req.blank,
                issued_on=issued_on,
                order=order,
                received_by=req.received_by,
                **self._graduate(req.pupil, klass, level, curriculum),
            )
            numbers.append(number)
        assert book is not None
        self._save_book(book, signed_by)
        return numbers

    def issue_duplicate(
        self,
        *,
        level: Level,
        original: int,
        blank: Blank,
        reason: str,
        order: Protocol,
        issued_on: date,
        received_by: Recipient = Recipient.GRADUATE,
        signed_by: Signing,
    ) -> int:
        """A duplicate of entry ``original``, as its own entry; its number."""
        ctx = self.ctx
        ctx.begin()
        ctx.author(signed_by)
        self._check_dates(order, issued_on)
        if not reason.strip():
            msg = "a duplicate needs the reason (lost, damaged, name changed …)"
            raise InvalidRecordError(msg)
        stream, book = self._book(level)
        state = book_or_empty(book)
        entry = check_original(state, original)
        check_blank_unused(blank, state, self._other_book(level))
        number = next_number(state, None)
        book = AttestatBook.record(
            book,
            stream,
            AttestatBook.DuplicateIssued,
            ctx.now(),
            number=number,
            original=original,
            pupil=UUID(entry["pupil"]),
            blank=blank,
            issued_on=issued_on,
            order=order,
            reason=reason,
            received_by=received_by,
        )
        self._save_book(book, signed_by)
        return number

    def correct_entry(
        self,
        *,
        level: Level,
        entry: int,
        field: str,
        value: str,
        reason: str,
        signed_by: Signing,
    ) -> None:
        """The director's correction of a book entry, naming its number."""
        ctx = self.ctx
        ctx.begin()
        ctx.author(signed_by)
        stream, book = self._book(level)
        check_correction(book_or_empty(book), entry, field, value)
        if not reason.strip():
            msg = "a book correction needs the reason"
            raise InvalidRecordError(msg)
        book = AttestatBook.record(
            book,
            stream,
            AttestatBook.BookEntryCorrected,
            ctx.now(),
            entry=entry,
            field=field,
            value=value,
            reason=reason,
        )
        self._save_book(book, signed_by)

    def spoil_blank(
        self, *, level: Level, blank: Blank, reason: str, signed_by: Signing
    ) -> None:
        """Write off a blank spoiled while being filled in."""
        ctx = self.ctx
        ctx.begin()
        ctx.author(signed_by)
        stream, book = self._book(level)
        check_blank_unused(blank, book_or_empty(book), self._other_book(level))
        if not reason.strip():
            msg = "a spoiled blank needs the reason"
            raise InvalidRecordError(msg)
        book = AttestatBook.record(
            book,
            stream,
            AttestatBook.BlankSpoiled,
            ctx.now(),
            blank=blank,
            reason=reason,
        )
        self._save_book(book, signed_by)

    # -- steps -----------------------------------------------------------------------

    def _graduate(
        self,
        pupil: UUID,
        klass: SchoolClass,
        level: Level,
        curriculum: tuple[Subject, ...],
    ) -> dict[str, object]:
        """The decision, final grades, honours and medal of one graduate."""
        ctx = self.ctx
        council = ctx.view(CouncilRecord, council_record_id(pupil, klass.year))
        decision = council.find(_KIND[level]) if council else None
        if decision is None or decision.class_id != klass.id:
            msg = (
                f"pupil {pupil} has no teachers' council decision to issue the "
                f"{level.value} attestat in {klass.name} {klass.year}; attestats are "
                "issued only after one (§7.3.6)"
            )
            raise NoDecisionError(msg)
        found = ctx.view(FinalGrades, final_grades_id(pupil, level.value))
        grades = found.grades if found else {}
        missing = [s.code for s in curriculum if s.code not in grades]
        if missing:
            msg = (
                f"pupil {pupil} has no final grade in {', '.join(missing)}; an "
                "attestat needs a final grade for every subject of the curriculum"
            )
            raise MissingFinalGradesError(msg)
        self.council.check_honours(
            pupil, level, klass.year, decision.with_honours, decision.medal
        )
        return {
            "pupil": pupil,
            "decision": decision.protocol,
            "final_grades": tuple(
                SubjectGrade(s.code, s.name, grades[s.code]) for s in curriculum
            ),
            "with_honours": decision.with_honours,
            "medal": decision.medal,
        }

    def _graduating_class(self, class_id: UUID) -> SchoolClass:
        klass = self.ctx.view(SchoolClass, class_id)
        if klass is None or klass.school != self.ctx.school_id:
            msg = f"class {class_id} is not opened in this school"
            raise UnknownRecordError(msg)
        if klass.grade not in (9, 11):
            msg = f"attestats are issued in grades 9 and 11, not in {klass.name}"
            raise AttestatError(msg)
        return klass

    def _check_dates(self, order: Protocol, issued_on: date) -> None:
        today = self.ctx.today()
        check_protocol(order, today, "the order of issue")
        if not order.on <= issued_on <= today:
            msg = (
                f"issue date {issued_on} must be on or after the order ({order.on}) "
                f"and not after today ({today})"
            )
            raise InvalidRecordError(msg)

    @staticmethod
    def _check_new_graduate(state: BookState, pupil: UUID) -> None:
        for number, entry in state.entries.items():
            if entry["kind"] == "attestat" and entry["pupil"] == str(pupil):
                msg = (
                    f"pupil {pupil} has an attestat in this book already (entry "
                    f"{number}); a lost one is replaced by a duplicate"
                )
                raise AlreadyRecordedError(msg)

    def _book(self, level: Level) -> tuple[UUID, AttestatBook | None]:
        """The stream of the school's book of ``level``, and the book (None
        before its first entry)."""
        stream = attestat_book_id(self.ctx.school_id, level.value)
        return stream, self.ctx.load(AttestatBook, stream)

    def _other_book(self, level: Level) -> BookState:
        other = Level.SECONDARY if level is Level.BASIC else Level.BASIC
        return book_or_empty(self._book(other)[1])

    def _save_book(self, book: AttestatBook, signed_by: Signing) -> None:
        """Save the book's new entries; snapshot it when they cross a multiple
        of SNAPSHOT_INTERVAL versions."""
        before = book.version - len(book.pending_events)
        self.ctx.save([book], signed_by)
        if book.version // SNAPSHOT_INTERVAL > before // SNAPSHOT_INTERVAL:
            self.ctx.app.take_snapshot(book.id, version=book.version)
