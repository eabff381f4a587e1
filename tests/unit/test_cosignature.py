"""cosignature/v1 lines and the witness policy (C2SP tlog-cosignature)."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.cosignature import (
    WitnessPolicy,
    cosignature_line,
    cosigner_key_id,
    cosigner_vkey,
    parse_cosigner_vkey,
    signed_message,
    verify_cosignature,
)
from verify.errors import NoteError
from verify.note import checkpoint_body, parse_checkpoint, signed_note

BODY = checkpoint_body("example.com/log", 3, bytes(range(32)))


def _key() -> tuple[Ed25519PrivateKey, bytes]:
    key = Ed25519PrivateKey.generate()
    return key, key.public_key().public_bytes_raw()


def _note() -> str:
    key, public = _key()
    return signed_note(BODY, "example.com/log", public, key.sign)


def test_the_line_is_key_id_timestamp_and_signature_over_the_spec_message() -> None:
    key, public = _key()
    line = cosignature_line(BODY, "w.example/1", public, key.sign, 1679315147)
    raw = base64.b64decode(line.split(" ")[2])
    expected_id = hashlib.sha256(b"w.example/1\n\x04" + public).digest()[:4]
    assert raw[:4] == expected_id == cosigner_key_id("w.example/1", public)
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    assert signed_message(BODY, 1679315147).startswith(
        b"cosignature/v1\ntime 1679315147\n"
    )
    key.public_key().verify(raw[12:], signed_message(BODY, 1679315147))
    cosigned = parse_checkpoint(_note() + line)
    assert verify_cosignature(cosigned, "w.example/1", public) == 1679315147


def test_a_cosignature_that_does_not_verify_rejects_the_note() -> None:
    key, public = _key()
    line = cosignature_line(BODY, "w.example/1", public, key.sign, 5)
    raw = bytearray(base64.b64decode(line.split(" ")[2]))
    raw[-1] ^= 1
    bad = f"— w.example/1 {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignature(parse_checkpoint(_note() + bad), "w.example/1", public)


def test_a_zero_timestamp_is_refused() -> None:
    key, public = _key()
    with pytest.raises(NoteError, match=r"timestamp 0 is not in 1\.\.2"):
        cosignature_line(BODY, "w", public, key.sign, 0)


def test_vkeys_round_trip_and_a_note_key_is_not_a_cosigner_key() -> None:
    _, public = _key()
    assert parse_cosigner_vkey(cosigner_vkey("w.example/1", public)) == (
        "w.example/1",
        public,
    )
    note_key = (
        "w+"
        + cosigner_key_id("w", public).hex()
        + "+"
        + base64.b64encode(b"\x01" + public).decode()
    )
    with pytest.raises(NoteError, match=r"is not an Ed25519 cosignature/v1 key"):
        parse_cosigner_vkey(note_key)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("not json", "is not JSON"),
        ({"quorum": 1}, 'exactly "quorum" and "witnesses"'),
        ({"quorum": 1, "witnesses": []}, "non-empty list"),
        ({"quorum": 2, "witnesses": ["A"]}, "must be an integer in 1..1"),
        ({"quorum": 0, "witnesses": ["A"]}, "must be an integer in 1..1"),
        ({"quorum": 1, "witnesses": ["A", "A"]}, "names a witness twice"),
    ],
)
def test_a_bad_witness_policy_says_what_is_wrong(policy: object, message: str) -> None:
    _, public = _key()
    text = policy if isinstance(policy, str) else json.dumps(policy)
    text = text.replace('"A"', json.dumps(cosigner_vkey("w.example/1", public)))
    with pytest.raises(NoteError, match=message):
        WitnessPolicy.from_json(text)


def test_two_of_three_witnesses() -> None:
    keys = [_key() for _ in range(3)]
    names = [f"w.example/{i}" for i in range(3)]
    policy = WitnessPolicy.from_json(
        json.dumps(
            {
                "quorum": 2,
                "witnesses": [
                    cosigner_vkey(n, k[1]) for n, k in zip(names, keys, strict=True)
                ],
            }
        )
    )
    note = _note()
    one = cosignature_line(BODY, names[0], keys[0][1], keys[0][0].sign, 7)
    two = cosignature_line(BODY, names[2], keys[2][1], keys[2][0].sign, 8)
    with pytest.raises(NoteError, match="cosigned by 1 of the policy's witnesses"):
        policy.cosigners(parse_checkpoint(note + one))
    assert policy.cosigners(parse_checkpoint(note + one + two)) == [names[0], names[2]]
