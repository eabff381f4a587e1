"""The attestat book's services (§7.3.5).

Rules checked before anything is saved:

- an attestat only after a council decision to issue one (of that level, for
  that class), with a final grade for every subject of the curriculum, honours
  and a medal only as decided and only when the criteria hold; only for a pupil
  admitted to the state exams who passed those the level requires
  (:func:`check_graduate_exams`); no book at all in a primary school;
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
    Graduate,
    Recipient,
    check_issue_dates,
)
from ledger.domain.attestation import Protocol
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import AuthorityError, InvalidRecordError
from ledger.domain.ids import attestat_book_id, council_record_id
from ledger.domain.school import Level
from ledger.records.context import RecordsContext
from ledger.records.standing import Standing

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

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

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
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id)
            level = klass.attestat_level()
            self._check_keeps(level)
            if cmd.author.staff != klass.class_teacher:
                msg = (
                    f"attestat entries of {klass.name} are made by its class "
                    f"teacher ({klass.class_teacher}) and co-signed by the director "
                    "(§7.3.5)"
                )
                raise AuthorityError(msg)
            check_issue_dates(order, issued_on, ctx.today())
            if not requests:
                msg = (
                    f"no graduates of {klass.name} named; nothing to enter in the book"
                )
                raise InvalidRecordError(msg)
            book, other = self._book(level), self._other_book(level)
            before = book.version
            curriculum = ctx.school().curriculum(level)
            numbers = [
                book.issue_attestat(
                    graduate=self._graduate(req.pupil, klass.year, level),
                    number=req.number,
                    blank=req.blank,
                    received_by=req.received_by,
                    class_id=klass.id,
                    class_name=klass.name,
                    year=klass.year,
                    level=level,
                    curriculum=curriculum,
                    issued_on=issued_on,
                    order=order,
                    other=other,
                    at=ctx.now(),
                )
                for req in requests
            ]
            for req in requests:
                check_graduate_exams(ctx, req.pupil, level, klass.year)
            cmd.save(book)
        self._snapshot(book, before)
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
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            number = book.issue_duplicate(
                original=original,
                blank=blank,
                reason=reason,
                order=order,
                issued_on=issued_on,
                received_by=received_by,
                today=ctx.today(),
                other=self._other_book(level),
                at=ctx.now(),
            )
            cmd.save(book)
        self._snapshot(book, before)
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
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            book.correct_entry(
                entry=entry, field=field, value=value, reason=reason, at=ctx.now()
            )
            cmd.save(book)
        self._snapshot(book, before)

    def spoil_blank(
        self, *, level: Level, blank: Blank, reason: str, signed_by: Signing
    ) -> None:
        """Write off a blank spoiled while being filled in."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            book.spoil_blank(
                blank=blank, reason=reason, other=self._other_book(level), at=ctx.now()
            )
            cmd.save(book)
        self._snapshot(book, before)

    # -- steps -----------------------------------------------------------------------

    def _graduate(self, pupil: UUID, year: str, level: Level) -> Graduate:
        """The council's decision to issue ``level``'s attestat to ``pupil`` in
        ``year`` (if any), and the pupil's final grades and exam results."""
        council = self.ctx.view(CouncilRecord, council_record_id(pupil, year))
        return Graduate(
            pupil,
            council.find(_KIND[level]) if council else None,
            self.ctx.graduate_results(pupil, level, year),
        )

    def _check_keeps(self, level: Level) -> None:
        """:class:`SchoolTypeError` when the school's type keeps no book of
        ``level`` (a primary school keeps none)."""
        self.ctx.school().school_type.check_level(level, "the attestat book")

    def _book(self, level: Level) -> AttestatBook:
        """A private copy of the school's book of ``level`` (opened, empty, before
        its first entry)."""
        stream = attestat_book_id(self.ctx.school_id, level.value)
        book = self.ctx.load(AttestatBook, stream)
        return book if book is not None else AttestatBook.open(stream)

    def _other_book(self, level: Level) -> AttestatBook:
        return self._book(Level.SECONDARY if level is Level.BASIC else Level.BASIC)

    def _snapshot(self, book: AttestatBook, before: int) -> None:
        """Snapshot the book just saved when its new entries (from version
        ``before`` on) crossed a multiple of SNAPSHOT_INTERVAL versions."""
        if book.version // SNAPSHOT_INTERVAL > before // SNAPSHOT_INTERVAL:
            self.ctx.app.take_snapshot(book.id, version=book.version)


def check_graduate_exams(
    ctx: RecordsContext, pupil: UUID, level: Level, year: str
) -> None:
    """An attestat entry only for a pupil the council admitted to the state
    exams of ``year`` and who passed those ``level`` requires (issue 13):
    :class:`~ledger.domain.errors.StateExamsError` otherwise. A check of its
    own, beside the book's rules, called by :meth:`AttestatOffice.issue`."""
    Standing(ctx).check_state_exams(pupil, level, year)
