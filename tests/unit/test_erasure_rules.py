"""The erasure rule alone (``ledger.domain.archive``): grounds, reason, and the
personal file's retention counted from 1 January of the year after leaving."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.domain.archive import check_erasure, file_retention_ends
from ledger.domain.errors import ErasureError


def test_a_file_closed_in_a_year_is_kept_from_1_january_after() -> None:
    assert file_retention_ends(date(2025, 5, 31), 3) == date(2029, 1, 1)
    assert file_retention_ends(date(2025, 1, 1), 3) == date(2029, 1, 1)
    assert file_retention_ends(date(2025, 12, 31), 25) == date(2051, 1, 1)


def test_retention_runs_out_on_its_first_day_and_not_before() -> None:
    left = date(2025, 6, 30)
    check_erasure(
        ground="retention",
        reason="акт № 3",
        left_on=left,
        keep_years=3,
        today=date(2029, 1, 1),
    )
    with pytest.raises(ErasureError, match="until 2029-01-01"):
        check_erasure(
            ground="retention",
            reason="акт № 3",
            left_on=left,
            keep_years=3,
            today=date(2028, 12, 31),
        )


def test_a_lawful_request_needs_no_retention_but_a_reason() -> None:
    check_erasure(
        ground="request",
        reason="заявление № 4",
        left_on=None,
        keep_years=3,
        today=date(2025, 1, 10),
    )
    with pytest.raises(ErasureError, match="reason is empty"):
        check_erasure(
            ground="request",
            reason="",
            left_on=None,
            keep_years=3,
            today=date(2025, 1, 10),
        )
