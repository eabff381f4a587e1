"""The archive's own records (DESIGN §5, «archive»): what the school did to the
records themselves over their retention, each a signed entry of the log.

``archive.YearArchived`` records that a school year was closed into the
archive (§7.3.6: the electronic successor of the sealed disc of the year's
journal): the checkpoint of the whole log that covers the year, the year's
entries, and every file of the year's archive with its digest. Its stream is
derived from the log and the year, so a year is archived once. The disposal
act (``archive.DisposalActApproved``) is in :mod:`ledger.domain.disposal`.

``archive.DataKeyDestroyed`` records that a pupil's personal data key was
destroyed (crypto-shredding, 152-ФЗ art. 21): after the personal file's
retention has run out (§7.3.4: 3 years after the pupil left, counted as
archives count, from 1 January of the year after the file was closed), or on a
lawful request, stated. Its stream is derived from the pupil, so a key is
destroyed once: a second command finds the stream and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar, Self
from uuid import UUID

from ledger.domain.base import Record, StartsStream
from ledger.domain.errors import ErasureError, InvalidRecordError
from ledger.domain.ids import data_key_erasure_id, year_archive_id
from ledger.events import register_event_types

#: why a data key may be destroyed
RETENTION = "retention"  # the personal file's retention has run out
REQUEST = "request"  # a lawful request (the pupil, a guardian, a court)
GROUNDS = (RETENTION, REQUEST)


def file_retention_ends(closed_on: date, keep_years: int) -> date:
    """The first day a file closed on ``closed_on`` may be disposed of: its
    ``keep_years`` count from 1 January of the year after it was closed."""
    return date(closed_on.year + 1 + keep_years, 1, 1)


def check_erasure(
    *,
    ground: str,
    reason: str,
    left_on: date | None,
    keep_years: int,
    today: date,
) -> None:
    """Whether a pupil's data key may be destroyed ``today`` on ``ground``;
    :class:`ErasureError` naming what is missing otherwise."""
    if ground not in GROUNDS:
        msg = (
            f"ground {ground!r} is not a ground for erasing personal data; allowed: "
            f"{RETENTION} (the personal file's retention has run out) or {REQUEST} "
            "(a lawful request, named in --reason)"
        )
        raise ErasureError(msg)
    if not reason.strip():
        msg = (
            "reason is empty: name the act or the request (number and date) the "
            "erasure follows"
        )
        raise ErasureError(msg)
    if ground != RETENTION:
        return
    if left_on is None:
        msg = (
            "the pupil is still enrolled: the personal file's retention starts "
            "only when the pupil leaves (§7.3.4); before that, only a lawful "
            f"request (ground {REQUEST}) erases the data"
        )
        raise ErasureError(msg)
    ends = file_retention_ends(left_on, keep_years)
    if today < ends:
        msg = (
            f"the personal file's retention has not run out: the pupil left on "
            f"{left_on.isoformat()}, the file is kept {keep_years} years from 1 "
            f"January {left_on.year + 1}, until {ends.isoformat()}"
        )
        raise ErasureError(msg)


@register_event_types
class DataKeyErasure(Record):
    """The destruction of one pupil's personal data key."""

    class Destroyed(StartsStream):
        """archive.DataKeyDestroyed: the pupil's data key is destroyed; the
        records stay, the identity in them can no longer be read."""

        TOPIC: ClassVar[str] = "archive.DataKeyDestroyed"
        pupil: UUID
        personal_file: str
        key: str
        ground: str
        reason: str
        by: UUID

    def __init__(
        self,
        pupil: UUID,
        personal_file: str,
        key: str,
        ground: str,
        reason: str,
        by: UUID,
    ) -> None:
        self.pupil = pupil
        self.personal_file = personal_file
        self.key = key
        self.ground = ground
        self.reason = reason
        self.by = by

    @classmethod
    def destroy(
        cls,
        *,
        pupil: UUID,
        personal_file: str,
        key: str,
        ground: str,
        reason: str,
        by: UUID,
        at: datetime,
    ) -> Self:
        return cls._start(
            cls.Destroyed(
                *cls._first(data_key_erasure_id(pupil), at),
                pupil=pupil,
                personal_file=personal_file,
                key=key,
                ground=ground,
                reason=reason.strip(),
                by=by,
            )
        )


@dataclass(frozen=True)
class ArchivedFile:
    """One file of a year's archive: its path in the bag, size and SHA-256."""

    path: str
    size: int
    sha256: str


@register_event_types
class YearArchive(Record):
    """A school year closed into the archive, once."""

    class Archived(StartsStream):
        """archive.YearArchived: the school year is closed into the archive: the
        signed checkpoint of the whole log that covers it, the year's entries
        (their count and ranges of leaf indexes) and the files of the year's
        archive with their digests (§7.3.6; DESIGN §5). Sealed by the log key
        and signed by the director."""

        TOPIC: ClassVar[str] = "archive.YearArchived"
        log: str
        year: str
        checkpoint_size: int
        checkpoint_root: str
        entries: int
        ranges: tuple[tuple[int, int], ...]
        files: tuple[ArchivedFile, ...]

    def __init__(
        self,
        log: str,
        year: str,
        checkpoint_size: int,
        checkpoint_root: str,
        entries: int,
        ranges: tuple[tuple[int, int], ...],
        files: tuple[ArchivedFile, ...],
    ) -> None:
        self.log = log
        self.year = year
        self.checkpoint_size = checkpoint_size
        self.checkpoint_root = checkpoint_root
        self.entries = entries
        self.ranges = tuple(ranges)
        self.files = tuple(files)

    @classmethod
    def archive(
        cls,
        *,
        log: str,
        year: str,
        checkpoint_size: int,
        checkpoint_root: str,
        ranges: tuple[tuple[int, int], ...],
        files: tuple[ArchivedFile, ...],
        at: datetime,
    ) -> Self:
        """Close ``year`` into the archive at ``at``."""
        entries = sum(last - first + 1 for first, last in ranges)
        if entries == 0 or any(last >= checkpoint_size for _, last in ranges):
            msg = (
                f"the year's entries must lie inside the checkpoint of size "
                f"{checkpoint_size} that covers the year"
            )
            raise InvalidRecordError(msg)
        return cls._start(
            cls.Archived(
                *cls._first(year_archive_id(log, year), at),
                log=log,
                year=year,
                checkpoint_size=checkpoint_size,
                checkpoint_root=checkpoint_root,
                entries=entries,
                ranges=ranges,
                files=files,
            )
        )
