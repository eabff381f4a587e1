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

The tables' names, columns, DDL and indexes are in ``ledger.storage.tables``;
which event goes to which table, with which columns, is data in
``ledger.storage.records_view`` (:data:`FOLLOWED`), read by :func:`rows_of`
here and by the owner role's SQL there. On SQLite ``apply_batch`` inserts each
table's rows at once (``executemany``) and reads nothing back, so a rebuild
costs little more per event than parsing it; the indexes are declared
(``indexes``) so that the runner builds them after a rebuild's replay rather
than row by row. On a PostgreSQL store the application role may not write the
tables: the owner role's functions build them from the stored events
(``owned``, :mod:`projections.owned`), and :func:`rows_of` is what every
report compares them with (``projections.audit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.storage.records_view import FOLLOWED, Followed
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


class RecordsView:
    """Every school record as one history row per event (see the module)."""

    name = "records"
    tables: tuple[str, ...] = TABLES
    indexes: Mapping[str, tuple[str, ...]] = INDEXES
    append_only = True
    #: on PostgreSQL the owner role's functions make and fill the tables
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
            rows.setdefault(followed.table, []).append(row_of(fact, followed))
    return rows


def row_of(fact: Fact, followed: Followed) -> Row:
    """The row of one event: its place in the log, filter columns, its data."""
    columns = {column: fact.data.get(key) for column, key in followed.fields}
    if followed.stream is not None:
        columns[followed.stream] = fact.stream
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
