"""What this verifier verified before: the state behind ``--since-checkpoint``.

After a run that found nothing, the verifier records the latest checkpoint it
verified (tree size and root) with the trust anchor and the signing policy it
used, in a small JSON file: ``--state FILE``, or by default
``$XDG_CACHE_HOME/letopis-verify/<hash of origin, key and source>.json``
(``~/.cache`` when unset). A later run with ``--since-checkpoint`` checks the whole tree
(every root, the recorded one included) but skips the signature checks of the
entries that checkpoint covers: their bytes, hence their signatures, are
proven unchanged when the recomputed root equals the recorded one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["VerifiedState", "default_state_path"]


@dataclass(frozen=True)
class VerifiedState:
    """A checkpoint this verifier found fully intact, and under which trust."""

    origin: str
    log_key: str
    policy: str
    size: int
    root: bytes
    verified_at: str

    def fits(self, *, origin: str, log_key: str) -> bool:
        """Whether the state was recorded for this log under this anchor."""
        return (self.origin, self.log_key) == (origin, log_key)

    @classmethod
    def load(cls, path: Path) -> VerifiedState | None:
        """The recorded state, or None if there is none or it cannot be read."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                origin=str(raw["origin"]),
                log_key=str(raw["log_key"]),
                policy=str(raw["policy"]),
                size=int(raw["size"]),
                root=base64.b64decode(raw["root"], validate=True),
                verified_at=str(raw["verified_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError, binascii.Error):
            return None

    def save(self, path: Path) -> None:
        """Write the state atomically (a temporary file renamed into place)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {
                "origin": self.origin,
                "log_key": self.log_key,
                "policy": self.policy,
                "size": self.size,
                "root": base64.b64encode(self.root).decode(),
                "verified_at": self.verified_at,
            },
            indent=2,
        )
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(path)

    @staticmethod
    def now() -> str:
        """The current UTC time, for ``verified_at``."""
        return datetime.now(UTC).isoformat(timespec="seconds")


def default_state_path(origin: str, log_key: str, location: str) -> Path:
    """``$XDG_CACHE_HOME/letopis-verify/<sha256(origin, key, source)[:16]>.json``.

    One state per copy of a log: an older archive of the same school is not
    held to what a newer copy showed.
    """
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    name = hashlib.sha256(f"{origin}\n{log_key}\n{location}".encode()).hexdigest()
    return Path(cache) / "letopis-verify" / f"{name[:16]}.json"
