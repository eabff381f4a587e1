"""Grades beyond the journal (DESIGN §5, area "attestation"): one
:class:`SubjectRecord` per pupil, subject and year holds the period and year
grades, the intermediate attestation («промежуточная аттестация», §7.3.1) and
at most two retakes of a failed result (273-ФЗ art. 58), with their
corrections; the protocols they cite.

The area's other streams have modules of their own: state exam results
(:mod:`ledger.domain.exams`) and the final grades of an attestat
(:mod:`ledger.domain.final_grades`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.base import OpensStream, RecordStream, event_name, seq_in
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    InvalidRecordError,
    RetakeError,
)
from ledger.domain.grading import Assessment, GradingPolicy, check_grade
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
        check_change(self.grades[period], grade, reason)
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
        check_change(found.result, result, reason)
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


def check_change(current: str, new: str, reason: str) -> None:
    """A correction changes the value and says why."""
    if new == current or not reason.strip():
        msg = (
            f"a correction must change the value (now {current!r}) and give the reason"
        )
        raise CorrectionError(msg)
