"""State final examinations (DESIGN §5, area "attestation"): one
:class:`ExamSheet` per pupil and year holds the results imported from the
regional centre's protocols (ОГЭ, ЕГЭ, ГВЭ; §7.3.2) and their appeals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.base import OpensStream, RecordStream, seq_in
from ledger.domain.errors import (
    CorrectionError,
    ExamAdmissionError,
    InvalidRecordError,
)
from ledger.events import register_event_types


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
