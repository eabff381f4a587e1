"""ledger.keys.directory: Ed25519 keys, the key directory, signature checks (§4)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ledger.envelope import key_id
from ledger.errors import PassphraseError, SignatureError, TrustError
from ledger.keys.directory import (
    PASSPHRASE_ENV,
    KeyDirectory,
    SigningKey,
    verify_signature,
)

PASSPHRASE = "correct horse battery staple"
ORIGIN = "letopis.example/school-131"
MESSAGE = b"letopis/event/v1\n{}"


@pytest.fixture(autouse=True)
def no_passphrase_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


@pytest.fixture
def keys(tmp_path: Path) -> KeyDirectory:
    return KeyDirectory.create(tmp_path / "keys", origin=ORIGIN, passphrase=PASSPHRASE)


def private_key_files(directory: KeyDirectory) -> list[Path]:
    return sorted(directory.path.rglob("*.key.pem"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to show nothing was written."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- SigningKey ---------------------------------------------------------------------


def test_seeded_key_matches_libsodium_and_is_named_by_its_key_id() -> None:
    key = SigningKey.from_seed(bytes(32))
    sodium = nacl.signing.SigningKey(bytes(32))

    assert key.public_bytes == sodium.verify_key.encode()
    assert key.key_id == key_id(key.public_bytes)
    assert key.key_id == SigningKey.key_id_of(key.public_bytes)
    assert key.sign(MESSAGE) == sodium.sign(MESSAGE).signature


def test_generated_keys_differ() -> None:
    assert SigningKey.generate().key_id != SigningKey.generate().key_id


def test_encrypted_pem_round_trips() -> None:
    key = SigningKey.from_seed(bytes([7]) * 32)

    pem = key.to_encrypted_pem(PASSPHRASE)
    back = SigningKey.from_encrypted_pem(pem, PASSPHRASE, name="test key")

    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert back.public_bytes == key.public_bytes
    assert back.sign(MESSAGE) == key.sign(MESSAGE)


def test_a_pem_that_is_not_ed25519_is_refused() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )

    with pytest.raises(TrustError, match="only Ed25519 keys are allowed"):
        SigningKey.from_encrypted_pem(pem, PASSPHRASE, name="the stranger")


# --- KeyDirectory -------------------------------------------------------------------


def test_created_directory_opens_with_the_same_keys(keys: KeyDirectory) -> None:
    teacher = keys.add_signer("teacher-ivanova")

    opened = KeyDirectory.open(keys.path, PASSPHRASE)

    assert opened.origin == ORIGIN
    assert opened.config["log_key"] == opened.log_key().key_id
    assert opened.log_public_key == opened.log_key().public_bytes
    assert opened.log_key().public_bytes == keys.log_key().public_bytes
    assert opened.signer_labels() == ["teacher-ivanova"]
    assert opened.signer("teacher-ivanova").public_bytes == teacher.public_bytes


def test_open_takes_the_passphrase_from_the_environment(
    keys: KeyDirectory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)

    opened = KeyDirectory.open(keys.path)

    assert opened.log_key().key_id == keys.log_key().key_id


def test_add_signer_keeps_a_given_key(keys: KeyDirectory) -> None:
    director = SigningKey.from_seed(bytes([2]) * 32)

    stored = keys.add_signer("director", director)

    assert stored is director
    assert keys.signer("director").key_id == director.key_id


def test_private_keys_are_encrypted_pkcs8_readable_only_by_the_owner(
    keys: KeyDirectory,
) -> None:
    keys.add_signer("director")
    keys.add_signer("teacher.petrov_2")

    files = private_key_files(keys)

    assert [p.name for p in files] == [
        "log.key.pem",
        "director.key.pem",
        "teacher.petrov_2.key.pem",
    ]
    for path in files:
        assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_no_private_key_is_written_in_clear(keys: KeyDirectory) -> None:
    keys.add_signer("director")
    log_key = keys.log_key()
    raw_private = serialization.load_pem_private_key(
        (keys.path / "log.key.pem").read_bytes(), PASSPHRASE.encode()
    ).private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )

    assert len(raw_private) == 32
    assert key_id(log_key.public_bytes) == keys.config["log_key"]
    for content in snapshot(keys.path).values():
        assert raw_private not in content
        assert raw_private.hex().encode() not in content
        assert b"BEGIN PRIVATE KEY" not in content


def test_a_wrong_passphrase_for_the_log_key_names_the_environment_variable(
    keys: KeyDirectory,
) -> None:
    opened = KeyDirectory.open(keys.path, "not the passphrase")

    with pytest.raises(PassphraseError) as e:
        opened.log_key()

    assert PASSPHRASE_ENV in str(e.value)
    assert "the log key" in str(e.value)


def test_a_wrong_passphrase_for_a_signer_names_the_environment_variable(
    keys: KeyDirectory,
) -> None:
    keys.add_signer("director")
    opened = KeyDirectory.open(keys.path, "not the passphrase")

    with pytest.raises(PassphraseError) as e:
        opened.signer("director")

    assert PASSPHRASE_ENV in str(e.value)
    assert "'director'" in str(e.value)


def test_no_passphrase_at_all_names_the_environment_variable(
    keys: KeyDirectory,
) -> None:
    opened = KeyDirectory.open(keys.path)

    with pytest.raises(PassphraseError, match=PASSPHRASE_ENV):
        opened.log_key()


def test_create_refuses_an_empty_passphrase_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PassphraseError) as e:
        KeyDirectory.create(tmp_path / "keys", origin=ORIGIN, passphrase="")

    assert PASSPHRASE_ENV in str(e.value)
    assert not (tmp_path / "keys").exists()


def test_create_refuses_to_overwrite_a_key_directory(keys: KeyDirectory) -> None:
    before = snapshot(keys.path)

    with pytest.raises(TrustError, match="refusing to overwrite"):
        KeyDirectory.create(keys.path, origin="other.example/x", passphrase=PASSPHRASE)

    assert snapshot(keys.path) == before


def test_create_over_a_half_written_directory_is_a_trust_error(tmp_path: Path) -> None:
    root = tmp_path / "keys"
    root.mkdir()
    (root / "log.key.pem").write_bytes(b"left over")

    with pytest.raises(TrustError):
        KeyDirectory.create(root, origin=ORIGIN, passphrase=PASSPHRASE)


@pytest.mark.parametrize(
    "label",
    [
        "Teacher",
        "teacher ivanova",
        "../x",
        "x/y",
        "",
        "-director",
        ".hidden",
        "a" * 65,
        "учитель",
    ],
)
def test_add_signer_refuses_a_bad_label_and_writes_nothing(
    keys: KeyDirectory, label: str
) -> None:
    before = snapshot(keys.path.parent)

    with pytest.raises(TrustError) as e:
        keys.add_signer(label)

    message = str(e.value)
    assert repr(label) in message
    assert "lowercase latin letters, digits, '.', '_' or '-'" in message
    assert "1-64 characters" in message
    assert snapshot(keys.path.parent) == before


def test_add_signer_refuses_a_label_with_a_trailing_newline(
    keys: KeyDirectory,
) -> None:
    with pytest.raises(TrustError, match="is not allowed"):
        keys.add_signer("director\n")


def test_a_label_of_64_characters_is_allowed(keys: KeyDirectory) -> None:
    keys.add_signer("a" * 64)

    assert keys.signer_labels() == ["a" * 64]


def test_add_signer_refuses_an_existing_label_and_keeps_the_key(
    keys: KeyDirectory,
) -> None:
    first = keys.add_signer("director")
    before = snapshot(keys.path)

    with pytest.raises(TrustError, match="'director' already exists"):
        keys.add_signer("director", SigningKey.from_seed(bytes([9]) * 32))

    assert snapshot(keys.path) == before
    assert keys.signer("director").key_id == first.key_id


def test_an_unknown_signer_lists_the_known_ones(keys: KeyDirectory) -> None:
    keys.add_signer("director")

    with pytest.raises(TrustError, match=r"no signer key 'secretary'.*known: director"):
        keys.signer("secretary")


@pytest.mark.parametrize("make", ["empty", "missing", "file"])
def test_opening_a_directory_without_keys_points_to_letopis_init(
    tmp_path: Path, make: str
) -> None:
    path = tmp_path / "not-keys"
    if make == "empty":
        path.mkdir()
    elif make == "file":
        path.write_text("{}")

    with pytest.raises(TrustError) as e:
        KeyDirectory.open(path, PASSPHRASE)

    assert "not a Letopis key directory" in str(e.value)
    assert "`letopis init`" in str(e.value)


# --- verify_signature ---------------------------------------------------------------


def test_verify_signature_accepts_only_the_right_key_message_and_signature() -> None:
    author = SigningKey.from_seed(bytes(32))
    stranger = SigningKey.from_seed(bytes([1]) * 32)
    signature = author.sign(MESSAGE)
    tampered = bytes([signature[0] ^ 1]) + signature[1:]

    verify_signature(author.public_bytes, MESSAGE, signature)
    with pytest.raises(SignatureError, match=author.key_id):
        verify_signature(author.public_bytes, MESSAGE, tampered)
    with pytest.raises(SignatureError, match=stranger.key_id):
        verify_signature(stranger.public_bytes, MESSAGE, signature)
    with pytest.raises(SignatureError):
        verify_signature(author.public_bytes, MESSAGE + b" ", signature)


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (bytes(31), bytes(64)),
        (SigningKey.from_seed(bytes(32)).public_bytes, bytes(63)),
        (SigningKey.from_seed(bytes(32)).public_bytes, b""),
    ],
    ids=["short-key", "short-signature", "empty-signature"],
)
def test_malformed_keys_and_signatures_are_signature_errors(
    public_key: bytes, signature: bytes
) -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(public_key, MESSAGE, signature)
