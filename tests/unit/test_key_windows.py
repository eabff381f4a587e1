"""A save's moments checked against a key at once, as each would be alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import KeyNotValidError
from ledger.keys.registry import KeyRecord

START = datetime(2026, 9, 1, tzinfo=UTC)
hours = st.integers(min_value=0, max_value=48).map(lambda h: START + timedelta(hours=h))


@st.composite
def records(draw: st.DrawFn) -> KeyRecord:
    revoked = draw(st.none() | hours)
    return KeyRecord(
        key="00" * 16,
        public_key=bytes(32),
        holder="Учитель",
        roles=("teacher",),
        valid_from=draw(hours),
        valid_until=draw(st.none() | hours),
        revoked_at=revoked,
        compromised_at=draw(st.none() | hours),
        revocation_recorded=None if revoked is None else draw(hours),
    )


def _first_refusal(record: KeyRecord, moments: list[datetime]) -> str | None:
    for moment in moments:
        try:
            record.check_may_append(moment)
        except KeyNotValidError as e:
            return str(e)
    return None


@given(record=records(), moments=st.lists(hours, max_size=8))
def test_all_moments_at_once_refuse_as_the_first_moment_alone_would(
    record: KeyRecord, moments: list[datetime]
) -> None:
    expected = _first_refusal(record, moments)
    if expected is None:
        record.check_may_append_all(moments)
        return
    with pytest.raises(KeyNotValidError) as refused:
        record.check_may_append_all(moments)
    assert str(refused.value) == expected
