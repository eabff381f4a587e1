"""Deterministic stream ids: a service finds a record from what names it.

Every aggregate of the records domain lives in a stream whose id is a UUIDv5 of
what identifies it in the school ("the lesson of 7А, algebra, 2025-10-14, first
of the day"), so no index is needed to find it, and two writers making the same
record collide on the same stream (the store refuses the second).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

DOMAIN_NAMESPACE = UUID("0b7c2f4e-5a0e-5d1c-8f3a-6c6574b0a103")


def school_id(code: str) -> UUID:
    """The school's stream: registration, subjects, grading policies."""
    return uuid5(DOMAIN_NAMESPACE, f"letopis/school/{code}")


def academic_year_id(school: UUID, year: str) -> UUID:
    """The academic year ``year`` ("2025/2026") of ``school``."""
    return uuid5(school, f"year/{year}")


def class_id(school: UUID, year: str, name: str) -> UUID:
    """A class in one academic year ("7А" in "2025/2026")."""
    return uuid5(school, f"class/{year}/{name}")


def staff_id(school: UUID, personnel_number: str) -> UUID:
    """A staff member by personnel number («табельный номер»)."""
    return uuid5(school, f"staff/{personnel_number}")


def personal_file_id(school: UUID, number: str) -> UUID:
    """A pupil's personal file («личное дело») by its alphabetical book number.

    This id is the pupil's pseudonymous UUID: every record refers to it.
    """
    return uuid5(school, f"personal-file/{number}")


def lesson_id(
    klass: UUID, subject: str, subgroup: str | None, day: date, number: int
) -> UUID:
    """The ``number``-th lesson of a class, subject and subgroup on ``day``."""
    return uuid5(
        klass, f"lesson/{subject}/{subgroup or '-'}/{day.isoformat()}/{number}"
    )


def subject_record_id(pupil: UUID, subject: str, year: str) -> UUID:
    """A pupil's grades in one subject and year: periods, attestation, retakes."""
    return uuid5(pupil, f"subject/{subject}/{year}")


def exam_sheet_id(pupil: UUID, year: str) -> UUID:
    """A pupil's state exam results in one year."""
    return uuid5(pupil, f"state-exams/{year}")


def final_grades_id(pupil: UUID, level: str) -> UUID:
    """A pupil's final grades for the attestat of ``level`` (basic, secondary)."""
    return uuid5(pupil, f"final-grades/{level}")


def council_record_id(pupil: UUID, year: str) -> UUID:
    """The teachers' council decisions about a pupil in one year."""
    return uuid5(pupil, f"council/{year}")


def attestat_book_id(school: UUID, level: str) -> UUID:
    """The school's attestat book («книга выдачи аттестатов») for ``level``."""
    return uuid5(school, f"attestat-book/{level}")


def portfolio_id(pupil: UUID, year: str) -> UUID:
    """A pupil's achievements in one year."""
    return uuid5(pupil, f"portfolio/{year}")


def admission_tests_id(pupil: UUID, year: str) -> UUID:
    """A pupil's final interview or essay results in one year (ГИА admission)."""
    return uuid5(pupil, f"admission-tests/{year}")


def data_key_erasure_id(pupil: UUID) -> UUID:
    """The stream of a pupil's data key destruction (one event, ever)."""
    return uuid5(pupil, "data-key-destroyed")


def disposal_act_id(log: str, number: str) -> UUID:
    """The stream of the disposal act numbered ``number`` in log ``log``."""
    return uuid5(DOMAIN_NAMESPACE, f"letopis/disposal-act/{log}/{number.strip()}")


def year_archive_id(log: str, year: str) -> UUID:
    """The stream of school year ``year`` closed into the archive of log ``log``."""
    return uuid5(DOMAIN_NAMESPACE, f"letopis/year-archived/{log}/{year}")
