"""A report as data: title, header fields, tables, notes and provenance.

Every report module builds a :class:`Report`; the renderers
(:mod:`projections.reports.render`) turn the same value into HTML, CSV or
JSON, so the three formats never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

VERIFY_HOW = (
    "Проверка: сохраните контрольную точку (checkpoint) в файл и выполните "
    "`letopis verify --store URL --trusted-checkpoint FILE` "
    "(или `--archive DIR` для экспортированного архива)."
)


@dataclass(frozen=True)
class Provenance:
    """The checkpoint a report was built from, and how to check it."""

    origin: str
    tree_size: int
    root: str  # base64, as in checkpoints and proofs
    checkpoint: str | None  # the signed note of this size, when one was signed
    latest_size: int
    as_of_date: str | None = None
    time_zone: str | None = None

    def at_date(self, day: Any, zone: str) -> Provenance:
        return replace(self, as_of_date=f"{day:%Y-%m-%d}", time_zone=zone)

    @property
    def verify(self) -> tuple[str, ...]:
        """Commands that check the printed root against the electronic archive."""
        commands = []
        if self.checkpoint is not None:
            commands.append(
                "letopis verify --store URL --trusted-checkpoint checkpoint.txt"
                "  # checkpoint.txt: the signed checkpoint printed here"
            )
        if self.tree_size < self.latest_size or self.checkpoint is None:
            commands.append(
                f"letopis proof consistency --store URL --from {self.tree_size}"
                f"  # root1 must equal {self.root}"
            )
        else:
            commands.append(
                "letopis checkpoint --store URL  # prints the same signed checkpoint"
            )
        return tuple(commands)

    def fields(self) -> list[tuple[str, str]]:
        """The provenance as labelled lines, as printed under every report."""
        lines = [
            ("Журнал (origin)", self.origin),
            ("Размер дерева (tree size)", str(self.tree_size)),
            ("Корень (root, SHA-256, base64)", self.root),
        ]
        if self.as_of_date:
            lines.append(
                (
                    "По состоянию на",
                    f"{self.as_of_date}, конец дня ({self.time_zone})",
                )
            )
        signed = "подписана" if self.checkpoint else "не подписана для этого размера"
        lines.append(("Контрольная точка", signed))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": self.root,
            "checkpoint": self.checkpoint,
            "as_of_date": self.as_of_date,
            "time_zone": self.time_zone,
            "verify": list(self.verify),
        }


@dataclass(frozen=True)
class Table:
    """One table of a report: a title, column headings and rows of text."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Report:
    """A report as data, ready for any renderer."""

    name: str
    title: str
    header: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...]
    provenance: Provenance
    notes: tuple[str, ...] = ()
    landscape: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    #: who signs the printed form (a line and «М. П.» each); one unnamed
    #: signature line when empty
    signatures: tuple[str, ...] = ()
