"""The school records' rejections: one family under :class:`LedgerError`.

Each class is one rule of the records domain (issue 3, DESIGN §4–§5). Every
message says what was wrong and what is allowed; nothing is written when one
is raised, because the services check everything before they save.
"""

from __future__ import annotations

from ledger.errors import LedgerError


class DomainError(LedgerError):
    """A school record breaks a rule of the regulation or the school's policy."""


class UnknownRecordError(DomainError):
    """A school, class, pupil, subject, staff member or entry named is not there."""


class AlreadyRecordedError(DomainError):
    """The record exists already; a record is made once (corrections name it)."""


class InvalidRecordError(DomainError):
    """A field of the record is malformed or inconsistent (dates, numbers, names)."""


class LessonDateError(DomainError):
    """A lesson date outside the academic year or in the future (§7.3.6)."""


class NotSchoolDayError(LessonDateError):
    """A lesson on a day without lessons: a weekend day, a public holiday or a
    vacation day of the year's calendar."""


class PeriodClosedError(DomainError):
    """A record inside a period the deputy director closed: after closing, the
    period's marks and grades change only as corrections by the deputy or the
    director citing an order («приказ»)."""


class PeriodNotClosedError(DomainError):
    """A period grade for a period that has not ended yet."""


class ScaleError(DomainError):
    """A mark or work type that is not on the school's grading policy."""


class NotEnrolledError(DomainError):
    """The pupil was not in that class (or in the school) on that date."""


class AuthorityError(DomainError):
    """The signer may not make this record in this context (§4 context rules)."""


class NotAssignedError(AuthorityError):
    """The teacher neither teaches that class, subject and subgroup nor substitutes
    that day (§7.3.6)."""


class CorrectionError(DomainError):
    """A correction or void of an entry that does not exist or was voided, or a
    correction that names no record of its kind or changes nothing."""


class RetakeError(DomainError):
    """A retake that is not allowed: not of a failed result, or a third one
    (273-ФЗ art. 58)."""


class ExamAdmissionError(DomainError):
    """A state exam result for a pupil the council did not admit (§7.3.2)."""


class DecisionError(DomainError):
    """A council decision that does not fit the pupil, grade or year (§7.3.6)."""


class AttestatError(DomainError):
    """An attestat book entry that breaks the book's rules (§7.3.5)."""


class NoDecisionError(AttestatError):
    """An attestat without a teachers' council decision to issue it."""


class MissingFinalGradesError(AttestatError):
    """An attestat without a final grade for every subject of the curriculum."""


class RegistrationNumberError(AttestatError):
    """A registration number that is not the book's next one (no gaps)."""


class BlankError(AttestatError):
    """A blank used before in the school, or not ascending within the class."""


class BlankStockError(BlankError):
    """A blank not received into the school's stock, or received twice."""


class AlphabeticalOrderError(AttestatError):
    """A class's graduates entered out of alphabetical order (§7.3.5)."""


class DuplicateOfUnknownError(AttestatError):
    """A duplicate of an entry that the book does not hold."""


class HonoursError(DomainError):
    """Honours or a medal where the criteria do not hold."""


class PortfolioError(DomainError):
    """An achievement record that cannot be made or withdrawn."""


# -- cross-record rules (issue 13): where records of several streams must agree --


class AdmissionError(DecisionError):
    """Admission to the state exams («допущен к ГИА») that the ГИА procedures
    (orders 232/551 and 233/552 of 04.04.2023) do not allow."""


class OpenDebtError(AdmissionError):
    """Admission to the state exams with an academic debt not yet retaken, or a
    year grade below «3» (273-ФЗ art. 58, 59 p. 6)."""


class AdmissionTestError(AdmissionError):
    """Admission without the «зачёт» for the final interview (grade 9) or the
    final essay (grade 11); or such a result that cannot be recorded."""


class StateExamsError(DomainError):
    """An attestat (a council decision or a book entry) for a pupil who was not
    admitted to the state exams or did not pass those the level requires."""


class FinalGradeError(DomainError):
    """A final grade that differs from the one Приказ 546 derives, without a
    reason or the director's co-signature."""


class PromotionError(DomainError):
    """A promotion or class move that does not follow the council's decisions
    and the academic debts the ledger holds (273-ФЗ art. 58 p. 8–9)."""


class SchoolTypeError(DomainError):
    """A record the school's type does not keep (a primary school has no
    attestat book and no state exams; grades beyond its last one)."""


class ErasureError(DomainError):
    """A pupil's personal data may not be erased now, or was erased already."""


class DisposalError(DomainError):
    """A disposal act is no ground for disposing of what it names."""


class YearArchiveError(DomainError):
    """A school year cannot be closed into the archive now, or was already."""
