"""The log's ML-DSA-65 key and renewal checkpoints, on SQLite and PostgreSQL
(issue 16, item 7).

With the second key every checkpoint carries two signature lines; `renew`
signs a checkpoint of the whole log under it. The verifier, given algorithm
states as data, accepts entries signed with an algorithm weakened after a
date only if a renewal made before that date covers them; a renewal of a log
that was rewritten is refused with nothing written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ledger.application import LedgerApplication
from ledger.archive.export import export_archive
from ledger.log import Sealer, SealerMemory
from ledger.log.pqkey import RenewalError, create_pq_key
from ledger.log.renewal import renew, renewals
from tests.support.notarised import verify_bag, write_notes
from tests.support.notes import TEST_POLICY
from tests.support.rewrite import rewrite_history
from tests.support.stores import PASSPHRASE, Store
from verify.errors import NoteError
from verify.note import parse_checkpoint
from verify.renewal import AlgorithmPolicy, pq_key_name, read_renewal, verify_pq

pytestmark = pytest.mark.signing_policy(TEST_POLICY)
WEAKENED = {
    "algorithms": {
        "ed25519": {"state": "weakened", "weakened_after": "2045-01-01"},
        "ml-dsa-65": {"state": "trusted"},
        "sha-256": {"state": "trusted"},
    }
}


def _renewal_findings(report: dict[str, object]) -> list[str]:
    listed = report["findings"]
    assert isinstance(listed, list)
    return [str(f["detail"]) for f in listed if f["kind"] == "renewal"]


@pytest.fixture
def app(store: Store) -> LedgerApplication:
    create_pq_key(store.keys, PASSPHRASE)
    return store.open()


def test_checkpoints_carry_an_ml_dsa_65_signature_line(
    store: Store, app: LedgerApplication
) -> None:
    write_notes(app, store, 2)
    checkpoint = parse_checkpoint(Sealer(app).seal().note)
    public = bytes.fromhex((store.keys / "log-mldsa65.pub").read_text())
    assert len(checkpoint.signatures) == 2
    verify_pq(checkpoint, pq_key_name(app.context.origin), public)
    checkpoint.verify(app.context.origin, app.context.keys.log_public_key)


def test_entries_under_a_weakened_algorithm_need_a_renewal_made_before(
    store: Store, app: LedgerApplication, tmp_path: Path
) -> None:
    policy = tmp_path / "algorithms.json"
    policy.write_text(json.dumps(WEAKENED))
    write_notes(app, store, 3)
    first = renew(app)
    renewed = read_renewal(
        first,
        app.context.origin,
        bytes.fromhex((store.keys / "log-mldsa65.pub").read_text()),
    )
    write_notes(app, store, 2)
    Sealer(app).seal()
    bag = export_archive(app, tmp_path / "bag").path

    code, report = verify_bag(bag, tmp_path, "--algorithms", str(policy))
    assert code == 0, report  # today ed25519 is still trusted
    code, report = verify_bag(
        bag, tmp_path, "--algorithms", str(policy), "--now", "2050-01-01"
    )
    found = _renewal_findings(report)
    assert code == 1
    assert len(found) == 1
    assert f"(leaves {renewed.size}.." in found[0]
    assert "signed with ed25519" in found[0]

    renew(app)
    again = export_archive(app, tmp_path / "renewed").path
    code, report = verify_bag(
        again, tmp_path, "--algorithms", str(policy), "--now", "2050-01-01"
    )
    assert _renewal_findings(report) == []
    assert "2 renewal(s) checked" in report["notes"]  # type: ignore[operator]


def test_a_renewal_made_after_the_algorithm_weakened_does_not_count(
    store: Store, app: LedgerApplication, tmp_path: Path
) -> None:
    policy = tmp_path / "algorithms.json"
    policy.write_text(json.dumps(WEAKENED))
    write_notes(app, store, 2)
    renew(app, now=datetime(2046, 1, 1, tzinfo=UTC))
    bag = export_archive(app, tmp_path / "bag").path
    code, report = verify_bag(
        bag, tmp_path, "--algorithms", str(policy), "--now", "2050-01-01"
    )
    assert code == 1
    assert len(_renewal_findings(report)) == 1


def test_a_renewal_of_a_rewritten_log_is_refused_and_nothing_written(
    store: Store, app: LedgerApplication
) -> None:
    write_notes(app, store, 6)
    renew(app)
    before = renewals(store.keys)
    size = max(before)
    rewrite_history(store, size - 3)
    SealerMemory(
        store.keys, app.context.origin, app.context.keys.log_public_key
    ).path.unlink()
    app.close()
    app = store.open()
    write_notes(app, store, 4)
    with pytest.raises(RenewalError, match="not consistent with the renewal of size"):
        renew(app)
    assert renewals(store.keys) == before


def test_renewing_without_the_key_or_twice_at_one_size_is_refused(
    store: Store, app: LedgerApplication
) -> None:
    write_notes(app, store, 1)
    renew(app)
    with pytest.raises(RenewalError, match=r"renewed at size \d+ already"):
        renew(app)
    with pytest.raises(RenewalError, match="has an ML-DSA-65 key already"):
        create_pq_key(store.keys, PASSPHRASE)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"algorithms": {"ed25519": {"state": "shaky"}}}, "state 'shaky'; allowed"),
        (
            {"algorithms": {"ed25519": {"state": "weakened"}}},
            "weakened_after is required",
        ),
        (
            {"algorithms": {"ed25519": {"state": "weakened", "weakened_after": "x"}}},
            "is not YYYY-MM-DD",
        ),
        ({"algos": {}}, "must be JSON"),
    ],
)
def test_a_bad_algorithm_policy_names_what_is_wrong(
    policy: dict[str, object], message: str
) -> None:
    with pytest.raises(NoteError, match=message):
        AlgorithmPolicy.from_json(json.dumps(policy))
