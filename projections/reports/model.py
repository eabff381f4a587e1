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


#: the labels of a report's checkpoint as printed and in its CSV rows
CHECKPOINT_LABELS = (
    "Журнал событий",
    "Размер журнала (записей)",
    "Корень (SHA-256, base64)",
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

    def footer(self) -> str:
        """The checkpoint in one Russian line, as the page footer prints it."""
        return (
            f"Контрольная точка журнала {self.origin}: размер {self.tree_size}, "
            f"корень {self.root}"
        )

    @property
    def verify(self) -> tuple[str, ...]:
        """Commands that check the printed root against the electronic archive."""
        commands = []
        if self.checkpoint is not None:
            commands.append(
                "letopis verify --store URL --trusted-checkpoint checkpoint.txt"
                "  # checkpoint.txt — напечатанная здесь подписанная контрольная точка"
            )
        if self.tree_size < self.latest_size or self.checkpoint is None:
            commands.append(
                f"letopis proof consistency --store URL --from {self.tree_size}"
                f"  # root1 должен совпасть с {self.root}"
            )
        else:
            commands.append(
                "letopis checkpoint --store URL"
                "  # выводит ту же подписанную контрольную точку"
            )
        return tuple(commands)

    def fields(self) -> list[tuple[str, str]]:
        """The provenance as labelled lines, as printed under every report."""
        origin, size, root = CHECKPOINT_LABELS
        lines = [(origin, self.origin), (size, str(self.tree_size)), (root, self.root)]
        if self.as_of_date:
            on = ".".join(reversed(self.as_of_date.split("-")))
            lines.append(("По состоянию на", f"{on}, конец дня ({self.time_zone})"))
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
class Layout:
    """How a wide table prints on A4 landscape, as paper forms do.

    The first ``fixed`` columns (the row number, the pupil) are repeated on
    every sheet; the others may sit under a group heading (``groups``: label and
    span, in order, covering every column after the fixed ones; an empty label
    leaves the column ungrouped). ``budget`` is how many narrow columns a sheet
    holds (0: one sheet, however wide) and ``widths`` how many narrow columns
    each non-fixed column takes (1 each when empty): the printed table is split
    into continuation sheets between groups, and inside a group only when the
    group alone is wider than a sheet, so that no column is cut at the margin
    (continuation sheets, as paper registers have; upright headings would
    need ``writing-mode``, which WeasyPrint does not lay out).
    """

    fixed: int = 0
    groups: tuple[tuple[str, int], ...] = ()
    budget: int = 0
    widths: tuple[int, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """One printed part of a table: its columns (indexes into the table's), the
    group headings over them and its place among the table's sheets."""

    number: int
    count: int
    columns: tuple[int, ...]
    groups: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Table:
    """One table of a report: a title, column headings and rows of text."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    layout: Layout = field(default_factory=Layout)

    def sheets(self) -> tuple[Sheet, ...]:
        """The table as printed: one sheet, or continuation sheets that each
        repeat the fixed columns (see :class:`Layout`)."""
        lay = self.layout
        fixed = tuple(range(min(lay.fixed, len(self.columns))))
        rest = list(range(len(fixed), len(self.columns)))
        groups = list(lay.groups) or [("", 1)] * len(rest)
        spans: list[tuple[str, list[int]]] = []
        at = 0
        for label, span in groups:
            spans.append((label, rest[at : at + span]))
            at += span
        spans.extend(("", [c]) for c in rest[at:])
        width = dict(zip(rest, lay.widths or [1] * len(rest), strict=False))
        parts: list[list[tuple[str, list[int]]]] = [[]]
        used = 0
        for label, columns in spans:
            cost = sum(width.get(c, 1) for c in columns)
            if lay.budget and used and used + cost > lay.budget:
                parts.append([])
                used = 0
            for c in columns:
                if lay.budget and used and used + width.get(c, 1) > lay.budget:
                    parts.append([])
                    used = 0
                part = parts[-1]
                if part and part[-1][0] == label and part[-1][1][-1] == c - 1:
                    part[-1][1].append(c)
                else:
                    part.append((label, [c]))
                used += width.get(c, 1)
        return tuple(
            Sheet(
                n,
                len(parts),
                fixed + tuple(c for _, cs in part for c in cs),
                tuple((label, len(cs)) for label, cs in part),
            )
            for n, part in enumerate(parts, 1)
        )


@dataclass(frozen=True)
class Signature:
    """A signature line of a printed form: the role that signs («Директор
    школы»), the person when the records name them, and what the line is for
    («заверение записей 9А класса»)."""

    role: str
    name: str = ""
    purpose: str = ""

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "name": self.name, "purpose": self.purpose}


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
    #: who signs the printed form, each on their own line
    signatures: tuple[Signature, ...] = ()
    #: whether the form bears the school's seal («М. П.» beside the signatures)
    seal: bool = False

    def signature_groups(self) -> list[tuple[str, list[Signature]]]:
        """The signatures by what they certify, in the order first named."""
        groups: dict[str, list[Signature]] = {}
        for s in self.signatures:
            groups.setdefault(s.purpose, []).append(s)
        return list(groups.items())

    #: leaf indexes of the events the report read (its PDF attaches them);
    #: filled by ``Reports.build(..., leaves=True)``, not part of its JSON form
    leaves: tuple[int, ...] = ()
