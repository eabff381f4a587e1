"""The electronic journal («электронный журнал», §7.3.6): lessons and entries.

One :class:`Lesson` stream per lesson: the lesson of a class, subject and
subgroup on a date (the n-th of that day), with its marks, absences and their
corrections. A lesson holds a class's entries for forty-five minutes, so the
stream stays short (a lesson, a few marks and absences; at most a few dozen).

An entry is never changed: a correction or a void is a new event that names
the entry (``<stream>:<seq>``) and gives the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID

from ledger.domain.attestation import Protocol
from ledger.domain.base import (
    ExtendsStream,
    Record,
    StartsStream,
    event_name,
    seq_in,
)
from ledger.domain.errors import (
    AuthorityError,
    CorrectionError,
    InvalidRecordError,
)
from ledger.domain.ids import lesson_id
from ledger.events import register_event_types

MAX_LESSONS_A_DAY = 8


class AbsenceKind(StrEnum):
    """Journal codes for an absence."""

    UNEXCUSED = "н"  # отсутствовал
    ILL = "б"  # болел
    EXCUSED = "у"  # по уважительной причине
    LATE = "оп"  # опоздал


@dataclass(frozen=True)
class ImportSource:
    """Where an imported lesson came from: an earlier journal (another
    e-journal's export, or the school's spreadsheets kept as a carrier),
    named by its file and the file's SHA-256, so the history is traceable."""

    source: str
    sha256: str


@dataclass
class Entry:
    """A mark or absence of the lesson as it stands after corrections."""

    seq: int
    kind: str
    pupil: UUID
    value: str
    work_type: str | None
    weight: int
    teacher: UUID
    voided: bool = False


@register_event_types
class Lesson(Record):
    """One lesson with its marks and absences (§7.3.6)."""

    class Held(StartsStream):
        """journal.LessonHeld: a lesson was given, with its topic and homework;
        the journal is filled in on the day of the lesson (§7.3.6)."""

        TOPIC: ClassVar[str] = "journal.LessonHeld"
        class_id: UUID
        subject: str
        subgroup: str | None
        day: date
        number: int
        topic: str
        homework: str
        teacher: UUID
        substitute: bool
        #: set when the lesson was brought in from an earlier journal's file
        imported: ImportSource | None = None

    class MarkRecorded(ExtendsStream):
        """journal.MarkRecorded: a pupil's mark for a piece of work, on the
        school's scale, with the work type and its weight (§3.2.1, §4.1)."""

        TOPIC: ClassVar[str] = "journal.MarkRecorded"
        pupil: UUID
        mark: str
        work_type: str
        weight: int
        teacher: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[self.originator_version] = Entry(
                self.originator_version,
                "mark",
                self.pupil,
                self.mark,
                self.work_type,
                self.weight,
                self.teacher,
            )

    class AbsenceRecorded(ExtendsStream):
        """journal.AbsenceRecorded: a pupil missed the lesson or came late
        (attendance, shown to parents in the diary, §7.3.6)."""

        TOPIC: ClassVar[str] = "journal.AbsenceRecorded"
        pupil: UUID
        kind: AbsenceKind
        teacher: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[self.originator_version] = Entry(
                self.originator_version,
                "absence",
                self.pupil,
                self.kind.value,
                None,
                0,
                self.teacher,
            )

    class MarkCorrected(ExtendsStream):
        """journal.MarkCorrected: a mark is replaced; names the entry and the
        reason, by its author or the deputy director (§7.3.6, §8.1)."""

        TOPIC: ClassVar[str] = "journal.MarkCorrected"
        corrects: str
        mark: str
        reason: str
        by: UUID
        order: Protocol | None = None  # after the period is closed: the order

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[aggregate.seq_of(self.corrects)].value = self.mark

    class MarkVoided(ExtendsStream):
        """journal.MarkVoided: a mark or absence entered in error stops counting;
        names the entry and the reason (§7.3.6)."""

        TOPIC: ClassVar[str] = "journal.MarkVoided"
        voids: str
        reason: str
        by: UUID
        order: Protocol | None = None  # after the period is closed: the order

        def apply(self, aggregate: Any) -> None:
            aggregate.entries[aggregate.seq_of(self.voids)].voided = True

    def __init__(
        self,
        class_id: UUID,
        subject: str,
        subgroup: str | None,
        day: date,
        number: int,
        teacher: UUID,
    ) -> None:
        self.class_id = class_id
        self.subject = subject
        self.subgroup = subgroup
        self.day = day
        self.number = number
        self.teacher = teacher
        self.entries: dict[int, Entry] = {}

    @classmethod
    def hold(
        cls,
        *,
        class_id: UUID,
        subject: str,
        subgroup: str | None,
        day: date,
        number: int,
        topic: str,
        homework: str,
        teacher: UUID,
        substitute: bool,
        at: datetime,
        imported: ImportSource | None = None,
    ) -> Self:
        if not 1 <= number <= MAX_LESSONS_A_DAY:
            msg = (
                f"lesson number {number} of the day is not within "
                f"1–{MAX_LESSONS_A_DAY}; it counts this subject's lessons that day"
            )
            raise InvalidRecordError(msg)
        if not topic.strip():
            msg = "a lesson needs its topic («тема урока»)"
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Held(
                *cls._first(lesson_id(class_id, subject, subgroup, day, number), at),
                class_id=class_id,
                subject=subject,
                subgroup=subgroup,
                day=day,
                number=number,
                topic=topic,
                homework=homework,
                teacher=teacher,
                substitute=substitute,
                imported=imported,
            )
        )

    def record_mark(
        self,
        *,
        pupil: UUID,
        mark: str,
        work_type: str,
        weight: int,
        teacher: UUID,
        at: datetime,
    ) -> str:
        """Record a mark; returns the entry's event name."""
        return self._append(
            self.MarkRecorded(
                *self._later(at),
                pupil=pupil,
                mark=mark,
                work_type=work_type,
                weight=weight,
                teacher=teacher,
            )
        )

    def record_absence(
        self, *, pupil: UUID, kind: AbsenceKind, teacher: UUID, at: datetime
    ) -> str:
        if any(
            e.kind == "absence" and e.pupil == pupil and not e.voided
            for e in self.entries.values()
        ):
            msg = f"pupil {pupil}'s absence from this lesson is recorded already"
            raise InvalidRecordError(msg)
        self._append(
            self.AbsenceRecorded(
                *self._later(at),
                pupil=pupil,
                kind=kind,
                teacher=teacher,
            )
        )
        return event_name(self.id, self.version)

    def correct(
        self,
        *,
        corrects: str,
        mark: str,
        reason: str,
        by: UUID,
        at: datetime,
        order: Protocol | None = None,
    ) -> str:
        """Replace the mark of entry ``corrects``; returns the correction's name."""
        entry = self.live_entry(corrects, ("mark",))
        if mark == entry.value or not reason.strip():
            msg = (
                f"a correction must change the mark (now {entry.value!r}) and give "
                "the reason"
            )
            raise InvalidRecordError(msg)
        self._append(
            self.MarkCorrected(
                *self._later(at),
                corrects=corrects,
                mark=mark,
                reason=reason,
                by=by,
                order=order,
            )
        )
        return event_name(self.id, self.version)

    def void(
        self,
        *,
        voids: str,
        reason: str,
        by: UUID,
        at: datetime,
        order: Protocol | None = None,
    ) -> str:
        """Void entry ``voids``; returns the void's event name."""
        self.live_entry(voids, ("mark", "absence"))
        if not reason.strip():
            msg = "a void must give the reason"
            raise InvalidRecordError(msg)
        self._append(
            self.MarkVoided(
                *self._later(at), voids=voids, reason=reason, by=by, order=order
            )
        )
        return event_name(self.id, self.version)

    def seq_of(self, name: str) -> int:
        return seq_in(self.id, name, "entry")

    def live_entry(self, name: str, kinds: tuple[str, ...]) -> Entry:
        """The entry named ``name``, which must exist, be one of ``kinds`` and not
        be voided; :class:`CorrectionError` otherwise."""
        entry = self.entries.get(self.seq_of(name))
        if entry is None or entry.kind not in kinds:
            msg = (
                f"entry {name} is not a {' or '.join(kinds)} of this lesson; only "
                "existing entries can be corrected or voided"
            )
            raise CorrectionError(msg)
        if entry.voided:
            msg = f"entry {name} was voided; a voided entry cannot be changed again"
            raise CorrectionError(msg)
        return entry

    def marks_of(self, pupil: UUID) -> list[tuple[str, int]]:
        """The pupil's counting marks (value, weight) after corrections and voids."""
        return [
            (e.value, e.weight)
            for e in self.entries.values()
            if e.kind == "mark" and e.pupil == pupil and not e.voided
        ]


def check_corrector(entry: Entry, name: str, by: UUID, is_deputy: bool) -> None:
    """Only the entry's author or the deputy director may change it (§8.1)."""
    if by == entry.teacher or is_deputy:
        return
    msg = (
        f"entry {name} was made by staff member {entry.teacher}; only its author "
        f"or the deputy director may correct or void it, not {by}"
    )
    raise AuthorityError(msg)
