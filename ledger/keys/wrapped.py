"""Signer keys wrapped by their holder's own password (DESIGN §4, custody).

The server may keep a person's signing key for them, but no single server
secret may open everyone's keys: a key kept this way is encrypted under a key
derived from *that person's* password (argon2id), with AES-256-GCM, and is
opened only when the person signs in. The file sits in the key directory
beside the passphrase-wrapped keys (``signers/<label>.wrapped.json``); moving
a key here destroys its passphrase-wrapped copy.

The file is JSON: the key's id and public key in clear (so the key directory
says whose key it is without any secret), the KDF and its parameters, and the
ciphertext of the 32-byte Ed25519 seed. Everything but the ciphertext is the
AEAD's associated data: changing a parameter, the label or the login makes the
file fail to open, never open to another key.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from ledger.envelope import canonical, key_id
from ledger.errors import PassphraseError, TrustError
from ledger.keys.directory import KeyDirectory, SigningKey, checked_label

VERSION = 1
KDF = "argon2id"
AEAD = "aes-256-gcm"
SUFFIX = ".wrapped.json"
_DOMAIN = "letopis/wrapped-key/v1"


@dataclass(frozen=True)
class KdfCost:
    """argon2id's cost: passes over memory, lanes, memory in KiB (RFC 9106).

    The default is RFC 9106's second recommended option (64 MiB, 3 passes);
    the server passes its own password-hashing cost, so a sign-in pays once
    more what it pays for the password hash."""

    iterations: int = 3
    lanes: int = 4
    memory_kib: int = 64 * 1024


class WrongPasswordError(PassphraseError):
    """The password does not open the key wrapped by it."""


@dataclass(frozen=True)
class WrappedKey:
    """A signer key wrapped by its holder's password, as stored."""

    label: str
    login: str
    key: str  # the key id
    public_key: bytes
    kdf: dict[str, Any]
    nonce: bytes
    ciphertext: bytes

    @classmethod
    def wrap(
        cls,
        signing_key: SigningKey,
        password: str,
        *,
        label: str,
        login: str,
        cost: KdfCost | None = None,
    ) -> WrappedKey:
        """``signing_key`` encrypted under a key derived from ``password``."""
        cost = cost or KdfCost()
        kdf = {
            "alg": KDF,
            "salt": _b64(secrets.token_bytes(16)),
            "iterations": cost.iterations,
            "lanes": cost.lanes,
            "memory_kib": cost.memory_kib,
        }
        half = cls(
            label=checked_label(label),
            login=login,
            key=signing_key.key_id,
            public_key=signing_key.public_bytes,
            kdf=kdf,
            nonce=secrets.token_bytes(12),
            ciphertext=b"",
        )
        sealed = AESGCM(_derive(password, kdf)).encrypt(
            half.nonce, signing_key.seed(), half.associated_data()
        )
        return cls(**{**half.__dict__, "ciphertext": sealed})

    def unwrap(self, password: str) -> SigningKey:
        """The signing key; WrongPasswordError if ``password`` does not open it."""
        try:
            seed = AESGCM(_derive(password, self.kdf)).decrypt(
                self.nonce, self.ciphertext, self.associated_data()
            )
        except InvalidTag as e:
            msg = (
                f"the password of {self.login!r} does not open signer key "
                f"{self.label!r} ({self.key}); it opens only with the password "
                "it was last wrapped by"
            )
            raise WrongPasswordError(msg) from e
        found = SigningKey.from_seed(seed)
        if found.key_id != self.key:  # pragma: no cover - the AEAD covers the id
            msg = f"the wrapped key {self.label!r} is not key {self.key}"
            raise TrustError(msg)
        return found

    def associated_data(self) -> bytes:
        """What the AEAD binds besides the seed: every field in clear."""
        header = {
            "domain": _DOMAIN,
            "label": self.label,
            "login": self.login,
            "key": self.key,
            "public_key": self.public_key.hex(),
            "kdf": self.kdf,
        }
        return canonical(header)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "label": self.label,
            "login": self.login,
            "key": self.key,
            "public_key": self.public_key.hex(),
            "kdf": self.kdf,
            "aead": {"alg": AEAD, "nonce": _b64(self.nonce)},
            "ct": _b64(self.ciphertext),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any], *, where: str) -> WrappedKey:
        """Read a wrapped key file's JSON; TrustError names what is wrong."""
        try:
            found = cls(
                label=str(raw["label"]),
                login=str(raw["login"]),
                key=str(raw["key"]),
                public_key=bytes.fromhex(raw["public_key"]),
                kdf=dict(raw["kdf"]),
                nonce=base64.b64decode(raw["aead"]["nonce"]),
                ciphertext=base64.b64decode(raw["ct"]),
            )
            problem = _format_problem(raw, found)
        except (KeyError, TypeError, ValueError) as e:
            problem = f"{type(e).__name__}: {e}"
        if problem is not None:
            msg = (
                f"{where} is not a password-wrapped key of format v{VERSION} "
                f"({KDF} + {AEAD}): {problem}"
            )
            raise TrustError(msg)
        return found


def _format_problem(raw: dict[str, Any], found: WrappedKey) -> str | None:
    if raw["v"] != VERSION:
        return f"version {raw['v']!r}"
    if raw["aead"]["alg"] != AEAD or found.kdf.get("alg") != KDF:
        return f"algorithms {raw['aead']['alg']!r}, {found.kdf.get('alg')!r}"
    if key_id(found.public_key) != found.key:
        return f"key id {found.key} is not the id of its public key"
    return None


def wrapped_path(directory: KeyDirectory, label: str) -> Path:
    return directory.path / "signers" / f"{checked_label(label)}{SUFFIX}"


def is_wrapped(directory: KeyDirectory, label: str) -> bool:
    """Whether the key of ``label`` is wrapped by its holder's password."""
    return wrapped_path(directory, label).is_file()


def read_wrapped(directory: KeyDirectory, label: str) -> WrappedKey:
    path = wrapped_path(directory, label)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        msg = f"no password-wrapped key {label!r} in {directory.path}"
        raise TrustError(msg) from e
    except (OSError, ValueError) as e:
        msg = f"cannot read {path}: {e}"
        raise TrustError(msg) from e
    return WrappedKey.from_json(raw, where=str(path))


def wrapped_labels(directory: KeyDirectory) -> list[str]:
    folder = directory.path / "signers"
    return sorted(p.name.removesuffix(SUFFIX) for p in folder.glob(f"*{SUFFIX}"))


def write_wrapped(directory: KeyDirectory, wrapped: WrappedKey) -> None:
    """Write (or replace, atomically) the wrapped key of its label."""
    path = wrapped_path(directory, wrapped.label)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    data = json.dumps(wrapped.to_json(), indent=2).encode() + b"\n"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def destroy_wrapped(directory: KeyDirectory, label: str) -> None:
    """Overwrite and remove the wrapped key of ``label`` (its password lost)."""
    path = wrapped_path(directory, label)
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def move_to_password(
    directory: KeyDirectory,
    label: str,
    password: str,
    *,
    login: str,
    cost: KdfCost | None = None,
) -> WrappedKey:
    """Wrap the passphrase-wrapped key ``label`` by ``password`` instead: the
    wrapped file is written, then the passphrase-wrapped copy destroyed, so
    the server's passphrase no longer opens it."""
    if is_wrapped(directory, label):
        msg = f"signer key {label!r} is wrapped by its holder's password already"
        raise TrustError(msg)
    signing_key = directory.signer(label)
    wrapped = WrappedKey.wrap(
        signing_key, password, label=label, login=login, cost=cost
    )
    if wrapped.unwrap(password).key_id != signing_key.key_id:  # pragma: no cover
        msg = f"signer key {label!r} did not survive wrapping; nothing was changed"
        raise TrustError(msg)
    write_wrapped(directory, wrapped)
    directory.destroy_signer_file(label)
    return wrapped


def rewrap(
    directory: KeyDirectory,
    label: str,
    old_password: str,
    new_password: str,
    *,
    cost: KdfCost | None = None,
) -> tuple[WrappedKey, WrappedKey]:
    """The key of ``label`` wrapped by ``new_password`` (not written yet), and
    as it is now; WrongPasswordError if ``old_password`` does not open it."""
    current = read_wrapped(directory, label)
    signing_key = current.unwrap(old_password)
    again = WrappedKey.wrap(
        signing_key, new_password, label=label, login=current.login, cost=cost
    )
    return again, current


@dataclass(frozen=True)
class Kept:
    """Where the key directory keeps a signer's private key: ``passphrase``
    (the server's) or ``password`` (its holder's, ``login``), under ``label``."""

    path: str
    label: str
    login: str | None = None


def kept_keys(directory: KeyDirectory) -> dict[str, Kept]:
    """The signer keys this key directory keeps, by key id. A passphrase-
    wrapped key whose public key is not on file (one added before the
    ``.pub`` files) is named only when the passphrase at hand opens it."""
    kept: dict[str, Kept] = {}
    for label in directory.signer_labels():
        try:
            public = directory.public_key_of(label)
        except TrustError:
            public = None  # the passphrase at hand does not open it
        if public is not None:
            kept[key_id(public)] = Kept("passphrase", label)
    for label in wrapped_labels(directory):
        wrapped = read_wrapped(directory, label)
        kept[wrapped.key] = Kept("password", label, wrapped.login)
    return kept


def _derive(password: str, kdf: dict[str, Any]) -> bytes:
    try:
        argon = Argon2id(
            salt=base64.b64decode(kdf["salt"]),
            length=32,
            iterations=int(kdf["iterations"]),
            lanes=int(kdf["lanes"]),
            memory_cost=int(kdf["memory_kib"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        msg = f"the wrapped key's {KDF} parameters are not usable: {e}"
        raise TrustError(msg) from e
    return argon.derive(password.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


__all__ = [
    "KdfCost",
    "Kept",
    "WrappedKey",
    "WrongPasswordError",
    "destroy_wrapped",
    "is_wrapped",
    "kept_keys",
    "move_to_password",
    "read_wrapped",
    "rewrap",
    "wrapped_labels",
    "wrapped_path",
    "write_wrapped",
]
