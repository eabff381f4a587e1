"""What the sealer signed, remembered outside the store (DESIGN §3).

The database owner can rewrite every row of the store without any key: delete
entries, rebuild the leaf and node rows, delete the checkpoint rows. What the
owner cannot rewrite is the key directory, so the sealer keeps the latest
checkpoint it signed there, beside the log key: ``log-state/checkpoint``, the
signed note itself (so it is also a ``--trusted-checkpoint`` for ``verify``).

The file is replaced atomically (a temporary file, fsync, rename, fsync of the
folder), only after the checkpoint row has committed, and never moves back to
a smaller size. A crash between the commit and the rename leaves the file one
checkpoint behind the store; the sealer then accepts the store's newer
checkpoint if the log key signed it and it extends the remembered one.

A refusal is remembered too (``log-state/refused``, what was wrong and when):
while that file exists the sealer signs nothing, so undoing the damage in the
store does not turn sealing green again unseen. A person examines the store
and removes the file.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ledger.log.store import LogIntegrityError, StoredCheckpoint
from verify.errors import NoteError
from verify.note import parse_checkpoint

STATE_FOLDER = "log-state"
STATE_FILE = "checkpoint"
REFUSAL_FILE = "refused"


@dataclass(frozen=True)
class Remembered:
    """A checkpoint the log key signed: its size, root and note."""

    size: int
    root: bytes
    note: str


def read_note(note: str, origin: str, public_key: bytes, *, what: str) -> Remembered:
    """The checkpoint in ``note`` if the log key signed it for ``origin``."""
    try:
        checkpoint = parse_checkpoint(note)
        checkpoint.verify(origin, public_key)
    except NoteError as e:
        msg = f"refusing to sign: {what} is not a checkpoint signed by the log key: {e}"
        raise LogIntegrityError(msg) from e
    if checkpoint.origin != origin:
        msg = (
            f"refusing to sign: {what} is for log {checkpoint.origin!r}, not {origin!r}"
        )
        raise LogIntegrityError(msg)
    return Remembered(checkpoint.size, checkpoint.root, note)


class SealerMemory:
    """The latest checkpoint the sealer signed, kept in the key directory."""

    def __init__(self, key_directory: Path, origin: str, public_key: bytes) -> None:
        self.folder = key_directory / STATE_FOLDER
        self.path = self.folder / STATE_FILE
        self.origin = origin
        self.public_key = public_key

    def load(self) -> Remembered | None:
        """The remembered checkpoint; None before the first seal with memory."""
        try:
            note = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return read_note(
            note, self.origin, self.public_key, what=f"the remembered {self.path}"
        )

    def verified(self, checkpoint: StoredCheckpoint) -> Remembered:
        """A stored checkpoint, accepted only if the log key signed what it says."""
        what = f"the stored checkpoint of size {checkpoint.size}"
        found = read_note(checkpoint.note, self.origin, self.public_key, what=what)
        if (found.size, found.root) != (checkpoint.size, checkpoint.root):
            msg = (
                f"refusing to sign: {what} has a row (size, root) that differs from "
                "its signed note; the checkpoint rows were altered"
            )
            raise LogIntegrityError(msg)
        return found

    @property
    def refusal_path(self) -> Path:
        return self.folder / REFUSAL_FILE

    def refusal(self) -> str | None:
        """Why the sealer refused before, if that refusal still stands."""
        try:
            return self.refusal_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None

    def refuse(self, why: str, at: str) -> None:
        """Remember a refusal (the first one stands until a person removes it)."""
        self.folder.mkdir(mode=0o700, exist_ok=True)
        if self.refusal_path.exists():
            return
        self._replace(f"{at} {why}\n", self.refusal_path)

    def remember(self, checkpoint: Remembered) -> None:
        """Replace the file atomically with ``checkpoint`` unless it is older.

        Sealers of one key directory (the server's, `letopis seal`) take turns
        under a lock, so the file never moves back to a smaller size.
        """
        self.folder.mkdir(mode=0o700, exist_ok=True)
        with open(self.folder / "lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.load()
                if current is None or current.size < checkpoint.size:
                    self._replace(checkpoint.note, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _replace(self, text: str, path: Path) -> None:
        """Write ``path`` atomically: a temporary file, fsync, rename, fsync."""
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        folder = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
