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
domain class, through the application's mapper (which verifies signatures when
the application was opened with verify-on-read). A :class:`BatchView` gets the
whole batch at once as :class:`Fact` values read straight from the stored
bytes with ``json.loads``: no domain classes, no canonical-form check and no
signature verification. That is deliberate: proving that the stored bytes are
canonical, signed and chained is the verifier's job (``letopis verify``), done
once over the whole log and named on every report by its checkpoint; paying
for it again on every rebuild would cost more than the projection itself
(strict parsing alone is ~30 µs an event, verification ~150 µs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification

from ledger.application import LedgerApplication
from ledger.envelope import Envelope, parse_time
from ledger.errors import LedgerError
from ledger.storage.sql import DUPLICATE_ERRORS, SqlStore, Transaction
from ledger.storage.tables import (
    PROJECTION_TRACKING,
    PROJECTION_TRACKING_DDL,
    index_ddl,
    views_schema,
)

TRACKING = PROJECTION_TRACKING
DEFAULT_BATCH = 1000


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
    """One stored event as a batch view reads it: its log position, its name and
    type, its ``at`` (RFC 3339 UTC text, as signed) and its plain JSON ``data``."""

    position: int
    stream: str
    seq: int
    type: str
    at: str
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        """``<stream>:<seq>``, how an event is named everywhere."""
        return f"{self.stream}:{self.seq}"

    data_json: str  # ``data`` as stored: canonical JSON text (keys sorted)

    @classmethod
    def of(cls, notification: Notification) -> Fact:
        """The fact of a stored event, without verifying it (see the module)."""
        envelope = json.loads(notification.state)
        return cls(
            position=notification.id,
            stream=envelope["stream"],
            seq=envelope["seq"],
            type=envelope["type"],
            at=envelope["at"],
            data=envelope["data"],
            data_json=_data_text(notification.state, envelope["data"]),
        )


def _data_text(state: bytes, data: Mapping[str, Any]) -> str:
    """The ``data`` member of a stored envelope as the text it is stored as.

    A stored envelope is RFC 8785 canonical JSON, keys sorted: ``{"at":…,
    "data":{…},"log":…}``, and no key after ``log`` at the top is ``log``, so
    ``data`` lies between the first ``,"data":`` and the last ``,"log":"``.
    Slicing it saves serialising it again (a sixth of a rebuild's time); bytes
    that are not so shaped are serialised instead.
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
    replay.
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
        self._create()

    def position(self) -> int:
        """The notification id of the last event applied (0: none yet)."""
        rows = self.store.query(
            "SELECT position FROM {projection_tracking} WHERE name = ?", (self.name,)
        )
        return int(rows[0]["position"]) if rows else 0

    def run(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Apply batches until the views have caught up; how many events."""
        total = 0
        while applied := self.run_batch():
            total += applied
            if progress is not None:
                progress(applied)
        return total

    def run_batch(self) -> int:
        """Apply one batch of events and move the position, in one transaction."""
        start = self.position()
        notifications = self.app.recorder.select_notifications(
            start=start + 1, limit=self.batch
        )
        if not notifications:
            return 0
        try:
            with self.store.transaction() as tx:
                self._apply(tx, notifications)
                self._track(tx, start, notifications[-1].id)
        except DUPLICATE_ERRORS as e:
            msg = f"projection {self.name!r} was started by another runner at {start}"
            raise ProjectionConflictError(msg) from e
        return len(notifications)

    def _apply(self, tx: Transaction, notifications: Sequence[Notification]) -> None:
        """Per-event views see each decoded event, then batch views the batch."""
        each = [v for v in self.views if not isinstance(v, BatchView)]
        for notification in notifications if each else ():
            envelope, event = self.app.mapper.read(notification)
            recorded = Recorded.of(notification.id, envelope)
            for view in each:
                view.apply(tx, event, recorded)
        batched = [v for v in self.views if isinstance(v, BatchView)]
        if batched:
            facts = [Fact.of(n) for n in notifications]
            for batch_view in batched:
                batch_view.apply_batch(tx, facts)

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every view and replay the log from the first event.

        The indexes views declare (``indexes``) are built after the replay, in
        bulk: maintaining them row by row costs more than the replay itself on
        a large log. Until then (also after a crash mid-rebuild) queries work,
        only slower; the next runner on the store builds them.
        """
        with self.store.transaction() as tx:
            for view in self.views:
                for table in view.tables:
                    tx.execute(f"DROP TABLE IF EXISTS {{{table}}}")
            tx.execute("DELETE FROM {projection_tracking} WHERE name = ?", (self.name,))
        self._create(indexes=False)
        applied = self.run(progress=progress)
        self._create()
        return applied

    def _create(self, *, indexes: bool = True) -> None:
        with self.store.transaction() as tx:
            tx.execute(PROJECTION_TRACKING_DDL)
            for view in self.views:
                view.create(tx)
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


def _views_schema(app: LedgerApplication) -> str | None:
    datastore: Any = getattr(app.recorder, "datastore", None)
    schema: Any = getattr(datastore, "schema", None)
    return views_schema(schema) if schema else None
