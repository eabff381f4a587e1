"""The school records office: every service of the records domain for one school.

``SchoolRecords(app, school, clock=..., data_keys=...)`` gathers the services by
area, sharing one :class:`RecordsContext` (reads, clock, signing)::

    records.setup        subjects, grading policy, years, classes, teaching, staff
    records.people       enrolment, moves, leaving (personal files)
    records.journal      lessons, marks, absences, corrections, voids
    records.attestation  period grades, intermediate attestation, retakes, exams,
                         final grades
    records.council      teachers' council decisions
    records.closing      closing periods and years (the deputy director)
    records.attestats    the attestat book: attestats, duplicates, corrections,
                         spoiled blanks
    records.portfolio    achievements

Each command checks its rules, then saves its events in one signed append with
``signed_by`` (DESIGN §2, §4); a rejected command writes nothing.
"""

from __future__ import annotations

from uuid import UUID

from ledger.application import LedgerApplication
from ledger.keys.personal import DataKeyStore
from ledger.records.attestation import Attestation
from ledger.records.attestats import AttestatOffice
from ledger.records.closing import Closing
from ledger.records.context import Clock, RecordsContext
from ledger.records.council import Council
from ledger.records.erasure import Erasure
from ledger.records.journal import Journal
from ledger.records.people import Enrolment
from ledger.records.portfolio import Portfolios
from ledger.records.setup import SchoolSetup, register_school

__all__ = ["SchoolRecords", "register_school"]


class SchoolRecords:
    """Every records service of one school, on one ledger application."""

    def __init__(
        self,
        app: LedgerApplication,
        school: UUID,
        *,
        clock: Clock,
        data_keys: DataKeyStore | None = None,
    ) -> None:
        self._wire(RecordsContext(app, school, clock=clock, data_keys=data_keys))

    @classmethod
    def on(cls, context: RecordsContext) -> SchoolRecords:
        """The services on an existing context (a dry run's, say)."""
        records = cls.__new__(cls)
        records._wire(context)
        return records

    def _wire(self, context: RecordsContext) -> None:
        self.context = context
        self.setup = SchoolSetup(self.context)
        self.people = Enrolment(self.context)
        self.journal = Journal(self.context)
        self.attestation = Attestation(self.context, self.journal)
        self.council = Council(self.context)
        self.attestats = AttestatOffice(self.context)
        self.portfolio = Portfolios(self.context)
        self.closing = Closing(self.context)
        self.erasure = Erasure(self.context)
