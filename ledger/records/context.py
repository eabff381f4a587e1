"""What every service of one school shares: the ledger, the clock, the reads, the
frame of a command and the common look-ups.

Every command runs in one frame, :meth:`RecordsContext.command`::

    with ctx.command(signed_by) as cmd:      # begin, and the author checked
        lesson = ...                          # load, then the aggregate's command
        cmd.save(lesson)                      # saved in one signed append at the end

A command whose body raises saves nothing.

Reads come in two kinds. :meth:`RecordsContext.replay` and :meth:`load` give a
command a private copy of a stream to append to. :meth:`view` gives a read-only
view of a reference stream (a class, a pupil's file, the school, a lesson),
from an in-process cache; :meth:`exists` says whether a stream has events.

The cache is never trusted blindly. Each command starts by reading the log's
highest notification id (one query). Every cached view, and every stream known
to be empty, carries the notification id it is known complete up to; when some
other writer has appended since (the highest id moved past what this process
wrote itself), a view is brought up to date with one indexed query before it is
used. So a rule is checked against what the store held when the command began,
and a process that writes alone reads almost nothing back.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.application import LedgerApplication, Signing
from ledger.domain.academic_year import AcademicYear
from ledger.domain.base import RecordStream, aware
from ledger.domain.classes import SchoolClass
from ledger.domain.errors import (
    AuthorityError,
    InvalidRecordError,
    NotEnrolledError,
    UnknownRecordError,
)
from ledger.domain.exams import ExamSheet
from ledger.domain.final_grades import FinalGrades
from ledger.domain.honours import GraduateResults
from ledger.domain.ids import academic_year_id, exam_sheet_id, final_grades_id
from ledger.domain.people import PersonalFile, StaffMember
from ledger.domain.school import Level, School
from ledger.keys.personal import DataKeyStore

Clock = Callable[[], datetime]
A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound=RecordStream)

DEPUTY = "deputy_director"
DIRECTOR = "director"
EVERYTHING = 2**63  # a watermark no view reaches: re-check every view


@dataclass(frozen=True)
class Author:
    """Who signs a command: the staff member behind the author's key, and roles."""

    staff: UUID
    key: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles


class Command:
    """One command in its frame: the signing, the author (read once, when first
    asked for) and the aggregates to save when the command ends."""

    def __init__(self, ctx: RecordsContext, signing: Signing) -> None:
        self.signing = signing
        self._changed: dict[int, Aggregate] = {}
        self._ctx = ctx
        self._author: Author | None = None

    @property
    def author(self) -> Author:
        """The staff member behind the signing key (:meth:`RecordsContext.author`);
        :class:`AuthorityError` when the key's holder is no staff of the school."""
        if self._author is None:
            self._author = self._ctx.author(self.signing)
        return self._author

    def save(self, *aggregates: Aggregate) -> None:
        """Save ``aggregates``' new events when the command ends (each once, in
        the order first given)."""
        for aggregate in aggregates:
            self._changed.setdefault(id(aggregate), aggregate)

    @property
    def changed(self) -> list[Aggregate]:
        """The aggregates to save, in the order first given."""
        return list(self._changed.values())


class _Views:
    """Cached aggregates and known-empty streams, each with the notification id
    it is complete up to; least recently used dropped beyond ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.found: OrderedDict[UUID, tuple[Aggregate, int]] = OrderedDict()
        self.empty: OrderedDict[UUID, int] = OrderedDict()

    def put(self, stream: UUID, aggregate: Aggregate, upto: int) -> None:
        self.found[stream] = (aggregate, upto)
        self.found.move_to_end(stream)
        self.empty.pop(stream, None)
        _trim(self.found, self.size)

    def put_empty(self, stream: UUID, upto: int) -> None:
        self.empty[stream] = upto
        self.empty.move_to_end(stream)
        _trim(self.empty, self.size)


def _trim(cache: OrderedDict[UUID, Any], size: int) -> None:
    while len(cache) > size:
        cache.popitem(last=False)


class RecordsContext:
    """The ledger, clock, reads and signing of one school's services."""

    def __init__(
        self,
        app: LedgerApplication,
        school: UUID,
        *,
        clock: Clock,
        data_keys: DataKeyStore | None = None,
        cache_size: int = 40_000,
    ) -> None:
        self.app = app
        self.school_id = school
        self.clock = clock
        self.data_keys = data_keys
        self._views = _Views(cache_size)
        self._seen = -1  # the highest notification id this context knows of
        self._foreign = EVERYTHING  # views complete below this may be stale

    # -- time ----------------------------------------------------------------------

    def now(self) -> datetime:
        """The command's time: the injected clock's, timezone-aware."""
        return aware(self.clock())

    def today(self, now: datetime | None = None) -> date:
        """Today's date at the school (its timezone)."""
        zone = ZoneInfo(self.school().timezone)
        return (now or self.now()).astimezone(zone).date()

    # -- reads ---------------------------------------------------------------------

    def begin(self) -> None:
        """Start a command: notice whether anyone else appended since."""
        current = self.app.recorder.max_notification_id() or 0
        if current != self._seen or self._foreign == EVERYTHING:
            self._foreign = current
            self._seen = current

    def view(self, cls: type[A], stream: UUID) -> A | None:
        """A read-only, up-to-date view of ``stream``, or ``None`` if empty."""
        cached = self._views.found.get(stream)
        if cached is None:
            if self._views.empty.get(stream, -1) >= self._foreign:
                return None
            found: A | None = self._replay(cls, stream)
            if found is None:
                self._views.put_empty(stream, self._seen)
            else:
                self._views.put(stream, found, self._seen)
            return found
        aggregate, upto = cached
        if upto == self._seen and upto >= self._foreign:  # complete up to now
            self._views.found.move_to_end(stream)  # only the order of use changes
            return self._checked(cls, aggregate, stream)
        if upto < self._foreign:
            for event in self.app.events.get(stream, gt=aggregate.version):
                event.mutate(aggregate)  # type: ignore[attr-defined]
        self._views.put(stream, aggregate, self._seen)
        return self._checked(cls, aggregate, stream)

    def replay(self, cls: type[A], stream: UUID) -> A | None:
        """A private copy of ``stream`` for a command to append to."""
        found = self.view(cls, stream)
        return copy.deepcopy(found) if found is not None else None

    def record(self, cls: type[R], stream: UUID) -> R:
        """A private copy of the record stream ``stream`` to append to; the
        opened, empty record when it has no events yet."""
        found = self.replay(cls, stream)
        return found if found is not None else cls.open(stream)

    def load(self, cls: type[A], stream: UUID) -> A | None:
        """Like :meth:`replay` for a stream with snapshots (the attestat book)."""
        if stream in self._views.found:
            return self.replay(cls, stream)
        try:
            found: Any = self.app.repository.get(stream)
        except AggregateNotFoundError:
            return None
        checked = self._checked(cls, found, stream)
        if checked is not None:
            self._views.put(stream, copy.deepcopy(checked), self._seen)
        return checked

    def require(self, cls: type[A], stream: UUID, what: str) -> A:
        """:meth:`view`, or :class:`UnknownRecordError` naming ``what``."""
        found = self.view(cls, stream)
        if found is None:
            msg = f"{what} is not recorded in this school (stream {stream})"
            raise UnknownRecordError(msg)
        return found

    def cached(self, stream: UUID) -> bool:
        """Whether this context holds a view of ``stream`` (so it has events)."""
        return stream in self._views.found

    def exists(self, stream: UUID) -> bool:
        """Whether ``stream`` has events (a stream never loses them)."""
        if stream in self._views.found:
            return True
        if self._views.empty.get(stream, -1) >= self._foreign:
            return False
        found = bool(self.app.recorder.select_events(stream, limit=1))
        if not found:
            self._views.put_empty(stream, self._seen)
        return found

    def school(self) -> School:
        return self.require(School, self.school_id, "the school")

    def _replay(self, cls: type[A], stream: UUID) -> A | None:
        aggregate: Any = None
        for event in self.app.events.get(stream):
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
        return self._checked(cls, aggregate, stream)

    @staticmethod
    def _checked(cls: type[A], found: Any, stream: UUID) -> A | None:
        if found is not None and not isinstance(found, cls):
            msg = f"stream {stream} is a {type(found).__name__}, not a {cls.__name__}"
            raise UnknownRecordError(msg)
        checked: A | None = found
        return checked

    # -- the frame of a command ------------------------------------------------------

    @contextmanager
    def command(
        self, signing: Signing, *, author_first: bool = True
    ) -> Iterator[Command]:
        """Run one command: :meth:`begin`, check the author (first, unless
        ``author_first`` is false and the command asks for ``cmd.author`` when
        its order of checks says), run the body, then save every aggregate the
        body passed to ``cmd.save`` in one signed append. When the body raises,
        nothing is saved (and the cached views are untouched: commands change
        private copies)."""
        self.begin()
        cmd = Command(self, signing)
        if author_first:
            cmd._author = self.author(signing)
        yield cmd
        self.save(cmd.changed, signing)

    # -- signing and saving ----------------------------------------------------------

    def author(self, signing: Signing) -> Author:
        """The staff member whose key authors ``signing`` (the key's holder is
        the staff member's id, DESIGN §4)."""
        record = self.app.context.registry.get(signing.author.key_id)
        try:
            staff: UUID | None = UUID(record.holder)
        except ValueError:
            staff = None
        member = self.view(StaffMember, staff) if staff else None
        if staff is None or member is None or member.school != self.school_id:
            msg = (
                f"key {record.key} is held by {record.holder!r}, who is not a staff "
                "member of this school; staff keys name the staff member's id as "
                "holder (people.StaffMemberRegistered)"
            )
            raise AuthorityError(msg)
        return Author(staff, record.key, tuple(record.roles))

    def save(self, aggregates: Iterable[Aggregate], signing: Signing) -> None:
        """Append every pending event of ``aggregates`` in one signed save; the
        saved aggregates become the cached views (they are what is stored)."""
        pending = [a for a in aggregates if a.pending_events]
        if not pending:
            return
        recordings = self.app.save(*pending, signed_by=signing)
        ids = [r.notification.id for r in recordings]
        if not ids:
            self._foreign = EVERYTHING  # unknown: re-check every view once
        elif min(ids) != self._seen + 1:  # others wrote just before ours
            self._foreign = max(self._foreign, min(ids) - 1)
        self._seen = max(ids) if ids else self._seen
        for aggregate in pending:
            self._views.put(aggregate.id, aggregate, self._seen)

    def snapshot(self, stream: UUID, version: int) -> None:
        """Snapshot ``stream`` as saved at ``version`` (a long stream, the book)."""
        self.app.take_snapshot(stream, version=version)

    def identities(self) -> DataKeyStore:
        """The data key store that seals identity fields (``enc``)."""
        if self.data_keys is None:
            msg = "identity fields need the data key store: pass data_keys"
            raise InvalidRecordError(msg)
        return self.data_keys

    # -- common look-ups ---------------------------------------------------------------

    def staff_exists(self, staff: UUID) -> bool:
        member = self.view(StaffMember, staff)
        return member is not None and member.school == self.school_id

    def school_class(self, stream: UUID, *, to_change: bool = False) -> SchoolClass:
        """The class ``stream`` of this school: a view, or with ``to_change`` a
        private copy to append to; :class:`UnknownRecordError` when no class of
        this school is opened under that id."""
        klass = (
            self.load(SchoolClass, stream)
            if to_change
            else self.view(SchoolClass, stream)
        )
        if klass is None or klass.school != self.school_id:
            msg = f"class {stream} is not opened in this school"
            raise UnknownRecordError(msg)
        return klass

    def year_of(self, klass: SchoolClass) -> AcademicYear:
        """The academic year ``klass`` belongs to."""
        stream = academic_year_id(self.school_id, klass.year)
        return self.require(AcademicYear, stream, "the year")

    def pupil_in_class(self, pupil: UUID, klass: SchoolClass, day: date) -> None:
        """:class:`NotEnrolledError` unless ``pupil`` has a personal file in this
        school and was in ``klass`` on ``day``."""
        file = self.view(PersonalFile, pupil)
        if file is None or file.school != self.school_id:
            msg = f"pupil {pupil} has no personal file in this school"
            raise NotEnrolledError(msg)
        file.check_in_class(klass.id, klass.name, day)

    def graduate_results(self, pupil: UUID, level: Level, year: str) -> GraduateResults:
        """The pupil's final grades for the ``level`` attestat and the latest
        result of each state exam of ``year``: what honours are decided on."""
        grades = self.view(FinalGrades, final_grades_id(pupil, level.value))
        exams = self.view(ExamSheet, exam_sheet_id(pupil, year))
        latest = exams.latest() if exams else {}
        failed = {r.subject for r in exams.results if not r.passed} if exams else set()
        return GraduateResults(
            grades.grades if grades else {},
            latest,
            frozenset(s for s in failed if latest[s].passed),  # passed at a re-sit
        )
