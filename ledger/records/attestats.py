"""The attestat book's services (§7.3.5; Приказ Минпросвещения № 546).

Rules checked before anything is saved:

- an attestat only after a council decision to issue one (of that level, for
  that class), with a final grade for every subject of the curriculum, honours
  and a medal only as decided and only when the criteria hold; only for a pupil
  admitted to the state exams who passed those the level requires
  (:func:`check_graduate_exams`); no book at all in a primary school;
- entries by the class teacher of the class, co-signed by the director (the
  co-signature is the signing policy's ``[cosign]`` rule); the class's
  graduates of one save in alphabetical order, after the class's entries
  already in the book unless entered late with the reason; the class's
  entries certified by the class teacher and the director;
- registration numbers through the book without gaps; blanks (the attestat's
  and the supplement's) received into the level's stock, used once in the
  school (both books) and, for the attestat's, ascending within a class;
- a duplicate only of an existing attestat entry, with the original's grades
  or, for an original in error, the corrected final grades; a correction names
  an existing entry (the director's); a spoiled blank is a blank of the stock
  never used.

The graduate's name and birth date, and the recipient when not the graduate,
are sealed in the entry under the book's own data key of the pupil
(:func:`~ledger.domain.attestat.book_subject`), so they last as long as the
book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

from ledger.application import Signing
from ledger.domain.attestat import (
    SNAPSHOT_INTERVAL,
    AttestatBook,
    Blank,
    BlankKind,
    DuplicateCause,
    Graduate,
    Person,
    Recipient,
    Sealer,
    book_subject,
    check_alphabetical,
    check_issue_dates,
)
from ledger.domain.attestation import Protocol
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import AuthorityError, InvalidRecordError
from ledger.domain.final_grades import FinalGrades
from ledger.domain.ids import attestat_book_id, council_record_id, final_grades_id
from ledger.domain.people import PersonalFile
from ledger.domain.school import Level
from ledger.records.context import Author, RecordsContext
from ledger.records.standing import Standing

_KIND = {
    Level.BASIC: DecisionKind.ATTESTAT_BASIC,
    Level.SECONDARY: DecisionKind.ATTESTAT_SECONDARY,
}


@dataclass(frozen=True)
class AttestatRequest:
    """One graduate's attestat: the blank it is printed on (and the
    supplement's), who received it (a parent's or proxy's name and the power
    of attorney when not the graduate), and (optionally) the registration
    number the class teacher expects."""

    pupil: UUID
    blank: Blank
    received_by: Recipient = Recipient.GRADUATE
    number: int | None = None
    supplement: Blank | None = None
    recipient_name: str = ""
    proxy_document: str = ""


class AttestatOffice:
    """Issues attestats and duplicates, certifies a class's entries, corrects
    entries, takes blanks into stock and writes off spoiled ones."""

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
        late_reason: str = "",
    ) -> list[int]:
        """Enter a class's attestats in the book, in one save, in alphabetical
        order; their numbers. ``late_reason`` says why they come after the
        class's entries already in the book (they go at its end)."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id)
            level = klass.attestat_level()
            self._check_keeps(level)
            _check_class_teacher(cmd.author, klass, "attestat entries")
            check_issue_dates(order, issued_on, ctx.today())
            if not requests:
                msg = (
                    f"no graduates of {klass.name} named; nothing to enter in the book"
                )
                raise InvalidRecordError(msg)
            book, other = self._book(level), self._other_book(level)
            before = book.version
            graduates = [self._graduate(r.pupil, klass.year, level) for r in requests]
            check_alphabetical(
                klass.name,
                [(g.pupil, _named(g)) for g in graduates],
                self._last_of_class(book, klass),
                late_reason=late_reason,
            )
            curriculum = ctx.school().curriculum(level)
            numbers = [
                book.issue_attestat(
                    graduate=graduate,
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
                    supplement=req.supplement,
                    recipient_name=req.recipient_name,
                    proxy_document=req.proxy_document,
                    late_reason=late_reason,
                    seal=self._sealer(req.pupil),
                )
                for req, graduate in zip(requests, graduates, strict=True)
            ]
            for req in requests:
                check_graduate_exams(ctx, req.pupil, level, klass.year)
            cmd.save(book)
        self._snapshot(book, before)
        return numbers

    def certify(
        self, *, class_id: UUID, certified_on: date, signed_by: Signing
    ) -> tuple[int, ...]:
        """Certify the class's uncertified entries: the class teacher signs, the
        director co-signs (§7.3.5); the entry numbers covered."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id)
            level = klass.attestat_level()
            _check_class_teacher(cmd.author, klass, "the certification of entries")
            if certified_on > ctx.today():
                msg = f"certified_on {certified_on} is after today ({ctx.today()})"
                raise InvalidRecordError(msg)
            book = self._book(level)
            before = book.version
            numbers = book.certify_class(
                class_id=klass.id,
                class_name=klass.name,
                year=klass.year,
                certified_on=certified_on,
                class_teacher=cmd.author.staff,
                director=self._director(signed_by),
                at=ctx.now(),
            )
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
        cause: DuplicateCause = DuplicateCause.LOST,
        supplement: Blank | None = None,
        recipient_name: str = "",
        proxy_document: str = "",
    ) -> int:
        """A duplicate of entry ``original``, as its own entry; its number. For
        an original in error it carries the pupil's current final grades."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            pupil = UUID(book.original_entry(original)["pupil"])
            grades = ctx.view(FinalGrades, final_grades_id(pupil, level.value))
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
                cause=cause,
                corrected_grades=grades.grades if grades else None,
                supplement=supplement,
                person=self._person(pupil),
                recipient_name=recipient_name,
                proxy_document=proxy_document,
                seal=self._sealer(pupil),
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
        self,
        *,
        level: Level,
        blank: Blank,
        reason: str,
        signed_by: Signing,
        kind: BlankKind = BlankKind.TITLE,
    ) -> None:
        """Write off a blank of the stock spoiled while being filled in."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            book.spoil_blank(
                blank=blank,
                reason=reason,
                other=self._other_book(level),
                at=ctx.now(),
                kind=kind,
            )
            cmd.save(book)
        self._snapshot(book, before)

    def receive_blanks(
        self,
        *,
        level: Level,
        kind: BlankKind,
        blanks: Sequence[Blank],
        invoice: str,
        received_on: date,
        signed_by: Signing,
    ) -> None:
        """Take blanks of the ``level`` attestat (or its supplement) into stock
        by the invoice or act; by the secretary or the director (policy)."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            self._check_keeps(level)
            book = self._book(level)
            before = book.version
            book.receive_blanks(
                kind=kind,
                blanks=blanks,
                invoice=invoice,
                received_on=received_on,
                today=ctx.today(),
                other=self._other_book(level),
                at=ctx.now(),
            )
            cmd.save(book)
        self._snapshot(book, before)

    def blanks_on_hand(self, level: Level, kind: BlankKind) -> list[str]:
        """The blanks of ``level`` and ``kind`` received and not yet used."""
        self.ctx.begin()
        return self._book(level).on_hand(kind)

    # -- steps -----------------------------------------------------------------------

    def _graduate(self, pupil: UUID, year: str, level: Level) -> Graduate:
        """The council's decision to issue ``level``'s attestat to ``pupil`` in
        ``year`` (if any), the pupil's final grades and exam results, and the
        name and birth date from the personal file."""
        council = self.ctx.view(CouncilRecord, council_record_id(pupil, year))
        return Graduate(
            pupil,
            council.find(_KIND[level]) if council else None,
            self.ctx.graduate_results(pupil, level, year),
            self._person(pupil),
        )

    def _person(self, pupil: UUID) -> Person:
        """The pupil's name and birth date, opened from the personal file."""
        file = self.ctx.view(PersonalFile, pupil)
        if file is None or file.school != self.ctx.school_id:
            msg = f"pupil {pupil} has no personal file in this school"
            raise InvalidRecordError(msg)
        return _person(self.ctx.identities().open(str(pupil), file.enc))

    def _sealer(self, pupil: UUID) -> Sealer:
        return partial(self.ctx.identities().seal, book_subject(pupil))

    def _last_of_class(self, book: AttestatBook, klass: SchoolClass) -> Person | None:
        """The name of the class's last entry in the book, if it has one (an
        entry made before names were kept in the book has none to compare)."""
        last = book.last_of_class.get(str(klass.id))
        if not last or not last["enc"]:
            return None
        opened = self.ctx.identities().open(book_subject(last["pupil"]), last["enc"])
        return _person(opened)

    def _director(self, signing: Signing) -> UUID | None:
        """The co-signing director's staff id; None without one, which the
        signing policy then refuses at the save (a PolicyError, so the server's
        co-signature desk holds the request for the director)."""
        for signer in signing.cosigners:
            author = self.ctx.author(Signing(signer))
            if "director" in author.roles:
                return author.staff
        return None

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
            self.ctx.snapshot(book.id, book.version)


def _person(opened: dict[str, Any]) -> Person:
    return Person(
        opened["surname"],
        opened["name"],
        opened.get("patronymic", ""),
        opened["birth_date"],
    )


def _named(graduate: Graduate) -> Person:
    if graduate.person is None:
        msg = f"pupil {graduate.pupil}: the book needs the name (personal file)"
        raise InvalidRecordError(msg)
    return graduate.person


def _check_class_teacher(author: Author, klass: SchoolClass, what: str) -> None:
    if author.staff != klass.class_teacher:
        msg = (
            f"{what} of {klass.name} are made by its class teacher "
            f"({klass.class_teacher}) and co-signed by the director (§7.3.5)"
        )
        raise AuthorityError(msg)


def check_graduate_exams(
    ctx: RecordsContext, pupil: UUID, level: Level, year: str
) -> None:
    """An attestat entry only for a pupil the council admitted to the state
    exams of ``year`` and who passed those ``level`` requires (issue 13):
    :class:`~ledger.domain.errors.StateExamsError` otherwise. A check of its
    own, beside the book's rules, called by :meth:`AttestatOffice.issue`."""
    Standing(ctx).check_state_exams(pupil, level, year)
