"""The witness server speaks C2SP tlog-witness (issue 16, item 6), in process.

A small log is built here with the verifier's Merkle functions and signed with
an Ed25519 log key; the witness answers ``POST /add-checkpoint`` through
FastAPI's TestClient. Each refusal the protocol names is checked with its
status, and that the witness's state (the latest cosigned note) is unchanged.
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.witness.app import make_app
from api.witness.witness import Witness
from verify import merkle
from verify.cosignature import WitnessPolicy, cosigner_vkey, verify_cosignature
from verify.errors import NoteError
from verify.note import checkpoint_body, parse_checkpoint, signed_note, verifier_key

ORIGIN = "letopis.test/witnessed-school"
NOW = 1_780_000_000


class Log:
    """A log in memory: leaves, checkpoints signed by one Ed25519 key."""

    def __init__(self, origin: str = ORIGIN) -> None:
        self.origin = origin
        self.key = Ed25519PrivateKey.generate()
        self.public = self.key.public_key().public_bytes_raw()
        self.leaves: list[bytes] = []

    @property
    def vkey(self) -> str:
        return verifier_key(self.origin, self.public)

    def append(self, *texts: str) -> None:
        self.leaves.extend(merkle.leaf_hash(t.encode()) for t in texts)

    def root(self, size: int) -> bytes:
        return merkle.root_from_leaf_hashes(self.leaves[:size])

    def note(self, size: int | None = None, *, origin: str | None = None) -> str:
        size = len(self.leaves) if size is None else size
        body = checkpoint_body(origin or self.origin, size, self.root(size))
        return signed_note(body, self.origin, self.public, self.key.sign)

    def proof(self, old: int, new: int) -> list[bytes]:
        def get(a: int, b: int) -> bytes:
            return merkle.root_from_leaf_hashes(self.leaves[a:b])

        return merkle.consistency_proof(old, new, get) if 0 < old < new else []


def request(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


@pytest.fixture
def log() -> Log:
    log = Log()
    log.append(*(f"entry {i}" for i in range(5)))
    return log


@pytest.fixture
def witness(tmp_path: Path, log: Log) -> Witness:
    created = Witness.create(tmp_path / "witness", "archive.test/w1")
    created.add_log(ORIGIN, log.vkey)
    return Witness(tmp_path / "witness", clock=lambda: NOW)


@pytest.fixture
def client(witness: Witness) -> TestClient:
    return TestClient(make_app(witness))


def post(client: TestClient, body: bytes) -> tuple[int, str, str]:
    answer = client.post("/add-checkpoint", content=body)
    return answer.status_code, answer.text, answer.headers.get("content-type", "")


def test_cosigns_the_first_checkpoint_and_then_a_consistent_one(
    client: TestClient, witness: Witness, log: Log
) -> None:
    status, text, _ = post(client, request(0, [], log.note()))
    assert status == 200
    cosigned = parse_checkpoint(log.note() + text)
    assert verify_cosignature(cosigned, witness.name, witness.public_key) == NOW
    assert text.startswith("— archive.test/w1 ")

    log.append("entry 5", "entry 6", "entry 7")
    status, text, _ = post(client, request(5, log.proof(5, 8), log.note()))
    assert status == 200
    latest = witness.latest(ORIGIN)
    assert latest is not None
    assert latest.size == 8
    policy = WitnessPolicy.from_json(
        '{"quorum": 1, "witnesses": ["' + witness.vkey + '"]}'
    )
    assert policy.cosigners(parse_checkpoint(log.note() + text)) == [witness.name]


def _cosigned_five(client: TestClient, log: Log) -> None:
    assert post(client, request(0, [], log.note()))[0] == 200


def test_a_wrong_consistency_proof_is_422_and_nothing_changes(
    client: TestClient, witness: Witness, log: Log
) -> None:
    _cosigned_five(client, log)
    log.append("entry 5", "entry 6")
    proof = log.proof(5, 7)
    proof[0] = bytes(32)
    status, text, _ = post(client, request(5, proof, log.note()))
    assert status == 422
    assert "consistency proof from size 5 to 7 does not verify" in text
    latest = witness.latest(ORIGIN)
    assert latest is not None
    assert latest.size == 5


def test_a_rewritten_tail_signed_by_the_log_key_is_refused(
    client: TestClient, witness: Witness, log: Log
) -> None:
    """The attacker holds the school's log key and rewrites entries 3 and 4."""
    _cosigned_five(client, log)
    forged = Log()
    forged.key, forged.public = log.key, log.public
    forged.leaves = [*log.leaves[:3]]
    forged.append("rewritten 3", "rewritten 4", "entry 5")
    # the best proof the attacker has: a true proof of its own tree
    status, _, _ = post(client, request(5, forged.proof(5, 6), forged.note()))
    assert status == 422
    assert witness.latest(ORIGIN) == parse_checkpoint(log.note())
    policy = WitnessPolicy.from_json(
        '{"quorum": 1, "witnesses": ["' + witness.vkey + '"]}'
    )
    with pytest.raises(NoteError, match="cosigned by 0 of the policy's witnesses"):
        policy.cosigners(parse_checkpoint(forged.note()))


def test_an_older_size_is_409_with_the_latest_size(
    client: TestClient, log: Log
) -> None:
    _cosigned_five(client, log)
    status, text, kind = post(client, request(0, [], log.note(3)))
    assert (status, text) == (409, "5\n")
    assert kind.startswith("text/x.tlog.size")


def test_old_larger_than_the_checkpoint_is_400(client: TestClient, log: Log) -> None:
    status, text, _ = post(client, request(9, [], log.note()))
    assert status == 400
    assert "old size 9 is larger than the checkpoint's size 5" in text


def test_an_unknown_origin_is_404(client: TestClient, witness: Witness) -> None:
    other = Log("another.test/school")
    other.append("x")
    status, text, _ = post(client, request(0, [], other.note()))
    assert status == 404
    assert "'another.test/school' is not a log this witness witnesses" in text
    assert witness.latest("another.test/school") is None


def test_another_logs_origin_signed_by_its_own_key_is_403(
    client: TestClient, witness: Witness, log: Log
) -> None:
    """Another log's key signs a note naming this log's origin: no trusted signature."""
    other = Log(ORIGIN)
    other.append("x")
    status, text, _ = post(client, request(0, [], other.note()))
    assert status == 403
    assert "no signature by" in text
    assert witness.latest(ORIGIN) is None


def test_a_bad_log_signature_is_403(
    client: TestClient, witness: Witness, log: Log
) -> None:
    note = log.note()
    tampered = note.replace(
        base64.b64encode(log.root(5)).decode(), base64.b64encode(bytes(32)).decode()
    )
    status, text, _ = post(client, request(0, [], tampered))
    assert status == 403
    assert "does not verify" in text
    assert witness.latest(ORIGIN) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"old 01\n\n", "old size line"),
        (b"new 0\n\n", "old size line"),
        (b"old 0\n", "proof line 1"),  # no blank line: the origin reads as proof
        (b"old 0\nnot-base64!\n\n", "proof line 1"),
    ],
)
def test_a_malformed_request_is_400(
    client: TestClient, log: Log, body: bytes, field: str
) -> None:
    status, text, _ = post(client, body + log.note().encode())
    assert status == 400
    assert field in text


def test_a_proof_with_old_zero_is_422(client: TestClient, log: Log) -> None:
    status, text, _ = post(client, request(0, [bytes(32)], log.note()))
    assert status == 422
    assert "old size 0 takes no consistency proof" in text


def test_the_same_size_with_another_root_is_422(client: TestClient, log: Log) -> None:
    _cosigned_five(client, log)
    other = Log()
    other.key, other.public = log.key, log.public
    other.append(*(f"other {i}" for i in range(5)))
    status, _, _ = post(client, request(5, [], other.note()))
    assert status == 422


def test_the_witness_key_is_published(client: TestClient, witness: Witness) -> None:
    answer = client.get("/key")
    assert answer.text == cosigner_vkey(witness.name, witness.public_key) + "\n"


def test_concurrent_requests_from_one_size_cosign_exactly_one(
    client: TestClient, witness: Witness, log: Log
) -> None:
    """The check of old and the write of the new latest are one step (no rollback)."""
    _cosigned_five(client, log)
    bodies = []
    for extra in range(1, 9):
        grown = Log()
        grown.key, grown.public, grown.leaves = log.key, log.public, [*log.leaves]
        grown.append(*(f"more {i}" for i in range(extra)))
        bodies.append(request(5, grown.proof(5, 5 + extra), grown.note()))
    statuses: list[int] = []

    def send(body: bytes) -> None:
        statuses.append(post(client, body)[0])

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 7
    latest = witness.latest(ORIGIN)
    assert latest is not None
    assert latest.size > 5
