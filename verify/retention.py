"""Retention classes (DESIGN §6): how long each kind of record is kept, and when.

The table is data (``retention.toml``): each class names event type patterns,
a period in whole years and the clock that starts it:

- ``school_year_end``: the end of the school year the entry was recorded in
  (``school_year_ends``, 31 August by default) — the journal (§7.3.6), summary
  statements (§7.3.3), protocols (§7.3.1, §7.3.2);
- ``entry_date``: the day of the entry — the attestat book (§7.3.5);
- ``leaving_date``: the day the pupil left (``people.StudentLeft`` in the same
  personal file stream) — personal files (§7.3.4); not running while enrolled;
- ``never``: kept as long as the log (keys, needed to verify everything else).

Archives count per file (дело), from 1 January of the year after the file was
closed (issue 16); these two clocks do, and the packaged policy uses them:

- ``year_file``: the entry belongs to its school year's file (the class's year
  journal, the year's summary statements, protocols), closed when the school
  year ends; the period runs from 1 January after that;
- ``file_closed``: the entry's stream is the file (a personal file, the
  attestat book), closed by an event of a type in the class's ``closed_by``
  in the same stream (``data.on`` if it has one, else its day); the period runs
  from 1 January after that, and not at all while the file is open.

The first class whose pattern matches an event type wins. The verifier reports
per class how many entries there are, how many are intact, the oldest, when the
first retention period runs out and how many entries are due for disposal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify.policy import PolicyError, matches

if TYPE_CHECKING:
    from verify.envelope import Envelope

__all__ = [
    "CLOCKS",
    "FILE_CLOCKS",
    "LEFT",
    "UNCLASSIFIED",
    "ChunkTallies",
    "RetentionClass",
    "RetentionPolicy",
    "add_years",
    "file_expiry",
]

CLOCKS = (
    "school_year_end",
    "entry_date",
    "leaving_date",
    "year_file",
    "file_closed",
    "never",
)
FILE_CLOCKS = ("leaving_date", "file_closed")
"""Clocks that run per stream, from the event that closes it."""
UNCLASSIFIED = "unclassified"
LEFT = "people.StudentLeft"
"""The event that starts a ``leaving_date`` clock for its personal file stream."""


@dataclass(frozen=True)
class RetentionClass:
    """One class of records: its name, period, clock, legal basis, event types."""

    name: str
    title: str
    keep_years: int
    clock: str
    basis: str
    types: tuple[str, ...]
    closed_by: tuple[str, ...] = ()
    """For ``file_closed``: the event types that close a file (its stream)."""


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention classes in order, and the day school years end (month, day)."""

    classes: tuple[RetentionClass, ...]
    school_year_ends: tuple[int, int] = (8, 31)
    source: str = field(default="given", compare=False)
    _classified: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_toml(
        cls, text: str, *, where: str = "retention policy"
    ) -> RetentionPolicy:
        """Read a ``retention.toml`` text; PolicyError names what is malformed."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            msg = f"{where} is not TOML: {e}"
            raise PolicyError(msg) from e
        classes = raw.get("class", [])
        if not isinstance(classes, list):
            msg = f"{where}: [[class]] must be an array of tables"
            raise PolicyError(msg)
        ends = _month_day(raw.get("school_year_ends", "08-31"), where)
        return cls(tuple(_class(c, where) for c in classes), ends, where)

    @classmethod
    def load(cls, path: Path | str) -> RetentionPolicy:
        """Read a ``retention.toml`` file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or str(e)
            msg = f"cannot read retention policy {path}: {reason}"
            raise PolicyError(msg) from e
        return cls.from_toml(text, where=str(path))

    @property
    def names(self) -> tuple[str, ...]:
        """Class names in order, then ``unclassified`` for types no class matches."""
        return (*(c.name for c in self.classes), UNCLASSIFIED)

    def classify(self, event_type: str) -> int:
        """Index of the first class matching ``event_type`` (len(classes) if none)."""
        index = self._classified.get(event_type)
        if index is None:
            index = next(
                (
                    i
                    for i, c in enumerate(self.classes)
                    if any(matches(p, event_type) for p in c.types)
                ),
                len(self.classes),
            )
            self._classified[event_type] = index
        return index

    def clock(self, index: int) -> str:
        """The clock of class ``index`` (``never`` for unclassified entries)."""
        return self.classes[index].clock if index < len(self.classes) else "never"

    def expiry(self, index: int, day: date) -> date | None:
        """When an entry of class ``index`` recorded on ``day`` may be disposed of.

        None for ``never`` and for ``leaving_date`` (see `expiry_after_leaving`).
        """
        clock = self.clock(index)
        if clock == "entry_date":
            return add_years(day, self.classes[index].keep_years)
        if clock == "school_year_end":
            return add_years(self.year_end(day), self.classes[index].keep_years)
        if clock == "year_file":
            return file_expiry(self.year_end(day), self.classes[index].keep_years)
        return None

    def year_end(self, day: date) -> date:
        """The last day of the school year ``day`` falls in."""
        month, dom = self.school_year_ends
        end = date(day.year, month, dom)
        return add_years(end, 1) if day > end else end

    def closes(self, index: int, event_type: str) -> bool:
        """Whether an event of ``event_type`` closes its stream's file of class
        ``index`` (``leaving_date``: people.StudentLeft; ``file_closed``: the
        class's ``closed_by``)."""
        clock = self.clock(index)
        if clock == "leaving_date":
            return event_type == LEFT
        return clock == "file_closed" and event_type in self.classes[index].closed_by

    def expiry_after_leaving(self, index: int, left: date) -> date:
        """When an entry of a file of class ``index`` closed on ``left`` may be
        disposed of (``leaving_date``: from that day; ``file_closed``: from 1
        January of the year after)."""
        keep = self.classes[index].keep_years
        if self.clock(index) == "file_closed":
            return file_expiry(left, keep)
        return add_years(left, keep)


def file_expiry(closed_on: date, keep_years: int) -> date:
    """The first day a file closed on ``closed_on`` may be disposed of: its
    ``keep_years`` counted from 1 January of the year after it was closed."""
    return date(closed_on.year + 1 + keep_years, 1, 1)


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _month_day(value: Any, where: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2001, month, day)  # a valid day of a non-leap year
    except ValueError as e:
        msg = f"{where}: school_year_ends {value!r} must be MM-DD"
        raise PolicyError(msg) from e
    return month, day


def _class(raw: Any, where: str) -> RetentionClass:
    if not isinstance(raw, dict):
        msg = f"{where}: each [[class]] must be a table"
        raise PolicyError(msg)
    name = raw.get("name")
    closed_by = raw.get("closed_by", [])
    closing = raw.get("clock") != "file_closed" or (
        _is_strings(closed_by) and bool(closed_by)
    )
    checks: tuple[tuple[str, bool, str], ...] = (
        ("name", isinstance(name, str) and bool(name), "a name"),
        ("keep_years", _is_years(raw.get("keep_years")), "whole years from 0"),
        ("clock", raw.get("clock") in CLOCKS, f"one of {', '.join(CLOCKS)}"),
        ("types", _is_strings(raw.get("types")), "a list of event type patterns"),
        ("closed_by", closing, "a list of the event types that close the file"),
    )
    for field_name, ok, allowed in checks:
        if not ok:
            value = raw.get(field_name)
            msg = f"{where}: class {name!r} has {field_name} {value!r}; use {allowed}"
            raise PolicyError(msg)
    return RetentionClass(
        name=str(name),
        title=str(raw.get("title", name)),
        keep_years=int(raw["keep_years"]),
        clock=str(raw["clock"]),
        basis=str(raw.get("basis", "")),
        types=tuple(raw["types"]),
        closed_by=tuple(closed_by) if _is_strings(closed_by) else (),
    )


def _is_years(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# -- one chunk's tallies ------------------------------------------------------------

EVENTS, OLDEST, EXPIRES, DUE, DISPOSED = range(5)
"""The columns of a class's tally: entries, the oldest time, the earliest
expiry, how many are due for disposal, how many were disposed of by act."""


class ChunkTallies:
    """The retention tallies of one chunk of entries, per class: per-entry
    counts, and for the per-stream file clocks the entries of each file and the
    day each file was closed (joined across chunks by the verifying process)."""

    def __init__(self, retention: RetentionPolicy, today: date) -> None:
        self.retention = retention
        self.today = today
        kinds = len(retention.classes) + 1
        self.classes: list[list[Any]] = [[0, None, None, 0, 0] for _ in range(kinds)]
        self.personal: dict[tuple[int, str], list[Any]] = {}
        self.left: dict[str, date] = {}
        self._expiry: dict[tuple[int, str], date | None] = {}
        self._per_file = {
            i
            for i in range(len(retention.classes))
            if retention.clock(i) in FILE_CLOCKS
        }

    def add(self, envelope: Envelope, cls: int, at: str) -> None:
        """Count one entry of class ``cls`` recorded at ``at`` (sortable)."""
        if cls in self._per_file:
            entry = self.personal.get((cls, envelope.stream))
            if entry is None:
                self.personal[(cls, envelope.stream)] = [1, at]
            else:
                entry[0] += 1
                entry[1] = min(entry[1], at)
            if self.retention.closes(cls, envelope.type):
                self.left[envelope.stream] = _closing_day(envelope, at)
            return
        tally = self.classes[cls]
        tally[EVENTS] += 1
        if tally[OLDEST] is None or at < tally[OLDEST]:
            tally[OLDEST] = at
        key = (cls, at[:10])
        if key not in self._expiry:
            self._expiry[key] = self.retention.expiry(cls, date.fromisoformat(at[:10]))
        expiry = self._expiry[key]
        if expiry is not None:
            if tally[EXPIRES] is None or expiry < tally[EXPIRES]:
                tally[EXPIRES] = expiry
            if expiry <= self.today:
                tally[DUE] += 1

    def disposed(self, cls: int) -> None:
        """Count one entry of class ``cls`` whose payload an act disposed of."""
        self.classes[cls][EVENTS] += 1
        self.classes[cls][DISPOSED] += 1


def _closing_day(envelope: Envelope, at: str) -> date:
    """The day a file was closed (a pupil left): ``data.on`` of the closing
    event (people.StudentLeft), else its ``at``."""
    on = envelope.data.get("on")
    if isinstance(on, str):
        try:
            return date.fromisoformat(on)
        except ValueError:
            pass
    return date.fromisoformat(at[:10])
