"""Setting a school up: subjects, grading policy, years, classes, teachers, staff.

Role rules come from the signing policy (``school.*`` and ``people.*`` for the
director and deputy director); the services add the context rules: a class's
teacher and a subject's teacher are staff of this school, a subject is taught
in the class's grade, an assignment starts inside the class's year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.application import LedgerApplication, Signing
from ledger.domain.academic_year import AcademicYear
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import (
    AlreadyRecordedError,
    UnknownRecordError,
)
from ledger.domain.grading import GradingPolicy
from ledger.domain.ids import academic_year_id, class_id, school_id, staff_id
from ledger.domain.people import StaffMember
from ledger.domain.school import School, SchoolType, Subject
from ledger.domain.schoolyear import Holiday, PeriodScheme
from ledger.records.context import RecordsContext


def register_school(
    app: LedgerApplication,
    *,
    code: str,
    name: str,
    region: str,
    timezone: str,
    at: datetime,
    signed_by: Signing,
    school_type: SchoolType = SchoolType.SECONDARY,
) -> UUID:
    """Register a school (signed by the seal or the director) of ``school_type``
    (primary, basic, secondary: the grades and attestats it keeps); its id."""
    stream = school_id(code)
    if app.recorder.select_events(stream, limit=1):
        msg = f"school {code!r} is registered already (stream {stream})"
        raise AlreadyRecordedError(msg)
    school = School.register(
        code=code,
        name=name,
        region=region,
        timezone=timezone,
        at=at,
        school_type=school_type,
    )
    app.save(school, signed_by=signed_by)
    return stream


@dataclass(frozen=True)
class TeachingInput:
    """A teacher to assign to a class's subject (or one subgroup of it)."""

    class_id: UUID
    subject: str
    teacher: UUID
    starts: date
    subgroup: str | None = None
    members: tuple[UUID, ...] = ()


class SchoolSetup:
    """Curriculum, policies, years, classes, teaching, substitutions, staff."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def define_subjects(
        self, subjects: Sequence[Subject], *, signed_by: Signing
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            school = self._school()
            now = ctx.now()
            for subject in subjects:
                school.define_subject(subject, at=now)
            cmd.save(school)

    def set_grading_policy(self, policy: GradingPolicy, *, signed_by: Signing) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            school = self._school()
            school.set_grading_policy(policy, at=ctx.now())
            cmd.save(school)

    def open_year(
        self,
        *,
        year: str,
        starts: date,
        ends: date,
        holidays: tuple[Holiday, ...],
        schemes: tuple[PeriodScheme, ...],
        days_per_week: int = 5,
        working_days: tuple[date, ...] = (),
        late_after_days: int = 0,
        signed_by: Signing,
    ) -> UUID:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            stream = academic_year_id(ctx.school_id, year)
            if ctx.exists(stream):
                msg = f"academic year {year} is opened already"
                raise AlreadyRecordedError(msg)
            opened = AcademicYear.open(
                school=ctx.school_id,
                year=year,
                starts=starts,
                ends=ends,
                days_per_week=days_per_week,
                holidays=holidays,
                schemes=schemes,
                working_days=working_days,
                late_after_days=late_after_days,
                at=ctx.now(),
                grades=ctx.school().grades,
            )
            cmd.save(opened)
        return stream

    def open_classes(
        self,
        year: str,
        classes: Sequence[tuple[int, str, UUID]],
        *,
        signed_by: Signing,
    ) -> list[UUID]:
        """Open classes (grade, letter, class teacher) of ``year`` in one save."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            ctx.require(
                AcademicYear, academic_year_id(ctx.school_id, year), f"year {year}"
            )
            now, made = ctx.now(), list[SchoolClass]()
            grades = ctx.school().grades
            for grade, letter, teacher in classes:
                stream = class_id(ctx.school_id, year, f"{grade}{letter}")
                if ctx.exists(stream) or stream in [c.id for c in made]:
                    msg = f"class {grade}{letter} of {year} is opened already"
                    raise AlreadyRecordedError(msg)
                self._check_staff(teacher, "class teacher")
                made.append(
                    SchoolClass.open(
                        school=ctx.school_id,
                        year=year,
                        grade=grade,
                        letter=letter,
                        class_teacher=teacher,
                        at=now,
                        grades=grades,
                    )
                )
            cmd.save(*made)
        return [c.id for c in made]

    def assign_teaching(
        self, assignments: Sequence[TeachingInput], *, signed_by: Signing
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            school, now = ctx.school(), ctx.now()
            classes: dict[UUID, SchoolClass] = {}
            for a in assignments:
                klass = classes.get(a.class_id) or ctx.school_class(
                    a.class_id, to_change=True
                )
                classes[a.class_id] = klass
                school.subject(a.subject).check_taught_in(klass.grade)
                self._check_staff(a.teacher, "teacher")
                self._check_in_year(klass, a.starts)
                klass.assign(
                    subject=a.subject,
                    subgroup=a.subgroup,
                    teacher=a.teacher,
                    starts=a.starts,
                    members=a.members,
                    at=now,
                )
                cmd.save(klass)

    def record_substitution(
        self,
        *,
        class_id: UUID,
        subject: str,
        substitute: UUID,
        starts: date,
        ends: date,
        reason: str,
        subgroup: str | None = None,
        signed_by: Signing,
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id, to_change=True)
            self._check_staff(substitute, "substitute")
            self._check_in_year(klass, starts)
            self._check_in_year(klass, ends)
            klass.record_substitution(
                subject=subject,
                subgroup=subgroup,
                substitute=substitute,
                starts=starts,
                ends=ends,
                reason=reason,
                at=ctx.now(),
            )
            cmd.save(klass)

    def register_staff(
        self,
        staff: Sequence[tuple[str, str, str]],
        *,
        signed_by: Signing,
    ) -> list[UUID]:
        """Register staff (personnel number, position, full name) in one save; the
        full name is sealed under the staff member's data key."""
        ctx = self.ctx
        holder = ctx.app.context.registry.get(signed_by.author.key_id).holder
        # The first staff register themselves with others: no staff to author yet.
        among = holder in {str(staff_id(ctx.school_id, n)) for n, _, _ in staff}
        with ctx.command(signed_by, author_first=not among) as cmd:
            keys = ctx.identities()
            now, made = ctx.now(), list[StaffMember]()
            for number, position, full_name in staff:
                stream = staff_id(ctx.school_id, number)
                if ctx.exists(stream) or stream in [m.id for m in made]:
                    msg = f"staff member with personnel number {number!r} is registered"
                    raise AlreadyRecordedError(msg)
                enc = keys.seal(str(stream), {"full_name": full_name})
                made.append(
                    StaffMember.register(
                        school=ctx.school_id,
                        personnel_number=number,
                        position=position,
                        enc=enc,
                        at=now,
                    )
                )
            cmd.save(*made)
        return [m.id for m in made]

    def _school(self) -> School:
        """A private copy of the school to append to."""
        school = self.ctx.load(School, self.ctx.school_id)
        if school is None:
            raise UnknownRecordError(f"school {self.ctx.school_id} is not registered")
        return school

    def _check_staff(self, staff: UUID, what: str) -> None:
        if not self.ctx.staff_exists(staff):
            msg = f"{what} {staff} is not a registered staff member of this school"
            raise UnknownRecordError(msg)

    def _check_in_year(self, klass: SchoolClass, day: date) -> None:
        self.ctx.year_of(klass).check_within(day, klass.name)
