"""ledger.codec: domain event fields to plain JSON and back, by annotations.

The dataclasses below stand in for event classes: frozen, annotated, nested.
Each round trip also goes through canonical JSON bytes, as ``data`` does in a
stored envelope.
"""

from __future__ import annotations

import enum
import json
import typing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.codec import event_data, event_fields, from_json, to_json
from ledger.envelope import canonical
from ledger.errors import EnvelopeError

MOSCOW = timezone(timedelta(hours=3))
STUDENT = UUID("0f8b7a1c-2d3e-4f50-8a9b-1c2d3e4f5a6b")
LESSON = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")


class WorkType(enum.Enum):
    """Kind of work a mark is for, by value as stored."""

    TEST = "контрольная"
    HOMEWORK = "домашняя"


class Period(enum.IntEnum):
    QUARTER_1 = 1
    QUARTER_2 = 2


@dataclass(frozen=True)
class Mark:
    value: int
    work: WorkType


@dataclass(frozen=True)
class Grading:
    mark: Mark
    weight: Decimal


@dataclass(frozen=True)
class MarkRecorded:
    """A stand-in for a journal event, with every kind of field the codec knows."""

    student: UUID
    lesson_date: date
    recorded_at: datetime
    weight: Decimal
    topics: tuple[str, ...]
    witnesses: list[UUID]
    counts: dict[str, int]
    comment: str | None
    corrects: UUID | None
    period: Period
    grading: Grading
    history: tuple[Mark, ...]
    excused: bool = False
    labels: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class WithBaseFields:
    originator_id: UUID
    originator_version: int
    note: str


@dataclass(frozen=True)
class HasFloat:
    share: float


def sample_event(**changes: Any) -> MarkRecorded:
    values: dict[str, Any] = {
        "student": STUDENT,
        "lesson_date": date(2024, 9, 2),
        "recorded_at": datetime(2024, 9, 2, 11, 30, 15, 250001, tzinfo=MOSCOW),
        "weight": Decimal("1.50"),
        "topics": ("Дроби", "Сложение дробей"),
        "witnesses": [LESSON, STUDENT],
        "counts": {"present": 27, "absent": 2},
        "comment": "переписал «контрольную»",
        "corrects": LESSON,
        "period": Period.QUARTER_2,
        "grading": Grading(Mark(5, WorkType.TEST), Decimal("2")),
        "history": (Mark(3, WorkType.HOMEWORK), Mark(4, WorkType.TEST)),
        "excused": True,
        "labels": frozenset({"б", "а"}),
    }
    return MarkRecorded(**{**values, **changes})


def round_trip(event: MarkRecorded) -> MarkRecorded:
    """Event → data → canonical JSON bytes → data → event."""
    stored = json.loads(canonical(event_data(event)))
    return MarkRecorded(**event_fields(MarkRecorded, stored))


def test_event_data_is_plain_json() -> None:
    data = event_data(sample_event())

    assert data == {
        "student": "0f8b7a1c-2d3e-4f50-8a9b-1c2d3e4f5a6b",
        "lesson_date": "2024-09-02",
        "recorded_at": "2024-09-02T08:30:15.250001Z",
        "weight": "1.50",
        "topics": ["Дроби", "Сложение дробей"],
        "witnesses": [str(LESSON), str(STUDENT)],
        "counts": {"present": 27, "absent": 2},
        "comment": "переписал «контрольную»",
        "corrects": str(LESSON),
        "period": 2,
        "grading": {"mark": {"value": 5, "work": "контрольная"}, "weight": "2"},
        "history": [
            {"value": 3, "work": "домашняя"},
            {"value": 4, "work": "контрольная"},
        ],
        "excused": True,
        "labels": ["а", "б"],
    }
    assert json.loads(json.dumps(data)) == data


def test_event_round_trips_through_canonical_json() -> None:
    event = sample_event()

    back = round_trip(event)

    assert back == event
    assert isinstance(back.topics, tuple)
    assert isinstance(back.witnesses, list)
    assert all(isinstance(w, UUID) for w in back.witnesses)
    assert isinstance(back.labels, frozenset)
    assert back.period is Period.QUARTER_2
    assert back.grading.mark.work is WorkType.TEST
    assert str(back.weight) == "1.50"


def test_optional_fields_round_trip_as_null() -> None:
    event = sample_event(comment=None, corrects=None)

    assert event_data(event)["comment"] is None
    assert event_data(event)["corrects"] is None
    assert round_trip(event) == event


def test_aware_datetime_comes_back_as_the_same_instant_in_utc() -> None:
    back = round_trip(sample_event()).recorded_at

    assert back == datetime(2024, 9, 2, 8, 30, 15, 250001, tzinfo=UTC)
    assert back.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("hint", "value", "stored"),
    [
        (UUID, STUDENT, str(STUDENT)),
        (date, date(2024, 5, 31), "2024-05-31"),
        (Decimal, Decimal("4.75"), "4.75"),
        (Decimal, Decimal("-0.001"), "-0.001"),
        (tuple[str, ...], ("a", "б"), ["a", "б"]),
        (tuple[str, ...], (), []),
        (list[UUID], [LESSON], [str(LESSON)]),
        (dict[str, int], {"5А": 25, "5Б": 0}, {"5А": 25, "5Б": 0}),
        (UUID | None, STUDENT, str(STUDENT)),
        (UUID | None, None, None),
        (typing.Optional[UUID], STUDENT, str(STUDENT)),  # noqa: UP045
        (WorkType, WorkType.HOMEWORK, "домашняя"),
        (Period, Period.QUARTER_1, 1),
        (Mark, Mark(2, WorkType.TEST), {"value": 2, "work": "контрольная"}),
        (
            tuple[Mark, ...],
            (Mark(5, WorkType.TEST),),
            [{"value": 5, "work": "контрольная"}],
        ),
        (bool, False, False),
        (int, -3, -3),
        (str, "", ""),
    ],
)
def test_value_round_trips(hint: Any, value: Any, stored: Any) -> None:
    assert to_json(value) == stored

    back = from_json(to_json(value), hint)

    assert back == value
    assert type(back) is type(value)


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.integers(min_value=-(23 * 60), max_value=23 * 60).map(
            lambda minutes: timezone(timedelta(minutes=minutes))
        ),
    )
)
def test_any_aware_datetime_round_trips(moment: datetime) -> None:
    back = from_json(to_json(moment), datetime)

    assert back == moment
    assert back.microsecond == moment.microsecond


@given(amount=st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_round_trip_with_their_exponent(amount: Decimal) -> None:
    back = from_json(to_json(amount), Decimal)

    assert back == amount
    assert back.as_tuple() == amount.as_tuple()


@pytest.mark.parametrize(
    "value",
    [1.5, 0.0, [1, 2.5], {"share": 0.5}, (1.0,), HasFloat(0.25)],
    ids=["float", "zero", "in-list", "in-dict", "in-tuple", "in-dataclass"],
)
def test_floats_are_rejected_wherever_they_are(value: Any) -> None:
    with pytest.raises(EnvelopeError, match=r"float .* is not allowed in events") as e:
        to_json(value)

    assert "use int, str or Decimal" in str(e.value)


def test_an_event_with_a_float_field_has_no_data() -> None:
    with pytest.raises(EnvelopeError, match="use int, str or Decimal"):
        event_data(HasFloat(0.25))


def test_a_naive_datetime_is_rejected() -> None:
    with pytest.raises(EnvelopeError, match="only aware times are allowed"):
        to_json(datetime(2024, 9, 2, 8, 30))


def test_a_value_of_an_unknown_type_is_rejected() -> None:
    with pytest.raises(EnvelopeError, match="type bytes cannot go into an event"):
        to_json(b"\x00")


def test_an_unknown_field_in_data_is_rejected() -> None:
    data = {**event_data(sample_event()), "grade": 5}

    with pytest.raises(EnvelopeError) as e:
        event_fields(MarkRecorded, data)

    assert "MarkRecorded" in str(e.value)
    assert "'grade'" in str(e.value)


def test_event_data_leaves_out_the_fields_eventsourcing_keeps() -> None:
    event = WithBaseFields(originator_id=STUDENT, originator_version=3, note="x")

    assert event_data(event) == {"note": "x"}


@dataclass(frozen=True)
class Tally:
    per_student: dict[UUID, int]


def test_dict_with_uuid_keys_round_trips() -> None:
    tally = Tally({STUDENT: 5})

    assert Tally(**event_fields(Tally, event_data(tally))) == tally


@pytest.mark.parametrize(
    "grading",
    [
        {"mark": {"value": 5}, "weight": "1"},
        {"mark": {"value": 5, "work": "домашняя", "x": 1}, "weight": "1"},
    ],
    ids=["missing", "unknown"],
)
def test_nested_dataclass_fields_are_checked_like_top_level_ones(
    grading: dict[str, Any],
) -> None:
    with pytest.raises(EnvelopeError, match="Mark"):
        from_json(grading, Grading)


@dataclass(frozen=True)
class GrownLater:
    """An event type that gained a field with a default after events of it
    were stored."""

    mark: str
    order: str | None = None
    working_days: tuple[date, ...] = ()


def test_a_field_at_its_default_is_left_out_so_old_bytes_stay_the_same() -> None:
    assert event_data(GrownLater("4")) == {"mark": "4"}
    assert event_fields(GrownLater, {"mark": "4"}) == {"mark": "4"}
    used = GrownLater("4", "45-о", (date(2024, 11, 2),))
    assert event_data(used) == {
        "mark": "4",
        "order": "45-о",
        "working_days": ["2024-11-02"],
    }
    fields = event_fields(GrownLater, event_data(used))
    assert GrownLater(**fields) == used
