"""The log's ML-DSA-65 key: made once, kept encrypted beside the log key.

``log-mldsa65.key.pem`` (PKCS#8, encrypted with the key directory's
passphrase) and ``log-mldsa65.pub`` (hex). When it exists, the sealer adds its
signature line to every checkpoint (``verify.renewal`` has the format).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey

from ledger.errors import LedgerError

PQ_KEY = "log-mldsa65.key.pem"
PQ_PUBLIC = "log-mldsa65.pub"


class RenewalError(LedgerError):
    """A renewal cannot be made (the message says why); nothing was written."""


def pq_public_key(keys: Path) -> bytes | None:
    """The ML-DSA-65 log key's public bytes, or None if the log has none."""
    path = keys / PQ_PUBLIC
    return bytes.fromhex(path.read_text().strip()) if path.is_file() else None


def create_pq_key(keys: Path, passphrase: str) -> bytes:
    """Make the ML-DSA-65 log key; refuse if there is one. Its public bytes."""
    if (keys / PQ_KEY).exists():
        msg = f"{keys / PQ_KEY} exists: the log has an ML-DSA-65 key already"
        raise RenewalError(msg)
    if not passphrase:
        msg = "no passphrase: the ML-DSA-65 key is stored encrypted like the log key"
        raise RenewalError(msg)
    key = MLDSA65PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    fd = os.open(keys / PQ_KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = key.public_key().public_bytes_raw()
    (keys / PQ_PUBLIC).write_text(public.hex() + "\n")
    return public


def load_pq_key(keys: Path, passphrase: str) -> MLDSA65PrivateKey | None:
    """The ML-DSA-65 log key, or None if the log has none."""
    path = keys / PQ_KEY
    if not path.is_file():
        return None
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), passphrase.encode())
    except (ValueError, TypeError) as e:
        msg = f"cannot open {path}: wrong passphrase or not a PEM private key"
        raise RenewalError(msg) from e
    if not isinstance(key, MLDSA65PrivateKey):
        msg = f"{path} is not an ML-DSA-65 key"
        raise RenewalError(msg)
    return key
