"""What every records aggregate shares: explicit times and streams that any of
their events may open.

Several record streams have no natural first event: a pupil's council record
starts with whichever decision comes first, an exam sheet with the first result
imported. Their events derive from :class:`OpensStream`, which opens the stream
when it is the first event and extends it otherwise, so the stored vocabulary is
exactly the one of DESIGN §5, with no bookkeeping events.

Every event carries the time it happened (the envelope's ``at``): services pass
the time of their injected clock; the domain never reads a clock itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from ledger.domain.errors import InvalidRecordError


class OpensStream(Aggregate.Created):
    """An event that opens its stream when it comes first, and extends it after."""

    def mutate(self, aggregate: Any) -> Any:
        if aggregate is None:
            return super().mutate(None)
        return CanMutateAggregate.mutate(self, aggregate)


class RecordStream(Aggregate):
    """An aggregate whose stream may start with any of its :class:`OpensStream`
    events: :meth:`record` opens or extends it."""

    @classmethod
    def record(
        cls,
        current: Self | None,
        stream: UUID,
        event: type[OpensStream],
        at: datetime,
        **fields: Any,
    ) -> Self:
        """Append ``event`` to ``current``, or open the stream with it."""
        if current is None:
            return cls._create(event, id=stream, timestamp=aware(at), **fields)
        current.trigger_event(
            event, originator_topic=get_topic(cls), timestamp=aware(at), **fields
        )
        return current


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
