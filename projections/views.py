r"""The records view: every school record as history rows, ready for as-of reports.

One :class:`RecordsView` follows the log into six tables, one per area of the
domain (DESIGN §5): ``view_school`` (school, subjects, years, classes, staff),
``view_people`` (enrolments, moves, leaving), ``view_journal`` (lessons, marks,
absences, corrections, voids), ``view_grades`` (period grades, intermediate
attestation, retakes, state exams, final grades, council decisions),
``view_book`` (the attestat books) and ``view_portfolio``.

Every row is one event and nothing is ever updated: a correction, a void, a
duplicate or a book correction is its own row naming the event it refers to
(``target``). Each row carries the event's log position (notification id), its
leaf in the Merkle log (``leaf_index``, ``leaf_hash`` as hex: the row names
the evidence it came from), its ``at`` and its name ``<stream>:<seq>``, so a
report "as of" a point reads the rows with ``position <= P`` (and ``at``
before a moment) and sees the records exactly as they stood then. The columns
a report filters on are columns; the rest of the event stays in ``data`` (the
event's JSON, keys sorted).

The tables' names, columns, DDL and indexes are in ``ledger.storage.tables``.
``apply_batch`` inserts each table's rows at once (``COPY`` on PostgreSQL,
``executemany`` on SQLite) and
reads nothing back, so a rebuild costs little more per event than parsing it;
the indexes are declared (``indexes``) so that the runner builds them after a
rebuild's replay rather than row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ledger.storage.sql import Transaction
from ledger.storage.tables import (
    VIEW_COLUMNS,
    VIEW_INDEXES,
    VIEW_TABLES,
    view_table_ddl,
)
from projections.runner import Fact

COLUMNS = VIEW_COLUMNS
TABLES = VIEW_TABLES
INDEXES = VIEW_INDEXES

Row = tuple[Any, ...]
Columns = Callable[[Mapping[str, Any]], dict[str, Any]]


def _none(_: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _class(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"class_id": data.get("class_id")}


def _lesson(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "class_id": data["class_id"],
        "subject": data["subject"],
        "day": data["day"],
    }


def _pupil(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"pupil": data["pupil"]}


def _record(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "pupil": data.get("pupil"),
        "class_id": data.get("class_id"),
        "subject": data.get("subject"),
        "year": data.get("year"),
    }


def _corrects(data: Mapping[str, Any]) -> dict[str, Any]:
    """A correction of a grade, result or decision: the record's columns and the
    event it corrects."""
    return {**_record(data), "target": data["corrects"]}


def _closing(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"class_id": data.get("class_id"), "subject": data.get("subject")}


def _target(field: str) -> Columns:
    def columns(data: Mapping[str, Any]) -> dict[str, Any]:
        return {"target": data[field]}

    return columns


#: event type → (table, the filter columns it fills from ``data``)
FOLLOWED: dict[str, tuple[str, Columns]] = {
    "school.SchoolRegistered": ("view_school", _none),
    "school.SubjectDefined": ("view_school", _none),
    "school.GradingPolicySet": ("view_school", _none),
    "school.AcademicYearOpened": ("view_school", lambda d: {"year": d["year"]}),
    "school.ClassOpened": ("view_school", lambda d: {"year": d["year"]}),
    "school.TeachingAssigned": ("view_school", lambda d: {"subject": d["subject"]}),
    "school.SubstitutionRecorded": ("view_school", lambda d: {"subject": d["subject"]}),
    "school.PeriodClosed": ("view_school", _closing),
    "school.YearClosed": ("view_school", _closing),
    "people.StaffMemberRegistered": ("view_school", _none),
    "people.StudentEnrolled": ("view_people", _class),
    "people.StudentMovedToClass": ("view_people", _class),
    "people.StudentLeft": ("view_people", _none),
    "archive.DataKeyDestroyed": ("view_people", _pupil),
    "journal.LessonHeld": ("view_journal", _lesson),
    "journal.MarkRecorded": ("view_journal", _pupil),
    "journal.AbsenceRecorded": ("view_journal", _pupil),
    "journal.MarkCorrected": ("view_journal", _target("corrects")),
    "journal.MarkVoided": ("view_journal", _target("voids")),
    "attestation.PeriodGradeRecorded": ("view_grades", _record),
    "attestation.IntermediateAttestationRecorded": ("view_grades", _record),
    "attestation.RetakeRecorded": ("view_grades", _target("retakes")),
    "attestation.ExamResultImported": ("view_grades", _record),
    "attestation.AdmissionTestRecorded": ("view_grades", _record),
    "attestation.FinalGradeRecorded": ("view_grades", _record),
    "decisions.CouncilDecisionRecorded": ("view_grades", _record),
    "attestation.PeriodGradeCorrected": ("view_grades", _corrects),
    "attestation.AttestationResultCorrected": ("view_grades", _corrects),
    "attestation.ExamResultCorrected": ("view_grades", _corrects),
    "attestation.FinalGradeCorrected": ("view_grades", _corrects),
    "decisions.CouncilDecisionCorrected": ("view_grades", _corrects),
    "attestat.AttestatIssued": ("view_book", _record),
    "attestat.DuplicateIssued": ("view_book", _record),
    "attestat.BookEntryCorrected": ("view_book", _none),
    "attestat.BlankSpoiled": ("view_book", _none),
    "attestat.BlanksReceived": ("view_book", _none),
    "attestat.ClassEntriesCertified": ("view_book", _record),
    "portfolio.AchievementRecorded": ("view_portfolio", _pupil),
    "portfolio.AchievementWithdrawn": ("view_portfolio", _target("withdraws")),
}

#: streams that are the pupil themselves (the personal file's stream id)
_PUPIL_STREAMS = (
    "people.StudentEnrolled",
    "people.StudentMovedToClass",
    "people.StudentLeft",
)
#: streams that are the class themselves
_CLASS_STREAMS = (
    "school.ClassOpened",
    "school.TeachingAssigned",
    "school.SubstitutionRecorded",
)


class RecordsView:
    """Every school record as one history row per event (see the module)."""

    name = "records"
    tables: tuple[str, ...] = TABLES
    indexes: Mapping[str, tuple[str, ...]] = INDEXES
    append_only = True
    #: on PostgreSQL the owner role's functions make the tables (`letopis init`)
    owned = True
    columns: tuple[str, ...] = COLUMNS

    def create(self, tx: Transaction) -> None:
        for table in TABLES:
            tx.execute(view_table_ddl(table))

    def apply_batch(self, tx: Transaction, facts: Sequence[Fact]) -> None:
        for table, batch in rows_of(facts).items():
            tx.copy_rows(table, COLUMNS, batch)


def rows_of(facts: Sequence[Fact]) -> dict[str, list[Row]]:
    """The rows the events add to each table (the projection itself: what a
    batch writes, and what ``projections.audit`` recomputes to compare)."""
    rows: dict[str, list[Row]] = {}
    for fact in facts:
        followed = FOLLOWED.get(fact.type)
        if followed is not None:
            table, columns = followed
            rows.setdefault(table, []).append(row_of(fact, columns(fact.data)))
    return rows


def row_of(fact: Fact, columns: dict[str, Any]) -> Row:
    """The row of one event: its place in the log, filter columns, its data."""
    if fact.type in _PUPIL_STREAMS:
        columns["pupil"] = fact.stream
    if fact.type in _CLASS_STREAMS:
        columns["class_id"] = fact.stream
    return (
        fact.position,
        fact.at,
        fact.name,
        fact.type,
        fact.stream,
        columns.get("class_id"),
        columns.get("pupil"),
        columns.get("subject"),
        columns.get("year"),
        columns.get("day"),
        columns.get("target"),
        fact.data_json,
        fact.leaf_index,
        fact.leaf_hash,
    )
