"""Rules a command checks on its body, and which field a refusal is about.

The services' rules raise by kind (:class:`~ledger.domain.errors.DomainError`
subclasses) and :meth:`api.commands.Command.field_of` maps a kind to a field.
A request often lists many records (pupils, classes, assignments), and a
refusal is about one of them: :func:`about` finds which, by the ids and codes
the rule's message names, and marks the error with that field (the third
assignment's teacher: ``body.assignments.2.teacher``). :class:`FieldError` is
for rules a command checks itself; it carries the field and what is allowed.
The front ends read both with :func:`located`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from pydantic import BaseModel

from ledger.domain.errors import AlreadyRecordedError, DomainError, NotEnrolledError


class FieldError(DomainError):
    """A rule broken by one field of a request body."""

    def __init__(self, message: str, *, field: str, allowed: str | None = None):
        super().__init__(message)
        vars(self).update(field=field, allowed=allowed)


class RepeatedError(FieldError, AlreadyRecordedError):
    """The same record twice in one request (a duplicate enrolment, class…)."""


class NotEnrolledFieldError(FieldError, NotEnrolledError):
    """A pupil named where only pupils of a class (or the school) belong."""


def located(error: DomainError) -> tuple[str | None, str | None]:
    """The field an error was found to be about and what is allowed, if known."""
    marks = vars(error)
    return marks.get("field"), marks.get("allowed")


@contextmanager
def about(
    field: str, items: Sequence[BaseModel] | BaseModel, names: Sequence[str]
) -> Iterator[None]:
    """Mark a refusal raised inside with the item and field of ``items`` whose
    value (an id, a code, a date) its message names: ``field.<i>.<name>``, or
    ``field.<name>`` for one model."""
    try:
        yield
    except DomainError as e:
        if located(e)[0] is None:
            one = isinstance(items, BaseModel)
            listed = [items] if isinstance(items, BaseModel) else list(items)
            where = _named_in(str(e), listed, names)
            if where is not None:
                vars(e)["field"] = f"{field}.{where.split('.', 1)[1] if one else where}"
        raise


def _named_in(
    message: str, items: Sequence[BaseModel], names: Sequence[str]
) -> str | None:
    """The field whose value the message names first (a rule names the wrong
    value before what would be right: «2023-09-01 is outside … 2024-09-02»)."""
    found: list[tuple[int, str]] = []
    for name in names:
        for i, item in enumerate(items):
            value = getattr(item, name)
            many = isinstance(value, list | tuple)
            for j, v in enumerate(value if many else [value]):
                at = message.find(str(v)) if v is not None and str(v) else -1
                if at >= 0:
                    found.append((at, f"{i}.{name}" + (f".{j}" if many else "")))
    return min(found, key=lambda f: f[0])[1] if found else None


def check_distinct(keys: Iterable[Hashable], *, field: str, what: str) -> None:
    """Refuse a request listing the same ``what`` twice, naming the second."""
    seen: dict[Hashable, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            msg = (
                f"{what} #{i + 1} repeats #{seen[key] + 1} of this request; "
                "each is recorded once"
            )
            raise RepeatedError(msg, field=f"{field}.{i}", allowed=f"each {what} once")
        seen[key] = i
