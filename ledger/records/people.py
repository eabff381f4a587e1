"""Pupils' personal files: enrolment, moves between classes, leaving (§7.3.4).

The personal file number is the pupil's number in the alphabetical book: the
first letter of the surname and the next number under that letter («К-25»).
The service finds the next number by probing the deterministic streams of that
letter (a doubling then a halving search, a dozen indexed lookups at most), so
no index is kept; two secretaries taking the same number at once collide in the
store, and the second is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ledger.application import Signing
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import InvalidRecordError, UnknownRecordError
from ledger.domain.ids import personal_file_id
from ledger.domain.people import LeaveReason, MoveReason, PersonalFile
from ledger.records.context import RecordsContext
from ledger.records.standing import Standing

CYRILLIC_CAPITALS = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ"


SNILS_FORM = "«123-456-789 01»: 11 digits, the last two a checksum"


def check_snils(snils: str) -> None:
    """Refuse a СНИЛС not written «XXX-XXX-XXX YY» or whose checksum is wrong.

    The checksum is the sum of the first nine digits each times its place
    counted from the right (9 … 1), taken modulo 101, with 100 written «00».
    """
    digits = snils.replace("-", "").replace(" ", "")
    shaped = len(snils) == 14 and snils[3] == snils[7] == "-" and snils[11] == " "
    if not (shaped and digits.isdigit() and len(digits) == 11):
        msg = f"СНИЛС {snils!r} is not written as {SNILS_FORM}"
        raise InvalidRecordError(msg)
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9])) % 101
    if total == 100:
        total = 0
    if int(digits[9:]) != total:
        msg = (
            f"СНИЛС {snils!r} has a wrong checksum (expected {total:02d}); {SNILS_FORM}"
        )
        raise InvalidRecordError(msg)


@dataclass(frozen=True)
class Identity:
    """A pupil's identity fields; they go into ``enc`` only (152-ФЗ)."""

    surname: str
    name: str
    patronymic: str
    birth_date: date
    #: «М» or «Ж», as ФИС ФРДО asks; "" when not given at enrolment
    sex: str = ""
    #: СНИЛС as «123-456-789 01» (checksum checked); "" when the pupil has none yet
    snils: str = ""
    #: citizenship as the ОКСМ country name («Россия»); "" when not given
    citizenship: str = ""

    def __post_init__(self) -> None:
        if self.sex not in {"", "М", "Ж"}:
            msg = f"sex {self.sex!r} is not allowed; allowed: «М» or «Ж» (or empty)"
            raise InvalidRecordError(msg)
        if self.snils:
            check_snils(self.snils)

    def sealed_fields(self) -> dict[str, str]:
        fields = {
            "surname": self.surname,
            "name": self.name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat(),
        }
        extra = {"sex": self.sex, "snils": self.snils, "citizenship": self.citizenship}
        fields.update({k: v for k, v in extra.items() if v})
        return fields

    @property
    def letter(self) -> str:
        letter = self.surname[:1].upper()
        if letter not in CYRILLIC_CAPITALS:
            msg = (
                f"surname {self.surname!r} does not start with a Cyrillic letter; the "
                "alphabetical book is kept by the Russian alphabet (write it in "
                "Cyrillic as in the birth certificate)"
            )
            raise InvalidRecordError(msg)
        return letter


@dataclass(frozen=True)
class EnrolmentInput:
    """A pupil to enrol in a class on a date, by an admission order."""

    identity: Identity
    class_id: UUID
    on: date
    order: str


@dataclass(frozen=True)
class MoveInput:
    """A pupil to move to another class on a date."""

    pupil: UUID
    class_id: UUID
    on: date
    reason: MoveReason
    basis: str


def next_free(exists: Callable[[int], bool]) -> int:
    """The first n ≥ 1 with ``exists(n)`` false, for numbers taken without gaps."""
    high = 1
    while exists(high):
        high *= 2
    low = high // 2  # exists(low) is true, or low == 0
    while high - low > 1:
        middle = (low + high) // 2
        if exists(middle):
            low = middle
        else:
            high = middle
    return high


class Enrolment:
    """The secretary's and director's services for personal files."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def enrol(
        self, pupils: Sequence[EnrolmentInput], *, signed_by: Signing
    ) -> list[UUID]:
        """Enrol pupils in one save; their pseudonymous ids, in order."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            keys, now = ctx.identities(), ctx.now()
            taken: dict[str, int] = {}
            made = []
            for p in pupils:
                klass = self._class_for(p.class_id, p.on)
                number = self._next_number(p.identity.letter, taken)
                pupil = personal_file_id(ctx.school_id, number)
                enc = keys.seal(str(pupil), p.identity.sealed_fields())
                made.append(
                    PersonalFile.enrol(
                        school=ctx.school_id,
                        personal_file=number,
                        class_id=klass.id,
                        class_name=klass.name,
                        on=p.on,
                        order=p.order,
                        enc=enc,
                        at=now,
                    )
                )
            cmd.save(*made)
        return [f.id for f in made]

    def move(self, moves: Sequence[MoveInput], *, signed_by: Signing) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            now = ctx.now()
            for m in moves:
                klass = self._class_for(m.class_id, m.on)
                file = self._file(m.pupil)
                current = file.placements[-1].class_id
                file.move(
                    class_id=klass.id,
                    class_name=klass.name,
                    on=m.on,
                    reason=m.reason,
                    basis=m.basis,
                    at=now,
                )
                Standing(ctx).check_move(m.pupil, current, klass, m.reason)
                cmd.save(file)

    def leave(
        self,
        pupil: UUID,
        *,
        on: date,
        reason: LeaveReason,
        order: str,
        file_handed_to_guardian: bool = False,
        guardian_request: date | None = None,
        guardian_request_number: str = "",
        signed_by: Signing,
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            file = self._file(pupil)
            file.leave(
                on=on,
                reason=reason,
                order=order,
                file_handed_to_guardian=file_handed_to_guardian,
                guardian_request=guardian_request,
                guardian_request_number=guardian_request_number,
                at=ctx.now(),
            )
            cmd.save(file)

    def _next_number(self, letter: str, taken: dict[str, int]) -> str:
        if letter not in taken:
            school = self.ctx.school_id
            taken[letter] = next_free(
                lambda n: self.ctx.exists(personal_file_id(school, f"{letter}-{n}"))
            )
        else:
            taken[letter] += 1
        return f"{letter}-{taken[letter]}"

    def _class_for(self, stream: UUID, day: date) -> SchoolClass:
        klass = self.ctx.school_class(stream)
        self.ctx.year_of(klass).check_joinable(day, klass.name)
        return klass

    def _file(self, pupil: UUID) -> PersonalFile:
        file = self.ctx.replay(PersonalFile, pupil)
        if file is None or file.school != self.ctx.school_id:
            msg = f"pupil {pupil} has no personal file in this school"
            raise UnknownRecordError(msg)
        return file
