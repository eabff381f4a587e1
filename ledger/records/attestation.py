"""Period grades, intermediate attestation, retakes, state exams, final grades.

Rules checked before anything is saved:

- a period grade only for a closed period (its last day is past), by the
  subject's teacher in that class; the weighted average of the period's marks
  under the policy (for the year: of the period grades) is computed and
  recorded beside the teacher's grade, which is what counts;
- an intermediate attestation once a year per subject, with its protocol;
- a retake only of the latest failed result, at most two, the second before a
  commission (273-ФЗ art. 58);
- a state exam result only for a pupil the council admitted to state exams;
- a final grade only for a subject of the attestat's curriculum, by the class
  teacher of the graduating class (or the deputy director or director); one
  that differs from the grade Приказ 546 derives needs a reason (its basis)
  and the director's signature;
- the final interview (grade 9) or essay (grade 11): the grade's own test,
  «зачёт»/«незачёт», retaken only after a «незачёт», at most three sittings;
- a primary school records no state exams and no final grades;
- no period grade for a closed period; corrections of every kind name the
  record they correct (``<stream>:<seq>``) and give the reason; in a closed
  period only by the deputy or the director citing an order;
- a retake within a year of the debt (273-ФЗ art. 58 p. 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from ledger.application import Signing
from ledger.domain.admission import AdmissionTestKind, AdmissionTests
from ledger.domain.attestation import Protocol, SubjectRecord, check_protocol
from ledger.domain.base import event_name
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.errors import (
    AuthorityError,
    CorrectionError,
    InvalidRecordError,
    NotEnrolledError,
    RetakeError,
    UnknownRecordError,
)
from ledger.domain.exams import ExamResult, ExamSheet
from ledger.domain.final_grades import FinalGrades
from ledger.domain.graduation import Derivation, check_final_grade
from ledger.domain.ids import (
    admission_tests_id,
    council_record_id,
    exam_sheet_id,
    final_grades_id,
    subject_record_id,
)
from ledger.domain.people import PersonalFile
from ledger.domain.school import Level
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.closing import check_closed_change
from ledger.records.context import DEPUTY, DIRECTOR, Author, RecordsContext
from ledger.records.journal import Journal
from ledger.records.standing import Standing


@dataclass(frozen=True)
class ExamImport:
    """One line of a regional centre's protocol, for one pupil."""

    pupil: UUID
    year: str
    result: ExamResult
    protocol: Protocol
    centre: str


@dataclass(frozen=True)
class PeriodSheet:
    """One course's grades for a period: class, subject, subgroup, grades."""

    class_id: UUID
    subject: str
    grades: Mapping[UUID, str]
    subgroup: str | None = None


class Attestation:
    """Grades for periods, the year, attestation, retakes, exams, final grades."""

    def __init__(self, ctx: RecordsContext, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal

    def record_period_grades(
        self,
        *,
        class_id: UUID,
        subject: str,
        period: str,
        grades: Mapping[UUID, str],
        subgroup: str | None = None,
        signed_by: Signing,
    ) -> list[str]:
        """Record a class's grades for a closed period in one save; event names."""
        sheet = PeriodSheet(class_id, subject, grades, subgroup)
        return self.record_period_sheets(period, [sheet], signed_by=signed_by)

    def record_period_sheets(
        self, period: str, sheets: Sequence[PeriodSheet], *, signed_by: Signing
    ) -> list[str]:
        """Record a teacher's grade sheets for a closed period in one save."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            today, now = ctx.today(), ctx.now()
            names: list[str] = []
            for sheet in sheets:
                records = self._period_sheet(sheet, period, cmd.author, today, now)
                names.extend(event_name(r.id, r.version) for r in records)
                cmd.save(*records)
        return names

    def _period_sheet(
        self,
        sheet: PeriodSheet,
        period: str,
        author: Author,
        today: date,
        now: datetime,
    ) -> list[SubjectRecord]:
        ctx = self.ctx
        klass = ctx.school_class(sheet.class_id)
        year = ctx.year_of(klass)
        span = year.closed_period(klass.grade, period, today)
        closure = year.closure_of_period(klass.id, sheet.subject, period)
        what = f"the {period} grade of {klass.name} {sheet.subject}"
        check_closed_change(year, closure, author, None, today, what)
        klass.check_teacher(author.staff, sheet.subject, sheet.subgroup, span.ends)
        school = ctx.school()
        assessment = school.subject(sheet.subject).assessment
        policy = school.policy_on(span.ends)
        lessons = (
            []
            if period == YEAR_PERIOD
            else self.journal.lessons(
                klass, sheet.subject, sheet.subgroup, span.starts, span.ends
            )
        )
        periods = tuple(p.code for p in year.periods(klass.grade))
        records = []
        for pupil, grade in sheet.grades.items():
            ctx.pupil_in_class(pupil, klass, span.ends)
            record = ctx.record(
                SubjectRecord, subject_record_id(pupil, sheet.subject, klass.year)
            )
            record.record_period_grade(
                pupil=pupil,
                subject=sheet.subject,
                year=klass.year,
                class_id=klass.id,
                period=period,
                grade=grade,
                policy=policy,
                assessment=assessment,
                marks=[m for lesson in lessons for m in lesson.marks_of(pupil)],
                periods=periods,
                teacher=author.staff,
                at=now,
            )
            records.append(record)
        return records

    def record_intermediate_attestation(
        self,
        *,
        class_id: UUID,
        subject: str,
        form: str,
        protocol: Protocol,
        results: Mapping[UUID, str],
        subgroup: str | None = None,
        signed_by: Signing,
    ) -> list[str]:
        """A class's intermediate attestation in a subject, with its protocol."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id)
            year = ctx.year_of(klass)
            check_protocol(protocol, ctx.today(), "intermediate attestation")
            year.check_begun(protocol.on, "protocol")
            if not cmd.author.has(DEPUTY):
                klass.check_teacher(
                    cmd.author.staff, subject, subgroup, min(protocol.on, year.ends)
                )
            school = ctx.school()
            assessment = school.subject(subject).assessment
            policy = school.policy_on(protocol.on)
            now, names = ctx.now(), []
            for pupil, result in results.items():
                ctx.pupil_in_class(pupil, klass, min(protocol.on, year.ends))
                record = ctx.record(
                    SubjectRecord, subject_record_id(pupil, subject, klass.year)
                )
                name = record.record_attestation(
                    pupil=pupil,
                    subject=subject,
                    year=klass.year,
                    class_id=klass.id,
                    form=form,
                    result=result,
                    policy=policy,
                    assessment=assessment,
                    protocol=protocol,
                    teacher=cmd.author.staff,
                    at=now,
                )
                names.append(name)
                cmd.save(record)
        return names

    def record_retake(
        self,
        *,
        pupil: UUID,
        subject: str,
        year: str,
        retakes: str,
        result: str,
        protocol: Protocol,
        commission: tuple[UUID, ...] = (),
        signed_by: Signing,
    ) -> str:
        """A retake of a failed result (273-ФЗ art. 58); its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            record = ctx.replay(SubjectRecord, subject_record_id(pupil, subject, year))
            if record is None or record.class_id is None:
                msg = (
                    f"pupil {pupil} has no {subject} result in {year}; a retake names "
                    "a failed intermediate attestation result"
                )
                raise RetakeError(msg)
            # Which result may be retaken is named before who may record it.
            record.next_attempt(retakes, commission)
            for member in commission:
                if not ctx.staff_exists(member):
                    msg = (
                        f"commission member {member} is not a staff member of this "
                        "school"
                    )
                    raise UnknownRecordError(msg)
            self._check_examiner(cmd.author, record.class_id, subject, commission)
            check_protocol(protocol, ctx.today(), "retake")
            school = ctx.school()
            name = record.record_retake(
                retakes=retakes,
                result=result,
                policy=school.policy_on(protocol.on),
                assessment=school.subject(subject).assessment,
                protocol=protocol,
                commission=commission,
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def import_exam_results(
        self, results: Sequence[ExamImport], *, signed_by: Signing
    ) -> None:
        """Import state exam results from a regional centre's protocol (§7.3.2)."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            ctx.school().school_type.check_level(Level.BASIC, "state exam results")
            today, now = ctx.today(), ctx.now()
            sheets: dict[UUID, ExamSheet] = {}
            for line in results:
                stream = exam_sheet_id(line.pupil, line.year)
                sheet = sheets.get(stream) or ctx.record(ExamSheet, stream)
                sheet.import_result(
                    pupil=line.pupil,
                    year=line.year,
                    result=line.result,
                    protocol=line.protocol,
                    centre=line.centre,
                    admitted=self._admitted(line.pupil, line.year),
                    today=today,
                    at=now,
                )
                sheets[stream] = sheet
                cmd.save(sheet)

    def record_final_grades(
        self,
        *,
        pupil: UUID,
        level: Level,
        grades: Mapping[str, str],
        basis: Mapping[str, str] | None = None,
        signed_by: Signing,
    ) -> None:
        """Final grades of a graduating pupil for the attestat of ``level``."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            ctx.school().school_type.check_level(level, "final grades")
            klass = self._graduating_class(pupil, level)
            author = cmd.author
            if not (
                author.staff == klass.class_teacher
                or author.has(DEPUTY)
                or author.has(DIRECTOR)
            ):
                msg = (
                    f"final grades of {klass.name} are recorded by its class teacher "
                    f"({klass.class_teacher}), the deputy director or the director"
                )
                raise AuthorityError(msg)
            school = ctx.school()
            record = ctx.record(FinalGrades, final_grades_id(pupil, level.value))
            now = ctx.now()
            for code, grade in grades.items():
                record.record_grade(
                    pupil=pupil,
                    level=level,
                    subject=code,
                    grade=grade,
                    school=school,
                    on=ctx.today(),
                    year=klass.year,
                    class_id=klass.id,
                    basis=(basis or {}).get(code, ""),
                    at=now,
                )
            self._check_derived(
                pupil, level, klass.year, grades, basis or {}, signed_by
            )
            cmd.save(record)

    def derived_final_grades(self, pupil: UUID, level: Level) -> dict[str, Derivation]:
        """The final grades Приказ 546 derives for ``pupil``, a graduate of
        ``level`` today, from what the ledger holds (subject → derivation)."""
        self.ctx.begin()
        klass = self._graduating_class(pupil, level)
        return Standing(self.ctx).derived_final_grades(pupil, level, klass.year)

    def record_admission_tests(
        self,
        *,
        class_id: UUID,
        kind: AdmissionTestKind,
        held_on: date,
        protocol: Protocol,
        results: Mapping[UUID, str],
        signed_by: Signing,
    ) -> list[str]:
        """A class's results («зачёт»/«незачёт») of the final interview (grade 9)
        or essay (grade 11) sat on ``held_on``, with the protocol; event names."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            klass = ctx.school_class(class_id)
            ctx.year_of(klass).check_within(held_on, klass.name)
            today, now, names = ctx.today(), ctx.now(), []
            for pupil, result in results.items():
                ctx.pupil_in_class(pupil, klass, held_on)
                stream = admission_tests_id(pupil, klass.year)
                record = ctx.record(AdmissionTests, stream)
                name = record.record_test(
                    pupil=pupil,
                    year=klass.year,
                    class_id=klass.id,
                    grade=klass.grade,
                    kind=kind,
                    held_on=held_on,
                    result=result,
                    protocol=protocol,
                    today=today,
                    by=cmd.author.staff,
                    at=now,
                )
                names.append(name)
                cmd.save(record)
        return names

    # -- corrections (issue 13) ------------------------------------------------------

    def correct_period_grade(
        self,
        *,
        pupil: UUID,
        subject: str,
        year: str,
        corrects: str,
        grade: str,
        reason: str,
        order: Protocol | None = None,
        signed_by: Signing,
    ) -> str:
        """Replace the period or year grade ``corrects``: by the course's teacher
        or the deputy director or director; in a closed period only by the
        deputy or the director citing ``order``. Its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            record = self._subject_record(pupil, subject, year, "grade")
            period = record.original_period(corrects)
            assert record.class_id is not None
            klass = ctx.school_class(record.class_id)
            calendar = ctx.year_of(klass)
            span = calendar.period(klass.grade, period)
            closure = calendar.closure_of_period(klass.id, subject, period)
            what = f"the {period} grade ({corrects})"
            today = ctx.today()
            check_closed_change(calendar, closure, cmd.author, order, today, what)
            if order is not None and closure is None:
                check_protocol(order, today, "order")
            self._check_course_staff(cmd.author, klass, subject, "a period grade")
            school = ctx.school()
            name = record.correct_period_grade(
                corrects=corrects,
                grade=grade,
                reason=reason,
                order=order,
                policy=school.policy_on(span.ends),
                assessment=school.subject(subject).assessment,
                pupil=pupil,
                subject=subject,
                year=year,
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def correct_attestation_result(
        self,
        *,
        pupil: UUID,
        subject: str,
        year: str,
        corrects: str,
        result: str,
        reason: str,
        protocol: Protocol,
        signed_by: Signing,
    ) -> str:
        """Replace the latest intermediate attestation or retake result
        ``corrects`` with the corrected ``protocol``: by the subject's teacher or
        the deputy director (co-signed by the director, signing policy). Its
        event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            record = self._subject_record(pupil, subject, year, "result")
            record.correctable_result(corrects)
            assert record.class_id is not None
            self._check_examiner(cmd.author, record.class_id, subject, ())
            check_protocol(protocol, ctx.today(), "corrected attestation")
            school = ctx.school()
            name = record.correct_result(
                corrects=corrects,
                result=result,
                reason=reason,
                protocol=protocol,
                policy=school.policy_on(protocol.on),
                assessment=school.subject(subject).assessment,
                pupil=pupil,
                subject=subject,
                year=year,
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def correct_final_grade(
        self,
        *,
        pupil: UUID,
        level: Level,
        corrects: str,
        grade: str,
        reason: str,
        signed_by: Signing,
    ) -> str:
        """Replace the final grade ``corrects``: by the class teacher of the
        class it was recorded in, or the deputy director (co-signed by the
        director, signing policy); also after the pupil left. Its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            record = ctx.replay(FinalGrades, final_grades_id(pupil, level.value))
            if record is None or record.class_id is None:
                msg = (
                    f"pupil {pupil} has no final grades for the {level.value} "
                    "attestat; a correction names a recorded final grade"
                )
                raise CorrectionError(msg)
            record.original_subject(corrects)
            klass = ctx.school_class(record.class_id)
            author = cmd.author
            if not (author.staff == klass.class_teacher or _answers(author)):
                msg = (
                    f"final grades of {klass.name} are corrected by its class "
                    f"teacher ({klass.class_teacher}), the deputy director or the "
                    "director"
                )
                raise AuthorityError(msg)
            name = record.correct_grade(
                corrects=corrects,
                grade=grade,
                reason=reason,
                pupil=pupil,
                level=level,
                school=ctx.school(),
                on=ctx.today(),
                by=author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def appeal_exam_result(
        self,
        *,
        pupil: UUID,
        year: str,
        corrects: str,
        primary_score: int,
        score: int | None,
        mark: str | None,
        passed: bool,
        protocol: Protocol,
        reason: str,
        signed_by: Signing,
    ) -> str:
        """A state exam result changed on appeal (§7.3.2), from the regional
        centre's protocol after the conflict commission's decision. Its name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            sheet = ctx.replay(ExamSheet, exam_sheet_id(pupil, year))
            if sheet is None:
                msg = (
                    f"pupil {pupil} has no state exam results in {year}; an appeal "
                    "names an imported result"
                )
                raise CorrectionError(msg)
            name = sheet.correct_result(
                corrects=corrects,
                pupil=pupil,
                year=year,
                primary_score=primary_score,
                score=score,
                mark=mark,
                passed=passed,
                protocol=protocol,
                reason=reason,
                by=cmd.author.staff,
                today=ctx.today(),
                at=ctx.now(),
            )
            cmd.save(sheet)
        return name

    def _subject_record(
        self, pupil: UUID, subject: str, year: str, what: str
    ) -> SubjectRecord:
        record = self.ctx.replay(SubjectRecord, subject_record_id(pupil, subject, year))
        if record is None or record.class_id is None:
            msg = (
                f"pupil {pupil} has no {subject} record in {year}; a correction "
                f"names a recorded {what}"
            )
            raise CorrectionError(msg)
        return record

    def _check_course_staff(
        self, author: Author, klass: SchoolClass, subject: str, what: str
    ) -> None:
        """The deputy director, the director, or a teacher of ``subject`` in
        ``klass`` (any subgroup, any time of the year)."""
        if _answers(author):
            return
        teachers = {
            a.teacher
            for k, h in klass.assignments.items()
            if k.startswith(f"{subject}/")
            for a in h
        }
        if author.staff not in teachers:
            msg = (
                f"{what} in {klass.name} {subject} is corrected by the subject's "
                "teacher, the deputy director or the director"
            )
            raise AuthorityError(msg)

    # -- checks ----------------------------------------------------------------------

    def _check_derived(
        self,
        pupil: UUID,
        level: Level,
        year: str,
        grades: Mapping[str, str],
        basis: Mapping[str, str],
        signing: Signing,
    ) -> None:
        """Each final grade is the one Приказ 546 derives, or has its reason
        (``basis``) and the director's signature: a rule of this service, not of
        the signing policy, whose ``[cosign]`` table is per event type while
        only a differing grade needs the director."""
        standing = Standing(self.ctx)
        derived = standing.derived_final_grades(pupil, level, year)
        cosigned = standing.director_signs(signing)
        for code, grade in grades.items():
            if code in derived:
                check_final_grade(
                    code,
                    grade,
                    derived[code],
                    reason=basis.get(code, ""),
                    cosigned=cosigned,
                )

    def _check_examiner(
        self, author: Author, class_id: UUID, subject: str, commission: tuple[UUID, ...]
    ) -> None:
        if author.has(DEPUTY) or author.staff in commission:
            return
        klass = self.ctx.view(SchoolClass, class_id)
        teachers = {
            a.teacher
            for k, h in (klass.assignments if klass else {}).items()
            if k.startswith(f"{subject}/")
            for a in h
        }
        if author.staff not in teachers:
            msg = (
                f"a retake in {subject} is recorded by the subject's teacher, a "
                "commission member or the deputy director"
            )
            raise AuthorityError(msg)

    def _admitted(self, pupil: UUID, year: str) -> bool:
        """Whether the council admitted ``pupil`` to state exams in ``year``."""
        council = self.ctx.view(CouncilRecord, council_record_id(pupil, year))
        return (
            council is not None
            and council.find(DecisionKind.ADMITTED_TO_STATE_EXAMS) is not None
        )

    def _graduating_class(self, pupil: UUID, level: Level) -> SchoolClass:
        ctx = self.ctx
        file = ctx.view(PersonalFile, pupil)
        placement = file.class_on(ctx.today()) if file is not None else None
        if placement is None:
            msg = f"pupil {pupil} is not enrolled in this school today"
            raise NotEnrolledError(msg)
        klass = ctx.view(SchoolClass, placement.class_id)
        if klass is None or klass.grade != level.final_grade:
            msg = (
                f"final grades for the {level.value} attestat are recorded in grade "
                f"{level.final_grade}; pupil {pupil} is in {placement.class_name}"
            )
            raise InvalidRecordError(msg)
        return klass


def _answers(author: Author) -> bool:
    """The deputy director and the director answer for the records (§8.1)."""
    return author.has(DEPUTY) or author.has(DIRECTOR)
