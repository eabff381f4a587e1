"""ledger.keys.wrapped: signer keys wrapped by their holder's own password
(argon2id + AES-256-GCM), moved from the server's passphrase, wrapped again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.envelope import key_id
from ledger.errors import TrustError
from ledger.keys.directory import PASSPHRASE_ENV, KeyDirectory, SigningKey
from ledger.keys.wrapped import (
    KdfCost,
    Kept,
    WrappedKey,
    WrongPasswordError,
    is_wrapped,
    kept_keys,
    move_to_password,
    read_wrapped,
    rewrap,
    wrapped_path,
    write_wrapped,
)

PASSPHRASE = "the server's one passphrase"
PASSWORD = "the teacher's own password"
CHEAP = KdfCost(iterations=1, lanes=1, memory_kib=1024)


@pytest.fixture(autouse=True)
def no_passphrase_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


@pytest.fixture
def keys(tmp_path: Path) -> KeyDirectory:
    return KeyDirectory.create(tmp_path / "keys", origin="o", passphrase=PASSPHRASE)


def test_a_wrapped_key_opens_with_its_password_only() -> None:
    key = SigningKey.generate()
    wrapped = WrappedKey.wrap(key, PASSWORD, label="maths", login="maths", cost=CHEAP)
    assert wrapped.unwrap(PASSWORD).key_id == key.key_id
    assert wrapped.unwrap(PASSWORD).sign(b"m") == key.sign(b"m")
    with pytest.raises(WrongPasswordError, match="does not open signer key 'maths'"):
        wrapped.unwrap("another password")
    assert key.seed() not in json.dumps(wrapped.to_json()).encode()


@pytest.mark.parametrize(
    "change",
    [
        {"label": "director"},
        {"login": "director"},
        {"kdf": {"iterations": 2}},
    ],
)
def test_every_field_in_clear_is_bound_to_the_ciphertext(
    change: dict[str, object],
) -> None:
    wrapped = WrappedKey.wrap(
        SigningKey.generate(), PASSWORD, label="maths", login="maths", cost=CHEAP
    )
    raw = wrapped.to_json()
    for name, value in change.items():
        raw[name] = {**raw[name], **value} if isinstance(value, dict) else value
    altered = WrappedKey.from_json(raw, where="test")
    with pytest.raises(WrongPasswordError):
        altered.unwrap(PASSWORD)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"v": 2}, "version 2"),
        ({"key": "00" * 16}, "is not the id of its public key"),
        ({"aead": {"alg": "chacha20", "nonce": ""}}, "algorithms"),
        ({"public_key": "zz"}, "ValueError"),
        ({"ct": None}, "TypeError"),
    ],
)
def test_a_malformed_file_is_refused_with_what_is_wrong(
    change: dict[str, object], named: str
) -> None:
    raw = WrappedKey.wrap(
        SigningKey.generate(), PASSWORD, label="maths", login="maths", cost=CHEAP
    ).to_json()
    with pytest.raises(TrustError, match=named):
        WrappedKey.from_json({**raw, **change}, where="maths.wrapped.json")


def test_moving_a_key_destroys_its_passphrase_copy(keys: KeyDirectory) -> None:
    key = keys.add_signer("maths")
    moved = move_to_password(keys, "maths", PASSWORD, login="maths", cost=CHEAP)
    assert moved.key == key.key_id
    assert is_wrapped(keys, "maths")
    assert not (keys.path / "signers" / "maths.key.pem").exists()
    with pytest.raises(TrustError, match="wrapped by its holder's own password"):
        keys.signer("maths")  # the server's passphrase opens it no more
    assert read_wrapped(keys, "maths").unwrap(PASSWORD).key_id == key.key_id
    assert wrapped_path(keys, "maths").stat().st_mode & 0o777 == 0o600
    with pytest.raises(TrustError, match="wrapped by its holder's password already"):
        move_to_password(keys, "maths", PASSWORD, login="maths", cost=CHEAP)
    with pytest.raises(TrustError, match="already exists"):
        keys.add_signer("maths")  # the label stays taken


def test_a_key_is_wrapped_again_by_a_new_password(keys: KeyDirectory) -> None:
    key = keys.add_signer("maths")
    move_to_password(keys, "maths", PASSWORD, login="maths", cost=CHEAP)
    before = wrapped_path(keys, "maths").read_bytes()
    with pytest.raises(WrongPasswordError):
        rewrap(keys, "maths", "not the password", "a new password", cost=CHEAP)
    assert wrapped_path(keys, "maths").read_bytes() == before  # nothing written
    again, _ = rewrap(keys, "maths", PASSWORD, "a new password", cost=CHEAP)
    write_wrapped(keys, again)
    opened = read_wrapped(keys, "maths")
    assert opened.unwrap("a new password").key_id == key.key_id
    with pytest.raises(WrongPasswordError):
        opened.unwrap(PASSWORD)
    assert sorted(p.name for p in (keys.path / "signers").iterdir()) == [
        "maths.pub",
        "maths.wrapped.json",
    ]


def test_the_key_directory_says_which_key_each_file_keeps(keys: KeyDirectory) -> None:
    director = keys.add_signer("director")
    maths = keys.add_signer("maths")
    move_to_password(keys, "maths", PASSWORD, login="maths", cost=CHEAP)
    old = SigningKey.generate()  # a key added before the .pub files were written
    keys.add_signer("old", old)
    (keys.path / "signers" / "old.pub").unlink()
    without = KeyDirectory(keys.path, "")
    assert kept_keys(without) == {
        director.key_id: Kept("passphrase", "director"),
        maths.key_id: Kept("password", "maths", "maths"),
    }
    assert kept_keys(keys)[key_id(old.public_bytes)] == Kept("passphrase", "old")
