"""A school year closed into the archive on SQLite and PostgreSQL (issue 16).

The small school's 2024/2025 (its journal marked in October, the year closed
for the whole school on 2 June 2025) is closed into the archive on
15 September 2025: a signed ``archive.YearArchived`` (the log key and the
director) and a BagIt bag of the year's entries, their proofs against the
whole log's checkpoint, the bound summary statements and the act. The shipped
verifier (``python -m verify --year-archive``, run from the bag's own copy)
accepts the bag and finds any change in it; the store verifies before and
after. Every refusal leaves the store and the target as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest

from ledger.application import Signing
from ledger.archive.year import YearArchived, close_year
from ledger.domain.errors import YearArchiveError
from ledger.domain.people import LeaveReason
from ledger.errors import LedgerError, PolicyError
from ledger.log import LogStore, Sealer
from projections.reports.archived import year_statements
from projections.reports.claim import read_claim
from projections.reports.pdfa import pdfa_problems
from tests.support.archive import stored, verdict
from tests.support.marked import marked_school
from tests.support.school import YEAR, SmallSchool
from tests.support.stores import Store
from verify.yearbag import check_year_archive

SEPTEMBER = datetime(2025, 9, 15, 12, tzinfo=UTC)


@pytest.fixture
def school(store: Store) -> SmallSchool:
    """The marked small school, its year not closed yet."""
    return marked_school(store).s


def _close_the_year(s: SmallSchool) -> None:
    """The deputy closes 2024/2025 for the whole school on 2 June 2025."""
    s.clock.set(date(2025, 6, 2))
    s.records.closing.close_period(year=YEAR, period="Y", signed_by=s.signing("deputy"))
    Sealer(s.app).seal()


def _archive(
    s: SmallSchool,
    out: Path,
    *,
    year: str = YEAR,
    now: datetime = SEPTEMBER,
    signer: str = "director",
) -> YearArchived:
    seal = s.store.key_directory.log_key()
    return close_year(
        s.app,
        year,
        out,
        Signing(seal, (s.keys[signer],)),
        statements=year_statements(s.app, year),
        now=now,
    )


def _entries_of_the_year(store: Store) -> int:
    log = LogStore(store.open().recorder)
    states = log.states_of(
        [x.notification_id for x in log.headed_leaves(0, log.size())]
    )
    return sum(
        1
        for state in states.values()
        if "2024-09-01" <= json.loads(state)["at"][:10] <= "2025-08-31"
    )


def test_a_closed_year_goes_into_a_bag_the_shipped_verifier_accepts(
    school: SmallSchool, store: Store, tmp_path: Path
) -> None:
    _close_the_year(school)
    assert verdict(tmp_path, store=store).code == 0
    expected = _entries_of_the_year(store)

    done = _archive(school, tmp_path / "year")

    assert (done.year, done.entries, done.statements) == (YEAR, expected, 3)
    report = check_year_archive(done.path)
    assert report.ok, report.findings
    assert (report.year, report.entries) == (YEAR, expected)
    # the shipped copy, alone: its own folder, no Letopis on the path
    shipped = subprocess.run(
        [sys.executable, "-B", "-m", "verify", "--year-archive", "../..", "--json"],
        cwd=done.path / "data" / "verifier",
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert json.loads(shipped.stdout)["entries"] == expected
    # the act is an entry of the log, sealed by the log key and the director
    [act] = school.app.recorder.select_events(_stream(done.act), limit=1)
    assert (done.path / "data" / "act.json").read_bytes() == act.state + b"\n"
    envelope = json.loads(act.state)
    assert envelope["type"] == "archive.YearArchived"
    assert envelope["data"]["checkpoint_size"] == done.checkpoint.size
    assert [s["key"] for s in envelope["sigs"]] == [
        school.store.key_directory.log_key().key_id,
        school.keys["director"].key_id,
    ]
    assert "АКТ" in (done.path / "data" / "act.txt").read_text(encoding="utf-8")
    for pdf in (done.path / "data" / "statements").iterdir():
        assert pdfa_problems(pdf.read_bytes()) == []
        claim = read_claim(pdf.read_bytes(), pdf.name)
        assert (claim.report, claim.evidence.tree_size) == (
            "summary",
            done.checkpoint.size,  # as of the checkpoint that covers the year
        )
    assert verdict(tmp_path, store=store).code == 0


def _stream(event: str) -> UUID:
    return UUID(event.rsplit(":", 1)[0])


def test_any_change_in_the_bag_is_found(
    school: SmallSchool, store: Store, tmp_path: Path
) -> None:
    _close_the_year(school)
    done = _archive(school, tmp_path / "year")
    entry = tmp_path / "entry"
    shutil.copytree(done.path, entry)
    lines = (entry / "data" / "entries.jsonl").read_bytes()
    (entry / "data" / "entries.jsonl").write_bytes(lines.replace(b'"5"', b'"4"', 1))
    found = {kind for kind, _ in check_year_archive(entry).findings}
    assert {"archive", "proof", "act", "signature"} <= found
    statement = tmp_path / "statement"
    shutil.copytree(done.path, statement)
    pdf = next((statement / "data" / "statements").iterdir())
    pdf.write_bytes(pdf.read_bytes() + b"%")
    report = check_year_archive(statement)
    assert {kind for kind, _ in report.findings} == {"archive", "act"}
    assert any("is not the file the act lists" in d for _, d in report.findings)


@pytest.mark.parametrize(
    ("variant", "error", "says"),
    [
        ("not closed", YearArchiveError, "is not closed"),
        ("not over", YearArchiveError, "closes at the end of the school year"),
        ("unsealed", YearArchiveError, "no signed checkpoint covers"),
        ("archived", YearArchiveError, "into the archive already"),
        ("label", YearArchiveError, "is not a school year"),
        ("unopened", YearArchiveError, "is not opened"),
        ("not the director", PolicyError, "co-signature by the director"),
        ("target", LedgerError, "is not empty"),
    ],
)
def test_a_bad_closing_is_refused_with_nothing_written(
    school: SmallSchool,
    store: Store,
    tmp_path: Path,
    variant: str,
    error: type[Exception],
    says: str,
) -> None:
    out = tmp_path / "year"
    kwargs: dict[str, object] = {}
    if variant != "not closed":
        _close_the_year(school)
    if variant == "not over":
        kwargs["now"] = datetime(2025, 8, 20, 12, tzinfo=UTC)
    if variant == "unsealed":
        school.clock.set(date(2025, 8, 30))
        school.records.people.leave(
            school.pupils[2],
            on=date(2025, 8, 30),
            reason=LeaveReason.TRANSFERRED,
            order="№ 51-у от 30.08.2025",
            signed_by=school.signing("secretary"),
        )
    if variant == "archived":
        _archive(school, tmp_path / "first")
    if variant == "label":
        kwargs["year"] = "2024-2025"
    if variant == "unopened":
        kwargs["year"] = "2030/2031"
    if variant == "not the director":
        kwargs["signer"] = "deputy"
    if variant == "target":
        out.mkdir()
        (out / "note.txt").write_text("не трогать")
    before = stored(store)
    target_before = sorted(p.name for p in out.iterdir()) if out.exists() else None
    with pytest.raises(error, match=says):
        _archive(school, out, **kwargs)  # type: ignore[arg-type]
    assert stored(store) == before
    assert (sorted(p.name for p in out.iterdir()) if out.exists() else None) == (
        target_before
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".year")] == []
