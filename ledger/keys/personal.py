"""Personal data keys: identity fields encrypted per pupil (DESIGN §2, 152-ФЗ).

Full names, birth dates and document numbers never enter the log in clear. They
sit in ``data.enc`` under a per-pupil AES-256-GCM data key kept outside the log,
in the key directory's ``data-keys/`` folder, each key wrapped (AES-256-GCM)
under a key-encryption key derived from the passphrase with scrypt. Destroying
a data key at the end of retention erases the person; every hash and signature
of the log stays verifiable (crypto-shredding).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ledger.envelope import canonical, format_time
from ledger.errors import PassphraseError, PersonalDataError
from ledger.keys.directory import PASSPHRASE_ENV

ALG = "aes-256-gcm"
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def data_key_id(subject: str) -> str:
    """The data key id of a subject (a pupil's pseudonymous UUID)."""
    return hashlib.sha256(f"letopis/data-key/{subject}".encode()).digest()[:16].hex()


@dataclass
class DataKeyStore:
    """Per-subject data keys in ``<key directory>/data-keys``."""

    path: Path
    passphrase: str
    _kek: bytes | None = field(default=None, repr=False)

    @classmethod
    def in_key_directory(cls, keys: Path | str, passphrase: str) -> DataKeyStore:
        if not passphrase:
            msg = f"no passphrase: set {PASSPHRASE_ENV} to use personal data keys"
            raise PassphraseError(msg)
        folder = Path(keys) / "data-keys"
        folder.mkdir(mode=0o700, exist_ok=True)
        return cls(folder, passphrase)

    def seal(self, subject: str, identity: dict[str, Any]) -> dict[str, str]:
        """Encrypt identity fields for ``subject``; the result goes in ``data.enc``."""
        key_id = data_key_id(subject)
        key = self._key(key_id, subject, create=True)
        nonce = os.urandom(12)
        ct = AESGCM(key).encrypt(nonce, canonical(identity), _aad(subject, key_id))
        return {
            "alg": ALG,
            "key": key_id,
            "nonce": base64.b64encode(nonce).decode(),
            "ct": base64.b64encode(ct).decode(),
        }

    def open(self, subject: str, enc: dict[str, str]) -> dict[str, Any]:
        """Decrypt ``data.enc`` of ``subject``; fails once the key is destroyed."""
        if enc.get("alg") != ALG or enc.get("key") != data_key_id(subject):
            msg = f"data.enc is not {ALG} under the data key of subject {subject}"
            raise PersonalDataError(msg)
        key = self._key(enc["key"], subject, create=False)
        try:
            plain = AESGCM(key).decrypt(
                base64.b64decode(enc["nonce"]),
                base64.b64decode(enc["ct"]),
                _aad(subject, enc["key"]),
            )
        except (InvalidTag, ValueError) as e:
            msg = f"identity of subject {subject} does not decrypt: altered or foreign"
            raise PersonalDataError(msg) from e
        opened: dict[str, Any] = json.loads(plain)
        return opened

    def destroyed_at(self, subject: str) -> str | None:
        """When the subject's data key was destroyed (its tombstone), if it was."""
        tombstone = self._file(data_key_id(subject)).with_suffix(".destroyed")
        if not tombstone.exists():
            return None
        return tombstone.read_text().strip()

    def has_key(self, subject: str) -> bool:
        """Whether the subject's data key is here (not destroyed, not missing)."""
        return self._file(data_key_id(subject)).exists()

    def destroy(self, subject: str, *, at: datetime | None = None) -> str:
        """Destroy the subject's data key; leaves a tombstone saying when."""
        key_id = data_key_id(subject)
        path = self._file(key_id)
        if not path.exists():
            msg = f"subject {subject} has no data key to destroy"
            raise PersonalDataError(msg)
        size = path.stat().st_size
        with path.open("r+b") as f:
            f.write(b"\0" * size)
            f.flush()
            os.fsync(f.fileno())
        path.unlink()
        moment = format_time(at or datetime.now(UTC))
        path.with_suffix(".destroyed").write_text(moment + "\n")
        return key_id

    def _key(self, key_id: str, subject: str, *, create: bool) -> bytes:
        path = self._file(key_id)
        tombstone = path.with_suffix(".destroyed")
        if tombstone.exists():
            when = tombstone.read_text().strip()
            msg = (
                f"the data key of subject {subject} was destroyed at {when}; "
                "the identity is erased for good (crypto-shredding)"
            )
            raise PersonalDataError(msg)
        if path.exists():
            return self._unwrap(path.read_bytes(), key_id)
        if not create:
            msg = f"subject {subject} has no data key in {self.path}"
            raise PersonalDataError(msg)
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + AESGCM(self._kek_bytes()).encrypt(nonce, key, key_id.encode())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(wrapped)
        return key

    def _unwrap(self, wrapped: bytes, key_id: str) -> bytes:
        try:
            return AESGCM(self._kek_bytes()).decrypt(
                wrapped[:12], wrapped[12:], key_id.encode()
            )
        except InvalidTag as e:
            msg = (
                f"the passphrase does not open data key {key_id}: set "
                f"{PASSPHRASE_ENV} to the key directory's passphrase"
            )
            raise PassphraseError(msg) from e

    def _kek_bytes(self) -> bytes:
        if self._kek is None:
            salt_file = self.path / "kek.salt"
            if not salt_file.exists():
                salt_file.write_bytes(os.urandom(16))
            kdf = Scrypt(salt=salt_file.read_bytes(), length=32, **_SCRYPT)
            self._kek = kdf.derive(self.passphrase.encode())
        return self._kek

    def _file(self, key_id: str) -> Path:
        return self.path / f"{key_id}.key"


def _aad(subject: str, key_id: str) -> bytes:
    return f"letopis/identity/v1\n{subject}\n{key_id}".encode()
