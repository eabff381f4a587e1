"""Final grades (DESIGN §5, area "attestation"): one :class:`FinalGrades`
per pupil and level holds the final grades that go into the attestat book and
the attestat (§4.10, §7.3.5), and their corrections.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import check_change
from ledger.domain.base import OpensStream, RecordStream, event_name, seq_in
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    ScaleError,
    UnknownRecordError,
)
from ledger.domain.grading import NOT_ATTESTED, check_grade
from ledger.domain.school import Level, School
from ledger.events import register_event_types


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
        check_change(self.grades[subject], grade, reason)
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
