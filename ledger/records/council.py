"""The teachers' council's decisions about pupils (§7.3.6).

Rules checked before anything is saved: the protocol has a number and is not
dated in the future; the pupil was in a class on the protocol's date and the
decision fits that class's grade; debts are subjects of the curriculum; a
decision is recorded once a year; honours and medals only when the criteria of
:mod:`ledger.domain.honours` hold on the final grades and exam results. Then the
cross-record rules (:class:`~ledger.records.standing.Standing`): admission to
state exams with no open debt and the interview or essay passed; a promotion
matching the year's debts; an attestat after admission and the exams passed. A
decision is corrected by a later protocol that names it, with the reason
(:meth:`Council.correct_decision`; the director co-signs, signing policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ledger.application import Signing
from ledger.domain.admission import Debt
from ledger.domain.attestation import Protocol, check_protocol
from ledger.domain.base import stream_of
from ledger.domain.classes import SchoolClass
from ledger.domain.decisions import CouncilRecord, DecisionKind, Medal
from ledger.domain.errors import CorrectionError, NotEnrolledError, UnknownRecordError
from ledger.domain.honours import GraduateResults
from ledger.domain.ids import council_record_id
from ledger.domain.people import PersonalFile
from ledger.domain.promotion import check_promotion
from ledger.domain.school import Level
from ledger.records.context import RecordsContext
from ledger.records.standing import Standing, YearInSchool


@dataclass(frozen=True)
class DecisionInput:
    """One line of a council protocol about one pupil."""

    pupil: UUID
    kind: DecisionKind
    to_class: str | None = None
    debts: tuple[str, ...] = ()
    with_honours: bool = False
    medal: Medal | None = None
    note: str = ""


class Council:
    """Records the council's decisions, one protocol at a time."""

    def __init__(self, ctx: RecordsContext) -> None:
        self.ctx = ctx

    def record_decisions(
        self,
        protocol: Protocol,
        decisions: Sequence[DecisionInput],
        *,
        signed_by: Signing,
    ) -> None:
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            check_protocol(protocol, ctx.today(), "council")
            now = ctx.now()
            records: dict[UUID, CouncilRecord] = {}
            for d in decisions:
                klass = self._class_of(d.pupil, protocol)
                results = (
                    ctx.graduate_results(d.pupil, d.kind.level, klass.year)
                    if d.kind.level is not None
                    else GraduateResults()
                )
                stream = council_record_id(d.pupil, klass.year)
                record = records.get(stream) or ctx.record(CouncilRecord, stream)
                record.record_decision(
                    pupil=d.pupil,
                    year=klass.year,
                    class_id=klass.id,
                    class_name=klass.name,
                    grade=klass.grade,
                    kind=d.kind,
                    protocol=protocol,
                    to_class=d.to_class,
                    debts=tuple(d.debts),
                    with_honours=d.with_honours,
                    medal=d.medal,
                    note=d.note,
                    school=ctx.school(),
                    results=results,
                    at=now,
                )
                self._check_standing(d, klass)
                records[stream] = record
                cmd.save(record)

    def open_debts(self, pupil: UUID, year: str) -> list[Debt]:
        """The academic debts the ledger holds open for ``pupil`` in ``year``
        and earlier years the pupil was promoted from conditionally: what a
        conditional promotion lists and what bars admission to state exams."""
        self.ctx.begin()
        return Standing(self.ctx).open_debts(pupil, year)

    def _check_standing(self, d: DecisionInput, klass: SchoolClass) -> None:
        """The cross-record rules of a decision (issue 13): admission needs no
        open debt and the interview or essay passed; a promotion the debts the
        ledger holds; an attestat the admission and the state exams passed."""
        standing = Standing(self.ctx)
        if d.kind is DecisionKind.ADMITTED_TO_STATE_EXAMS:
            standing.check_admission(d.pupil, klass)
        elif d.kind in (DecisionKind.PROMOTED, DecisionKind.PROMOTED_CONDITIONALLY):
            held = standing.debts_of_year(d.pupil, YearInSchool(klass.year, klass))
            check_promotion(d.kind, d.debts, held)
        elif d.kind.level is not None:
            self.ctx.school().school_type.check_level(d.kind.level, "the decision")
            standing.check_state_exams(d.pupil, d.kind.level, klass.year)

    def correct_decision(
        self,
        corrects: str,
        protocol: Protocol,
        decision: DecisionInput,
        *,
        reason: str,
        signed_by: Signing,
    ) -> str:
        """Replace the council decision ``corrects`` about ``decision.pupil`` by
        the council's later ``protocol``; its event name."""
        ctx = self.ctx
        with ctx.command(signed_by) as cmd:
            check_protocol(protocol, ctx.today(), "council")
            record = ctx.replay(CouncilRecord, stream_of(corrects, "decision"))
            if record is None:
                msg = (
                    f"{corrects} names no council record; a correction names a "
                    "recorded decision"
                )
                raise CorrectionError(msg)
            old = record.corrected_decision(corrects)
            klass = ctx.school_class(old.class_id)
            if record.id != council_record_id(decision.pupil, klass.year):
                msg = (
                    f"{corrects} is a decision about another pupil than "
                    f"{decision.pupil}; a correction concerns the same pupil"
                )
                raise CorrectionError(msg)
            level = decision.kind.level
            name = record.correct_decision(
                corrects=corrects,
                pupil=decision.pupil,
                year=klass.year,
                class_name=klass.name,
                grade=klass.grade,
                kind=decision.kind,
                protocol=protocol,
                to_class=decision.to_class,
                debts=tuple(decision.debts),
                with_honours=decision.with_honours,
                medal=decision.medal,
                reason=reason,
                school=ctx.school(),
                results=(
                    ctx.graduate_results(decision.pupil, level, klass.year)
                    if level is not None
                    else GraduateResults()
                ),
                by=cmd.author.staff,
                at=ctx.now(),
            )
            cmd.save(record)
        return name

    def check_honours(
        self,
        pupil: UUID,
        level: Level,
        year: str,
        with_honours: bool,
        medal: Medal | None,
    ) -> None:
        """Raise :class:`HonoursError` unless the pupil's final grades and exams
        meet the criteria for the honours and medal asked for."""
        self.ctx.graduate_results(pupil, level, year).check_honours(
            level, with_honours=with_honours, medal=medal
        )

    def _class_of(self, pupil: UUID, protocol: Protocol) -> SchoolClass:
        ctx = self.ctx
        file = ctx.view(PersonalFile, pupil)
        placement = file.class_on(protocol.on) if file is not None else None
        if file is None or file.school != ctx.school_id or placement is None:
            msg = (
                f"pupil {pupil} was not a pupil of this school on {protocol.on} "
                "(the protocol's date); the council decides about its own pupils"
            )
            raise NotEnrolledError(msg)
        klass = ctx.view(SchoolClass, placement.class_id)
        if klass is None:
            msg = f"class {placement.class_name} is not opened"
            raise UnknownRecordError(msg)
        return klass
