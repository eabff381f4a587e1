"""`letopis archive close-year` and `letopis archive dispose` in a subprocess,
as the secretary and the commission run them, on SQLite and PostgreSQL (there
with the administrator's URL and the store's owner role, as for `init`).

The small school's 2024/2025 is closed for the whole school, then closed into
the archive (the bag checked by `letopis verify --year-archive`); then the
commission disposes of its journal by act. The act is dated today, so the
school's retention policy keeps the journal 0 years here (policy is data:
`letopis policy set --retention`); `letopis verify` then finds the log and the
report views intact, and the same act again is refused with nothing written.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ledger.keys.directory import KeyDirectory
from ledger.log import LogStore, Sealer
from ledger.policy import packaged_policy_text
from tests.support.archive import commission, owner_role
from tests.support.cli import letopis
from tests.support.marked import marked_school
from tests.support.school import YEAR
from tests.support.stores import PASSPHRASE, Store


@pytest.fixture
def env(store: Store, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """The marked small school with its year closed; the chair's, a member's
    and the director's keys in the key directory; the journal kept 0 years."""
    s = marked_school(store).s
    keys = commission(s)
    s.clock.set(date(2025, 6, 2))
    s.records.closing.close_period(year=YEAR, period="Y", signed_by=s.signing("deputy"))
    Sealer(s.app).seal()
    s.app.close()
    directory = KeyDirectory.open(store.keys, PASSPHRASE)
    for label, key in (
        ("chair", keys["deputy"]),
        ("member", keys["secretary"]),
        ("director", s.keys["director"]),
    ):
        directory.add_signer(label, key)
    retention = tmp_path / "retention.toml"
    text = packaged_policy_text("retention")
    journal = text.index('name = "journal"')
    retention.write_text(
        text[:journal] + text[journal:].replace("keep_years = 5", "keep_years = 0", 1)
    )
    found = {
        "LETOPIS_STORE": store.admin_url,
        "LETOPIS_KEYS": str(store.keys),
        "OWNER_ROLE": owner_role(store, request),
    }
    done = letopis(
        "policy",
        "set",
        str(retention),
        "--retention",
        "--key-label",
        "director",
        passphrase=PASSPHRASE,
        env=found,
    )
    assert done.returncode == 0, done.stderr
    return found


def _size(env: dict[str, str]) -> int:
    from ledger.storage.stores import open_ledger

    app = open_ledger(env["LETOPIS_STORE"], keys=env["LETOPIS_KEYS"], passphrase=None)
    try:
        return LogStore(app.recorder).size()
    finally:
        app.close()


def test_close_the_year_then_dispose_of_its_journal(
    env: dict[str, str], tmp_path: Path
) -> None:
    year = letopis(
        "archive",
        "close-year",
        YEAR,
        "--out",
        str(tmp_path / "year"),
        "--as",
        "director",
        passphrase=PASSPHRASE,
        env=env,
    )
    assert year.returncode == 0, year.stderr
    assert "archive.YearArchived" in year.stdout
    checked = letopis("verify", "--year-archive", str(tmp_path / "year"), env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "INTACT" in checked.stdout

    act = tmp_path / "act.json"
    act.write_text(
        json.dumps(
            {
                "number": "1-Э",
                "date": datetime.now(UTC).date().isoformat(),
                "class": "journal",
                "files": [YEAR],
                "entries": "all",
                "reason": "истёк срок хранения; протокол ЭК № 1",
            },
            ensure_ascii=False,
        )
    )
    args = ("archive", "dispose", "--act", str(act), "--as", "chair")
    signers = (
        *("--cosigner", "member", "--cosigner", "director"),
        *("--owner-role", env["OWNER_ROLE"]),
    )
    done = letopis(*args, *signers, passphrase=PASSPHRASE, env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"11 entries of class journal in 1 file", done.stdout)
    verified = letopis("verify", "--json", passphrase=PASSPHRASE, env=env)
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    journal = next(r for r in report["retention"] if r["class"] == "journal")
    assert journal["disposed"] == 11
    assert report["views"]["status"] == "checked"  # rebuilt without the records

    size = _size(env)
    again = letopis(*args, *signers, passphrase=PASSPHRASE, env=env)
    assert again.returncode == 2
    assert "applied already" in again.stderr
    assert _size(env) == size


@pytest.mark.parametrize(
    ("act", "says"),
    [
        ({"number": "1", "colour": "red"}, "unknown fields"),
        ({"number": "1", "date": "2026-01-01", "class": "*"}, "whole log"),
        ({"number": "1", "date": "вчера", "class": "journal"}, "is not a date"),
    ],
)
def test_a_malformed_act_is_refused_with_nothing_written(
    env: dict[str, str], tmp_path: Path, act: dict[str, str], says: str
) -> None:
    path = tmp_path / "act.json"
    path.write_text(json.dumps(act, ensure_ascii=False))
    size = _size(env)
    done = letopis(
        "archive",
        "dispose",
        "--act",
        str(path),
        "--as",
        "chair",
        passphrase=PASSPHRASE,
        env=env,
    )
    assert done.returncode == 2
    assert says in done.stderr
    assert _size(env) == size
