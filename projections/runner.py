"""Projections that follow the log: each event applied once, in order, in batches.

A view is a set of tables beside the events (SQLite tables, or the PostgreSQL
``<schema>_views`` schema) and a function that applies one event to them. The
runner reads the notification log after its tracked position, applies a batch
of events to every view and moves the position in the same transaction: a
crash mid-batch rolls the whole batch back, and a restarted runner resumes
after the last committed batch. ``rebuild`` drops the views and replays the
log from the first event. eventsourcing's own projection runner subscribes to
the store (SQLite cannot) and commits every event alone; this one polls and
commits per batch (DESIGN §8).

Views come in two kinds. A :class:`View` gets each event decoded into its
domain class, through the application's mapper. A :class:`BatchView` gets the
whole batch at once as :class:`Fact` values read from the stored bytes with
``json.loads``: no domain classes. Either way the runner applies only entries
the independent verifier's own rules have accepted (:mod:`projections.checked`:
signatures, chain, columns, leaf hash; entries under a checkpoint the verifier
recorded as fully verified skip their signatures once the stored leaves give
its root), so a forged or altered entry stops the runner with the verifier's
finding and nothing of its batch is applied. Every fact carries its leaf index
and leaf hash, and every view row names them.

A rebuild runs in one transaction: the old views are dropped and the new ones
built and indexed inside it, so readers see the old views until the commit
and a rebuild refused half-way leaves them as they were.

Views that say so (``owned``: the records view) are not written by this
process on PostgreSQL: the runner checks the entries as above, then the owner
role's functions apply them from the stored events, or build a fresh set and
swap it in (:mod:`projections.owned`); the application role may only read
their tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from ledger.application import LedgerApplication
from ledger.envelope import Envelope, parse_time
from ledger.errors import LedgerError
from ledger.storage.sql import DUPLICATE_ERRORS, QUERY_ERRORS, SqlStore, Transaction
from ledger.storage.tables import (
    PROJECTION_TRACKING,
    PROJECTION_TRACKING_DDL,
    RECORDS_POSITION,
    index_ddl,
    view_protection_ddl,
    views_schema,
)
from projections.checked import CHUNK, CheckedEntry, CheckedLog
from projections.owned import OwnerBuilt, ViewsMovedError

TRACKING = PROJECTION_TRACKING

DEFAULT_BATCH = 1000
#: the smallest chunk a catch-up checks (a few new entries)
CATCH_UP_CHUNK = 64


@dataclass(frozen=True)
class Recorded:
    """Where and how an event stands in the log, beside the event itself."""

    position: int
    stream: UUID
    seq: int
    type: str
    at: datetime
    author: str
    cosigners: tuple[str, ...]

    @property
    def name(self) -> str:
        """``<stream>:<seq>``, how an event is named everywhere."""
        return f"{self.stream}:{self.seq}"

    @classmethod
    def of(cls, position: int, envelope: Envelope) -> Recorded:
        keys = tuple(s.key for s in envelope.sigs)
        return cls(
            position=position,
            stream=UUID(envelope.stream),
            seq=envelope.seq,
            type=envelope.type,
            at=parse_time(envelope.at),
            author=keys[0],
            cosigners=keys[1:],
        )


@dataclass(frozen=True)
class Fact:
    """One checked event as a batch view reads it: its log position, its name
    and type, its ``at`` (RFC 3339 UTC text, as signed), its plain JSON
    ``data``, and the leaf it is (index, hash as hex) in the Merkle log."""

    position: int
    stream: str
    seq: int
    type: str
    at: str
    data: Mapping[str, Any]
    data_json: str  # ``data`` as stored: canonical JSON text (keys sorted)
    leaf_index: int
    leaf_hash: str

    @property
    def name(self) -> str:
        """``<stream>:<seq>``, how an event is named everywhere."""
        return f"{self.stream}:{self.seq}"

    @classmethod
    def of(cls, entry: CheckedEntry) -> Fact:
        """The fact of an entry the verifier's rules accepted (so its bytes are
        a canonical envelope and ``json.loads`` reads them as signed)."""
        envelope = json.loads(entry.state)
        return cls(
            position=entry.order,
            stream=envelope["stream"],
            seq=envelope["seq"],
            type=envelope["type"],
            at=envelope["at"],
            data=envelope["data"],
            data_json=_data_text(entry.state, envelope["data"]),
            leaf_index=entry.ordinal,
            leaf_hash=entry.leaf_hash.hex(),
        )


def _data_text(state: bytes, data: Mapping[str, Any]) -> str:
    """The ``data`` member of a stored envelope as the text it is stored as.

    A stored envelope is RFC 8785 canonical JSON, keys sorted: ``{"at":…,
    "data":{…},"log":…}``, and no key after ``log`` at the top is ``log``, so
    ``data`` lies between the first ``,"data":`` and the last ``,"log":"``.
    Slicing it saves serialising it again (a sixth of a rebuild's time); bytes
    that are not so shaped are serialised instead. The owner role's SQL on
    PostgreSQL slices it the same way (``ledger.storage.records_view``).
    """
    start = state.find(b',"data":') + len(b',"data":')
    end = state.rfind(b',"log":"')
    if start < len(b',"data":') or end < start or state[start : start + 1] != b"{":
        return json.dumps(
            data, ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
    return state[start:end].decode()


@runtime_checkable
class BatchView(Protocol):
    """A read model that applies a whole batch at once (``executemany``).

    It may also declare ``indexes``: table → column lists (``"class_id,
    subject"``); the runner creates them, and on a rebuild only after the
    replay; and ``append_only = True``: the runner then protects its tables
    with the triggers that protect the log (UPDATE and DELETE refused).
    """

    name: str
    tables: tuple[str, ...]

    def create(self, tx: Transaction) -> None:
        """Create the tables (``CREATE TABLE IF NOT EXISTS {table} ...``)."""

    def apply_batch(self, tx: Transaction, facts: Sequence[Fact]) -> None:
        """Apply the batch's events, in order; ignore the types not followed."""


class View(Protocol):
    """A read model: its tables, and how one event changes them."""

    name: str
    tables: tuple[str, ...]

    def create(self, tx: Transaction) -> None:
        """Create the tables (``CREATE TABLE IF NOT EXISTS {table} ...``)."""

    def apply(
        self, tx: Transaction, event: DomainEventProtocol[UUID], recorded: Recorded
    ) -> None:
        """Apply one event; ignore the types this view does not follow."""


class ProjectionRunner:
    """Runs a set of views over the log under one tracking position."""

    def __init__(
        self,
        app: LedgerApplication,
        views: Sequence[View | BatchView],
        *,
        name: str = "reports",
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self.app = app
        self.views = tuple(views)
        self.name = name
        self.batch = batch
        tables = [TRACKING, *(t for v in views for t in v.tables)]
        self.store = SqlStore(app.recorder, tables, postgres_schema=_views_schema(app))
        self._events_schema = _events_schema(app)
        self._views_schema = _views_schema(app)
        self.owner = self._owner_built()
        if self.owner is not None:
            self.owner.prepare()
        else:
            self._drop_outdated()
            self._create()

    def _owner_built(self) -> OwnerBuilt | None:
        """The owner role's functions, when they build these views: views that
        say so (``owned``), on a PostgreSQL store (:mod:`projections.owned`).
        A store whose `init` did not install them is refused."""
        owned = [v for v in self.views if getattr(v, "owned", False)]
        if not owned or self._views_schema is None:
            return None
        if len(owned) != len(self.views):
            msg = (
                "views the owner role builds run under a runner of their own: "
                f"{', '.join(v.name for v in self.views)} mix them with others"
            )
            raise ProjectionSetupError(msg)
        store = SqlStore(
            self.app.recorder, (RECORDS_POSITION,), postgres_schema=self._views_schema
        )
        if not OwnerBuilt.installed(store, self._views_schema):
            raise OwnerBuilt.missing(self._views_schema)
        return OwnerBuilt(store, self._views_schema)

    def position(self) -> int:
        """The notification id of the last event applied (0: none yet)."""
        if self.owner is not None:
            return self.owner.position()
        rows = self.store.query(
            "SELECT position FROM {projection_tracking} WHERE name = ?", (self.name,)
        )
        return int(rows[0]["position"]) if rows else 0

    def run(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Apply checked batches until the views have caught up; how many
        events. A view never built is built as a rebuild is (one transaction)."""
        position = self.position()
        if position == 0:
            return self.rebuild(progress=progress)
        last = int(self.app.recorder.max_notification_id() or 0)
        if position >= last:
            return 0  # nothing new: no need to survey the log
        total = 0
        checked = CheckedLog(self.app, chunk_size=self._catch_up_chunk(last - position))
        try:
            entries = checked.entries(after=self.position())
            while applied := self._run_batch(entries):
                total += applied
                if progress is not None:
                    progress(applied)
        finally:
            checked.close()
        return total

    def run_batch(self) -> int:
        """Apply one checked batch and move the position, in one transaction."""
        checked = CheckedLog(self.app, chunk_size=self._chunk())
        try:
            return self._run_batch(checked.entries(after=self.position()))
        finally:
            checked.close()

    def _run_batch(self, entries: Iterator[CheckedEntry]) -> int:
        start = self.position()
        batch = list(islice(entries, self.batch))
        if not batch:
            return 0
        if self.owner is not None:
            try:
                self.owner.apply(start, batch[-1].order)
            except ViewsMovedError as e:
                raise ProjectionConflictError(str(e)) from e
            return len(batch)
        try:
            with self.store.transaction() as tx:
                self._apply(tx, batch)
                self._track(tx, start, batch[-1].order)
        except DUPLICATE_ERRORS as e:
            msg = f"projection {self.name!r} was started by another runner at {start}"
            raise ProjectionConflictError(msg) from e
        return len(batch)

    def _chunk(self) -> int:
        """Entries checked at once: a power of two, at least a batch."""
        return max(CHUNK, 1 << (self.batch - 1).bit_length())

    def _catch_up_chunk(self, behind: int) -> int:
        """Entries checked at once when at most ``behind`` entries are new. A
        chunk is checked whole, new entries or not, so a catch-up after one
        lesson reads a small chunk (tens of signatures, not thousands): a
        power of two covering ``behind``, from :data:`CATCH_UP_CHUNK` up to
        :meth:`_chunk`."""
        covering = 1 << max(behind - 1, 0).bit_length()
        return min(self._chunk(), max(CATCH_UP_CHUNK, covering))

    def _apply(self, tx: Transaction, entries: Sequence[CheckedEntry]) -> None:
        """Per-event views see each decoded event, then batch views the batch."""
        each = [v for v in self.views if not isinstance(v, BatchView)]
        for entry in entries if each else ():
            envelope, event = self.app.mapper.read(_stored(entry))
            recorded = Recorded.of(entry.order, envelope)
            for view in each:
                view.apply(tx, event, recorded)
        batched = [v for v in self.views if isinstance(v, BatchView)]
        if batched:
            facts = [Fact.of(e) for e in entries]
            for batch_view in batched:
                batch_view.apply_batch(tx, facts)

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every view and replay the log from the first event, in one
        transaction (see the module): refused entries leave the old views.

        The indexes views declare (``indexes``) are built after the replay, in
        bulk: maintaining them row by row costs more than the replay itself.
        Views the owner role builds are checked here, then built by its
        function into a fresh set that it swaps in (:mod:`projections.owned`).
        """
        if self.owner is not None:
            return self._rebuild_by_owner(self.owner, progress)
        checked = CheckedLog(self.app, chunk_size=self._chunk())
        applied = 0
        try:
            with self.store.transaction() as tx:
                self._drop_in(tx, self.views)
                tx.execute(
                    "DELETE FROM {projection_tracking} WHERE name = ?", (self.name,)
                )
                self._create_in(tx, indexes=False)
                last = 0
                entries = checked.entries()
                while batch := list(islice(entries, self.batch)):
                    self._apply(tx, batch)
                    applied += len(batch)
                    last = batch[-1].order
                    if progress is not None:
                        progress(len(batch))
                if last:
                    self._track(tx, 0, last)
                self._create_in(tx)
        finally:
            checked.close()
        return applied

    def _rebuild_by_owner(
        self, owner: OwnerBuilt, progress: Callable[[int], None] | None
    ) -> int:
        """Check every entry, then have the owner build the views up to the
        last one; an entry refused leaves the current views as they are."""
        checked = CheckedLog(self.app, chunk_size=self._chunk())
        applied = last = 0
        try:
            entries = checked.entries()
            while batch := list(islice(entries, self.batch)):
                applied += len(batch)
                last = batch[-1].order
                if progress is not None:
                    progress(len(batch))
        finally:
            checked.close()
        owner.rebuild(last)
        return applied

    def _drop_outdated(self) -> None:
        """Drop views whose tables lack a column the view now writes (made by
        an older version: ``leaf_index``, say), so the next run rebuilds them."""
        outdated = [v for v in self.views if not self._current(v)]
        if not outdated:
            return
        with self.store.transaction() as tx:
            self._drop_in(tx, outdated)
            tx.execute("DELETE FROM {projection_tracking} WHERE name = ?", (self.name,))

    def _current(self, view: View | BatchView) -> bool:
        """Whether the view's tables are as this version makes them: every
        column there."""
        columns: Sequence[str] = getattr(view, "columns", ())
        if not columns:
            return True
        for table in view.tables:
            try:
                self.store.query(
                    f"SELECT {', '.join(columns)} FROM {{{table}}} WHERE 1 = 0"
                )
            except QUERY_ERRORS:
                return self._missing(table)
        return True

    def _missing(self, table: str) -> bool:
        """Whether ``table`` does not exist at all (then it is not outdated)."""
        try:
            self.store.query(f"SELECT 1 FROM {{{table}}} WHERE 1 = 0")
        except QUERY_ERRORS:
            return True
        return False

    def _create(self, *, indexes: bool = True) -> None:
        with self.store.transaction() as tx:
            self._create_in(tx, indexes=indexes)

    def _drop_in(self, tx: Transaction, views: Sequence[View | BatchView]) -> None:
        """Drop the views' tables."""
        for view in views:
            for table in view.tables:
                tx.execute(f"DROP TABLE IF EXISTS {{{table}}}")

    def _create_in(self, tx: Transaction, *, indexes: bool = True) -> None:
        """Tracking, the views' tables, their append-only triggers, indexes."""
        tx.execute(PROJECTION_TRACKING_DDL)
        for view in self.views:
            view.create(tx)
            protected = view.tables if getattr(view, "append_only", False) else ()
            for table in protected:
                for statement in view_protection_ddl(
                    table, self.store.dialect, self._events_schema
                ):
                    tx.execute(statement)
        for table, columns in self._indexes() if indexes else ():
            tx.execute(index_ddl(table, columns))

    def _indexes(self) -> list[tuple[str, str]]:
        """(table, columns) of every index the views declare."""
        found: list[tuple[str, str]] = []
        for view in self.views:
            declared: Mapping[str, Sequence[str]] = getattr(view, "indexes", {})
            for table, column_lists in declared.items():
                found.extend((table, columns) for columns in column_lists)
        return found

    def _track(self, tx: Transaction, start: int, end: int) -> None:
        if start == 0:
            tx.execute(
                "INSERT INTO {projection_tracking} (name, position) VALUES (?, ?)",
                (self.name, end),
            )
            return
        moved = tx.execute(
            "UPDATE {projection_tracking} SET position = ? WHERE name = ? "
            "AND position = ?",
            (end, self.name, start),
        )
        if moved != 1:
            msg = (
                f"projection {self.name!r} moved past {start} while this batch ran; "
                "its changes are rolled back (another runner applied them)"
            )
            raise ProjectionConflictError(msg)


class ProjectionConflictError(LedgerError):
    """Another runner applied the same batch first; nothing of this one stays."""


class ProjectionSetupError(LedgerError):
    """The views given to a runner cannot run together; the message says why."""


def _stored(entry: CheckedEntry) -> Notification:
    """The checked entry in the shape the application's mapper reads."""
    envelope = json.loads(entry.state)
    return Notification(
        id=entry.order,
        originator_id=UUID(envelope["stream"]),
        originator_version=envelope["seq"],
        topic=envelope["type"],
        state=entry.state,
    )


def _events_schema(app: LedgerApplication) -> str | None:
    datastore: Any = getattr(app.recorder, "datastore", None)
    schema: Any = getattr(datastore, "schema", None)
    return str(schema) if schema else None


def _views_schema(app: LedgerApplication) -> str | None:
    datastore: Any = getattr(app.recorder, "datastore", None)
    schema: Any = getattr(datastore, "schema", None)
    return views_schema(schema) if schema else None
