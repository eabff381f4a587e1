"""A pupil's standing across records: where the cross-record rules get their data.

The rules themselves are pure (:mod:`ledger.domain.admission`,
:mod:`ledger.domain.graduation`, :mod:`ledger.domain.promotion`); this service
reads what they are checked on, from several streams of one pupil:

- the years the pupil spent in this school (the personal file's placements and
  their classes);
- the open academic debts: the current year's subject records, and those of
  earlier years the council promoted the pupil from conditionally;
- the final interview or essay, the admission to state exams and the latest
  state exam results of a year;
- the final grades Приказ 546 derives from year, half-year and exam grades.

The services (council, attestation, attestat book, enrolment) call it inside
their command frame, so the rules are checked against what the store held when
the command began, like every other rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from ledger.application import Signing
from ledger.domain.admission import AdmissionTests, Debt, check_admission, debt_of
from ledger.domain.attestation import SubjectRecord
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import CouncilRecord, DecisionKind
from ledger.domain.exams import ExamResult, ExamSheet
from ledger.domain.graduation import (
    EXAM_SUBJECT,
    Derivation,
    check_state_exams,
    derive_basic,
    derive_secondary,
)
from ledger.domain.ids import (
    admission_tests_id,
    council_record_id,
    exam_sheet_id,
    subject_record_id,
)
from ledger.domain.people import MoveReason, PersonalFile
from ledger.domain.promotion import check_move
from ledger.domain.school import Level
from ledger.domain.schoolyear import YEAR_PERIOD
from ledger.records.context import DIRECTOR, RecordsContext


@dataclass(frozen=True)
class YearInSchool:
    """A year the pupil spent in this school: its label and the (last) class."""

    year: str
    klass: SchoolClass


class Standing:
    """Reads a pupil's standing for the cross-record rules."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    # -- years and debts ---------------------------------------------------------

    def years(self, pupil: UUID) -> list[YearInSchool]:
        """The pupil's years in this school, oldest first, each with the class
        the pupil was last in that year."""
        file = self.ctx.view(PersonalFile, pupil)
        found: dict[str, SchoolClass] = {}
        for placement in file.placements if file is not None else []:
            klass = self.ctx.view(SchoolClass, placement.class_id)
            if klass is not None:
                found.pop(klass.year, None)
                found[klass.year] = klass
        return [YearInSchool(y, k) for y, k in found.items()]

    def debts_of_year(self, pupil: UUID, at: YearInSchool) -> list[Debt]:
        """The academic debts still open from ``at``'s year."""
        school = self.ctx.school()
        policy = school.policy_on(self.ctx.year_of(at.klass).ends)
        debts = []
        for subject, record in self._records(pupil, at):
            debt = debt_of(subject, at.year, record, policy)
            if debt is not None:
                debts.append(debt)
        return debts

    def open_debts(self, pupil: UUID, year: str) -> list[Debt]:
        """Debts open in ``year`` and in earlier years the council promoted the
        pupil from conditionally (a retained pupil's old year does not count:
        the grade is studied again)."""
        debts = []
        for at in self.years(pupil):
            if at.year > year:
                break
            if at.year == year or self._conditional(pupil, at.year):
                debts.extend(self.debts_of_year(pupil, at))
        return debts

    def decisions(self, pupil: UUID, year: str) -> set[DecisionKind]:
        """The kinds of council decision recorded about the pupil in ``year``."""
        council = self.ctx.view(CouncilRecord, council_record_id(pupil, year))
        return {DecisionKind(k) for k in council.decisions} if council else set()

    def _conditional(self, pupil: UUID, year: str) -> bool:
        decided = self.decisions(pupil, year)
        return (
            DecisionKind.PROMOTED_CONDITIONALLY in decided
            and DecisionKind.RETAINED not in decided
        )

    def _records(
        self, pupil: UUID, at: YearInSchool
    ) -> Iterator[tuple[str, SubjectRecord]]:
        for subject in self.ctx.school().subjects.values():
            if at.klass.grade not in subject.grades:
                continue
            stream = subject_record_id(pupil, subject.code, at.year)
            record = self.ctx.view(SubjectRecord, stream)
            if record is not None:
                yield subject.code, record

    # -- admission and exams -----------------------------------------------------

    def check_admission(self, pupil: UUID, klass: SchoolClass) -> None:
        """The council's «допущен к ГИА» for ``pupil`` of ``klass``
        (:func:`ledger.domain.admission.check_admission`)."""
        tests = self.ctx.view(AdmissionTests, admission_tests_id(pupil, klass.year))
        check_admission(klass.grade, self.open_debts(pupil, klass.year), tests)

    def admitted(self, pupil: UUID, year: str) -> bool:
        return DecisionKind.ADMITTED_TO_STATE_EXAMS in self.decisions(pupil, year)

    def exams(self, pupil: UUID, year: str) -> dict[str, ExamResult]:
        sheet = self.ctx.view(ExamSheet, exam_sheet_id(pupil, year))
        return sheet.latest() if sheet is not None else {}

    def check_state_exams(self, pupil: UUID, level: Level, year: str) -> None:
        """An attestat of ``level`` in ``year``: admitted, exams passed
        (:func:`ledger.domain.graduation.check_state_exams`)."""
        check_state_exams(level, self.admitted(pupil, year), self.exams(pupil, year))

    # -- final grades ------------------------------------------------------------

    def derived_final_grades(
        self, pupil: UUID, level: Level, year: str
    ) -> dict[str, Derivation]:
        """The final grade of each subject of ``level``'s curriculum as Приказ
        546 derives it from the ledger (the attestat's ``year``)."""
        years = [y for y in self.years(pupil) if y.year <= year]
        exams = self.exams(pupil, year)
        found = {}
        for subject in self.ctx.school().curriculum(level):
            if level is Level.BASIC:
                exam = exams.get(EXAM_SUBJECT.get(subject.code, subject.code))
                grade = self._last_year_grade(
                    pupil, subject.code, subject.grades, years
                )
                found[subject.code] = derive_basic(grade, exam)
            else:
                found[subject.code] = self._secondary(pupil, subject.code, years)
        return found

    def _last_year_grade(
        self,
        pupil: UUID,
        subject: str,
        taught: tuple[int, ...],
        years: list[YearInSchool],
    ) -> str | None:
        last = max((g for g in taught if g <= Level.BASIC.final_grade), default=None)
        at = next((y for y in reversed(years) if y.klass.grade == last), None)
        if at is None:
            return None
        record = self.ctx.view(
            SubjectRecord, subject_record_id(pupil, subject, at.year)
        )
        return record.grades.get(YEAR_PERIOD) if record is not None else None

    def _secondary(
        self, pupil: UUID, subject: str, years: list[YearInSchool]
    ) -> Derivation:
        taught = self.ctx.school().subject(subject).grades
        grades: list[tuple[str, str]] = []
        for grade in (g for g in (10, 11) if g in taught):
            at = next((y for y in reversed(years) if y.klass.grade == grade), None)
            record = (
                self.ctx.view(SubjectRecord, subject_record_id(pupil, subject, at.year))
                if at is not None
                else None
            )
            if at is None or record is None or YEAR_PERIOD not in record.grades:
                return Derivation(None, (), f"grade {grade}'s grades not in the ledger")
            periods = self.ctx.year_of(at.klass).periods(grade)
            grades.extend(
                (f"{grade}:{p.code}", record.grades[p.code])
                for p in periods
                if p.code in record.grades
            )
            grades.append((f"{grade}:{YEAR_PERIOD}", record.grades[YEAR_PERIOD]))
        return derive_secondary(grades)

    # -- signatures --------------------------------------------------------------

    def director_signs(self, signing: Signing) -> bool:
        """Whether the director authors or co-signs ``signing``."""
        registry = self.ctx.app.context.registry
        return any(DIRECTOR in registry.get(s.key_id).roles for s in signing.signers)

    # -- moves -------------------------------------------------------------------

    def check_move(
        self, pupil: UUID, current_id: UUID, target: SchoolClass, reason: MoveReason
    ) -> None:
        """A class move of ``pupil`` from class ``current_id`` to ``target`` for
        ``reason``, against the council's decisions and the open debts of the
        current class's year (:func:`ledger.domain.promotion.check_move`)."""
        current = self.ctx.view(SchoolClass, current_id)
        if current is None:
            return
        at = YearInSchool(current.year, current)
        check_move(
            reason,
            from_class=current.name,
            from_grade=current.grade,
            from_year=current.year,
            to_class=target.name,
            to_grade=target.grade,
            to_year=target.year,
            decided=self.decisions(pupil, current.year),
            debts=self.debts_of_year(pupil, at),
        )
