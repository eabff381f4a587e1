"""Domain event fields ⇄ plain JSON, driven by the event class's annotations.

Envelopes must stay readable for fifty years without this code, so ``data``
holds plain JSON: UUIDs and dates as strings, tuples as lists, enums by value,
decimals as strings. The annotations tell the way back.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from ledger.envelope import format_time, parse_time
from ledger.errors import EnvelopeError

#: Fields eventsourcing keeps in its own columns or derives; never in ``data``.
BASE_FIELDS = frozenset(
    {"originator_id", "originator_version", "timestamp", "originator_topic"}
)


def to_json(value: Any) -> Any:
    """A JSON-native copy of a field value."""
    kind = type(value)  # the common exact types first: this runs per field
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is UUID:
        return str(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        msg = f"float {value!r} is not allowed in events; use int, str or Decimal"
        raise EnvelopeError(msg)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in _fields(type(value))}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [to_json(v) for v in items]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    msg = f"a value of type {type(value).__name__} cannot go into an event"
    raise EnvelopeError(msg)


def from_json(value: Any, hint: Any) -> Any:
    """Rebuild a field value of type ``hint`` from its JSON form."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or value is None:
        return value
    if origin in (typing.Union, types.UnionType):
        return _from_union(value, args)
    if origin in (list, tuple, frozenset, set):
        item = args[0] if args else Any
        items = [from_json(v, item) for v in value]
        return items if origin is list else origin(items)
    if origin is dict:
        key_hint, value_hint = args if args else (Any, Any)
        return {
            from_json(k, key_hint): from_json(v, value_hint) for k, v in value.items()
        }
    if isinstance(hint, type):
        return _from_scalar(value, hint)
    return value


def _from_union(value: Any, args: tuple[Any, ...]) -> Any:
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        return from_json(value, options[0])
    return value


def _from_scalar(value: Any, hint: type) -> Any:
    if hint is UUID:
        return UUID(value)
    if hint is datetime:
        return parse_time(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    if issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint):
        return hint(**_checked_fields(hint, value))
    return value


def event_data(event: object) -> dict[str, Any]:
    """The ``data`` object of an event: its own fields, in JSON form.

    A field declared with a default (one added to an event type after events
    of it were stored) is left out while it holds that default, so an event
    that does not use it has exactly the bytes it had before the field
    existed, and its signature does not depend on this code's version."""
    event_type: type = type(event)
    defaults = _defaults(event_type)
    data: dict[str, Any] = {}
    for name, value in vars(event).items():  # runs for every event signed
        if name in BASE_FIELDS or (name in defaults and value == defaults[name]):
            continue
        kind = type(value)
        if kind is str or kind is int or kind is bool or value is None:
            data[name] = value
        elif kind is UUID:
            data[name] = str(value)
        else:
            data[name] = to_json(value)
    return data


@cache
def _defaults(cls: type) -> dict[str, Any]:
    if not dataclasses.is_dataclass(cls):
        return {}
    return {
        f.name: f.default
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING
    }


def event_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Field values for an event class rebuilt from its ``data`` object."""
    hints = {k: v for k, v in _hints(cls).items() if k not in BASE_FIELDS}
    return _rebuilt(cls, hints, data)


def _checked_fields(cls: type, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        msg = f"{cls.__qualname__} must be a JSON object, not {type(value).__name__}"
        raise EnvelopeError(msg)
    return _rebuilt(cls, {f.name: _hints(cls)[f.name] for f in _fields(cls)}, value)


def _rebuilt(cls: type, hints: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(hints)
    if unknown:
        msg = f"{cls.__qualname__} has no fields {sorted(unknown)}"
        raise EnvelopeError(msg)
    required = {
        f.name
        for f in _fields(cls)
        if f.name in hints
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    }
    missing = required - set(data)
    if missing:
        msg = f"{cls.__qualname__} is missing fields {sorted(missing)}"
        raise EnvelopeError(msg)
    return {name: from_json(v, hints[name]) for name, v in data.items()}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)
