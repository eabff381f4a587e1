"""`letopis seal`, `checkpoint` and `proof` end to end, in a real subprocess."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

import pytest

from ledger.keys.registry import key_stream_id
from tests.support import rawsql
from tests.support.cli import letopis
from verify import merkle
from verify.note import parse_checkpoint


@pytest.fixture
def sealed(tmp_path: Path) -> list[str]:
    where = ["--store", f"sqlite:///{tmp_path / 'l.db'}", "--keys", str(tmp_path / "k")]
    assert letopis("init", *where, "--origin", "letopis.test/cli").returncode == 0
    for name in ("a", "b", "c"):
        holder = ["--holder", str(uuid5(NAMESPACE_URL, name)), "--first-staff"]
        added = letopis("keys", "add", name, *where, *holder, "--role", "teacher")
        assert added.returncode == 0, added.stderr
    return where


def _json(*args: str) -> dict[str, object]:
    done = letopis(*args)
    assert done.returncode == 0, done.stderr
    parsed: dict[str, object] = json.loads(done.stdout)
    return parsed


def test_checkpoint_prints_the_signed_note(sealed: list[str]) -> None:
    done = letopis("checkpoint", *sealed[:2])
    assert done.returncode == 0, done.stderr
    checkpoint = parse_checkpoint(done.stdout)
    assert checkpoint.origin == "letopis.test/cli"
    # the seal's own key, the first two policies and three teachers
    assert checkpoint.size == 6


def test_checkpoint_written_to_a_file_parses_unwrapped(
    sealed: list[str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["LETOPIS_KEY_PASSPHRASE"] = "cli-test-passphrase"
    target = tmp_path / "cp.txt"
    with target.open("w") as f:
        done = subprocess.run(
            [sys.executable, "-m", "api", "checkpoint", *sealed[:2]],
            stdout=f,
            env=env,
            check=False,
        )
    assert done.returncode == 0
    assert parse_checkpoint(target.read_text()).size == 6


def test_inclusion_proofs_verify_by_index_and_by_event(sealed: list[str]) -> None:
    for index in range(6):
        proof = _json("proof", "inclusion", *sealed[:2], "--index", str(index))
        assert proof["leafIdx"] == index
        merkle.verify_inclusion(
            index,
            int(str(proof["treeSize"])),
            base64.b64decode(str(proof["leafHash"])),
            [base64.b64decode(h) for h in proof["proof"]],  # type: ignore[attr-defined]
            base64.b64decode(str(proof["root"])),
        )
    listed = letopis("keys", "list", *sealed, "--json")
    last_key = json.loads(listed.stdout)[-1]["key"]
    event = f"{key_stream_id(last_key)}:1"
    by_event = _json("proof", "inclusion", *sealed[:2], "--event", event)
    assert by_event == _json("proof", "inclusion", *sealed[:2], "--index", "5")


def test_consistency_proof_verifies(sealed: list[str]) -> None:
    proof = _json("proof", "consistency", *sealed[:2], "--from", "2", "--to", "4")
    assert set(proof) == {"size1", "size2", "root1", "root2", "proof"}
    merkle.verify_consistency(
        2,
        4,
        [base64.b64decode(h) for h in proof["proof"]],  # type: ignore[attr-defined]
        base64.b64decode(str(proof["root1"])),
        base64.b64decode(str(proof["root2"])),
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inclusion", "--index", "9"], "is not in the sealed log"),
        (["inclusion", "--index", "0", "--tree-size", "99"], "beyond the latest"),
        (["inclusion"], "exactly one of --event STREAM:SEQ or --index N"),
        (["inclusion", "--event", "nope"], "is not STREAM:SEQ"),
        (["consistency", "--from", "7"], "must be between 1 and --to"),
    ],
)
def test_bad_proof_requests_exit_2_with_a_clear_message(
    sealed: list[str], args: list[str], message: str
) -> None:
    done = letopis("proof", args[0], *sealed[:2], *args[1:])
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_seal_refuses_a_rewritten_history_with_exit_1(
    sealed: list[str], tmp_path: Path
) -> None:
    """The database owner removes the checkpoint rows and the last leaves (no
    key needed); `letopis seal` refuses with a sentence and exit 1, signing
    nothing, because the key directory remembers what was signed."""
    url = sealed[1]
    for statement in (
        "DELETE FROM log_checkpoints",
        "DELETE FROM log_leaves WHERE leaf_index >= 2",
        "DELETE FROM log_nodes",
    ):
        rawsql.execute_as_superuser(url, url, statement)
    done = letopis("seal", *sealed)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "refusing to sign" in done.stderr
    assert "checkpoints were removed" in " ".join(done.stderr.split())
    connection = sqlite3.connect(tmp_path / "l.db")
    try:
        count = connection.execute("SELECT count(*) FROM log_checkpoints")
        assert count.fetchone() == (0,)
    finally:
        connection.close()
