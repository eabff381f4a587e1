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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from ledger.application import LedgerApplication
from ledger.envelope import Envelope, parse_time
from ledger.errors import LedgerError
from ledger.sqlstore import DUPLICATE_ERRORS, SqlStore, Transaction

TRACKING = "projection_tracking"
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
        views: Sequence[View],
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
                for notification in notifications:
                    envelope, event = self.app.mapper.read(notification)
                    recorded = Recorded.of(notification.id, envelope)
                    for view in self.views:
                        view.apply(tx, event, recorded)
                self._track(tx, start, notifications[-1].id)
        except DUPLICATE_ERRORS as e:
            msg = f"projection {self.name!r} was started by another runner at {start}"
            raise ProjectionConflictError(msg) from e
        return len(notifications)

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Drop every view and replay the log from the first event."""
        with self.store.transaction() as tx:
            for view in self.views:
                for table in view.tables:
                    tx.execute(f"DROP TABLE IF EXISTS {{{table}}}")
            tx.execute("DELETE FROM {projection_tracking} WHERE name = ?", (self.name,))
        self._create()
        return self.run(progress=progress)

    def _create(self) -> None:
        with self.store.transaction() as tx:
            tx.execute(
                "CREATE TABLE IF NOT EXISTS {projection_tracking} ("
                "name TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )
            for view in self.views:
                view.create(tx)

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
    return f"{schema}_views" if schema else None
