"""Corrected records as reports show them: the current value, and its history.

A period, year or final grade, an attestation result, a state exam result or a
council decision is recorded once; a correction is its own row naming the
original (``target``). :func:`amend` folds the corrections into the originals,
in log order, so a report reads the current value where it read the recorded
one, and keeps each change (:class:`Change`) for the history printed beside it:
a mark «4¹» in the grid and row 1 of the table «Исправления» below
(«было 3, стало 4», the reason, the order, who and when).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from projections.reports.common import DASH, day, moment, protocol
from projections.reports.model import Table
from projections.reports.source import Record

#: original event type -> the type of its corrections
CORRECTIONS = {
    "attestation.PeriodGradeRecorded": "attestation.PeriodGradeCorrected",
    "attestation.IntermediateAttestationRecorded": (
        "attestation.AttestationResultCorrected"
    ),
    "attestation.RetakeRecorded": "attestation.AttestationResultCorrected",
    "attestation.ExamResultImported": "attestation.ExamResultCorrected",
    "attestation.FinalGradeRecorded": "attestation.FinalGradeCorrected",
    "decisions.CouncilDecisionRecorded": "decisions.CouncilDecisionCorrected",
}
CORRECTION_TYPES = tuple(sorted(set(CORRECTIONS.values())))
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def with_corrections(types: Iterable[str]) -> tuple[str, ...]:
    """``types`` and the types of their corrections (to read both at once)."""
    wanted = tuple(types)
    extra = {CORRECTIONS[t] for t in wanted if t in CORRECTIONS}
    return wanted + tuple(sorted(extra - set(wanted)))


@dataclass(frozen=True)
class Change:
    """One correction of a record: its row and the value it replaced."""

    record: Record
    before: str
    after: str
    number: int


@dataclass
class Amended:
    """Original rows with their current values, and every change by original."""

    rows: list[Record]
    changes: dict[str, list[Change]] = field(default_factory=dict)

    def mark(self, event: str, value: str) -> str:
        """``value`` with the numbers of its changes as superscripts («4¹»)."""
        found = self.changes.get(event)
        if not found:
            return value
        numbers = ",".join(str(c.number) for c in found)
        return f"{value}{numbers.translate(SUPERSCRIPTS)}"

    def all_changes(self) -> list[Change]:
        return sorted(
            (c for cs in self.changes.values() for c in cs), key=lambda c: c.number
        )


def value_of(r: Record) -> str:
    """The value a record holds, as the reports print it."""
    d = r.data
    if "grade" in d:
        return str(d["grade"])
    if "result" in d:
        return str(d["result"])
    if "decision" in d:
        return str(d["decision"])
    if d.get("score") is not None:
        return f"{d['score']} б."
    return str(d.get("mark") or DASH)


def amend(rows: list[Record], value: Callable[[Record], str] = value_of) -> Amended:
    """The original rows of ``rows`` with the corrections among them applied in
    log order (their data replaced by the latest correction's fields), and each
    change numbered in log order."""
    originals: dict[str, Record] = {}
    order: list[str] = []
    changes: dict[str, list[Change]] = {}
    number = 0
    for r in rows:
        if r.type in CORRECTION_TYPES:
            was = originals.get(r.target or "")
            if was is None:
                continue
            number += 1
            now = replace(was, data={**was.data, **_fields(r)})
            change = Change(r, value(was), value(now), number)
            changes.setdefault(was.event, []).append(change)
            originals[was.event] = now
        else:
            originals[r.event] = r
            order.append(r.event)
    return Amended([originals[e] for e in order], changes)


def _fields(correction: Record) -> dict[str, Any]:
    """The fields a correction sets on its record (not its own bookkeeping)."""
    return {
        k: v
        for k, v in correction.data.items()
        if k not in ("corrects", "reason", "order", "by")
    }


def changes_table(
    amended: Amended,
    describe: Callable[[Record], tuple[str, str]],
    staff: Callable[[str], str],
    title: str = "Исправления",
    *,
    zone: ZoneInfo,
) -> Table | None:
    """The history of every change: what was changed (``describe`` gives the
    pupil and the record, e.g. «Математика, I четверть»), before and after, the
    reason, the order or protocol, who, when and the events; ``None`` when
    nothing was corrected."""
    changes = amended.all_changes()
    if not changes:
        return None
    return Table(
        title,
        (
            "№",
            "Обучающийся",
            "Запись",
            "Было",
            "Стало",
            "Причина",
            "Основание",
            "Кто (сотрудник)",
            "Когда",
            "Исправление (событие)",
            "Исправляет",
        ),
        tuple(
            (
                str(c.number),
                *describe(c.record),
                c.before,
                c.after,
                c.record.data.get("reason") or DASH,
                basis(c.record.data),
                staff(c.record.data.get("by") or ""),
                moment(c.record.at, zone),
                c.record.event,
                c.record.target or DASH,
            )
            for c in changes
        ),
    )


def basis(data: dict[str, Any]) -> str:
    """The document a correction rests on: an order («приказ») or a protocol."""
    if data.get("order"):
        return f"приказ {protocol(data['order'])}"
    if data.get("protocol"):
        return f"протокол {protocol(data['protocol'])}"
    return DASH


def corrected_on(change: Change) -> str:
    """The school date a change was made (from its ``at``), as 12.11.2024."""
    return day(change.record.at[:10])
