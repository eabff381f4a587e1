"""The journal's services: lessons with their marks and absences, corrections.

Rules checked before anything is saved (§7.3.6, DESIGN §4):

- a lesson is dated inside the academic year and not after today;
- its author teaches that class, subject and subgroup that day, or substitutes;
- every pupil marked or absent was in the class (and the subgroup) that day;
- marks are on the grading policy's scale for the subject, and the work type is
  one of the policy's (its weight is taken from the policy);
- a correction or void names an existing entry that was not voided, and is made
  by the entry's author or the deputy director;
- a lesson is held on a school day of the year's calendar;
- nothing new is entered on the days of a closed period, and an entry there is
  corrected or voided only by the deputy director or the director citing an
  order (:mod:`ledger.records.closing`).

A teacher's day is best saved in one call (one signed append for all lessons).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.application import Signing
from ledger.domain.attestation import Protocol
from ledger.domain.base import stream_of
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    InvalidRecordError,
    UnknownRecordError,
)
from ledger.domain.grading import GradingPolicy
from ledger.domain.ids import lesson_id
from ledger.domain.journal import AbsenceKind, ImportSource, Lesson, check_corrector
from ledger.domain.school import Subject
from ledger.errors import ConcurrencyError
from ledger.records.closing import check_closed_change
from ledger.records.context import DEPUTY, DIRECTOR, Author, RecordsContext


@dataclass(frozen=True)
class MarkInput:
    """A mark to record: the pupil, the mark and the kind of work."""

    pupil: UUID
    mark: str
    work_type: str


@dataclass(frozen=True)
class AbsenceInput:
    """An absence to record."""

    pupil: UUID
    kind: AbsenceKind = AbsenceKind.UNEXCUSED


@dataclass(frozen=True)
class LessonInput:
    """A lesson as the teacher enters it, with its marks and absences."""

    class_id: UUID
    subject: str
    day: date
    topic: str
    homework: str = ""
    subgroup: str | None = None
    number: int = 1
    marks: tuple[MarkInput, ...] = ()
    absences: tuple[AbsenceInput, ...] = ()
    #: the earlier journal's file this lesson is imported from, if it is
    imported: ImportSource | None = None


def _recorded_already(klass: SchoolClass, entry: LessonInput) -> str:
    return (
        f"lesson {entry.number} of {klass.name} {entry.subject} on {entry.day} is "
        "recorded already; add entries to it or record the next number"
    )


class Journal:
    """Lessons, marks, absences, corrections and voids."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def record_lessons(
        self, lessons: Sequence[LessonInput], *, signed_by: Signing
    ) -> list[UUID]:
        """Record lessons (with their entries) in one save; their stream ids."""
        ctx = self.ctx
        made: dict[UUID, Lesson] = {}
        try:
            with ctx.command(signed_by) as cmd:
                now = ctx.now()
                today = ctx.today(now)
                for entry in lessons:
                    lesson = self._hold(entry, cmd.author, now, today, made)
                    made[lesson.id] = lesson
                cmd.save(*made.values())
        except ConcurrencyError as e:
            self._explain_collision(made.values(), e)
            raise
        return list(made)

    def _explain_collision(self, made: Iterable[Lesson], error: Exception) -> None:
        """A lesson that collided because it was recorded already is named as such
        (the store refused the whole save, so nothing was written)."""
        for lesson in made:
            if self.ctx.exists(lesson.id):
                klass = self.ctx.school_class(lesson.class_id)
                entry = LessonInput(
                    lesson.class_id,
                    lesson.subject,
                    lesson.day,
                    "-",
                    number=lesson.number,
                )
                raise AlreadyRecordedError(_recorded_already(klass, entry)) from error

    def record_entries(
        self,
        lesson: UUID,
        *,
        marks: Sequence[MarkInput] = (),
        absences: Sequence[AbsenceInput] = (),
        signed_by: Signing,
    ) -> list[str]:
        """Add marks and absences to a recorded lesson; the new entries' names."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            author = cmd.author
            found = ctx.replay(Lesson, lesson)
            if found is None:
                msg = f"lesson {lesson} is not recorded; record the lesson first"
                raise UnknownRecordError(msg)
            klass = ctx.school_class(found.class_id)
            self._check_open(klass, found.subject, found.day, author, None)
            if marks or not self._is_class_teacher(author, klass):
                klass.check_teacher(
                    author.staff, found.subject, found.subgroup, found.day
                )
            subject = ctx.school().subject(found.subject)
            policy = ctx.school().policy_on(found.day)
            names = self._enter(
                found, klass, subject, policy, marks, absences, author, ctx.now()
            )
            cmd.save(found)
        return names

    def correct_mark(
        self,
        entry: str,
        *,
        mark: str,
        reason: str,
        order: Protocol | None = None,
        signed_by: Signing,
    ) -> str:
        """Replace a mark; by the entry's author or the deputy director (in a
        closed period: the deputy or the director, citing ``order``). Returns
        the correction's event name."""
        ctx = self.ctx
        with ctx.command(signed_by, author_first=False) as cmd:
            lesson = self._lesson_of(entry)
            target = lesson.live_entry(entry, ("mark",))
            author = cmd.author
            check_corrector(target, entry, author.staff, _answers(author))
            klass = ctx.school_class(lesson.class_id)
            self._check_open(klass, lesson.subject, lesson.day, author, order)
            school = ctx.school()
            policy = school.policy_on(lesson.day)
            policy.check_mark(
                mark, school.subject(lesson.subject).assessment, klass.grade
            )
            name = lesson.correct(
                corrects=entry,
                mark=mark,
                reason=reason,
                by=author.staff,
                at=ctx.now(),
                order=order,
            )
            cmd.save(lesson)
        return name

    def void_entry(
        self,
        entry: str,
        *,
        reason: str,
        order: Protocol | None = None,
        signed_by: Signing,
    ) -> str:
        """Void a mark or absence; by the entry's author or the deputy director
        (in a closed period: the deputy or the director, citing ``order``).
        Returns the void's event name."""
        ctx = self.ctx
        with ctx.command(signed_by, author_first=False) as cmd:
            lesson = self._lesson_of(entry)
            target = lesson.live_entry(entry, ("mark", "absence"))
            author = cmd.author
            check_corrector(target, entry, author.staff, _answers(author))
            klass = ctx.school_class(lesson.class_id)
            self._check_open(klass, lesson.subject, lesson.day, author, order)
            name = lesson.void(
                voids=entry, reason=reason, by=author.staff, at=ctx.now(), order=order
            )
            cmd.save(lesson)
        return name

    def lessons(
        self,
        klass: SchoolClass,
        subject: str,
        subgroup: str | None,
        first: date,
        last: date,
    ) -> list[Lesson]:
        """The recorded lessons of a class's subject on the school days of a span."""
        ctx = self.ctx
        year = ctx.year_of(klass)
        found = []
        for day in year.school_days(first, last):
            number = 1
            while (
                lesson := ctx.view(
                    Lesson, lesson_id(klass.id, subject, subgroup, day, number)
                )
            ) is not None:
                found.append(lesson)
                number += 1
        return found

    # -- the steps -------------------------------------------------------------------

    def _hold(
        self,
        entry: LessonInput,
        author: Author,
        now: datetime,
        today: date,
        made: dict[UUID, Lesson],
    ) -> Lesson:
        ctx = self.ctx
        klass = ctx.school_class(entry.class_id)
        ctx.year_of(klass).check_lesson_day(entry.day, today)
        self._check_open(klass, entry.subject, entry.day, author, None)
        school = ctx.school()
        subject = school.subject(entry.subject)
        substitute = klass.check_teacher(
            author.staff, entry.subject, entry.subgroup, entry.day
        )
        self._check_new(klass, entry, made)
        lesson = Lesson.hold(
            class_id=klass.id,
            subject=entry.subject,
            subgroup=entry.subgroup,
            day=entry.day,
            number=entry.number,
            topic=entry.topic,
            homework=entry.homework,
            teacher=author.staff,
            substitute=substitute,
            at=now,
            imported=entry.imported,
        )
        policy = school.policy_on(entry.day) if entry.marks else None
        self._enter(
            lesson, klass, subject, policy, entry.marks, entry.absences, author, now
        )
        return lesson

    def _check_new(
        self, klass: SchoolClass, entry: LessonInput, made: dict[UUID, Lesson]
    ) -> None:
        def stream(number: int) -> UUID:
            return lesson_id(klass.id, entry.subject, entry.subgroup, entry.day, number)

        # A lesson recorded before by this process is known; one recorded
        # elsewhere makes the save collide, and _explain_collision says so.
        if stream(entry.number) in made or self.ctx.cached(stream(entry.number)):
            raise AlreadyRecordedError(_recorded_already(klass, entry))
        previous = stream(entry.number - 1)
        if entry.number > 1 and not (previous in made or self.ctx.exists(previous)):
            msg = (
                f"lesson {entry.number} of {klass.name} {entry.subject} on {entry.day} "
                f"needs lesson {entry.number - 1} of that day first"
            )
            raise InvalidRecordError(msg)

    def _enter(
        self,
        lesson: Lesson,
        klass: SchoolClass,
        subject: Subject,
        policy: GradingPolicy | None,
        marks: Sequence[MarkInput],
        absences: Sequence[AbsenceInput],
        author: Author,
        now: datetime,
    ) -> list[str]:
        names = []
        for m in marks:
            assert policy is not None
            self._check_pupil(klass, lesson, m.pupil)
            policy.check_mark(m.mark, subject.assessment, klass.grade)
            weight = policy.weight_of(m.work_type)
            names.append(
                lesson.record_mark(
                    pupil=m.pupil,
                    mark=m.mark,
                    work_type=m.work_type,
                    weight=weight,
                    teacher=author.staff,
                    at=now,
                )
            )
        for a in absences:
            self._check_pupil(klass, lesson, a.pupil)
            names.append(
                lesson.record_absence(
                    pupil=a.pupil, kind=a.kind, teacher=author.staff, at=now
                )
            )
        return names

    def _check_pupil(self, klass: SchoolClass, lesson: Lesson, pupil: UUID) -> None:
        self.ctx.pupil_in_class(pupil, klass, lesson.day)
        klass.check_member(pupil, lesson.subject, lesson.subgroup, lesson.day)

    def _check_open(
        self,
        klass: SchoolClass,
        subject: str,
        day: date,
        author: Author,
        order: Protocol | None,
    ) -> None:
        """:class:`PeriodClosedError` when ``day`` is in a closed period of the
        class and subject, unless this is a correction by the deputy director or
        the director citing ``order`` (a new entry never is one)."""
        year = self.ctx.year_of(klass)
        closure = year.closure_of_day(klass.id, klass.grade, subject, day)
        what = f"{klass.name} {subject} on {day:%d.%m.%Y}"
        check_closed_change(year, closure, author, order, self.ctx.today(), what)

    def _is_class_teacher(self, author: Author, klass: SchoolClass) -> bool:
        return author.has("class_teacher") and klass.class_teacher == author.staff

    def _lesson_of(self, entry: str) -> Lesson:
        lesson = self.ctx.replay(Lesson, stream_of(entry, "entry"))
        if lesson is None:
            msg = (
                f"entry {entry} names no recorded lesson; only existing entries can "
                "be corrected or voided"
            )
            raise CorrectionError(msg)
        return lesson


def _answers(author: Author) -> bool:
    """The deputy director and the director answer for the records (§8.1): they
    may correct or void any entry."""
    return author.has(DEPUTY) or author.has(DIRECTOR)
