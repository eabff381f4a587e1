"""The trust anchor: the school's log key (its seal, «печать»), from outside the log.

Everything the verifier accepts hangs on this key: it signs the checkpoints and
registers every signer key. So the verifier never takes it from the log's own
first event. It comes from a note verifier key the auditor holds
(``--log-key FILE``, the ``<name>+<hash>+<base64>`` form of Go's sumdb/note),
from the school's key directory (``log.pub``), or, said plainly in the output as
not independent, from the ``data/log.vkey`` inside the archive being checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from verify.envelope import key_id
from verify.errors import NoteError, VerificationError
from verify.note import parse_verifier_key, verifier_key

__all__ = ["AnchorError", "LogKey", "parse_vkey"]

_HEX_KEY = re.compile(r"[0-9a-f]{64}")


parse_vkey = parse_verifier_key  # one parser of note verifier keys


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
