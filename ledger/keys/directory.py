"""Ed25519 key material and the school's key directory (DESIGN §4).

Private keys live on disk as encrypted PKCS#8 PEM; the passphrase comes from
``LETOPIS_KEY_PASSPHRASE``. The directory holds the school's log key (its seal,
«печать») and the signer keys of the people who certify entries.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nacl.bindings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

from ledger.envelope import key_id
from ledger.errors import PassphraseError, SignatureError, TrustError
from verify.crypto import signature_check

PASSPHRASE_ENV = "LETOPIS_KEY_PASSPHRASE"  # noqa: S105 - a variable name
DEMO_PASSPHRASE = "letopis-demo-passphrase-not-for-real-schools"  # noqa: S105
_LABEL = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class SigningKey:
    """An Ed25519 private key, named by its key id."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_bytes = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self._key_id = key_id(self.public_bytes)
        # libsodium signs about 1.5x faster here; Ed25519 is deterministic, so
        # the signature bytes are the same as cryptography's.
        seed = private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        self._sodium_secret = seed + self.public_bytes  # libsodium's secret key form

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """A key from 32 seed bytes: deterministic demos and tests only."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def key_id(self) -> str:
        return self._key_id

    @staticmethod
    def key_id_of(public_key: bytes) -> str:
        return key_id(public_key)

    def seed(self) -> bytes:
        """The 32 secret seed bytes: only to wrap the key again (never stored
        in clear)."""
        return self._sodium_secret[:32]

    def sign(self, message: bytes) -> bytes:
        signed: bytes = nacl.bindings.crypto_sign(message, self._sodium_secret)
        return signed[:64]

    def to_encrypted_pem(self, passphrase: str) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    @classmethod
    def from_encrypted_pem(
        cls, pem: bytes, passphrase: str, *, name: str
    ) -> SigningKey:
        try:
            private = serialization.load_pem_private_key(pem, passphrase.encode())
        except (ValueError, TypeError) as e:
            msg = (
                f"the passphrase does not open key {name}: set {PASSPHRASE_ENV} "
                "to the passphrase the key directory was created with"
            )
            raise PassphraseError(msg) from e
        if not isinstance(private, Ed25519PrivateKey):
            msg = f"key {name} is not an Ed25519 key; only Ed25519 keys are allowed"
            raise TrustError(msg)
        return cls(private)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise :class:`SignatureError` unless ``signature`` is valid for ``message``.

    The verifier's own check (`verify.crypto`: libsodium where installed), so
    the writer, the sealer and the verifier accept exactly the same signatures.
    """
    if not signature_check(public_key, signature, message):
        msg = f"signature by key {key_id(public_key)} does not verify"
        raise SignatureError(msg)


@dataclass(frozen=True)
class KeyDirectory:
    """The school's key directory.

    Layout::

        letopis.json          {"origin": ..., "log_key": <key id>}
        log.pub               raw public log key, hex (the trust anchor)
        log.key.pem           the log key, encrypted PKCS#8
        signers/<label>.key.pem   a signer's key, encrypted PKCS#8 (the passphrase)
        signers/<label>.pub   its public key, hex (which key a label holds)
        signers/<label>.wrapped.json  a signer's key wrapped by its holder's
                              own password instead (see ledger.keys.wrapped)
        data-keys/            per-pupil data keys (see ledger.keys.personal)
    """

    path: Path
    passphrase: str

    @classmethod
    def open(cls, path: Path | str, passphrase: str | None = None) -> KeyDirectory:
        directory = cls(Path(path), passphrase or os.environ.get(PASSPHRASE_ENV, ""))
        if not (directory.path / "letopis.json").is_file():
            msg = (
                f"{directory.path} is not a Letopis key directory (no letopis.json); "
                "create one with `letopis init`"
            )
            raise TrustError(msg)
        return directory

    @classmethod
    def create(cls, path: Path | str, *, origin: str, passphrase: str) -> KeyDirectory:
        if not passphrase:
            msg = f"no passphrase: set {PASSPHRASE_ENV} to protect the private keys"
            raise PassphraseError(msg)
        root = Path(path)
        if (root / "letopis.json").exists() or (root / "log.key.pem").exists():
            msg = (
                f"{root} already holds a key directory (or a log key left by an "
                "interrupted init); refusing to overwrite it: move it aside first"
            )
            raise TrustError(msg)
        (root / "signers").mkdir(parents=True, exist_ok=True)
        log_key = SigningKey.generate()
        _write_private(root / "log.key.pem", log_key.to_encrypted_pem(passphrase))
        (root / "log.pub").write_text(log_key.public_bytes.hex() + "\n")
        config = {"origin": origin, "log_key": log_key.key_id}
        (root / "letopis.json").write_text(json.dumps(config, indent=2) + "\n")
        return cls(root, passphrase)

    @property
    def config(self) -> dict[str, str]:
        loaded: dict[str, str] = json.loads((self.path / "letopis.json").read_text())
        return loaded

    @property
    def origin(self) -> str:
        return self.config["origin"]

    @property
    def log_public_key(self) -> bytes:
        return bytes.fromhex((self.path / "log.pub").read_text().strip())

    def log_key(self) -> SigningKey:
        return self._load(self.path / "log.key.pem", "the log key")

    def signer(self, label: str) -> SigningKey:
        path = self.path / "signers" / f"{checked_label(label)}.key.pem"
        if not path.is_file() and self._wrapped_file(label).is_file():
            msg = (
                f"signer key {label!r} is wrapped by its holder's own password, "
                "not by the server's passphrase: it opens only at their sign-in"
            )
            raise TrustError(msg)
        if not path.is_file():
            known = ", ".join(self.signer_labels()) or "none"
            msg = f"no signer key {label!r} in {self.path}; known: {known}"
            raise TrustError(msg)
        return self._load(path, f"signer {label!r}")

    def signer_labels(self) -> list[str]:
        folder = self.path / "signers"
        return sorted(p.name.removesuffix(".key.pem") for p in folder.glob("*.key.pem"))

    def check_new_label(self, label: str) -> Path:
        """The file a new signer key would go to; refuses a taken or bad label."""
        path = self.path / "signers" / f"{checked_label(label)}.key.pem"
        if path.exists() or self._wrapped_file(label).exists():
            msg = f"signer key {label!r} already exists; pick another label"
            raise TrustError(msg)
        return path

    def add_signer(self, label: str, key: SigningKey | None = None) -> SigningKey:
        path = self.check_new_label(label)
        key = key or SigningKey.generate()
        _write_private(path, key.to_encrypted_pem(self._require_passphrase()))
        self._public_file(label).write_text(key.public_bytes.hex() + "\n")
        return key

    def public_key_of(self, label: str) -> bytes | None:
        """The public key of the passphrase-wrapped signer ``label``: from its
        ``.pub`` file, else (a key added before those were written) by opening
        it, when the passphrase is at hand; None if neither can say."""
        public = self._public_file(label)
        if public.is_file():
            return bytes.fromhex(public.read_text().strip())
        if not self.passphrase:
            return None
        return self.signer(label).public_bytes

    def destroy_signer_file(self, label: str) -> None:
        """Overwrite and remove the passphrase-wrapped file of ``label`` (its
        key now kept otherwise): the passphrase no longer opens that key."""
        path = self.path / "signers" / f"{checked_label(label)}.key.pem"
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
        path.unlink()

    def _wrapped_file(self, label: str) -> Path:
        return self.path / "signers" / f"{checked_label(label)}.wrapped.json"

    def _public_file(self, label: str) -> Path:
        return self.path / "signers" / f"{checked_label(label)}.pub"

    def _require_passphrase(self) -> str:
        if not self.passphrase:
            msg = f"no passphrase: set {PASSPHRASE_ENV} to open the private keys"
            raise PassphraseError(msg)
        return self.passphrase

    def _load(self, path: Path, name: str) -> SigningKey:
        pem = path.read_bytes()
        return SigningKey.from_encrypted_pem(pem, self._require_passphrase(), name=name)


def checked_label(label: str) -> str:
    """``label`` if it may name a signer's files; else TrustError."""
    if not _LABEL.fullmatch(label):
        msg = (
            f"signer label {label!r} is not allowed: use 1-64 characters of "
            "lowercase latin letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
        raise TrustError(msg)
    return label


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
