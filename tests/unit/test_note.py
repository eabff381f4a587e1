"""C2SP signed notes against the Go sumdb/note example, and checkpoint parsing."""

from __future__ import annotations

import base64

import pytest

from ledger.keys.directory import SigningKey
from verify.errors import NoteError
from verify.note import (
    checkpoint_body,
    parse_checkpoint,
    parse_verifier_key,
    signed_note,
    verifier_key,
)

# The example of golang.org/x/mod/sumdb/note (BSD-licensed), used as data.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_reproduces_the_go_example_byte_for_byte() -> None:
    key = SigningKey.from_seed(GO_SKEY_SEED)
    assert verifier_key("PeterNeumann", key.public_bytes) == GO_VKEY
    assert signed_note(GO_TEXT, "PeterNeumann", key.public_bytes, key.sign) == GO_NOTE


def test_verifier_keys_whose_base64_holds_a_plus_round_trip() -> None:
    for seed in range(64):
        key = SigningKey.from_seed(bytes([seed]) * 32)
        vkey = verifier_key("letopis.test/school", key.public_bytes)
        assert parse_verifier_key(vkey) == ("letopis.test/school", key.public_bytes)


def test_verifier_key_round_trip_and_bad_hash() -> None:
    name, public = parse_verifier_key(GO_VKEY)
    assert name == "PeterNeumann"
    assert len(public) == 32
    with pytest.raises(NoteError, match="does not match the key"):
        parse_verifier_key(GO_VKEY.replace("c74f20a3", "c74f20a4"))


def _checkpoint(key: SigningKey, size: int = 7) -> str:
    body = checkpoint_body("letopis.test/school", size, bytes(range(32)))
    return signed_note(body, "letopis.test/school", key.public_bytes, key.sign)


def test_checkpoint_parses_and_verifies() -> None:
    key = SigningKey.from_seed(bytes(32))
    checkpoint = parse_checkpoint(_checkpoint(key))
    assert (checkpoint.origin, checkpoint.size) == ("letopis.test/school", 7)
    assert checkpoint.root == bytes(range(32))
    checkpoint.verify("letopis.test/school", key.public_bytes)


def test_unknown_signature_lines_are_ignored() -> None:
    key, witness = (
        SigningKey.from_seed(bytes(32)),
        SigningKey.from_seed(bytes([1]) * 32),
    )
    text = _checkpoint(key)
    witnessed = (
        text
        + signed_note(
            parse_checkpoint(text).body,
            "witness.example",
            witness.public_bytes,
            witness.sign,
        ).split("\n\n", 1)[1]
    )
    checkpoint = parse_checkpoint(witnessed)
    assert len(checkpoint.signatures) == 2
    checkpoint.verify("letopis.test/school", key.public_bytes)
    checkpoint.verify("witness.example", witness.public_bytes)


def test_tampered_checkpoint_does_not_verify() -> None:
    key = SigningKey.from_seed(bytes(32))
    forged = parse_checkpoint(_checkpoint(key).replace("\n7\n", "\n8\n"))
    with pytest.raises(NoteError, match="does not verify"):
        forged.verify("letopis.test/school", key.public_bytes)


def test_other_key_is_reported_as_missing_signature() -> None:
    key, other = SigningKey.from_seed(bytes(32)), SigningKey.from_seed(bytes([2]) * 32)
    checkpoint = parse_checkpoint(_checkpoint(key))
    with pytest.raises(NoteError, match="has no signature by"):
        checkpoint.verify("letopis.test/school", other.public_bytes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "letopis.test/school\n7\n",
        "letopis.test/school\n07\nAAAA\n\n— x AAAAAAAA\n",
        "letopis.test/school\n7\nnot base64!\n\n— x AAAAAAAA\n",
        "letopis.test/school\n7\nAAAA\n\n— x AAAAAAAA\n",
        "letopis.test/school\n-1\n" + "A" * 43 + "=\n\n— x AAAAAAAA\n",
    ],
    ids=["empty", "unsigned", "leading-zero", "bad-root", "short-root", "negative"],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)
