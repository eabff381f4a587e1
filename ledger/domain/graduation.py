"""What an attestat rests on: the state exams passed, and final grades derived
as the order on attestats requires.

Sources: «Порядок заполнения, учета и выдачи аттестатов об основном общем и
среднем общем образовании и их дубликатов» (order of Минпросвещения of
05.10.2020 № 546, section II); the ГИА procedures (orders 232/551 and 233/552 of
04.04.2023).

- **Exams for the basic attestat (grade 9):** the ОГЭ (or ГВЭ) in Russian and
  mathematics and in two subjects of the pupil's choice, each passed (a
  satisfactory result, the latest sitting counting: a re-sit on a reserve day
  replaces a failure).
- **Exams for the secondary attestat (grade 11):** Russian and mathematics (ЕГЭ
  basic or profile level, or ГВЭ), passed.
- **Final grades, grade 9:** for the subjects of the state exams, the
  arithmetic mean of the year grade and the exam mark; for the others, the year
  grade (of grade 9, or of the last grade the subject was taught in).
- **Final grades, grade 11:** the arithmetic mean of the half-year (period) and
  year grades of each year of the secondary level (grades 10 and 11).
- Both are whole numbers by mathematical rounding (half up: 3.5 → 4), not by
  the school's own rounding threshold for period grades.

A final grade may differ from the derived one (a grade the ledger could not
see, an appeal): then it needs a reason and the director's co-signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ledger.domain.errors import FinalGradeError, StateExamsError
from ledger.domain.exams import ExamResult
from ledger.domain.school import Level

RUSSIAN = "rus"
MATHS = {Level.BASIC: ("math",), Level.SECONDARY: ("math_base", "math_prof")}
CHOSEN = {Level.BASIC: 2, Level.SECONDARY: 0}  # subjects of the pupil's choice
EXAM_SUBJECT = {"alg": "math", "geom": "math"}  # ОГЭ «Математика» covers both


def check_state_exams(
    level: Level, admitted: bool, exams: Mapping[str, ExamResult]
) -> None:
    """:class:`StateExamsError` unless the pupil was admitted to the state exams
    and passed those ``level`` requires (latest result of each subject in
    ``exams``)."""
    if not admitted:
        msg = (
            f"the {level.value} attestat is issued only to a pupil the council "
            "admitted to the state exams («допущен к ГИА») that year and who "
            "passed them; no admission is recorded"
        )
        raise StateExamsError(msg)
    passed = {s for s, r in exams.items() if r.passed}
    maths = MATHS[level]
    missing = [RUSSIAN] if RUSSIAN not in passed else []
    if not passed.intersection(maths):
        missing.append(" or ".join(maths))
    chosen = len(passed - {RUSSIAN, *maths})
    if chosen < CHOSEN[level]:
        missing.append(f"{CHOSEN[level] - chosen} subject(s) of the pupil's choice")
    if missing:
        results = ", ".join(
            f"{s} {'passed' if r.passed else 'failed'}"
            for s, r in sorted(exams.items())
        )
        msg = (
            f"the {level.value} attestat needs the state exams passed: "
            f"{_required(level)}; missing or failed: {'; '.join(missing)} "
            f"(results: {results or 'none'})"
        )
        raise StateExamsError(msg)


def _required(level: Level) -> str:
    maths = " or ".join(MATHS[level])
    if CHOSEN[level]:
        return f"{RUSSIAN}, {maths} and {CHOSEN[level]} subjects of the pupil's choice"
    return f"{RUSSIAN} and {maths}"


@dataclass(frozen=True)
class Derivation:
    """A final grade as the order derives it from what the ledger holds:
    ``value`` (``None`` when the ledger lacks an input: a year before the ledger
    or at another school) and the ``inputs`` it was derived from, for messages."""

    value: str | None
    inputs: tuple[str, ...]
    missing: str = ""

    def describe(self) -> str:
        if self.value is None:
            return f"not derivable: {self.missing}"
        return f"«{self.value}» from {', '.join(self.inputs)}"


def rounded_mean(marks: Sequence[int]) -> str:
    """The arithmetic mean of ``marks`` as a whole mark, rounded half up."""
    mean = Decimal(sum(marks)) / len(marks)
    return str(int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def derive_basic(year_grade: str | None, exam: ExamResult | None) -> Derivation:
    """Grade 9: the mean of the year grade and the exam mark, or the year grade
    when the subject was not examined."""
    if year_grade is None or not year_grade.isdigit():
        return Derivation(None, (), "no numeric year grade in the ledger")
    if exam is None or exam.mark is None:
        return Derivation(year_grade, (f"year «{year_grade}»",))
    inputs = (f"year «{year_grade}»", f"exam «{exam.mark}»")
    return Derivation(rounded_mean([int(year_grade), int(exam.mark)]), inputs)


def derive_secondary(grades: Sequence[tuple[str, str]]) -> Derivation:
    """Grade 11: the mean of the period (half-year) and year grades of grades
    10 and 11; ``grades`` are (label, grade), every one the ledger holds."""
    if not grades or not all(g.isdigit() for _, g in grades):
        return Derivation(None, (), "half-year and year grades incomplete")
    inputs = tuple(f"{label} «{g}»" for label, g in grades)
    return Derivation(rounded_mean([int(g) for _, g in grades]), inputs)


def check_final_grade(
    subject: str, grade: str, derived: Derivation, *, reason: str, cosigned: bool
) -> None:
    """:class:`FinalGradeError` when ``grade`` differs from the derived value and
    is not given a ``reason`` and the director's co-signature (``cosigned``)."""
    if derived.value is None or grade == derived.value:
        return
    if reason.strip() and cosigned:
        return
    msg = (
        f"final grade «{grade}» in {subject} differs from the one Приказ 546 "
        f"derives ({derived.describe()}); allowed: «{derived.value}», or another "
        "grade with its reason (basis) and the director's co-signature"
    )
    raise FinalGradeError(msg)
