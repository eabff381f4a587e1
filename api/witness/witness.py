"""An independent witness (C2SP ``tlog-witness``): it cosigns a log's checkpoint
only if it is consistent with the latest one it cosigned for that log.

A second party runs it (the municipal education office, an archive) with its
own key and its own state directory, so that whoever holds the school's log
key and database cannot rewrite the log's tail unseen: the witness refuses a
checkpoint that does not extend what it cosigned, and a verifier demanding
its cosignature refuses the rewritten log.

The state directory holds::

    witness.json      {"name": "<key name>"}: the witness's key name
    witness.key       the Ed25519 private key (raw 32-byte seed, hex; mode 0600)
    logs.json         {"<origin>": "<log vkey>", ...}: the logs it witnesses
    latest/<sha256(origin)>.note   the latest checkpoint it cosigned, per log

The check of ``old`` against the latest cosigned size and the write of the
new one happen under one lock, and the note is renamed into place before the
answer (the race the protocol warns of cannot roll the witness back).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verify import merkle
from verify.cosignature import cosignature_line, cosigner_vkey
from verify.errors import NoteError
from verify.note import Checkpoint, parse_checkpoint, parse_verifier_key

MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"


class WitnessError(Exception):
    """A refused request: the HTTP status the protocol names, and why."""

    def __init__(self, status: int, message: str, *, latest: int | None = None):
        super().__init__(message)
        self.status = status
        self.latest = latest


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request: old size, proof, and the note."""

    old: int
    proof: tuple[bytes, ...]
    note: str


def parse_request(body: bytes) -> AddCheckpoint:
    """Read ``old <size>``, proof lines, a blank line, then the note; 400 if bad."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise WitnessError(400, "the request body is not UTF-8") from e
    head, separator, note = text.partition("\n\n")
    if not separator:
        msg = "the body must be 'old <size>', proof lines, an empty line, the note"
        raise WitnessError(400, msg)
    lines = head.split("\n")
    old_line, proof_lines = lines[0], lines[1:]
    size_text = old_line.removeprefix("old ")
    if size_text == old_line or not (
        size_text == "0" or (size_text[:1] in "123456789" and size_text.isdigit())
    ):
        msg = (
            f"old size line {old_line!r} must be 'old ' and a decimal size "
            "without leading zeros"
        )
        raise WitnessError(400, msg)
    if len(proof_lines) > MAX_PROOF_LINES:
        msg = f"{len(proof_lines)} proof lines; at most {MAX_PROOF_LINES} are allowed"
        raise WitnessError(400, msg)
    proof = []
    for number, line in enumerate(proof_lines, 1):
        try:
            digest = base64.b64decode(line, validate=True)
        except ValueError as e:
            msg = f"proof line {number} is not standard base64"
            raise WitnessError(400, msg) from e
        if len(digest) != 32:
            msg = f"proof line {number} has {len(digest)} bytes; a hash has 32"
            raise WitnessError(400, msg)
        proof.append(digest)
    return AddCheckpoint(int(size_text), tuple(proof), note)


class Witness:
    """One witness: its key, the logs it knows, the latest cosigned per log."""

    def __init__(self, state: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.state = Path(state)
        if not (self.state / "witness.json").is_file():
            msg = (
                f"{self.state} is not a witness state directory (no witness.json); "
                "make one with `letopis witness init`"
            )
            raise WitnessError(400, msg)
        config = json.loads((self.state / "witness.json").read_text())
        self.name: str = config["name"]
        seed = bytes.fromhex((self.state / "witness.key").read_text().strip())
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )
        self._clock = clock
        self._lock = threading.Lock()

    @classmethod
    def create(cls, state: Path, name: str) -> Witness:
        """Make a new state directory with a fresh key; refuse an existing one."""
        state = Path(state)
        if (state / "witness.json").exists():
            msg = f"{state} holds a witness already ({state / 'witness.json'})"
            raise WitnessError(409, msg)
        if not name or any(c.isspace() or c == "+" for c in name):
            msg = f"witness name {name!r} must be non-empty, without spaces or '+'"
            raise WitnessError(400, msg)
        (state / "latest").mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        key_path = state / "witness.key"
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(seed.hex() + "\n")
        (state / "logs.json").write_text("{}\n")
        (state / "witness.json").write_text(json.dumps({"name": name}) + "\n")
        return cls(state)

    @property
    def vkey(self) -> str:
        """The witness's public key as a ``cosignature/v1`` vkey, for policies."""
        return cosigner_vkey(self.name, self.public_key)

    def logs(self) -> dict[str, tuple[str, bytes]]:
        """Origin → (log key name, Ed25519 key) of every log it witnesses."""
        data: dict[str, str] = json.loads((self.state / "logs.json").read_text())
        return {origin: parse_verifier_key(vkey) for origin, vkey in data.items()}

    def add_log(self, origin: str, vkey: str) -> None:
        """Witness the log ``origin`` signed by the note key ``vkey``."""
        parse_verifier_key(vkey)
        path = self.state / "logs.json"
        data = json.loads(path.read_text())
        if origin in data and data[origin] != vkey:
            msg = f"log {origin!r} is witnessed with another key already"
            raise WitnessError(409, msg)
        data[origin] = vkey
        _replace(path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def latest(self, origin: str) -> Checkpoint | None:
        path = self._latest_path(origin)
        return parse_checkpoint(path.read_text()) if path.is_file() else None

    def add_checkpoint(self, body: bytes) -> str:
        """Check a request as tlog-witness says; the cosignature line, or refuse."""
        request = parse_request(body)
        try:
            checkpoint = parse_checkpoint(request.note)
        except NoteError as e:
            raise WitnessError(400, f"the checkpoint is malformed: {e}") from e
        known = self.logs().get(checkpoint.origin)
        if known is None:
            msg = f"origin {checkpoint.origin!r} is not a log this witness witnesses"
            raise WitnessError(404, msg)
        try:
            checkpoint.verify(*known)
        except NoteError as e:
            raise WitnessError(403, f"the log's signature: {e}") from e
        if request.old > checkpoint.size:
            msg = (
                f"old size {request.old} is larger than the checkpoint's size "
                f"{checkpoint.size}; it must be at most that"
            )
            raise WitnessError(400, msg)
        if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
            raise WitnessError(422, "a checkpoint of size 0 must have the empty root")
        with self._lock:
            latest = self.latest(checkpoint.origin)
            latest_size = 0 if latest is None else latest.size
            if request.old != latest_size:
                msg = (
                    f"old size {request.old} is not the size of the latest checkpoint "
                    f"this witness cosigned for {checkpoint.origin!r} ({latest_size})"
                )
                raise WitnessError(409, msg, latest=latest_size)
            self._check_consistent(latest, checkpoint, request.proof)
            line = cosignature_line(
                checkpoint.body,
                self.name,
                self.public_key,
                self._key.sign,
                int(self._clock()),
            )
            _replace(self._latest_path(checkpoint.origin), checkpoint.text)
        return line

    def _check_consistent(
        self, latest: Checkpoint | None, new: Checkpoint, proof: tuple[bytes, ...]
    ) -> None:
        if latest is None:
            if proof:
                msg = "old size 0 takes no consistency proof; the proof must be empty"
                raise WitnessError(422, msg)
            return
        if latest.size == new.size:
            if latest.root != new.root or proof:
                msg = (
                    f"the checkpoint of size {new.size} has another root than the "
                    "one this witness cosigned at that size (or a non-empty proof)"
                )
                raise WitnessError(422, msg)
            return
        try:
            merkle.verify_consistency(
                latest.size, new.size, list(proof), latest.root, new.root
            )
        except merkle.MerkleProofError as e:
            msg = (
                f"the consistency proof from size {latest.size} to {new.size} "
                f"does not verify: {e}"
            )
            raise WitnessError(422, msg) from e

    def _latest_path(self, origin: str) -> Path:
        return (
            self.state
            / "latest"
            / f"{hashlib.sha256(origin.encode()).hexdigest()}.note"
        )


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a rename), synced before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
