"""What every records aggregate shares: explicit times, typed events, and streams
that any of their events may open.

Every aggregate is a :class:`Record`: its command methods check their rules and
build each event with the event's own class, then append it. Event classes
derive from :class:`StartsStream` (the first event of a stream),
:class:`ExtendsStream` (a later one) or :class:`OpensStream` (either); these are
dataclass transforms (PEP 681), as the library makes every event a frozen
dataclass at run time, so mypy checks each event's fields where the command
builds it: no untyped ``**fields`` path leads to an event.

Several record streams have no natural first event: a pupil's council record
starts with whichever decision comes first, an exam sheet with the first result
imported. Their events are :class:`OpensStream` events, which open the stream when
first and extend it otherwise, so the stored vocabulary is exactly the one of
DESIGN §5, with no bookkeeping events. Their aggregates are
record streams (:class:`RecordStream`): a service gets the stored one or
:meth:`RecordStream.open` (the empty aggregate of the stream, no event yet) and
calls a command, which works the same on both.

Every event carries the time it happened (the envelope's ``at``): services pass
the time of their injected clock; the domain never reads a clock itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self, cast, dataclass_transform
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from ledger.domain.errors import InvalidRecordError

_NOT_YET = datetime.min.replace(tzinfo=UTC)  # an opened stream's times until used


@dataclass_transform(frozen_default=True)
class StartsStream(Aggregate.Created):
    """The first event of its stream. Its fields follow the envelope's
    ``originator_id``, ``originator_version``, ``timestamp`` and
    ``originator_topic`` (:meth:`Record._first` gives those)."""


@dataclass_transform(frozen_default=True)
class ExtendsStream(Aggregate.Event):
    """A later event of its stream. Its fields follow the envelope's
    ``originator_id``, ``originator_version`` and ``timestamp``
    (:meth:`Record._later` gives those)."""


@dataclass_transform(frozen_default=True)
class OpensStream(Aggregate.Created):
    """An event that opens its stream when it comes first, and extends it after.

    Its fields follow the envelope's ``originator_id``, ``originator_version``,
    ``timestamp`` and ``originator_topic`` (:meth:`RecordStream._next` gives those).
    """

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is None:
            return super().mutate(None)
        return CanMutateAggregate.mutate(self, aggregate)


class Record(Aggregate):
    """An aggregate whose commands build each event with the event's own class
    (a :class:`StartsStream`, :class:`ExtendsStream` or :class:`OpensStream`), so
    mypy checks every field, and append it with :meth:`_append`."""

    @classmethod
    def _first(cls, stream: UUID, at: datetime) -> tuple[UUID, int, datetime, str]:
        """The envelope fields of the first event of ``stream`` at ``at``."""
        return stream, cls.INITIAL_VERSION, aware(at), get_topic(cls)

    @classmethod
    def _start(cls, event: StartsStream) -> Self:
        """The aggregate ``event`` (made with :meth:`_first`) starts, with the
        event kept to be saved."""
        started = cast(Self, event.mutate(None))
        started.pending_events.append(event)
        return started

    def _later(self, at: datetime) -> tuple[UUID, int, datetime]:
        """The envelope fields of this stream's next event at ``at``."""
        return self.id, self.version + 1, aware(at)

    def _append(self, event: ExtendsStream | OpensStream) -> str:
        """Apply ``event`` (made with :meth:`_later` or :meth:`RecordStream._next`)
        and keep it to be saved; the event's name."""
        event.mutate(self)
        if event.originator_version == self.INITIAL_VERSION:
            self._created_on = event.timestamp
        self.pending_events.append(event)
        return event_name(self.id, self.version)


class RecordStream(Record):
    """An aggregate whose stream may start with any of its :class:`OpensStream`
    events: :meth:`open` gives the empty aggregate of a stream, and every command
    method appends its event, opening the stream when it is the first."""

    @classmethod
    def open(cls, stream: UUID) -> Self:
        """The aggregate of ``stream`` before its first event (nothing recorded):
        the state its first command starts from."""
        opened = cls.__new__(cls)
        opened.__base_init__(stream, 0, _NOT_YET)
        opened.__init__()  # type: ignore[misc]
        return opened

    @property
    def is_open(self) -> bool:
        """Whether the stream has events (stored or pending)."""
        return self.version > 0

    def _next(self, at: datetime) -> tuple[UUID, int, datetime, str]:
        """The envelope fields of the next event at ``at``: the stream, the next
        sequence number, the (timezone-aware) time, the aggregate's topic."""
        return self.id, self.version + 1, aware(at), get_topic(type(self))


def aware(at: datetime) -> datetime:
    """``at`` if it has a timezone; events carry aware times only."""
    if at.tzinfo is None:
        msg = f"time {at.isoformat()} has no timezone; pass an aware datetime"
        raise InvalidRecordError(msg)
    return at


def event_name(stream: UUID, seq: int) -> str:
    """An event's name everywhere: ``<stream uuid>:<seq>`` (DESIGN §7)."""
    return f"{stream}:{seq}"


def seq_in(stream: UUID, name: str, what: str) -> int:
    """The sequence number of event ``name`` in ``stream``.

    Raises :class:`InvalidRecordError` when ``name`` is not ``<stream>:<seq>``
    of this stream.
    """
    head, _, tail = name.rpartition(":")
    if head != str(stream) or not tail.isdigit() or int(tail) < 1:
        msg = (
            f"{what} {name!r} is not an event of stream {stream}; "
            f"name it as {stream}:<seq>"
        )
        raise InvalidRecordError(msg)
    return int(tail)


def stream_of(name: str, what: str) -> UUID:
    """The stream of event ``name`` (``<stream uuid>:<seq>``)."""
    head, _, tail = name.rpartition(":")
    try:
        stream = UUID(head)
    except ValueError:
        stream = None
    if stream is None or not tail.isdigit():
        msg = f"{what} {name!r} is not an event name; name it as <stream uuid>:<seq>"
        raise InvalidRecordError(msg)
    return stream
