"""What a verification found: findings, retention rows, counts, and the JSON shape.

``letopis verify --json`` (and ``python -m verify --json``) prints exactly
`Report.to_json` (DESIGN §7)::

    {"ok": bool, "tree_size": int, "root": base64 | null,
     "origin": str, "anchor": {"key": id, "source": str, "independent": bool},
     "checked": {"entries": n, "signatures": n, ...},
     "retention": [{"class", "events", "intact", "oldest", "expires",
                    "due_for_disposal", "disposed"}, ...],
     "findings": [{"kind", "event": "<stream>:<seq>" | null,
                   "position": leaf index | null, "detail"}, ...],
     "findings_by_kind": {kind: n, ...}, "findings_omitted": n,
     "notes": [str, ...]}

Findings come most severe first (`SEVERITY`: the log's history before single
entries), in log order within a kind; at most ``max_findings`` of each kind
are listed, and ``findings_by_kind`` counts every one, listed or not.

Finding kinds: ``envelope`` (not a canonical v1 envelope), ``foreign`` (another
log's entry), ``key`` (unregistered signer), ``signature``, ``window`` (signed
outside the key's validity or after its compromise), ``role``, ``cosign``,
``registry`` (a refused trust event), ``anchor`` (the log does not start with
the trusted log key), ``chain`` (seq or prev broken), ``column`` (a stored
column disagrees with the envelope), ``leaf`` (the Merkle leaves disagree with
the events), ``tree`` (a stored subtree hash of the log's proof index is
wrong or missing), ``checkpoint`` (unreadable, unsigned or malformed), ``root``
(a checkpoint's root is not the recomputed one), ``truncated``, ``fork`` (two
checkpoints of one size differ), ``trusted`` (not the history of
``--trusted-checkpoint``), ``recorded`` (not the history this verifier recorded
as verified before), ``tables`` (a table of the store's log was dropped),
``unsealed`` (no checkpoint at all, or entries beyond the latest checkpoint
older than the sealing delay allows), ``archive`` (the bag is damaged),
``disposed`` (an entry's payload is missing and no valid disposal act covers
it), ``disposal`` (an act is no ground for disposal, or names an entry of
another class or file: ``verify.disposal``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verify.errors import VerificationError
from verify.names import About

__all__ = [
    "SEVERITY",
    "Finding",
    "LogIntegrityError",
    "Report",
    "RetentionRow",
    "severity",
]

SEVERITY = (
    "trusted",
    "recorded",
    "fork",
    "tables",
    "root",
    "truncated",
    "tree",
    "anchor",
    "checkpoint",
    "unsealed",
    "leaf",
    "archive",
    "disposed",
    "disposal",
    "registry",
    "foreign",
    "key",
    "signature",
    "window",
    "role",
    "cosign",
    "chain",
    "column",
    "envelope",
)
"""Finding kinds, most severe first: whether the log is the history its trust
anchors commit to, then its tree and seals, then single entries."""

_RANK = {kind: rank for rank, kind in enumerate(SEVERITY)}


def severity(kind: str) -> int:
    """The rank of a finding kind in `SEVERITY` (0 most severe; unknown last)."""
    return _RANK.get(kind, len(SEVERITY))


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: its kind, the event and leaf position it concerns, and why."""

    kind: str
    event: str | None
    position: int | None
    detail: str
    about: About | None = field(default=None, compare=False)
    """What the entry was, from its clear text (``verify.about``)."""

    def to_json(self) -> dict[str, Any]:
        """The finding as the JSON report lists it (``about``: what the entry
        was, for a finding about one entry)."""
        found: dict[str, Any] = {
            "kind": self.kind,
            "event": self.event,
            "position": self.position,
            "detail": self.detail,
        }
        if self.about is not None:
            found["about"] = self.about.to_json()
        return found

    def line(self) -> str:
        """One line for a person: where, then what, then what the entry was."""
        where = [f"leaf {self.position}"] if self.position is not None else []
        where += [f"event {self.event}"] if self.event is not None else []
        place = f" at {', '.join(where)}" if where else ""
        about = f" ({self.about.line()})" if self.about is not None else ""
        return f"[{self.kind}]{place}: {self.detail}{about}"


@dataclass(frozen=True)
class RetentionRow:
    """One retention class: how many entries, intact, oldest, expiry, due now."""

    name: str
    title: str
    keep_years: int | None
    clock: str
    basis: str
    events: int
    intact: int
    oldest: str | None
    expires: str | None
    due_for_disposal: int
    disposed: int = 0
    """Entries whose payload a valid disposal act removed (``verify.disposal``)."""

    def to_json(self) -> dict[str, Any]:
        """The row as the JSON report lists it (DESIGN §7)."""
        return {
            "class": self.name,
            "events": self.events,
            "intact": self.intact,
            "oldest": self.oldest,
            "expires": self.expires,
            "due_for_disposal": self.due_for_disposal,
            "disposed": self.disposed,
        }


@dataclass(frozen=True)
class Report:
    """The outcome of one verification; ``ok`` when nothing was found."""

    source: str
    origin: str
    anchor_key: str
    anchor_source: str
    anchor_independent: bool
    tree_size: int
    root: bytes | None
    checked: Mapping[str, int]
    retention: tuple[RetentionRow, ...]
    findings: tuple[Finding, ...]
    findings_omitted: int = 0
    notes: tuple[str, ...] = field(default=())
    findings_by_kind: Mapping[str, int] = field(default_factory=dict)
    """Every finding counted per kind, listed or not, most severe kind first."""

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.findings and not self.findings_omitted

    @property
    def problems(self) -> int:
        """How many findings there were, listed or not."""
        return len(self.findings) + self.findings_omitted

    def to_json(self) -> dict[str, Any]:
        """The one JSON object ``--json`` prints."""
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "root": None if self.root is None else base64.b64encode(self.root).decode(),
            "origin": self.origin,
            "anchor": {
                "key": self.anchor_key,
                "source": self.anchor_source,
                "independent": self.anchor_independent,
            },
            "checked": dict(self.checked),
            "retention": [row.to_json() for row in self.retention],
            "findings": [f.to_json() for f in self.findings],
            "findings_by_kind": dict(self.findings_by_kind),
            "findings_omitted": self.findings_omitted,
            "notes": list(self.notes),
        }

    def kinds_line(self) -> str:
        """``kind n, kind n, ...``: every finding counted per kind."""
        return ", ".join(f"{k} {n}" for k, n in self.findings_by_kind.items())

    def verdict(self) -> str:
        """One sentence for a person: intact, or how many problems were found."""
        if self.ok:
            return (
                f"INTACT: {self.checked.get('entries', 0)} entries of {self.origin} "
                f"verified; the tree of {self.tree_size} leaves matches its signed "
                "checkpoint."
            )
        count = self.problems
        return f"PROBLEMS FOUND: {count} finding{'s' if count != 1 else ''}."

    def text(self) -> str:
        """The whole report as plain text (the standalone verifier prints it)."""
        root = self.to_json()["root"]
        lines = [
            f"log:        {self.origin}",
            f"source:     {self.source}",
            f"anchor:     log key {self.anchor_key} from {self.anchor_source}",
            f"tree:       {self.tree_size} leaves, root {root}",
            "checked:    "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.checked.items()),
            "",
            *_retention_table(self.retention),
            "",
            *(f"note: {n}" for n in self.notes),
        ]
        if self.findings_by_kind:
            lines += ["", f"findings by kind: {self.kinds_line()}"]
        if self.findings:
            lines += ["", "findings:"] + [f"  {f.line()}" for f in self.findings]
        if self.findings_omitted:
            lines.append(
                f"  ... and {self.findings_omitted} more findings (at most "
                "the first of each kind are listed; the counts above are whole)"
            )
        lines += ["", self.verdict()]
        return "\n".join(lines) + "\n"


def _retention_table(rows: tuple[RetentionRow, ...]) -> list[str]:
    header = ("class", "events", "intact", "oldest", "expires", "due", "disposed")
    body = [
        (
            r.name,
            str(r.events),
            str(r.intact),
            (r.oldest or "—")[:10],
            r.expires or "—",
            str(r.due_for_disposal),
            str(r.disposed),
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in [header, *body]
    ]


class LogIntegrityError(VerificationError):
    """Verification found problems; ``report`` holds them all."""

    def __init__(self, report: Report) -> None:
        """Wrap ``report``; the message lists the first findings."""
        first = "; ".join(f.line() for f in report.findings[:3])
        more = report.problems - min(3, len(report.findings))
        tail = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"{report.source}: {first}{tail}")
        self.report = report
