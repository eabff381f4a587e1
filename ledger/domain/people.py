"""Staff members and pupils' personal files (DESIGN §5, area "people").

A pupil's personal file («личное дело», §7.3.4) is one small stream: the
enrolment, each move to another class, and leaving. Its stream id is derived
from the personal file number, which is the number in the alphabetical book
(«алфавитная книга», e.g. «К-25»: the 25th pupil under К), so that id is the
pupil's pseudonymous UUID that every other record refers to. Identity fields
(full name, birth date) are only in ``enc``, sealed with a per-pupil data key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID

from ledger.domain.base import ExtendsStream, Record, StartsStream
from ledger.domain.errors import InvalidRecordError, NotEnrolledError
from ledger.domain.ids import personal_file_id, staff_id
from ledger.events import register_event_types

PERSONAL_FILE_NUMBER = re.compile(r"[А-ЯЁ]-[1-9][0-9]*")


class MoveReason(StrEnum):
    """Why a pupil changes class."""

    PROMOTED = "promoted"  # переведён в следующий класс
    PROMOTED_CONDITIONALLY = "promoted_conditionally"  # условно переведён
    RETAINED = "retained"  # оставлен на повторное обучение
    PARALLEL = "parallel"  # переведён в параллельный класс


class LeaveReason(StrEnum):
    """Why a pupil leaves the school (§7.3.4)."""

    TRANSFERRED = "transferred"  # переведён в другую организацию
    GRADUATED = "graduated"  # окончил школу
    EXPELLED = "expelled"  # отчислен


@register_event_types
class StaffMember(Record):
    """A member of staff; their signer keys name them as holder (DESIGN §4)."""

    class Registered(StartsStream):
        """people.StaffMemberRegistered: a teacher or administrator who signs
        records; the full name is sealed in ``enc`` (§5.3, §8)."""

        TOPIC: ClassVar[str] = "people.StaffMemberRegistered"
        school: UUID
        personnel_number: str
        position: str
        enc: dict[str, str]

    def __init__(
        self, school: UUID, personnel_number: str, position: str, enc: dict[str, str]
    ) -> None:
        self.school = school
        self.personnel_number = personnel_number
        self.position = position
        self.enc = dict(enc)

    @classmethod
    def register(
        cls,
        *,
        school: UUID,
        personnel_number: str,
        position: str,
        enc: dict[str, str],
        at: datetime,
    ) -> Self:
        if not personnel_number.strip() or not position.strip():
            msg = "a staff member needs a personnel number and a position"
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Registered(
                *cls._first(staff_id(school, personnel_number), at),
                school=school,
                personnel_number=personnel_number,
                position=position,
                enc=dict(enc),
            )
        )


@dataclass(frozen=True)
class Placement:
    """The class a pupil belongs to from a date on."""

    on: date
    class_id: UUID
    class_name: str


@register_event_types
class PersonalFile(Record):
    """A pupil's personal file: enrolment, moves between classes, leaving."""

    class Enrolled(StartsStream):
        """people.StudentEnrolled: a pupil is admitted and gets the personal file
        numbered as in the alphabetical book (§7.3.4); identity only in ``enc``."""

        TOPIC: ClassVar[str] = "people.StudentEnrolled"
        school: UUID
        personal_file: str
        class_id: UUID
        class_name: str
        on: date
        order: str
        enc: dict[str, str]

        def apply(self, aggregate: Any) -> None:
            aggregate.placements.append(
                Placement(self.on, self.class_id, self.class_name)
            )

    class MovedToClass(ExtendsStream):
        """people.StudentMovedToClass: promoted, promoted conditionally, retained
        or moved to a parallel class (§7.3.4 «переведён в … класс»)."""

        TOPIC: ClassVar[str] = "people.StudentMovedToClass"
        class_id: UUID
        class_name: str
        on: date
        reason: MoveReason
        basis: str

        def apply(self, aggregate: Any) -> None:
            aggregate.placements.append(
                Placement(self.on, self.class_id, self.class_name)
            )

    class Left(ExtendsStream):
        """people.StudentLeft: transferred, graduated or expelled; on a transfer the
        personal file may be handed to a parent on written request (§7.3.4)."""

        TOPIC: ClassVar[str] = "people.StudentLeft"
        on: date
        reason: LeaveReason
        order: str
        file_handed_to_guardian: bool
        guardian_request: date | None
        #: the written request's number («заявление № …»); "" without a hand-over
        guardian_request_number: str = ""

        def apply(self, aggregate: Any) -> None:
            aggregate.left_on = self.on
            aggregate.leave_reason = self.reason

    def __init__(self, school: UUID, personal_file: str, enc: dict[str, str]) -> None:
        self.school = school
        self.personal_file = personal_file
        self.enc = dict(enc)
        self.placements: list[Placement] = []
        self.left_on: date | None = None
        self.leave_reason: LeaveReason | None = None

    @classmethod
    def enrol(
        cls,
        *,
        school: UUID,
        personal_file: str,
        class_id: UUID,
        class_name: str,
        on: date,
        order: str,
        enc: dict[str, str],
        at: datetime,
    ) -> Self:
        if not PERSONAL_FILE_NUMBER.fullmatch(personal_file):
            msg = (
                f"personal file number {personal_file!r} is not the alphabetical "
                "book's form: a capital Cyrillic letter, a hyphen, a number (К-25)"
            )
            raise InvalidRecordError(msg)
        if not order.strip():
            msg = "an enrolment needs the admission order («приказ о зачислении»)"
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Enrolled(
                *cls._first(personal_file_id(school, personal_file), at),
                school=school,
                personal_file=personal_file,
                class_id=class_id,
                class_name=class_name,
                on=on,
                order=order,
                enc=dict(enc),
            )
        )

    @property
    def enrolled_on(self) -> date:
        return self.placements[0].on

    def class_on(self, day: date) -> Placement | None:
        """The pupil's class on ``day``, or ``None`` when not a pupil that day."""
        if day < self.enrolled_on or (self.left_on is not None and day >= self.left_on):
            return None
        current = None
        for placement in self.placements:
            if placement.on <= day:
                current = placement
        return current

    def check_in_class(self, klass: UUID, class_name: str, day: date) -> None:
        """Raise :class:`NotEnrolledError` unless the pupil was in ``klass``
        on ``day``."""
        placement = self.class_on(day)
        if placement is not None and placement.class_id == klass:
            return
        if placement is None:
            where = self._outside(day)
        else:
            where = f"was in {placement.class_name} since {placement.on}"
        msg = (
            f"pupil {self.id} (personal file {self.personal_file}) was not enrolled "
            f"in {class_name} on {day}: {where}; records are made only for pupils "
            "of the class on that date"
        )
        raise NotEnrolledError(msg)

    def _outside(self, day: date) -> str:
        if day < self.enrolled_on:
            return f"enrolled only on {self.enrolled_on}"
        return f"left the school on {self.left_on}"

    def move(
        self,
        *,
        class_id: UUID,
        class_name: str,
        on: date,
        reason: MoveReason,
        basis: str,
        at: datetime,
    ) -> None:
        last = self.placements[-1]
        if self.left_on is not None:
            msg = f"pupil {self.id} left the school on {self.left_on}; cannot move"
            raise NotEnrolledError(msg)
        if on <= last.on or class_id == last.class_id:
            msg = (
                f"a move must be to another class and after {last.on} (the pupil "
                f"joined {last.class_name} then); got {class_name} on {on}"
            )
            raise InvalidRecordError(msg)
        self._append(
            self.MovedToClass(
                *self._later(at),
                class_id=class_id,
                class_name=class_name,
                on=on,
                reason=reason,
                basis=basis,
            )
        )

    def leave(
        self,
        *,
        on: date,
        reason: LeaveReason,
        order: str,
        file_handed_to_guardian: bool,
        guardian_request: date | None,
        at: datetime,
        guardian_request_number: str = "",
    ) -> None:
        if self.left_on is not None or on <= self.placements[-1].on:
            msg = (
                f"pupil {self.id} cannot leave on {on}: left already "
                f"({self.left_on}) or joined the current class later"
            )
            raise InvalidRecordError(msg)
        _check_handover(reason, file_handed_to_guardian, guardian_request, on)
        if guardian_request_number and guardian_request is None:
            msg = "a request number is recorded only with the request's date"
            raise InvalidRecordError(msg)
        self._append(
            self.Left(
                *self._later(at),
                on=on,
                reason=reason,
                order=order,
                file_handed_to_guardian=file_handed_to_guardian,
                guardian_request=guardian_request,
                guardian_request_number=guardian_request_number,
            )
        )


def _check_handover(
    reason: LeaveReason, handed: bool, request: date | None, on: date
) -> None:
    """The personal file goes to a parent only on a transfer, on a written request
    made on or before the day (§7.3.4)."""
    if not handed:
        if request is not None:
            msg = "a guardian's request is recorded only with the file's hand-over"
            raise InvalidRecordError(msg)
        return
    if reason is not LeaveReason.TRANSFERRED or request is None or request > on:
        msg = (
            "the personal file is handed to a parent only on a transfer to another "
            "school and on their written request dated on or before leaving (§7.3.4)"
        )
        raise InvalidRecordError(msg)
