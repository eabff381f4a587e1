"""Retention per file (дело) in the verifier's tally, on SQLite and PostgreSQL:
counted from 1 January of the year after the file was closed, never while it
is open (the verifier reads the policy the log holds and the envelopes only)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from ledger.domain.people import LeaveReason
from ledger.log import Sealer
from tests.support.marked import Marked, marked_school
from tests.support.stores import Store
from verify.__main__ import main as verifier


@pytest.fixture
def marked(store: Store) -> Marked:
    return marked_school(store)


def _rows(store: Store, tmp_path: Path, now: str) -> dict[str, Any]:
    state = tmp_path / f"verifier-{uuid4().hex[:8]}.json"
    text = io.StringIO()
    argv = ["--store", store.url, "--keys", str(store.keys), "--state", str(state)]
    code = verifier([*argv, "--now", now, "--json", "--workers", "1"], out=text)
    report = json.loads(text.getvalue())
    assert code == 0, report["findings"]
    return {row["class"]: row for row in report["retention"]}


def test_files_fall_due_from_1_january_after_they_are_closed(
    marked: Marked, store: Store, tmp_path: Path
) -> None:
    s = marked.s
    s.clock.set(date(2024, 11, 5))
    s.records.people.leave(
        s.pupils[2],
        on=date(2024, 11, 5),
        reason=LeaveReason.TRANSFERRED,
        order="№ 40-у от 05.11.2024",
        signed_by=s.signing("secretary"),
    )
    Sealer(s.app).seal()
    before = _rows(store, tmp_path, "2027-12-31")
    assert before["personal_file"]["expires"] == "2028-01-01"
    assert before["personal_file"]["due_for_disposal"] == 0
    assert before["journal"]["expires"] == "2031-01-01"  # the 2024/2025 journal
    assert before["summary"]["expires"] == "2051-01-01"
    after = _rows(store, tmp_path, "2028-01-01")
    assert after["personal_file"]["due_for_disposal"] == 2  # enrolled, left
    assert after["journal"]["due_for_disposal"] == 0
    late = _rows(store, tmp_path, "2031-01-01")
    assert late["journal"]["due_for_disposal"] == late["journal"]["events"]
