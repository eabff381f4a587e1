"""Teachers' council decisions («решения педагогического совета», §7.3.6).

One :class:`CouncilRecord` stream per pupil and year: the decisions taken about
the pupil that year (admitted to state exams in May; promoted, retained or an
attestat in June), each with the protocol's date and number, as they go into the
summary statement («сводная ведомость») and the personal file (§7.3.3–§7.3.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID

from ledger.domain.attestation import Protocol
from ledger.domain.base import OpensStream, RecordStream, seq_in
from ledger.domain.errors import (
    AlreadyRecordedError,
    CorrectionError,
    DecisionError,
    InvalidRecordError,
)
from ledger.domain.honours import GraduateResults
from ledger.domain.honours import Medal as Medal  # its home is honours
from ledger.domain.school import Level, School
from ledger.events import register_event_types


class DecisionKind(StrEnum):
    """The entries of §7.3.6 («переведён», «допущен к ГИА», «выдан аттестат» …)."""

    PROMOTED = "promoted"
    PROMOTED_CONDITIONALLY = "promoted_conditionally"
    RETAINED = "retained"
    ADMITTED_TO_STATE_EXAMS = "admitted_to_state_exams"
    ATTESTAT_BASIC = "attestat_basic"
    ATTESTAT_SECONDARY = "attestat_secondary"
    CERTIFICATE_OF_STUDY = "certificate_of_study"  # свидетельство об обучении
    STUDY_CERTIFICATE = "study_certificate"  # справка об обучении

    @property
    def level(self) -> Level | None:
        """The attestat level this decision issues, if it issues one."""
        return {
            DecisionKind.ATTESTAT_BASIC: Level.BASIC,
            DecisionKind.ATTESTAT_SECONDARY: Level.SECONDARY,
        }.get(self)


_GRADES: dict[DecisionKind, tuple[int, ...]] = {
    DecisionKind.PROMOTED: (1, 2, 3, 4, 5, 6, 7, 8, 10),
    DecisionKind.PROMOTED_CONDITIONALLY: (1, 2, 3, 4, 5, 6, 7, 8, 10),
    DecisionKind.RETAINED: tuple(range(1, 12)),
    DecisionKind.ADMITTED_TO_STATE_EXAMS: (9, 11),
    DecisionKind.ATTESTAT_BASIC: (9,),
    DecisionKind.ATTESTAT_SECONDARY: (11,),
    DecisionKind.CERTIFICATE_OF_STUDY: (9, 11),
    DecisionKind.STUDY_CERTIFICATE: tuple(range(1, 12)),
}


@dataclass(frozen=True)
class Decision:
    """A decision as the council's record keeps it."""

    kind: DecisionKind
    protocol: Protocol
    with_honours: bool
    medal: Medal | None
    class_id: UUID
    seq: int = 0  # the original decision's event (its corrections keep it)


def check_decision(
    kind: DecisionKind,
    grade: int,
    *,
    to_class: str | None,
    debts: tuple[str, ...],
    with_honours: bool,
    medal: Medal | None,
) -> None:
    """Raise :class:`DecisionError` unless the decision fits the pupil's grade."""
    allowed = _GRADES[kind]
    if grade not in allowed:
        msg = (
            f"decision {kind.value!r} is not taken in grade {grade}; it is taken in "
            f"grades {', '.join(map(str, allowed))}"
        )
        raise DecisionError(msg)
    moving = kind in (DecisionKind.PROMOTED, DecisionKind.PROMOTED_CONDITIONALLY)
    if moving and not to_class:
        msg = f"decision {kind.value!r} names the class the pupil goes to («8А»)"
        raise DecisionError(msg)
    if (kind is DecisionKind.PROMOTED_CONDITIONALLY) != bool(debts):
        msg = (
            "academic debts are listed exactly for a conditional promotion "
            f"(273-ФЗ art. 58 p. 8); got {kind.value!r} with debts {list(debts)}"
        )
        raise DecisionError(msg)
    if with_honours and kind.level is None:
        msg = "only an attestat is issued with honours («с отличием»)"
        raise DecisionError(msg)
    if medal is not None and kind is not DecisionKind.ATTESTAT_SECONDARY:
        msg = "a medal is awarded only with a secondary attestat (grade 11)"
        raise DecisionError(msg)


@register_event_types
class CouncilRecord(RecordStream):
    """The council's decisions about one pupil in one year."""

    class CouncilDecisionRecorded(OpensStream):
        """decisions.CouncilDecisionRecorded: a teachers' council decision about a
        pupil with the protocol's date and number, as entered in the summary
        statement (§7.3.6) and the personal file (§7.3.4)."""

        TOPIC: ClassVar[str] = "decisions.CouncilDecisionRecorded"
        pupil: UUID
        year: str
        class_id: UUID
        class_name: str
        decision: DecisionKind
        protocol: Protocol
        to_class: str | None
        debts: tuple[str, ...]
        with_honours: bool
        medal: Medal | None
        note: str

        def apply(self, aggregate: Any) -> None:
            aggregate.decisions[self.decision.value] = Decision(
                self.decision,
                self.protocol,
                self.with_honours,
                self.medal,
                self.class_id,
                self.originator_version,
            )

    class CouncilDecisionCorrected(OpensStream):
        """decisions.CouncilDecisionCorrected: a council decision about a pupil is
        replaced by a later protocol of the council (an error in the entry, or
        the decision revised); names the decision it corrects and gives the
        reason, co-signed by the director, who chairs the council (§7.3.6). The
        original stays; the summary statement shows the latest decision."""

        TOPIC: ClassVar[str] = "decisions.CouncilDecisionCorrected"
        corrects: str
        pupil: UUID
        year: str
        class_id: UUID
        class_name: str
        decision: DecisionKind
        protocol: Protocol
        to_class: str | None
        debts: tuple[str, ...]
        with_honours: bool
        medal: Medal | None
        reason: str
        by: UUID

        def apply(self, aggregate: Any) -> None:
            seq = int(self.corrects.rpartition(":")[2])
            old = next(k for k, d in aggregate.decisions.items() if d.seq == seq)
            del aggregate.decisions[old]
            aggregate.decisions[self.decision.value] = Decision(
                self.decision,
                self.protocol,
                self.with_honours,
                self.medal,
                self.class_id,
                seq,
            )

    def __init__(self) -> None:
        self.decisions: dict[str, Decision] = {}

    def check_new(self, kind: DecisionKind) -> None:
        found = self.decisions.get(kind.value)
        if found is not None:
            msg = (
                f"decision {kind.value!r} about this pupil is recorded already "
                f"(protocol {found.protocol}); a decision is recorded once a year"
            )
            raise AlreadyRecordedError(msg)

    def find(self, kind: DecisionKind) -> Decision | None:
        return self.decisions.get(kind.value)

    def record_decision(
        self,
        *,
        pupil: UUID,
        year: str,
        class_id: UUID,
        class_name: str,
        grade: int,
        kind: DecisionKind,
        protocol: Protocol,
        to_class: str | None,
        debts: tuple[str, ...],
        with_honours: bool,
        medal: Medal | None,
        note: str,
        school: School,
        results: GraduateResults,
        at: datetime,
    ) -> str:
        """Record the council's decision about the pupil, in ``grade`` on the
        protocol's date (§7.3.6): it fits the grade (:func:`check_decision`), its
        debts are subjects of the school, honours and a medal only when the
        pupil's ``results`` meet the criteria, once a year per kind. Its name."""
        check_decision(
            kind,
            grade,
            to_class=to_class,
            debts=debts,
            with_honours=with_honours,
            medal=medal,
        )
        for debt in debts:
            school.subject(debt)
        if kind.level is not None and (with_honours or medal):
            results.check_honours(kind.level, with_honours=with_honours, medal=medal)
        self.check_new(kind)
        return self._append(
            self.CouncilDecisionRecorded(
                *self._next(at),
                pupil=pupil,
                year=year,
                class_id=class_id,
                class_name=class_name,
                decision=kind,
                protocol=protocol,
                to_class=to_class,
                debts=tuple(debts),
                with_honours=with_honours,
                medal=medal,
                note=note,
            )
        )

    # -- corrections (issue 13) --------------------------------------------------

    def corrected_decision(self, corrects: str) -> Decision:
        """The decision whose original entry is the event ``corrects``;
        :class:`CorrectionError` unless it names one of this record."""
        seq = seq_in(self.id, corrects, "corrected decision")
        found = next((d for d in self.decisions.values() if d.seq == seq), None)
        if found is None:
            msg = (
                f"{corrects} is not a council decision of this pupil's record; a "
                "correction names the decision it corrects (its original entry)"
            )
            raise CorrectionError(msg)
        return found

    def correct_decision(
        self,
        *,
        corrects: str,
        pupil: UUID,
        year: str,
        class_name: str,
        grade: int,
        kind: DecisionKind,
        protocol: Protocol,
        to_class: str | None,
        debts: tuple[str, ...],
        with_honours: bool,
        medal: Medal | None,
        reason: str,
        school: School,
        results: GraduateResults,
        by: UUID,
        at: datetime,
    ) -> str:
        """Replace the decision ``corrects`` by the council's later
        ``protocol``: the new decision fits the grade as a first one must
        (:func:`check_decision`, honours), is not another decision of the
        pupil that year, and the protocol is not older than the corrected
        one's. Its event name."""
        old = self.corrected_decision(corrects)
        check_decision(
            kind,
            grade,
            to_class=to_class,
            debts=debts,
            with_honours=with_honours,
            medal=medal,
        )
        for debt in debts:
            school.subject(debt)
        if kind.level is not None and (with_honours or medal):
            results.check_honours(kind.level, with_honours=with_honours, medal=medal)
        if kind is not old.kind:
            self.check_new(kind)
        _check_decision_change(old, protocol, reason)
        return self._append(
            self.CouncilDecisionCorrected(
                *self._next(at),
                corrects=corrects,
                pupil=pupil,
                year=year,
                class_id=old.class_id,
                class_name=class_name,
                decision=kind,
                protocol=protocol,
                to_class=to_class,
                debts=tuple(debts),
                with_honours=with_honours,
                medal=medal,
                reason=reason,
                by=by,
            )
        )


def _check_decision_change(old: Decision, protocol: Protocol, reason: str) -> None:
    """A correction gives a reason and a council protocol not older than the
    corrected decision's."""
    if not reason.strip():
        msg = "a correction of a council decision must give the reason"
        raise CorrectionError(msg)
    if protocol.on < old.protocol.on:
        msg = (
            f"the correcting protocol {protocol} is older than the decision's "
            f"({old.protocol}); a decision is corrected by a later protocol"
        )
        raise InvalidRecordError(msg)
