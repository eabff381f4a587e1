"""Admission to the state exams («допуск к ГИА»): the final interview and essay,
academic debts, and the rule the council's «допущен к ГИА» must follow.

The ГИА procedures (joint orders of Минпросвещения and Рособрнадзора of
04.04.2023 № 232/551 for grade 9, p. 11, and № 233/552 for grade 11, p. 8) admit
a pupil who has no academic debt, whose year grades are not below
«удовлетворительно», and who has the result «зачёт» for the final interview in
Russian («итоговое собеседование», grade 9) or the final essay («итоговое
сочинение (изложение)», grade 11).

The interview and the essay are recorded as their own event
(:class:`AdmissionTests`, one stream per pupil and year), not as a state exam
result: they come months before admission (February, December), while an
:class:`~ledger.domain.attestation.ExamSheet` takes results only for admitted
pupils; their result is «зачёт»/«незачёт», not a score or a mark; and they are
retaken on additional dates (at most twice a year) after a «незачёт».
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol, SubjectRecord, check_protocol
from ledger.domain.base import OpensStream, RecordStream
from ledger.domain.errors import (
    AdmissionTestError,
    OpenDebtError,
)
from ledger.domain.grading import FAILED, PASSED, GradingPolicy
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.events import register_event_types

MAX_ATTEMPTS = 3  # the main date and two additional dates of one year


class AdmissionTestKind(StrEnum):
    """The admission test of a graduating grade."""

    INTERVIEW = "interview"  # итоговое собеседование по русскому языку (grade 9)
    ESSAY = "essay"  # итоговое сочинение (изложение) (grade 11)

    @property
    def grade(self) -> int:
        return 9 if self is AdmissionTestKind.INTERVIEW else 11

    @property
    def russian(self) -> str:
        if self is AdmissionTestKind.INTERVIEW:
            return "итоговое собеседование по русскому языку"
        return "итоговое сочинение (изложение)"

    @classmethod
    def for_grade(cls, grade: int) -> AdmissionTestKind | None:
        """The test that admits pupils of ``grade`` (9, 11) to the state exams."""
        return next((k for k in cls if k.grade == grade), None)


@dataclass(frozen=True)
class TestAttempt:
    """One sitting of the interview or essay, as the record keeps it."""

    kind: AdmissionTestKind
    held_on: date
    result: str


@register_event_types
class AdmissionTests(RecordStream):
    """A pupil's final interview or essay results in one year."""

    class AdmissionTestRecorded(OpensStream):
        """attestation.AdmissionTestRecorded: the result («зачёт»/«незачёт») of
        the final interview (grade 9) or final essay (grade 11), a condition of
        admission to the state exams (orders 232/551 p. 11, 233/552 p. 8)."""

        TOPIC: ClassVar[str] = "attestation.AdmissionTestRecorded"
        pupil: UUID
        year: str
        class_id: UUID
        kind: AdmissionTestKind
        held_on: date
        result: str
        protocol: Protocol
        by: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.attempts.append(TestAttempt(self.kind, self.held_on, self.result))

    def __init__(self) -> None:
        self.attempts: list[TestAttempt] = []

    def passed(self, kind: AdmissionTestKind) -> bool:
        """Whether ``kind`` was passed («зачёт») this year."""
        return any(a.kind is kind and a.result == PASSED for a in self.attempts)

    def record_test(
        self,
        *,
        pupil: UUID,
        year: str,
        class_id: UUID,
        grade: int,
        kind: AdmissionTestKind,
        held_on: date,
        result: str,
        protocol: Protocol,
        today: date,
        by: UUID,
        at: datetime,
    ) -> str:
        """Record a sitting of ``kind`` by a pupil in ``grade``: the grade's own
        test, «зачёт» or «незачёт», not after a «зачёт», at most
        :data:`MAX_ATTEMPTS` a year, each after the last; its protocol numbered,
        not before the sitting nor after ``today``. Its event name."""
        check_test(kind, grade, result)
        check_protocol(protocol, today, kind.russian)
        if held_on > protocol.on:
            msg = f"the {kind.russian} protocol cannot be dated before the sitting"
            raise AdmissionTestError(msg)
        self.check_attempt(kind, held_on)
        return self._append(
            self.AdmissionTestRecorded(
                *self._next(at),
                pupil=pupil,
                year=year,
                class_id=class_id,
                kind=kind,
                held_on=held_on,
                result=result,
                protocol=protocol,
                by=by,
            )
        )

    def check_attempt(self, kind: AdmissionTestKind, held_on: date) -> None:
        """:class:`AdmissionTestError` after a «зачёт», after the last allowed
        attempt, or when ``held_on`` is not after the last sitting."""
        mine = [a for a in self.attempts if a.kind is kind]
        if self.passed(kind):
            msg = (
                f"the {kind.russian} was passed already («зачёт»); it is retaken "
                "only after a «незачёт»"
            )
            raise AdmissionTestError(msg)
        if len(mine) >= MAX_ATTEMPTS:
            msg = (
                f"the {kind.russian} was sat {len(mine)} times this year; at most "
                f"{MAX_ATTEMPTS} (the main date and two additional dates)"
            )
            raise AdmissionTestError(msg)
        if mine and held_on <= mine[-1].held_on:
            msg = (
                f"a further sitting of the {kind.russian} comes after the last one "
                f"({mine[-1].held_on}); got {held_on}"
            )
            raise AdmissionTestError(msg)


def check_test(kind: AdmissionTestKind, grade: int, result: str) -> None:
    """The test of the pupil's grade, with a «зачёт»/«незачёт» result."""
    if grade != kind.grade:
        msg = (
            f"the {kind.russian} is sat in grade {kind.grade}; the pupil is in "
            f"grade {grade}"
        )
        raise AdmissionTestError(msg)
    if result not in (PASSED, FAILED):
        msg = f"the {kind.russian}'s result is «{PASSED}» or «{FAILED}», not {result!r}"
        raise AdmissionTestError(msg)


@dataclass(frozen=True)
class Debt:
    """An academic debt (273-ФЗ art. 58 p. 2): a subject whose intermediate
    attestation (or latest retake) failed, or whose year grade failed when no
    attestation was held (grades 9 and 11)."""

    subject: str
    year: str
    result: str

    def __str__(self) -> str:
        return f"{self.subject} {self.year} «{self.result}»"


def debt_of(
    subject: str, year: str, record: SubjectRecord, policy: GradingPolicy
) -> Debt | None:
    """The debt ``record`` (of ``subject`` in ``year``) leaves, if any: its
    latest attestation result when one was held, else its year grade."""
    if record.results:
        latest = record.results[-1]
        return Debt(subject, year, latest.result) if latest.debt else None
    grade = record.grades.get(YEAR_PERIOD)
    if grade is not None and policy.is_failing(grade):
        return Debt(subject, year, grade)
    return None


def check_admission(
    grade: int, debts: Sequence[Debt], tests: AdmissionTests | None
) -> None:
    """The council's «допущен к ГИА» for a pupil in ``grade`` (9, 11):
    :class:`OpenDebtError` with a debt still open, :class:`AdmissionTestError`
    without the «зачёт» of the grade's interview or essay (``tests``: the
    pupil's record of the year, ``None`` when nothing was recorded)."""
    if debts:
        msg = (
            "a pupil with academic debts is not admitted to the state exams "
            f"(open: {', '.join(map(str, debts))}); admitted are pupils with no "
            "debt and year grades of at least «3» (ГИА procedures 232/551 p. 11, "
            "233/552 p. 8): record the passed retake first"
        )
        raise OpenDebtError(msg)
    kind = AdmissionTestKind.for_grade(grade)
    if kind is not None and (tests is None or not tests.passed(kind)):
        sat = [a.result for a in tests.attempts] if tests is not None else []
        msg = (
            f"admission to the state exams in grade {grade} needs «{PASSED}» for "
            f"the {kind.russian}; recorded: {', '.join(sat) or 'nothing'}"
        )
        raise AdmissionTestError(msg)
