"""The report views checked against the log: every row, every column.

The views are tables anyone with write access to the database could change
(on SQLite, anyone with the file; on PostgreSQL the owner role, or the
application role that built them, by disabling the triggers). A changed row
would print under a valid checkpoint. So :func:`audit_views` re-projects the
log into memory (through :class:`~projections.checked.CheckedLog`, so every
entry is checked by the verifier's rules as it is read, signatures skipped
under a checkpoint the verifier recorded as fully verified) and compares the
result with the stored rows, up to the position the views claim to have
applied (or a report's position): a row changed, added, removed or missing
is a :class:`ViewFinding` naming the table, the row's event and the column.

Re-projecting costs about as much as a rebuild, so a process remembers the
digests of the rows it found equal for a cut (in memory only) and, checking
the same cut again (the server's next report), re-reads and digests the
stored rows and compares them with those instead; any difference sends it
down the full comparison, which names the rows. (An event changed in the
store after such a check is not re-read for that cut by that process: its
views still hold what was checked, so nothing forged is printed; `letopis
verify` names the changed event.)

``letopis verify`` runs it after the independent verifier (which never reads
the views: it imports nothing of ours), and every report runs it before
rendering (``projections.reports.source``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ledger.application import LedgerApplication
from ledger.storage.stores import STORE_URL_ENV
from projections.checked import CheckedLog
from projections.runner import Fact, ProjectionRunner
from projections.views import COLUMNS, TABLES, Row, rows_of

#: entries re-projected at once (bounded memory for the facts)
BATCH = 5000
#: (store, position) → digest of each table's rows, as this process found them
#: equal to the log's projection: a later check of the same cut compares the
#: stored rows' digests with these instead of re-projecting the log. Kept in
#: memory only: nothing outside the process can make it say "equal".
_AGREED: dict[tuple[str, int], dict[str, bytes]] = {}
_REMEMBERED = 8
#: columns that identify a row; a difference in any other is named
_KEY = COLUMNS.index("position")
_EVENT = COLUMNS.index("event")


@dataclass(frozen=True)
class ViewFinding:
    """One row of a view that is not what the log gives."""

    table: str
    event: str
    position: int
    column: str | None
    """The differing column; None: the whole row is extra or missing."""
    stored: Any
    expected: Any

    def line(self) -> str:
        """One sentence naming the table, the row's event and the column."""
        where = f"{self.table}, row of event {self.event} (position {self.position})"
        if self.column is None and self.expected is None:
            return f"{where}: the row is not in the log's projection (added)"
        if self.column is None:
            return f"{where}: the row is missing (removed, or the views lag behind)"
        return (
            f"{where}: column {self.column} is {_shown(self.stored)}, the log "
            f"gives {_shown(self.expected)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "event": self.event,
            "position": self.position,
            "column": self.column,
            "stored": self.stored,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class ViewAudit:
    """What the check compared, and what differs."""

    position: int
    rows: int
    findings: tuple[ViewFinding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings


def audit_views(
    app: LedgerApplication, runner: ProjectionRunner, upto: int | None = None
) -> ViewAudit:
    """Compare the stored view rows with the log's projection up to ``upto``
    (default: the position the views say they applied). EntryRefusedError if
    an entry of the log itself fails the verifier's checks."""
    position = runner.position() if upto is None else upto
    stored = {table: _stored(runner, table, position) for table in TABLES}
    rows = sum(len(found) for found in stored.values())
    key = (str(app.env.get(STORE_URL_ENV)), position)
    digests = {table: _digest(found) for table, found in stored.items()}
    if _AGREED.get(key) == digests:
        return ViewAudit(position, rows, ())
    expected = _projected(app, position)
    findings: list[ViewFinding] = []
    for table in TABLES:
        findings.extend(_compare(table, stored[table], expected.get(table, {})))
    findings.sort(key=lambda f: (f.position, f.table))
    if not findings:
        _remember(key, digests)
    return ViewAudit(position, rows, tuple(findings))


def _digest(rows: dict[int, Row]) -> bytes:
    """SHA-256 over a table's rows in position order (both dialects return
    the columns as str, int or None)."""
    digest = hashlib.sha256()
    for position in sorted(rows):
        digest.update(repr(rows[position]).encode())
    return digest.digest()


def _remember(key: tuple[str, int], digests: dict[str, bytes]) -> None:
    """Keep what this process re-projected and found equal (a few cuts)."""
    _AGREED[key] = digests
    while len(_AGREED) > _REMEMBERED:
        del _AGREED[next(iter(_AGREED))]


def _projected(app: LedgerApplication, position: int) -> dict[str, dict[int, Row]]:
    """table → position → row, as the log gives them up to ``position``."""
    found: dict[str, dict[int, Row]] = {}
    checked = CheckedLog(app)
    try:
        entries = (e for e in checked.entries() if e.order <= position)
        while batch := list(islice(entries, BATCH)):
            for table, rows in rows_of([Fact.of(e) for e in batch]).items():
                found.setdefault(table, {}).update((r[_KEY], r) for r in rows)
            if batch[-1].order >= position:
                break
    finally:
        checked.close()
    return found


def _stored(runner: ProjectionRunner, table: str, position: int) -> dict[int, Row]:
    """The stored rows of ``table`` up to ``position``, keyed by position; a
    table that is missing (dropped) has none."""
    names = ", ".join(COLUMNS)
    rows = runner.store.query(
        f"SELECT {names} FROM {{{table}}} WHERE position <= ?", (position,)
    )
    return {int(r["position"]): tuple(r[c] for c in COLUMNS) for r in rows}


def _compare(
    table: str, stored: dict[int, Row], expected: dict[int, Row]
) -> list[ViewFinding]:
    findings = []
    for position in sorted(stored.keys() | expected.keys()):
        have, want = stored.get(position), expected.get(position)
        if have is None and want is not None:
            findings.append(
                ViewFinding(
                    table, str(want[_EVENT]), position, None, None, want[_EVENT]
                )
            )
        elif want is None and have is not None:
            findings.append(
                ViewFinding(
                    table, str(have[_EVENT]), position, None, have[_EVENT], None
                )
            )
        elif have is not None and want is not None and have != want:
            findings.extend(_columns(table, position, have, want))
    return findings


def _columns(table: str, position: int, have: Row, want: Row) -> list[ViewFinding]:
    return [
        ViewFinding(table, str(want[_EVENT]), position, column, h, w)
        for column, h, w in zip(COLUMNS, have, want, strict=True)
        if h != w
    ]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def first_lines(findings: Sequence[ViewFinding], limit: int = 5) -> str:
    """The first findings, one a line, and how many more."""
    lines = [f.line() for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"… and {len(findings) - limit} more")
    return "\n".join(lines)
