"""Restore puts back what an export carries beside the log (issue 16, item 3):
the witnesses' cosigned checkpoints (``data/cosigned``) and the renewal
checkpoints with the ML-DSA-65 public key (``data/renewals``,
``data/log-mldsa65.pub``), on SQLite and PostgreSQL.

A log with a witness and a renewal is exported; the archive is restored with a
key directory that holds the log key but none of those notes (a new server,
the keys' backup); export → restore → export then gives the same notes, byte
for byte, and the verifier's witness policy holds on the second archive. A
note that does not check, or a key directory holding another renewal of the
same size, is refused before anything is written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.witness.app import make_app
from api.witness.witness import Witness
from ledger.archive.export import export_archive
from ledger.archive.restore import RestoreError, restore_store
from ledger.log import Sealer
from ledger.log.pqkey import PQ_KEY, PQ_PUBLIC, create_pq_key
from ledger.log.renewal import RENEWALS, renew
from ledger.log.witnesses import CONFIG, COSIGNED, WitnessSender
from ledger.storage.existing import probe
from ledger.storage.stores import open_ledger
from tests.support.archive import new_store
from tests.support.notarised import verify_bag, write_notes
from tests.support.notes import TEST_POLICY
from tests.support.stores import PASSPHRASE, Store
from verify.note import verifier_key

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


@pytest.fixture
def bag(store: Store, tmp_path: Path) -> Path:
    """A log whose checkpoints a witness cosigned, renewed once, exported."""
    keys = store.key_directory
    witness = Witness.create(tmp_path / "witness-state", "uo.test/witness")
    witness.add_log(keys.origin, verifier_key(keys.origin, keys.log_public_key))
    (store.keys / CONFIG).write_text(
        json.dumps({"witnesses": [{"url": "http://testserver", "vkey": witness.vkey}]})
    )
    client = TestClient(make_app(witness))

    def post(url: str, body: bytes) -> tuple[int, str]:
        answer = client.post(url, content=body)
        return answer.status_code, answer.text

    create_pq_key(store.keys, PASSPHRASE)
    app = store.open()
    write_notes(app, store, 3)
    Sealer(app, witnesses=WitnessSender(store.keys, post=post)).seal()
    renew(app)
    (tmp_path / "witnesses.json").write_text(
        json.dumps({"quorum": 1, "witnesses": [witness.vkey]})
    )
    return export_archive(app, tmp_path / "bag").path


def _bare_keys(store: Store, tmp_path: Path) -> Path:
    """The key directory as a backup of the keys alone: no cosigned notes,
    no renewals, no ML-DSA-65 key, no witness configuration."""
    copy = tmp_path / "keys-backup"
    shutil.copytree(store.keys, copy)
    for name in (COSIGNED, RENEWALS):
        shutil.rmtree(copy / name, ignore_errors=True)
    for name in (PQ_KEY, PQ_PUBLIC, CONFIG):
        (copy / name).unlink(missing_ok=True)
    return copy


def _notes(bag: Path) -> dict[str, bytes]:
    data = bag / "data"
    found = {
        f"{folder}/{p.name}": p.read_bytes()
        for folder in ("cosigned", "renewals")
        for p in sorted((data / folder).iterdir())
    }
    found[PQ_PUBLIC] = (data / PQ_PUBLIC).read_bytes()
    return found


def test_export_restore_export_keeps_the_cosigned_and_renewal_notes(
    store: Store, bag: Path, tmp_path: Path
) -> None:
    assert _notes(bag)  # the first export carries them
    keys = _bare_keys(store, tmp_path)
    with new_store(store, tmp_path) as (url, roles):
        done = restore_store(bag, url, keys, passphrase=PASSPHRASE, **roles)
        assert done.notes == len(_notes(bag))
        restored = open_ledger(done.app_url, keys=keys, passphrase=PASSPHRASE)
        try:
            again = export_archive(restored, tmp_path / "again").path
        finally:
            restored.close()
    assert _notes(again) == _notes(bag)
    assert (again / "data" / "log.jsonl").read_bytes() == (
        bag / "data" / "log.jsonl"
    ).read_bytes()
    policy = str(tmp_path / "witnesses.json")
    code, report = verify_bag(again, tmp_path, "--witness-policy", policy)
    assert code == 0, report
    assert "witness policy met" in report["notes"]  # type: ignore[operator]


def test_a_note_that_does_not_check_is_refused_with_nothing_written(
    store: Store, bag: Path, tmp_path: Path
) -> None:
    keys = _bare_keys(store, tmp_path)
    [note] = (bag / "data" / "cosigned").iterdir()
    note.write_text(note.read_text().replace("\n\n", "\nforged\n\n", 1))
    before = sorted(p.name for p in keys.iterdir())
    with new_store(store, tmp_path) as (url, roles):
        with pytest.raises(RestoreError, match="not a checkpoint signed by"):
            restore_store(bag, url, keys, passphrase=PASSPHRASE, **roles)
        found = probe(url)
        assert found is None or not found.has_events_table
    assert sorted(p.name for p in keys.iterdir()) == before


def test_another_renewal_of_the_same_size_is_refused_with_nothing_written(
    store: Store, bag: Path, tmp_path: Path
) -> None:
    keys = _bare_keys(store, tmp_path)
    [renewal] = (bag / "data" / "renewals").iterdir()
    mine = keys / RENEWALS / f"{renewal.name}.note"
    mine.parent.mkdir()
    mine.write_text("another renewal\n")
    with new_store(store, tmp_path) as (url, roles):
        with pytest.raises(RestoreError, match="holds another renewal of size"):
            restore_store(bag, url, keys, passphrase=PASSPHRASE, **roles)
        found = probe(url)
        assert found is None or not found.has_events_table
    assert mine.read_text() == "another renewal\n"
    assert not (keys / COSIGNED).exists()
