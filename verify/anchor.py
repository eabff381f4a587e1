"""The trust anchor: the school's log key (its seal, «печать»), from outside the log.

Everything the verifier accepts hangs on this key: it signs the checkpoints and
registers every signer key. So the verifier never takes it from the log's own
first event. It comes from a note verifier key the auditor holds
(``--log-key FILE``, the ``<name>+<hash>+<base64>`` form of Go's sumdb/note),
from the school's key directory (``log.pub``), or, said plainly in the output as
not independent, from the ``data/log.vkey`` inside the archive being checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path

from verify.envelope import key_id
from verify.errors import NoteError, VerificationError
from verify.note import ED25519, key_hash, verifier_key

__all__ = ["AnchorError", "LogKey", "parse_vkey"]

_HEX_KEY = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[^\s+]+")
_HASH = re.compile(r"[0-9a-fA-F]{8}")


def parse_vkey(text: str) -> tuple[str, bytes]:
    """The name and raw Ed25519 key of a note verifier key ``<name>+<hash>+<b64>``.

    As Go's sumdb/note reads it: split at the first two ``+`` only, since the
    base64 key itself may hold ``+``; the hash must be the key's. Raises NoteError.
    """
    name, _, rest = text.strip().partition("+")
    hash_hex, _, encoded = rest.partition("+")
    if not _NAME.fullmatch(name) or not _HASH.fullmatch(hash_hex) or not encoded:
        msg = f"verifier key {text.strip()!r} is not <name>+<hex hash>+<base64 key>"
        raise NoteError(msg)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as e:
        msg = f"verifier key {name!r}: the key is not base64"
        raise NoteError(msg) from e
    if len(raw) != 33 or raw[0] != ED25519:
        msg = f"verifier key {name!r} is not an Ed25519 key (type 0x01, 32 bytes)"
        raise NoteError(msg)
    if key_hash(name, raw[1:]).hex() != hash_hex.lower():
        msg = f"verifier key {name!r}: key hash {hash_hex} does not match the key"
        raise NoteError(msg)
    return name, raw[1:]


class AnchorError(VerificationError):
    """The trust anchor cannot be read; the message says where and why."""


@dataclass(frozen=True)
class LogKey:
    """The log's origin and Ed25519 public key, and where the verifier got them."""

    origin: str
    public_key: bytes
    source: str
    independent: bool = True

    @property
    def key_id(self) -> str:
        """The key id (hex of the first 16 bytes of SHA-256 of the key)."""
        return key_id(self.public_key)

    @property
    def vkey(self) -> str:
        """The key as a note verifier key: ``<origin>+<hash>+<base64>``."""
        return verifier_key(self.origin, self.public_key)

    @classmethod
    def from_vkey(cls, text: str, *, source: str, independent: bool = True) -> LogKey:
        """A log key from note verifier key text; AnchorError if malformed."""
        try:
            origin, public_key = parse_vkey(text)
        except NoteError as e:
            msg = f"{source}: {e}"
            raise AnchorError(msg) from e
        return cls(origin, public_key, source, independent)

    @classmethod
    def from_vkey_file(cls, path: Path | str, *, independent: bool = True) -> LogKey:
        """A log key from a file holding a note verifier key."""
        text = _read(Path(path), "the log key file")
        return cls.from_vkey(text, source=f"{path}", independent=independent)

    @classmethod
    def from_key_directory(cls, path: Path | str) -> LogKey:
        """The log key of a Letopis key directory: ``log.pub`` and its origin."""
        folder = Path(path)
        config_text = _read(folder / "letopis.json", "the key directory's config")
        pub_text = _read(folder / "log.pub", "the key directory's log key").strip()
        try:
            config = json.loads(config_text)
            origin, expected = str(config["origin"]), str(config["log_key"])
        except (ValueError, KeyError, TypeError) as e:
            msg = f"{folder / 'letopis.json'} does not name the origin and log key"
            raise AnchorError(msg) from e
        if not _HEX_KEY.fullmatch(pub_text):
            msg = f"{folder / 'log.pub'} is not a 32-byte public key in hex"
            raise AnchorError(msg)
        public_key = bytes.fromhex(pub_text)
        if key_id(public_key) != expected:
            msg = (
                f"{folder / 'log.pub'} holds key {key_id(public_key)}, but "
                f"letopis.json names log key {expected}: the directory is damaged"
            )
            raise AnchorError(msg)
        return cls(origin, public_key, f"key directory {folder} (log.pub)")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        msg = f"cannot read {what} {path}: {reason}"
        raise AnchorError(msg) from e
