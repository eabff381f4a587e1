"""The verifying process's side of the work: joining chunk results in log order.

Workers (`verify.checks`) return one `ChunkResult` per chunk; `Tally` joins
them: the Merkle tree over the chunks' subtree hashes and the roots at every
checkpoint size, the chains across chunk borders, the findings (up to a cap per
kind, every kind counted), the entries overdue for a seal, and the retention
tallies from which the per-class rows are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from verify.checks import ChunkResult, Stale, chain_problem
from verify.merkle import EMPTY_ROOT, TreeBuilder, node_hash
from verify.report import Finding, RetentionRow
from verify.retention import RetentionPolicy
from verify.sources import SourceError

__all__ = ["Tally"]


def _fold(pieces: tuple[bytes, ...]) -> bytes:
    """The root over complete subtrees given left to right, largest first."""
    node = pieces[-1]
    for piece in reversed(pieces[:-1]):
        node = node_hash(piece, node)
    return node


@dataclass
class Tally:
    """Joins chunk results in log order: tree, chains, findings, retention.

    The verifying process keeps only this: the hashes of full chunks (a tree
    over them), the last seq and hash of every stream, the findings and the
    retention tallies. Its work per chunk is proportional to the streams the
    chunk touched, not to its entries.
    """

    retention: RetentionPolicy
    today: date
    max_findings: int
    entries: int = 0
    heads: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    chunks: TreeBuilder = field(default_factory=TreeBuilder)
    roots: dict[int, bytes] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    ordinals: list[int | None] = field(default_factory=list)
    """The place in log order of each listed finding's entry (None: no entry)."""
    omitted: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    """Every finding counted per kind, listed or not."""
    stale: Stale | None = None
    """The entries overdue for a seal, over all chunks."""
    counts: dict[str, int] = field(default_factory=dict)
    classes: list[list[Any]] = field(default_factory=list)
    bad: list[set[int]] = field(default_factory=list)
    personal: dict[tuple[int, str], list[Any]] = field(default_factory=dict)
    left: dict[str, date] = field(default_factory=dict)
    last_leaf: int | None = None
    partial: bool = False
    stored_chunks: list[bytes] = field(default_factory=list)
    """Hashes of the stored leaf hashes of each chunk, while all are sealed whole."""
    stored_gap: bool = False

    def __post_init__(self) -> None:
        kinds = len(self.retention.classes) + 1
        self.classes = [[0, None, None, 0, 0] for _ in range(kinds)]
        self.bad = [set() for _ in range(kinds)]
        self.counts = dict.fromkeys(
            (
                "signatures",
                "signatures_skipped",
                "columns",
                "leaves",
                "unsealed",
                "nodes",
                "checkpoints",
            ),
            0,
        )

    def find(self, finding: Finding, ordinal: int | None = None, cls: int = 0) -> None:
        """Keep a finding (up to max_findings of its kind; count the rest).

        The cap is per kind, so that a flood of one kind (key-window findings
        after a compromise) never pushes out a finding of another.
        """
        if ordinal is not None:
            self.bad[cls].add(ordinal)
        seen = self.by_kind.get(finding.kind, 0)
        self.by_kind[finding.kind] = seen + 1
        if seen < self.max_findings:
            self.findings.append(finding)
            self.ordinals.append(ordinal)
        else:
            self.omitted += 1

    def root(self, size: int) -> bytes | None:
        """The recomputed root of the first ``size`` entries (a cut)."""
        return EMPTY_ROOT if size == 0 else self.roots.get(size)

    def add(self, result: ChunkResult) -> None:
        """Join one chunk's result; chunks must come in log order."""
        if self.partial and result.count:
            msg = "a chunk before the last came back short: the store changed"
            raise SourceError(msg)
        border = self.chunks.border
        for cut, pieces in result.borders.items():
            self.roots[cut] = _fold(border + pieces)
        if result.subtree is not None:
            self.chunks.append(result.subtree)
        else:
            self.partial = True
        if result.stored_subtree is None:
            self.stored_gap = True
        elif not self.stored_gap:
            self.stored_chunks.append(result.stored_subtree)
        self.entries += result.count
        self._chains(result)
        for kind, event, position, detail, ordinal, cls in result.findings:
            self.find(Finding(kind, event, position, detail), ordinal, cls)
        self._stale(result.stale)
        self._leaf_span(result.leaf_span)
        self._retention(result)
        for name, value in result.counts.items():
            self.counts[name] += value

    def _chains(self, result: ChunkResult) -> None:
        heads = self.heads
        for stream, seq, prev, ordinal, position, cls in result.links:
            problem = chain_problem(stream, seq, prev, heads.get(stream))
            if problem is not None:
                name = f"{stream}:{seq}"
                self.find(Finding("chain", name, position, problem), ordinal, cls)
        for stream, seq, digest in result.heads:
            heads[stream] = (seq, digest)

    def _stale(self, stale: Stale | None) -> None:
        if stale is None:
            return
        if self.stale is None:
            self.stale = stale
            return
        count, first, last = self.stale
        self.stale = Stale(
            count + stale.entries, min(first, stale.first), max(last, stale.last)
        )

    def _leaf_span(self, span: tuple[int, int] | None) -> None:
        if span is None:
            return
        first, last = span
        expected = 0 if self.last_leaf is None else self.last_leaf + 1
        if first != expected:
            after = (
                "first" if self.last_leaf is None else f"after leaf {self.last_leaf}"
            )
            detail = (
                f"leaf {expected} should come {after} in notification order, but "
                f"leaf {first} does: leaf rows are missing, added or reordered"
            )
            self.find(Finding("leaf", None, expected, detail))
        self.last_leaf = last

    def _retention(self, result: ChunkResult) -> None:
        for mine, theirs in zip(self.classes, result.classes, strict=True):
            mine[0] += theirs[0]
            mine[1] = _least(mine[1], theirs[1])
            mine[2] = _least(mine[2], theirs[2])
            mine[3] += theirs[3]
            mine[4] += theirs[4]
        for key, (count, oldest) in result.personal.items():
            entry = self.personal.setdefault(key, [0, oldest])
            entry[0] += count
            entry[1] = min(entry[1], oldest)
        self.left.update(result.left)

    def retention_rows(self) -> tuple[RetentionRow, ...]:
        """One row per class, then ``unclassified`` if any entry fits no class."""
        rows = []
        retention = self.retention
        for index, name in enumerate(retention.names):
            events, oldest, expires, due = self._class_totals(index)
            disposed = self.classes[index][4]
            if index == len(retention.classes):
                if not events:
                    continue
                title, keep, clock, basis = "no retention class", None, "never", ""
            else:
                c = retention.classes[index]
                title, keep, clock, basis = c.title, c.keep_years, c.clock, c.basis
            rows.append(
                RetentionRow(
                    name=name,
                    title=title,
                    keep_years=keep,
                    clock=clock,
                    basis=basis,
                    events=events,
                    intact=max(0, events - len(self.bad[index])),
                    oldest=None if oldest is None else oldest + "Z",
                    expires=None if expires is None else expires.isoformat(),
                    due_for_disposal=due,
                    disposed=disposed,
                )
            )
        return tuple(rows)

    def _class_totals(self, index: int) -> tuple[int, str | None, date | None, int]:
        events, oldest, expires, due, _ = self.classes[index]
        for (cls, stream), (count, first) in self.personal.items():
            if cls != index:
                continue
            events += count
            oldest = _least(oldest, first)
            left = self.left.get(stream)
            if left is not None:
                expiry = self.retention.expiry_after_leaving(index, left)
                expires = _least(expires, expiry)
                due += count if expiry <= self.today else 0
        return events, oldest, expires, due


def _least(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
