"""The trust anchor: note verifier keys and key directories, read strictly."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from ledger.keys.directory import SigningKey
from verify.anchor import AnchorError, LogKey, parse_vkey
from verify.errors import NoteError
from verify.note import verifier_key


def _key_with_plus_in_base64() -> SigningKey:
    while True:
        key = SigningKey.generate()
        if "+" in base64.b64encode(b"\x01" + key.public_bytes).decode():
            return key


def test_a_verifier_key_whose_base64_holds_a_plus_is_read() -> None:
    key = _key_with_plus_in_base64()
    text = verifier_key("letopis.test/school-1", key.public_bytes)
    assert parse_vkey(text) == ("letopis.test/school-1", key.public_bytes)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("+", "-", 1),
        lambda t: t[:-2] + "AA",
        lambda t: t.split("+", 1)[0] + "+00000000+" + t.split("+", 2)[2],
    ],
)
def test_a_damaged_verifier_key_is_refused(mangle: object) -> None:
    text = verifier_key("letopis.test/s", SigningKey.generate().public_bytes)
    with pytest.raises(NoteError):
        parse_vkey(mangle(text))  # type: ignore[operator]


def test_a_key_directory_whose_log_pub_is_not_its_log_key_is_refused(
    tmp_path: Path,
) -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    (tmp_path / "letopis.json").write_text(
        json.dumps({"origin": "letopis.test/s", "log_key": key.key_id})
    )
    (tmp_path / "log.pub").write_text(other.public_bytes.hex() + "\n")
    with pytest.raises(AnchorError, match="damaged"):
        LogKey.from_key_directory(tmp_path)
    (tmp_path / "log.pub").write_text(key.public_bytes.hex() + "\n")
    anchor = LogKey.from_key_directory(tmp_path)
    assert (anchor.origin, anchor.key_id, anchor.independent) == (
        "letopis.test/s",
        key.key_id,
        True,
    )
