"""Grades beyond the journal (DESIGN §5, area "attestation").

- :class:`SubjectRecord`, one per pupil, subject and year: period and year
  grades, the intermediate attestation («промежуточная аттестация», §7.3.1) and
  at most two retakes of a failed result (273-ФЗ art. 58).
- :class:`ExamSheet`, one per pupil and year: state exam results imported from
  the regional centre's protocols (ОГЭ, ЕГЭ, ГВЭ; §7.3.2).
- :class:`FinalGrades`, one per pupil and level: the final grades that go into
  the attestat book and the attestat (§4.10, §7.3.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.base import OpensStream, RecordStream, event_name, seq_in
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    ExamAdmissionError,
    InvalidRecordError,
    RetakeError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.grading import NOT_ATTESTED, Assessment, GradingPolicy, check_grade
from ledger.domain.school import Level, School
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.events import register_event_types

MAX_RETAKES = 2
COMMISSION_MIN = 3


@dataclass(frozen=True)
class Protocol:
    """A numbered, dated protocol or order («протокол от … № …»)."""

    number: str
    on: date

    def __str__(self) -> str:
        return f"№ {self.number} от {self.on:%d.%m.%Y}"


def check_protocol(protocol: Protocol, today: date, what: str) -> None:
    """A protocol has a number and is not dated in the future."""
    if not protocol.number.strip() or protocol.on > today:
        msg = (
            f"{what} protocol {protocol.number!r} of {protocol.on} needs a number "
            f"and a date not after today ({today})"
        )
        raise InvalidRecordError(msg)


@dataclass
class AttestationResult:
    """The intermediate attestation or a retake, as the record knows it."""

    seq: int
    kind: str
    attempt: int
    result: str
    debt: bool
    on: date | None = None  # the protocol's date: a debt arises on it


@register_event_types
class SubjectRecord(RecordStream):
    """A pupil's grades in one subject and year."""

    class PeriodGradeRecorded(OpensStream):
        """attestation.PeriodGradeRecorded: a quarter, trimester, half or year
        grade; the weighted average under the policy and the grade it rounds to
        are shown, the teacher's signed grade is what counts (§3.2.1, §7.3.3)."""

        TOPIC: ClassVar[str] = "attestation.PeriodGradeRecorded"
        pupil: UUID
        subject: str
        year: str
        class_id: UUID
        period: str
        grade: str
        average: Decimal | None
        suggested: str
        marks_counted: int
        teacher: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.grades[self.period] = self.grade
            aggregate.class_id = self.class_id
            aggregate.recorded[self.period] = self.originator_version

    class IntermediateAttestationRecorded(OpensStream):
        """attestation.IntermediateAttestationRecorded: the year's intermediate
        attestation result in a subject, with its protocol (§7.3.1)."""

        TOPIC: ClassVar[str] = "attestation.IntermediateAttestationRecorded"
        pupil: UUID
        subject: str
        year: str
        class_id: UUID
        form: str
        result: str
        debt: bool
        protocol: Protocol
        teacher: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.class_id = self.class_id
            aggregate.results.append(
                AttestationResult(
                    self.originator_version,
                    "attestation",
                    0,
                    self.result,
                    self.debt,
                    self.protocol.on,
                )
            )

    class RetakeRecorded(OpensStream):
        """attestation.RetakeRecorded: a retake of a failed result, attempt 1 or 2,
        the second before a commission (273-ФЗ art. 58 p. 3–5)."""

        TOPIC: ClassVar[str] = "attestation.RetakeRecorded"
        retakes: str
        attempt: int
        result: str
        debt: bool
        protocol: Protocol
        commission: tuple[UUID, ...]
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.results.append(
                AttestationResult(
                    self.originator_version,
                    "retake",
                    self.attempt,
                    self.result,
                    self.debt,
                    self.protocol.on,
                )
            )

    class PeriodGradeCorrected(OpensStream):
        """attestation.PeriodGradeCorrected: a period or year grade is replaced;
        names the grade it corrects and gives the reason; after the period is
        closed, by the deputy or the director citing the order (§7.3.3, §8.1).
        The original stays; the latest correction is the grade."""

        TOPIC: ClassVar[str] = "attestation.PeriodGradeCorrected"
        corrects: str
        pupil: UUID
        subject: str
        year: str
        class_id: UUID
        period: str
        grade: str
        reason: str
        order: Protocol | None
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.grades[self.period] = self.grade

    class AttestationResultCorrected(OpensStream):
        """attestation.AttestationResultCorrected: the result of the intermediate
        attestation or of a retake is replaced (an error in the protocol); names
        the result and gives the reason and the corrected protocol (§7.3.1)."""

        TOPIC: ClassVar[str] = "attestation.AttestationResultCorrected"
        corrects: str
        pupil: UUID
        subject: str
        year: str
        class_id: UUID
        result: str
        debt: bool
        reason: str
        protocol: Protocol
        by: UUID

        def apply(self, aggregate: Any) -> None:
            for r in aggregate.results:
                if r.seq == int(self.corrects.rpartition(":")[2]):
                    r.result, r.debt = self.result, self.debt

    def __init__(self) -> None:
        self.grades: dict[str, str] = {}
        self.results: list[AttestationResult] = []
        self.class_id: UUID | None = None
        self.recorded: dict[str, int] = {}  # period -> its original grade's seq

    @property
    def attestation(self) -> AttestationResult | None:
        return next((r for r in self.results if r.kind == "attestation"), None)

    @property
    def has_debt(self) -> bool:
        """True while the last attestation result (or retake) is failed."""
        return bool(self.results) and self.results[-1].debt

    def check_new_period(self, period: str) -> None:
        if period in self.grades:
            msg = (
                f"the {period} grade of this pupil and subject is recorded already "
                f"({self.grades[period]!r}); a grade is recorded once per period"
            )
            raise AlreadyRecordedError(msg)

    def check_new_attestation(self) -> None:
        found = self.attestation
        if found is not None:
            msg = (
                f"the intermediate attestation is recorded already "
                f"({event_name(self.id, found.seq)}: {found.result!r}); a failed "
                "result is retaken, not recorded again"
            )
            raise AlreadyRecordedError(msg)

    def next_attempt(self, retakes: str, commission: tuple[UUID, ...]) -> int:
        """The attempt number a retake of ``retakes`` would be; :class:`RetakeError`
        unless it is the latest failed result and at most the second retake."""
        seq = seq_in(self.id, retakes, "failed result")
        target = next((r for r in self.results if r.seq == seq), None)
        if target is None:
            msg = (
                f"event {retakes} is not an intermediate attestation or retake "
                "result of this pupil's subject record; a retake names one"
            )
            raise RetakeError(msg)
        if target.attempt >= MAX_RETAKES:
            msg = (
                f"{retakes} was the second retake; at most {MAX_RETAKES} retakes of "
                "an academic debt are allowed (273-ФЗ art. 58 p. 5)"
            )
            raise RetakeError(msg)
        if target is not self.results[-1]:
            latest = event_name(self.id, self.results[-1].seq)
            msg = f"{retakes} was retaken already; a further retake names {latest}"
            raise RetakeError(msg)
        if not target.debt:
            msg = (
                f"result {target.result!r} ({retakes}) was not failed; only a failed "
                "result (an academic debt) is retaken (273-ФЗ art. 58 p. 2)"
            )
            raise RetakeError(msg)
        attempt = target.attempt + 1
        if attempt == MAX_RETAKES and len(set(commission)) < COMMISSION_MIN:
            msg = (
                f"the second retake is held before a commission of at least "
                f"{COMMISSION_MIN} teachers (273-ФЗ art. 58 p. 4); "
                f"{len(set(commission))} named"
            )
            raise RetakeError(msg)
        return attempt

    # -- commands --------------------------------------------------------------------

    def record_period_grade(
        self,
        *,
        pupil: UUID,
        subject: str,
        year: str,
        class_id: UUID,
        period: str,
        grade: str,
        policy: GradingPolicy,
        assessment: Assessment,
        marks: Sequence[tuple[str, int]],
        periods: Sequence[str],
        teacher: UUID,
        at: datetime,
    ) -> str:
        """Record the teacher's ``period`` grade (the year's when ``period`` is
        :data:`YEAR_PERIOD`) beside the grade the policy suggests: from the
        period's ``marks`` (value, weight), or for the year from this record's
        grades of ``periods``. On the scale; once per period. Its event name."""
        check_grade(grade, assessment, policy)
        self.check_new_period(period)
        if period == YEAR_PERIOD:
            known = [self.grades[c] for c in periods if c in self.grades]
            suggestion = policy.suggest_year(known, assessment)
        else:
            suggestion = policy.suggest(marks, assessment)
        return self._append(
            self.PeriodGradeRecorded(
                *self._next(at),
                pupil=pupil,
                subject=subject,
                year=year,
                class_id=class_id,
                period=period,
                grade=grade,
                average=suggestion.average,
                suggested=suggestion.grade,
                marks_counted=suggestion.marks_counted,
                teacher=teacher,
            )
        )

    def record_attestation(
        self,
        *,
        pupil: UUID,
        subject: str,
        year: str,
        class_id: UUID,
        form: str,
        result: str,
        policy: GradingPolicy,
        assessment: Assessment,
        protocol: Protocol,
        teacher: UUID,
        at: datetime,
    ) -> str:
        """Record the year's intermediate attestation result (§7.3.1): on the
        scale, once a year; a failing result is a debt. Its event name."""
        check_grade(result, assessment, policy)
        self.check_new_attestation()
        return self._append(
            self.IntermediateAttestationRecorded(
                *self._next(at),
                pupil=pupil,
                subject=subject,
                year=year,
                class_id=class_id,
                form=form,
                result=result,
                debt=policy.is_failing(result),
                protocol=protocol,
                teacher=teacher,
            )
        )

    def record_retake(
        self,
        *,
        retakes: str,
        result: str,
        policy: GradingPolicy,
        assessment: Assessment,
        protocol: Protocol,
        commission: tuple[UUID, ...],
        by: UUID,
        at: datetime,
    ) -> str:
        """Record a retake of the failed result ``retakes`` (273-ФЗ art. 58): the
        latest result, at most the second retake, the second before a commission
        (:meth:`next_attempt`); the result on the scale. Its event name."""
        attempt = self.next_attempt(retakes, commission)
        self.check_retake_window(protocol.on)
        check_grade(result, assessment, policy)
        return self._append(
            self.RetakeRecorded(
                *self._next(at),
                retakes=retakes,
                attempt=attempt,
                result=result,
                debt=policy.is_failing(result),
                protocol=protocol,
                commission=tuple(commission),
                by=by,
            )
        )

    # -- corrections and the retake window (issue 13) -------------------------------

    def check_retake_window(self, on: date) -> None:
        """:class:`RetakeError` unless a retake dated ``on`` falls within one year
        of the day the debt arose, the intermediate attestation's protocol
        (273-ФЗ art. 58 p. 5: two retakes within a year of the debt)."""
        first = self.attestation
        if first is None or first.on is None:
            return
        last = _one_year_after(first.on)
        if not first.on <= on <= last:
            msg = (
                f"a retake of {on:%d.%m.%Y} is outside the year the academic debt "
                f"may be cleared in: from {first.on:%d.%m.%Y} (the intermediate "
                f"attestation) to {last:%d.%m.%Y} (273-ФЗ art. 58 p. 5)"
            )
            raise RetakeError(msg)

    def original_period(self, corrects: str) -> str:
        """The period whose original grade is the event ``corrects``;
        :class:`CorrectionError` unless it names one of this record."""
        seq = seq_in(self.id, corrects, "corrected grade")
        for period, recorded in self.recorded.items():
            if recorded == seq:
                return period
        msg = (
            f"{corrects} is not a period or year grade of this pupil's subject "
            "record; a correction names the grade it corrects (its original entry)"
        )
        raise CorrectionError(msg)

    def correct_period_grade(
        self,
        *,
        corrects: str,
        grade: str,
        reason: str,
        order: Protocol | None,
        policy: GradingPolicy,
        assessment: Assessment,
        pupil: UUID,
        subject: str,
        year: str,
        by: UUID,
        at: datetime,
    ) -> str:
        """Replace the period grade ``corrects`` with ``grade`` (on the scale,
        a change, with a reason). Its event name."""
        period = self.original_period(corrects)
        check_grade(grade, assessment, policy)
        _check_change(self.grades[period], grade, reason)
        assert self.class_id is not None
        return self._append(
            self.PeriodGradeCorrected(
                *self._next(at),
                corrects=corrects,
                pupil=pupil,
                subject=subject,
                year=year,
                class_id=self.class_id,
                period=period,
                grade=grade,
                reason=reason,
                order=order,
                by=by,
            )
        )

    def correctable_result(self, corrects: str) -> AttestationResult:
        """The result named ``corrects``: the latest attestation or retake result
        (one retaken already is not changed under its retake)."""
        seq = seq_in(self.id, corrects, "corrected result")
        found = next((r for r in self.results if r.seq == seq), None)
        if found is None:
            msg = (
                f"{corrects} is not an intermediate attestation or retake result "
                "of this pupil's subject record; a correction names one"
            )
            raise CorrectionError(msg)
        if found is not self.results[-1]:
            latest = event_name(self.id, self.results[-1].seq)
            msg = (
                f"{corrects} was retaken already; only the latest result "
                f"({latest}) is corrected"
            )
            raise CorrectionError(msg)
        return found

    def correct_result(
        self,
        *,
        corrects: str,
        result: str,
        reason: str,
        protocol: Protocol,
        policy: GradingPolicy,
        assessment: Assessment,
        pupil: UUID,
        subject: str,
        year: str,
        by: UUID,
        at: datetime,
    ) -> str:
        """Replace the latest attestation or retake result ``corrects`` (on the
        scale, a change, with a reason and the corrected protocol); whether it
        is a debt follows the new result. Its event name."""
        found = self.correctable_result(corrects)
        check_grade(result, assessment, policy)
        _check_change(found.result, result, reason)
        assert self.class_id is not None
        return self._append(
            self.AttestationResultCorrected(
                *self._next(at),
                corrects=corrects,
                pupil=pupil,
                subject=subject,
                year=year,
                class_id=self.class_id,
                result=result,
                debt=policy.is_failing(result),
                reason=reason,
                protocol=protocol,
                by=by,
            )
        )


def _one_year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _check_change(current: str, new: str, reason: str) -> None:
    """A correction changes the value and says why."""
    if new == current or not reason.strip():
        msg = (
            f"a correction must change the value (now {current!r}) and give the reason"
        )
        raise CorrectionError(msg)


class ExamKind(StrEnum):
    """The form of a state final examination («ГИА»)."""

    OGE = "oge"  # ОГЭ, основной государственный экзамен (grade 9)
    EGE = "ege"  # ЕГЭ, единый государственный экзамен (grade 11)
    GVE = "gve"  # ГВЭ, государственный выпускной экзамен


@dataclass(frozen=True)
class ExamResult:
    """One result of a regional centre's protocol."""

    exam: ExamKind
    subject: str
    exam_date: date
    primary_score: int
    score: int | None
    mark: str | None
    passed: bool


@register_event_types
class ExamSheet(RecordStream):
    """A pupil's state exam results in one year."""

    class ExamResultImported(OpensStream):
        """attestation.ExamResultImported: a state exam result from the regional
        centre's protocol (РЦОИ), the basis for attestats (§7.3.2)."""

        TOPIC: ClassVar[str] = "attestation.ExamResultImported"
        pupil: UUID
        year: str
        exam: ExamKind
        subject: str
        exam_date: date
        primary_score: int
        score: int | None
        mark: str | None
        passed: bool
        protocol: Protocol
        centre: str

        def apply(self, aggregate: Any) -> None:
            aggregate.imported[self.originator_version] = len(aggregate.results)
            aggregate.protocols[self.originator_version] = self.protocol
            aggregate.results.append(
                ExamResult(
                    self.exam,
                    self.subject,
                    self.exam_date,
                    self.primary_score,
                    self.score,
                    self.mark,
                    self.passed,
                )
            )

    class ExamResultCorrected(OpensStream):
        """attestation.ExamResultCorrected: a state exam result changed on appeal
        («апелляция о несогласии с выставленными баллами»): the conflict
        commission's decision as the regional centre's new protocol; names the
        imported result and gives the reason (§7.3.2). The original stays."""

        TOPIC: ClassVar[str] = "attestation.ExamResultCorrected"
        corrects: str
        pupil: UUID
        year: str
        subject: str
        primary_score: int
        score: int | None
        mark: str | None
        passed: bool
        protocol: Protocol
        reason: str
        by: UUID

        def apply(self, aggregate: Any) -> None:
            index = aggregate.imported[int(self.corrects.rpartition(":")[2])]
            aggregate.results[index] = replace(
                aggregate.results[index],
                primary_score=self.primary_score,
                score=self.score,
                mark=self.mark,
                passed=self.passed,
            )

    def __init__(self) -> None:
        self.results: list[ExamResult] = []
        self.imported: dict[int, int] = {}  # a result's seq -> its index
        self.protocols: dict[int, Protocol] = {}  # a result's seq -> its protocol

    def latest(self) -> dict[str, ExamResult]:
        """The latest result of each exam subject (a re-sit replaces a failure)."""
        found: dict[str, ExamResult] = {}
        for r in sorted(self.results, key=lambda r: r.exam_date):
            found[r.subject] = r
        return found

    def import_result(
        self,
        *,
        pupil: UUID,
        year: str,
        result: ExamResult,
        protocol: Protocol,
        centre: str,
        admitted: bool,
        today: date,
        at: datetime,
    ) -> str:
        """Import a result of the regional centre's ``protocol`` (§7.3.2) for a
        pupil the teachers' council ``admitted`` to state exams that year: the
        score or mark its form produces, a protocol with a number, dated not
        before the exam and not after ``today``. Its event name."""
        if not admitted:
            msg = (
                f"pupil {pupil} was not admitted to state exams in {year} by the "
                "teachers' council; results are imported only for admitted pupils "
                "(§7.3.2, §7.3.6 «допущен к ГИА»)"
            )
            raise ExamAdmissionError(msg)
        check_exam_result(result)
        check_protocol(protocol, today, "state exam")
        if result.exam_date > protocol.on:
            msg = "an exam's protocol cannot be dated before the exam"
            raise InvalidRecordError(msg)
        return self._append(
            self.ExamResultImported(
                *self._next(at),
                pupil=pupil,
                year=year,
                exam=result.exam,
                subject=result.subject,
                exam_date=result.exam_date,
                primary_score=result.primary_score,
                score=result.score,
                mark=result.mark,
                passed=result.passed,
                protocol=protocol,
                centre=centre,
            )
        )

    def correct_result(
        self,
        *,
        corrects: str,
        pupil: UUID,
        year: str,
        primary_score: int,
        score: int | None,
        mark: str | None,
        passed: bool,
        protocol: Protocol,
        reason: str,
        by: UUID,
        today: date,
        at: datetime,
    ) -> str:
        """Record the result of an appeal against the result ``corrects`` of
        this sheet: what its form produces, a change, a reason, and the new
        protocol dated not before the original one nor after ``today``."""
        seq = seq_in(self.id, corrects, "appealed result")
        index = self.imported.get(seq)
        if index is None:
            msg = (
                f"{corrects} is not an imported state exam result of this pupil's "
                "exam sheet; an appeal names the result it changes"
            )
            raise CorrectionError(msg)
        was = self.results[index]
        new = replace(
            was, primary_score=primary_score, score=score, mark=mark, passed=passed
        )
        check_exam_result(new)
        check_protocol(protocol, today, "appeal")
        if protocol.on < self.protocols[seq].on:
            msg = (
                f"the appeal's protocol of {protocol.on:%d.%m.%Y} is dated before the "
                f"result's own ({self.protocols[seq]}); an appeal follows the result"
            )
            raise InvalidRecordError(msg)
        if new == was or not reason.strip():
            msg = "an appeal's result must change the score or mark and give the reason"
            raise CorrectionError(msg)
        return self._append(
            self.ExamResultCorrected(
                *self._next(at),
                corrects=corrects,
                pupil=pupil,
                year=year,
                subject=was.subject,
                primary_score=primary_score,
                score=score,
                mark=mark,
                passed=passed,
                protocol=protocol,
                reason=reason,
                by=by,
            )
        )


def check_exam_result(result: ExamResult) -> None:
    """A result carries what its form produces: a 100-point score for ЕГЭ
    (except basic mathematics), a five-point mark otherwise."""
    scored = result.exam is ExamKind.EGE and result.subject != "math_base"
    if result.primary_score < 0 or (scored and result.score is None):
        msg = f"{result.exam.value} {result.subject}: needs a primary and a test score"
        raise InvalidRecordError(msg)
    if not scored and result.mark not in ("2", "3", "4", "5"):
        msg = f"{result.exam.value} {result.subject}: needs a mark «2»…«5»"
        raise InvalidRecordError(msg)
    if result.score is not None and not 0 <= result.score <= 100:
        msg = f"test score {result.score} is not within 0–100"
        raise InvalidRecordError(msg)


@register_event_types
class FinalGrades(RecordStream):
    """A pupil's final grades for the attestat of one level."""

    class FinalGradeRecorded(OpensStream):
        """attestation.FinalGradeRecorded: the final grade in a subject that goes
        into the attestat book and the attestat (§4.10, §7.3.5); recorded once
        per subject, changed by ``attestation.FinalGradeCorrected``."""

        TOPIC: ClassVar[str] = "attestation.FinalGradeRecorded"
        pupil: UUID
        level: str
        subject: str
        grade: str
        year: str
        class_id: UUID
        basis: str

        def apply(self, aggregate: Any) -> None:
            aggregate.grades[self.subject] = self.grade
            aggregate.recorded.setdefault(self.subject, self.originator_version)
            aggregate.class_id = self.class_id
            aggregate.year = self.year

    class FinalGradeCorrected(OpensStream):
        """attestation.FinalGradeCorrected: a final grade is replaced; names the
        grade it corrects, gives the reason, co-signed by the director as the
        attestat book's corrections are (§7.3.5). The original stays; the latest
        correction is the grade (the book entry is corrected on its own)."""

        TOPIC: ClassVar[str] = "attestation.FinalGradeCorrected"
        corrects: str
        pupil: UUID
        level: str
        subject: str
        grade: str
        year: str
        class_id: UUID
        reason: str
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.grades[self.subject] = self.grade

    def __init__(self) -> None:
        self.grades: dict[str, str] = {}
        self.recorded: dict[str, int] = {}  # subject -> its original grade's seq
        self.class_id: UUID | None = None
        self.year: str | None = None

    def record_grade(
        self,
        *,
        pupil: UUID,
        level: Level,
        subject: str,
        grade: str,
        school: School,
        on: date,
        year: str,
        class_id: UUID,
        basis: str,
        at: datetime,
    ) -> str:
        """Record the final grade in ``subject``, a subject of the ``level``
        attestat's curriculum, on the scale of the policy in force ``on`` that
        day and not «н/а»; a later grade of a subject replaces it. Its name."""
        curriculum = {s.code: s for s in school.curriculum(level)}
        found = curriculum.get(subject)
        if found is None:
            msg = (
                f"subject {subject!r} is not in the {level.value} attestat's "
                f"curriculum; it has: {', '.join(sorted(curriculum))}"
            )
            raise UnknownRecordError(msg)
        check_grade(grade, found.assessment, school.policy_on(on))
        if grade == NOT_ATTESTED:
            msg = "a final grade is a mark («2»…«5») or «зачёт»/«незачёт», not «н/а»"
            raise ScaleError(msg)
        self.check_new_subject(subject)
        return self._append(
            self.FinalGradeRecorded(
                *self._next(at),
                pupil=pupil,
                level=level.value,
                subject=subject,
                grade=grade,
                year=year,
                class_id=class_id,
                basis=basis,
            )
        )

    # -- corrections (issue 13) --------------------------------------------------

    def check_new_subject(self, subject: str) -> None:
        """:class:`AlreadyRecordedError` when ``subject`` has a final grade: it
        is recorded once and corrected after."""
        seq = self.recorded.get(subject)
        if seq is not None:
            msg = (
                f"the final grade in {subject} is recorded already "
                f"({event_name(self.id, seq)}: {self.grades[subject]!r}); a final "
                "grade is recorded once and corrected by naming it"
            )
            raise AlreadyRecordedError(msg)

    def original_subject(self, corrects: str) -> str:
        """The subject whose original final grade is the event ``corrects``."""
        seq = seq_in(self.id, corrects, "corrected final grade")
        for subject, recorded in self.recorded.items():
            if recorded == seq:
                return subject
        msg = (
            f"{corrects} is not a final grade of this pupil's record; a correction "
            "names the grade it corrects (its original entry)"
        )
        raise CorrectionError(msg)

    def correct_grade(
        self,
        *,
        corrects: str,
        grade: str,
        reason: str,
        pupil: UUID,
        level: Level,
        school: School,
        on: date,
        by: UUID,
        at: datetime,
    ) -> str:
        """Replace the final grade ``corrects`` (on the scale, not «н/а», a
        change, with a reason). Its event name."""
        subject = self.original_subject(corrects)
        check_grade(grade, school.subject(subject).assessment, school.policy_on(on))
        if grade == NOT_ATTESTED:
            msg = "a final grade is a mark («2»…«5») or «зачёт»/«незачёт», not «н/а»"
            raise ScaleError(msg)
        _check_change(self.grades[subject], grade, reason)
        assert self.class_id is not None
        assert self.year is not None
        return self._append(
            self.FinalGradeCorrected(
                *self._next(at),
                corrects=corrects,
                pupil=pupil,
                level=level.value,
                subject=subject,
                grade=grade,
                year=self.year,
                class_id=self.class_id,
                reason=reason,
                by=by,
            )
        )
