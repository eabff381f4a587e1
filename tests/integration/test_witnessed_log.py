"""The school's sealer and independent witnesses, on SQLite and PostgreSQL
(issue 16, item 6).

The sealer sends each new checkpoint to the witness configured in the key
directory (here a real witness app reached through FastAPI's TestClient),
keeps the cosigned note beside the keys, and an export carries it. An
attacker holding the database and the key directory rewrites the tail and
re-signs it with the school's own key: the sealer signs, but the witness
refuses, the failure is recorded, and the verifier under a 1-of-1 witness
policy finds the head unwitnessed, while without the policy it would pass.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.witness.app import make_app
from api.witness.witness import Witness
from ledger.archive.export import export_archive
from ledger.log import Sealer, SealerMemory
from ledger.log.witnesses import CONFIG, WitnessSender
from tests.support.notarised import verify_bag, write_notes
from tests.support.notes import TEST_POLICY
from tests.support.rewrite import rewrite_history
from tests.support.stores import Store
from verify.__main__ import main as verify_main
from verify.cosignature import verify_cosignature
from verify.note import parse_checkpoint, verifier_key

pytestmark = pytest.mark.signing_policy(TEST_POLICY)


@pytest.fixture
def witness(tmp_path: Path, store: Store) -> Witness:
    keys = store.key_directory
    made = Witness.create(tmp_path / "witness-state", "uo.test/witness")
    made.add_log(keys.origin, verifier_key(keys.origin, keys.log_public_key))
    (store.keys / CONFIG).write_text(
        json.dumps({"witnesses": [{"url": "http://testserver", "vkey": made.vkey}]})
    )
    return made


def _sender(store: Store, witness: Witness) -> WitnessSender:
    client = TestClient(make_app(witness))

    def post(url: str, body: bytes) -> tuple[int, str]:
        answer = client.post(url, content=body)
        return answer.status_code, answer.text

    return WitnessSender(store.keys, post=post)


def _policy(tmp: Path, witness: Witness) -> Path:
    path = tmp / "witnesses.json"
    path.write_text(json.dumps({"quorum": 1, "witnesses": [witness.vkey]}))
    return path


def test_each_new_checkpoint_is_cosigned_kept_and_exported(
    store: Store, witness: Witness, tmp_path: Path
) -> None:
    app = store.open()
    sender = _sender(store, witness)
    write_notes(app, store, 3)
    first = Sealer(app, witnesses=sender).seal()
    write_notes(app, store, 2)
    second = Sealer(app, witnesses=sender).seal()
    cosigned = sender.cosigned()
    assert {first.size, second.size} <= set(cosigned)
    note = parse_checkpoint(cosigned[second.size])
    assert note.body == parse_checkpoint(second.note).body
    verify_cosignature(note, witness.name, witness.public_key)
    assert sender.failures() == []

    bag = export_archive(app, tmp_path / "bag").path
    assert (bag / "data" / "cosigned" / str(second.size)).read_text() == cosigned[
        second.size
    ]
    code, report = verify_bag(
        bag, tmp_path, "--witness-policy", str(_policy(tmp_path, witness))
    )
    assert (code, report["ok"]) == (0, True), report
    assert "witness policy met" in report["notes"]  # type: ignore[operator]

    # the live store, with the cosigned notes kept beside its keys
    out = io.StringIO()
    code = verify_main(
        [
            "--store",
            store.url,
            "--keys",
            str(store.keys),
            "--state",
            str(tmp_path / "store-state.json"),
            "--workers",
            "1",
            "--json",
            "--witness-policy",
            str(_policy(tmp_path, witness)),
        ],
        out=out,
    )
    assert code == 0, out.getvalue()


def test_a_rewritten_tail_re_signed_by_the_school_gets_no_cosignature(
    store: Store, witness: Witness, tmp_path: Path
) -> None:
    app = store.open()
    sender = _sender(store, witness)
    write_notes(app, store, 6)
    honest = Sealer(app, witnesses=sender).seal()
    assert honest.size in sender.cosigned()

    # the attacker holds the database and the key directory: cut the tail,
    # forget what the sealer remembered, write other entries, and re-sign
    rewrite_history(store, honest.size - 3)
    memory = SealerMemory(
        store.keys, app.context.origin, app.context.keys.log_public_key
    )
    memory.path.unlink()
    app.close()
    app = store.open()
    write_notes(app, store, 4)
    forged = Sealer(app, witnesses=sender).seal()
    assert forged.size != honest.size or forged.root != honest.root

    assert forged.size not in sender.cosigned()
    failure = sender.failures()[-1]
    assert failure["witness"] == witness.name
    assert failure["size"] == forged.size
    assert failure["error"].startswith("HTTP 422"), failure
    latest = witness.latest(app.context.origin)
    assert latest is not None
    assert latest.root == honest.root  # the witness kept the honest head

    bag = export_archive(app, tmp_path / "forged").path
    code, report = verify_bag(bag, tmp_path)
    assert code == 0  # the forged log is consistent in itself: the key alone can't tell
    code, report = verify_bag(
        bag, tmp_path, "--witness-policy", str(_policy(tmp_path, witness))
    )
    assert code == 1
    kinds = report["findings_by_kind"]
    assert kinds == {"witness_policy": 1}, report
