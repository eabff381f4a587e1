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


# -- exactly what C2SP signed-note and tlog-checkpoint allow -------------------------

ROOT = base64.b64encode(bytes(range(32))).decode()
ORIGIN = "letopis.test/school"


def _signed(body: str, key: SigningKey | None = None) -> str:
    key = key or SigningKey.from_seed(bytes(32))
    return signed_note(body, ORIGIN, key.public_bytes, key.sign)


@pytest.mark.parametrize(
    "size",
    [
        "¹",
        "١٠٩١٣٠",
        "٧",
        "７",
        "00",
        "007",
        "+7",
        " 7",
        "7 ",
        "1_000",
        "0x10",
        "",
        "9" * 20,
    ],
    ids=[
        "superscript-one",
        "arabic-indic-109130",
        "arabic-indic-7",
        "fullwidth-7",
        "double-zero",
        "leading-zeros",
        "plus-sign",
        "leading-space",
        "trailing-space",
        "underscore",
        "hex",
        "empty",
        "beyond-int64",
    ],
)
def test_a_size_is_only_ascii_decimal_without_leading_zeros(size: str) -> None:
    why = "ASCII decimal digits" if size else "none of them empty"
    with pytest.raises(NoteError, match=why):
        parse_checkpoint(_signed(f"{ORIGIN}\n{size}\n{ROOT}\n"))


@pytest.mark.parametrize("size", [0, 1, 109130, 2**63 - 1])
def test_every_ascii_decimal_size_up_to_int64_is_read(size: int) -> None:
    assert parse_checkpoint(_signed(f"{ORIGIN}\n{size}\n{ROOT}\n")).size == size


def test_a_bad_signature_by_the_log_key_rejects_the_note_beside_a_good_one() -> None:
    key = SigningKey.from_seed(bytes(32))
    good = _signed(f"{ORIGIN}\n7\n{ROOT}\n", key)
    body, lines = good.split("\n\n")
    raw = bytearray(base64.b64decode(lines.split(" ")[2]))
    raw[10] ^= 1
    bad = f"— {ORIGIN} {base64.b64encode(bytes(raw)).decode()}\n"
    for text in (f"{body}\n\n{bad}{lines}", f"{body}\n\n{lines}{bad}"):
        checkpoint = parse_checkpoint(text)
        with pytest.raises(NoteError, match="rejected whole"):
            checkpoint.verify(ORIGIN, key.public_bytes)
    parse_checkpoint(good).verify(ORIGIN, key.public_bytes)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (f"\n7\n{ROOT}\n", "none of them empty"),
        (f"{ORIGIN}\n7\n{ROOT}\n\nextension\n", "none of them empty"),
        (f"{ORIGIN}\t\n7\n{ROOT}\n", "control character"),
        (f"{ORIGIN}\r\n7\n{ROOT}\n", "control character"),
        (f"{ORIGIN}\n7\n{ROOT[:-1]}é\n", "not standard base64"),
    ],
    ids=["empty-origin", "empty-extension", "tab", "carriage-return", "non-ascii-root"],
)
def test_malformed_note_text_is_refused_with_the_reason(body: str, why: str) -> None:
    with pytest.raises(NoteError, match=why):
        parse_checkpoint(_signed(body))


def test_extension_lines_are_allowed_and_signed() -> None:
    key = SigningKey.from_seed(bytes(32))
    checkpoint = parse_checkpoint(_signed(f"{ORIGIN}\n7\n{ROOT}\nextra line\n", key))
    checkpoint.verify(ORIGIN, key.public_bytes)
    assert checkpoint.body.endswith("extra line\n")


def test_signature_lines_are_bounded_and_well_formed() -> None:
    text = _signed(f"{ORIGIN}\n7\n{ROOT}\n")
    line = text.split("\n\n")[1]
    with pytest.raises(NoteError, match="at most 100"):
        parse_checkpoint(text + line * 100)
    parse_checkpoint(text + line * 99)
    for bad in (
        "— a+b AAAAAAAA\n",
        "— a\u00a0b AAAAAAAA\n",
        "— x AAAA\n",
        "-- x AAAAAAAA\n",
    ):
        with pytest.raises(NoteError):
            parse_checkpoint(text + bad)
