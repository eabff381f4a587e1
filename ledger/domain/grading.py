"""The school's grading policy as data, and the arithmetic of period grades.

A policy («положение о формах, периодичности и порядке текущего контроля») is
set by the school and versioned by the date it takes effect: the five-point
marks in use, the pass/fail words, the work types and their weights, the
rounding threshold of a weighted average, the fewest marks that allow a period
grade, and the grades taught without marks. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import cache

from ledger.domain.errors import InvalidRecordError, ScaleError

NOT_ATTESTED = "н/а"
PASSED = "зачёт"
FAILED = "незачёт"
EXCELLENT = "5"
GOOD = "4"


class Assessment(StrEnum):
    """How a subject is assessed: five-point marks, or pass/fail («зачёт»)."""

    FIVE_POINT = "five_point"
    PASS_FAIL = "pass_fail"  # noqa: S105 - not a password


@dataclass(frozen=True)
class WorkType:
    """A kind of work marked in the journal and its weight in the average."""

    name: str
    weight: int


@dataclass(frozen=True)
class Suggestion:
    """A period's computed result: the weighted average and the grade it rounds
    to under the policy; the teacher's signed grade is what counts."""

    average: Decimal | None
    grade: str
    marks_counted: int


@dataclass(frozen=True)
class GradingPolicy:
    """The school's grading rules from ``effective_from`` on."""

    effective_from: date
    marks: tuple[int, ...]
    passing: int
    work_types: tuple[WorkType, ...]
    rounding_threshold: Decimal
    min_marks: int
    unmarked_grades: tuple[int, ...]

    def check(self) -> None:
        """Raise :class:`InvalidRecordError` unless the policy is usable."""
        problems = []
        if not self.marks or any(m < 1 or m > 5 for m in self.marks):
            problems.append(f"marks {self.marks} must be within 1..5")
        if self.passing not in self.marks:
            problems.append(f"passing mark {self.passing} is not one of the marks")
        if not self.work_types or any(w.weight < 1 for w in self.work_types):
            problems.append("every work type needs a weight of at least 1")
        if len({w.name for w in self.work_types}) != len(self.work_types):
            problems.append("work type names must differ")
        if not Decimal(0) < self.rounding_threshold < Decimal(1):
            problems.append(
                f"rounding threshold {self.rounding_threshold} not in (0,1)"
            )
        if self.min_marks < 0:
            problems.append("the minimum number of marks cannot be negative")
        if problems:
            raise InvalidRecordError("grading policy rejected: " + "; ".join(problems))

    def current_marks(self, assessment: Assessment) -> tuple[str, ...]:
        """Marks a teacher may give in a lesson of a subject so assessed."""
        return _scale(self.marks, assessment)

    def check_mark(self, mark: str, assessment: Assessment, grade: int) -> None:
        """Raise :class:`ScaleError` unless ``mark`` is on this policy's scale."""
        if grade in self.unmarked_grades:
            msg = (
                f"grade {grade} is taught without marks («безотметочное обучение») "
                f"under the policy of {self.effective_from}; record lessons and "
                "absences only"
            )
            raise ScaleError(msg)
        allowed = self.current_marks(assessment)
        if mark not in allowed:
            msg = (
                f"mark {mark!r} is not on the school's scale for a {assessment.value} "
                f"subject (policy of {self.effective_from}); allowed: "
                f"{', '.join(allowed)}"
            )
            raise ScaleError(msg)

    def weight_of(self, work_type: str) -> int:
        """The weight of ``work_type``; :class:`ScaleError` if the policy lacks it."""
        for w in self.work_types:
            if w.name == work_type:
                return w.weight
        allowed = ", ".join(w.name for w in self.work_types)
        msg = (
            f"work type {work_type!r} is not in the grading policy; allowed: {allowed}"
        )
        raise ScaleError(msg)

    def is_failing(self, result: str) -> bool:
        """True for a result that leaves an academic debt: below the passing mark,
        «незачёт» or «н/а» (273-ФЗ art. 58 p. 2)."""
        if result in (FAILED, NOT_ATTESTED):
            return True
        if result == PASSED:
            return False
        return result.isdigit() and int(result) < self.passing

    def suggest(
        self, marks: Iterable[tuple[str, int]], assessment: Assessment
    ) -> Suggestion:
        """The weighted average of (mark, weight) pairs and its rounded grade."""
        pairs = [(m, w) for m, w in marks if m != NOT_ATTESTED]
        if len(pairs) < max(self.min_marks, 1):
            return Suggestion(None, NOT_ATTESTED, len(pairs))
        if assessment is Assessment.PASS_FAIL:
            passed = sum(1 for m, _ in pairs if m == PASSED)
            grade = PASSED if passed * 2 >= len(pairs) else FAILED
            return Suggestion(None, grade, len(pairs))
        average = weighted_average((int(m), w) for m, w in pairs)
        return Suggestion(average, self.rounded(average), len(pairs))

    def suggest_year(
        self, period_grades: Iterable[str], assessment: Assessment
    ) -> Suggestion:
        """A year grade from the period grades: their plain average, rounded."""
        grades = [g for g in period_grades if g != NOT_ATTESTED]
        if not grades:
            return Suggestion(None, NOT_ATTESTED, 0)
        if assessment is Assessment.PASS_FAIL:
            grade = PASSED if all(g == PASSED for g in grades) else FAILED
            return Suggestion(None, grade, len(grades))
        average = weighted_average((int(g), 1) for g in grades)
        return Suggestion(average, self.rounded(average), len(grades))

    def rounded(self, average: Decimal) -> str:
        """The mark an average rounds to: up when its fraction reaches the
        threshold (4.5 → «5» at 0.5, but 4.5 → «4» at 0.6)."""
        whole = int(average)
        grade = whole + 1 if average - whole >= self.rounding_threshold else whole
        return str(min(max(grade, min(self.marks)), max(self.marks)))


def weighted_average(pairs: Iterable[tuple[int, int]]) -> Decimal:
    """Σ mark·weight / Σ weight, to two decimal places (half up)."""
    total = weights = 0
    for mark, weight in pairs:
        total += mark * weight
        weights += weight
    if weights == 0:
        msg = "no weighted marks to average"
        raise InvalidRecordError(msg)
    return (Decimal(total) / Decimal(weights)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def period_grades_allowed(
    assessment: Assessment, policy: GradingPolicy
) -> tuple[str, ...]:
    """Grades a period, year or final grade may take for a subject so assessed."""
    if assessment is Assessment.PASS_FAIL:
        return (PASSED, FAILED, NOT_ATTESTED)
    return (*(str(m) for m in sorted(policy.marks, reverse=True)), NOT_ATTESTED)


def check_grade(grade: str, assessment: Assessment, policy: GradingPolicy) -> None:
    """Raise :class:`ScaleError` unless ``grade`` is a period grade on the scale."""
    allowed = period_grades_allowed(assessment, policy)
    if grade not in allowed:
        msg = (
            f"grade {grade!r} is not on the school's scale for a {assessment.value} "
            f"subject; allowed: {', '.join(allowed)}"
        )
        raise ScaleError(msg)


@cache
def _scale(marks: tuple[int, ...], assessment: Assessment) -> tuple[str, ...]:
    """The marks of a scale, best first, then «н/а» (asked for every mark
    recorded, so kept per scale)."""
    if assessment is Assessment.PASS_FAIL:
        return (PASSED, FAILED, NOT_ATTESTED)
    return (*(str(m) for m in sorted(marks, reverse=True)), NOT_ATTESTED)
