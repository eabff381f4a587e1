"""Disposal by act («акт о выделении к уничтожению документов», §7.3.4, DESIGN §6).

The school's expert commission («экспертная комиссия») examines the files
(дела) of one record class whose retention has run out and approves an act
naming the class, the files, the log entries of those files to dispose of,
and the personal files it selected for keeping (2–3 %, §7.3.4), which are
excluded. The act is a signed entry of the log, ``archive.DisposalActApproved``,
co-signed as the signing policy requires (the commission's members and the
director, who approves it); only then does the owner role remove the payloads
of exactly the entries it names (``ledger.archive.disposal``), keeping their
leaf hashes, every checkpoint and the act itself.

Retention counts per file as archives count it: from 1 January of the year
after the file was closed (the school year's end for a year file, the pupil's
leaving for a personal file). An act disposes of one class whose retention is
counted per file, never the whole log, never an entry of another class, of a
file it does not name, of a file kept, or of a file whose retention had not
run out by the act's date. The rules here are pure: the service gives them
what the log says about each named entry and file (:class:`NamedEntry`,
:class:`FileFacts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Self
from uuid import UUID

from ledger.domain.archive import file_retention_ends
from ledger.domain.base import Record, StartsStream
from ledger.domain.errors import DisposalError
from ledger.events import register_event_types

PER_FILE_CLOCKS = ("year_file", "file_closed")
"""The retention clocks that count per file: the classes an act disposes of."""
MAX_NUMBER = 40


@dataclass(frozen=True)
class DisposedFile:
    """One file of an act: its name (a school year ``2024/2025``, or the
    stream of a personal file or book), the day it was closed, the first day
    it could be disposed of, and its entries as ranges of leaf indexes."""

    file: str
    closed_on: date
    retention_ends: date
    entries: tuple[tuple[int, int], ...]
    count: int


@dataclass(frozen=True)
class KeptFile:
    """A personal file the commission selected for keeping: its stream and its
    number (л/д К-12)."""

    file: str
    personal_file: str


@dataclass(frozen=True)
class FileFacts:
    """What the log says of a file the act names: when it was closed (None
    while it is open: the pupil still enrolled, the book still in use)."""

    file: str
    closed_on: date | None


@dataclass(frozen=True)
class NamedEntry:
    """What the log says of an entry the act names."""

    leaf: int
    name: str
    type: str
    record_class: str
    file: str
    """The file it belongs to under the act's clock: its school year, or its
    stream."""
    disposed_by: str | None = None
    """The act that disposed of it already, if one did."""


@dataclass(frozen=True)
class ActClass:
    """The retention class an act disposes of, as the policy in force says."""

    name: str
    clock: str
    keep_years: int


def ranges_of(indexes: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """Leaf indexes as inclusive ranges: ``[3, 4, 5, 9]`` → ``((3, 5), (9, 9))``."""
    ranges: list[list[int]] = []
    for index in sorted(set(indexes)):
        if ranges and ranges[-1][1] == index - 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return tuple((a, b) for a, b in ranges)


def check_act(
    *,
    number: str,
    dated: date,
    today: date,
    reason: str,
    act_class: ActClass,
    files: Sequence[FileFacts],
    kept: Sequence[str],
    entries: Sequence[NamedEntry],
    log_size: int,
) -> tuple[DisposedFile, ...]:
    """The act's files with their entries; :class:`DisposalError` naming the
    first thing that makes the act no ground for disposal."""
    _check_heading(number, dated, today, reason)
    check_class(act_class, kept)
    if not files:
        msg = "the act names no files (дела); name each file it disposes of"
        raise DisposalError(msg)
    named = {f.file for f in files}
    for file in kept:
        if file not in named:
            msg = (
                f"kept file {file} is not among the act's files: the commission "
                "selects the files to keep from those it examined (name it in files)"
            )
            raise DisposalError(msg)
    ends = {f.file: _retention_ends(f, act_class, dated) for f in files}
    if not entries:
        msg = "the act names no entries of its files; nothing would be disposed of"
        raise DisposalError(msg)
    if len(entries) >= log_size:
        msg = (
            "the act names every entry of the log: the whole log is never disposed "
            "of (its keys and acts verify everything else); name one class's files"
        )
        raise DisposalError(msg)
    for entry in entries:
        _check_entry(entry, act_class, named, set(kept))
    return tuple(
        DisposedFile(
            file=f.file,
            closed_on=f.closed_on or dated,
            retention_ends=ends[f.file],
            entries=ranges_of(e.leaf for e in entries if e.file == f.file),
            count=sum(1 for e in entries if e.file == f.file),
        )
        for f in files
        if f.file not in kept
    )


def _check_heading(number: str, dated: date, today: date, reason: str) -> None:
    if not number.strip() or len(number) > MAX_NUMBER:
        msg = (
            f"act number {number!r} is not usable: give the act's number as the "
            f"commission wrote it (1 to {MAX_NUMBER} characters)"
        )
        raise DisposalError(msg)
    if dated > today:
        msg = (
            f"the act is dated {dated:%d.%m.%Y}, after today ({today:%d.%m.%Y}); "
            "an act is applied on or after its date"
        )
        raise DisposalError(msg)
    if not reason.strip():
        msg = (
            "reason is empty: say why the files are disposed of (their retention "
            "ran out, the commission's protocol)"
        )
        raise DisposalError(msg)


def check_class(act_class: ActClass, kept: Sequence[str]) -> None:
    """:class:`DisposalError` unless ``act_class`` is counted per file, and
    files are kept only of a class of closed files (personal files)."""
    if act_class.clock not in PER_FILE_CLOCKS:
        msg = (
            f"class {act_class.name} is kept by clock {act_class.clock}: an act "
            f"disposes of a class counted per file ({', '.join(PER_FILE_CLOCKS)}); "
            "keys, policies and acts (class trust) are never disposed of"
        )
        raise DisposalError(msg)
    if kept and act_class.clock != "file_closed":
        msg = (
            f"class {act_class.name} has year files; files are selected for keeping "
            "only among personal files (§7.3.4): leave kept empty"
        )
        raise DisposalError(msg)


def _retention_ends(file: FileFacts, act_class: ActClass, dated: date) -> date:
    if file.closed_on is None:
        msg = (
            f"file {file.file} is not closed (the pupil is still enrolled, or the "
            "book is in use): its retention has not begun"
        )
        raise DisposalError(msg)
    ends = file_retention_ends(file.closed_on, act_class.keep_years)
    if ends > dated:
        msg = (
            f"the retention of file {file.file} has not run out by the act's date "
            f"{dated:%d.%m.%Y}: closed on {file.closed_on:%d.%m.%Y}, it is kept "
            f"{act_class.keep_years} years from 1 January {file.closed_on.year + 1}, "
            f"until {ends:%d.%m.%Y}"
        )
        raise DisposalError(msg)
    return ends


def _check_entry(
    entry: NamedEntry, act_class: ActClass, files: set[str], kept: set[str]
) -> None:
    where = f"entry {entry.name} (leaf {entry.leaf}, {entry.type})"
    if entry.disposed_by is not None:
        msg = f"{where} was disposed of already, by act {entry.disposed_by}"
        raise DisposalError(msg)
    if entry.record_class != act_class.name:
        msg = (
            f"{where} is of class {entry.record_class}, not {act_class.name}: an "
            "act disposes of one class's entries"
        )
        raise DisposalError(msg)
    if entry.file in kept:
        msg = f"{where} belongs to file {entry.file}, which the act keeps"
        raise DisposalError(msg)
    if entry.file not in files:
        msg = (
            f"{where} belongs to file {entry.file}, which the act does not name: "
            "the act covers only the entries of its files"
        )
        raise DisposalError(msg)


@register_event_types
class DisposalAct(Record):
    """The expert commission's act of disposal, one per act number."""

    class Approved(StartsStream):
        """archive.DisposalActApproved: the expert commission's act naming the
        record class, its files and their entries to dispose of, and the
        personal files kept (§7.3.4; DESIGN §6); co-signed by its members and
        approved by the director."""

        TOPIC: ClassVar[str] = "archive.DisposalActApproved"
        number: str
        dated: date
        record_class: str
        keep_years: int
        files: tuple[DisposedFile, ...]
        kept: tuple[KeptFile, ...]
        reason: str
        commission: tuple[str, ...]

    def __init__(
        self,
        number: str,
        dated: date,
        record_class: str,
        keep_years: int,
        files: tuple[DisposedFile, ...],
        kept: tuple[KeptFile, ...],
        reason: str,
        commission: tuple[str, ...],
    ) -> None:
        self.number = number
        self.dated = dated
        self.record_class = record_class
        self.keep_years = keep_years
        self.files = tuple(files)
        self.kept = tuple(kept)
        self.reason = reason
        self.commission = tuple(commission)

    @classmethod
    def approve(
        cls,
        *,
        stream: UUID,
        number: str,
        dated: date,
        act_class: ActClass,
        files: tuple[DisposedFile, ...],
        kept: tuple[KeptFile, ...],
        reason: str,
        commission: tuple[str, ...],
        at: datetime,
    ) -> Self:
        """The act, approved at ``at`` (its files checked by :func:`check_act`)."""
        return cls._start(
            cls.Approved(
                *cls._first(stream, at),
                number=number.strip(),
                dated=dated,
                record_class=act_class.name,
                keep_years=act_class.keep_years,
                files=files,
                kept=kept,
                reason=reason.strip(),
                commission=commission,
            )
        )

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """Every range of leaf indexes the act names, in order."""
        return tuple(sorted(r for f in self.files for r in f.entries))

    @property
    def entries(self) -> int:
        return sum(f.count for f in self.files)
