"""Event type names: the ``type`` of an envelope and the stored topic column.

Every event class names its type in ``TOPIC`` ("area.EventName", DESIGN §5).
``register_event_types`` makes those names resolvable in a fresh process, before
any event of the kind has been written.
"""

from __future__ import annotations

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic


def register_event_types(aggregate_cls: type) -> type:
    """Register the ``TOPIC`` of each event class defined on ``aggregate_cls``.

    The eventsourcing metaclass replaces each nested event class by a subclass
    that inherits ``TOPIC``; that subclass is the one events are made of, so it
    is the one registered.
    """
    for value in vars(aggregate_cls).values():
        if isinstance(value, type) and issubclass(value, CanMutateAggregate):
            topic = getattr(value, "TOPIC", None)
            if topic:
                register_topic(topic, value)
    return aggregate_cls
