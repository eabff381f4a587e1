"""Witness cosignatures (C2SP ``tlog-cosignature``, ``cosignature/v1``) and the
witness policy: k of n named witness keys must have cosigned a checkpoint.

A cosignature is a note signature line ``— <witness name> base64(key ID ‖
timestamp ‖ signature)`` where the key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖
Ed25519 key)[:4], the timestamp a big-endian u64 of POSIX seconds, and the
Ed25519 signature covers::

    cosignature/v1
    time <timestamp>
    <the checkpoint's note text, final newline included>

A witness cosigns only a checkpoint consistent with every one it cosigned
before (C2SP ``tlog-witness``), so a tail rewritten and re-signed with the
log's own key finds no cosignature, and a verifier that demands k of n
witnesses refuses it. Pure functions over stdlib and ``cryptography``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.errors import NoteError
from verify.note import _DASH, _HASH, _NAME, Checkpoint

COSIGNATURE_V1 = 0x04
"""The key ID algorithm byte of an Ed25519 ``cosignature/v1`` key."""
HEADER = "cosignature/v1"
MAX_TIMESTAMP = 2**63 - 1


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 cosigner (algorithm byte 0x04)."""
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key
    ).digest()[:4]


def cosigner_vkey(name: str, public_key: bytes) -> str:
    """``<name>+<hex key ID>+<base64(0x04 ‖ key)>``: a witness's public key as text."""
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + public_key).decode()
    return f"{name}+{cosigner_key_id(name, public_key).hex()}+{encoded}"


def parse_cosigner_vkey(text: str) -> tuple[str, bytes]:
    """The name and raw Ed25519 key of a cosigner vkey; raises :class:`NoteError`."""
    name, _, rest = text.strip().partition("+")
    hash_hex, _, encoded = rest.partition("+")
    if not _NAME.fullmatch(name) or not _HASH.fullmatch(hash_hex) or not encoded:
        msg = f"witness key {text.strip()!r} is not <name>+<hex key ID>+<base64 key>"
        raise NoteError(msg)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError as e:
        msg = f"witness key {name!r}: the key is not standard base64"
        raise NoteError(msg) from e
    if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
        msg = (
            f"witness key {name!r} is not an Ed25519 cosignature/v1 key "
            "(type 0x04, 32 bytes)"
        )
        raise NoteError(msg)
    if cosigner_key_id(name, raw[1:]).hex() != hash_hex.lower():
        msg = f"witness key {name!r}: key ID {hash_hex} does not match the key"
        raise NoteError(msg)
    return name, raw[1:]


def signed_message(body: str, timestamp: int) -> bytes:
    """What a ``cosignature/v1`` signs: header, time line, then the note text."""
    return f"{HEADER}\ntime {timestamp}\n{body}".encode()


def cosignature_line(
    body: str,
    name: str,
    public_key: bytes,
    sign: Callable[[bytes], bytes],
    timestamp: int,
) -> str:
    """One cosignature line over a checkpoint's note text, newline included."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        msg = f"cosignature timestamp {timestamp} is not in 1..2^63-1"
        raise NoteError(msg)
    signature = sign(signed_message(body, timestamp))
    raw = cosigner_key_id(name, public_key) + timestamp.to_bytes(8, "big") + signature
    return f"{_DASH}{name} {base64.b64encode(raw).decode()}\n"


def verify_cosignature(checkpoint: Checkpoint, name: str, public_key: bytes) -> int:
    """The timestamp of ``name``'s valid cosignature on ``checkpoint``.

    Raises :class:`NoteError` if there is none, or if a line with that name
    and key ID does not verify (the note is then rejected whole, as for the
    log's own signature).
    """
    wanted = cosigner_key_id(name, public_key)
    lines = [
        s for s in checkpoint.signatures if s.name == name and s.key_hash == wanted
    ]
    if not lines:
        msg = f"checkpoint of size {checkpoint.size} has no cosignature by {name!r}"
        raise NoteError(msg)
    key = Ed25519PublicKey.from_public_bytes(public_key)
    stamps = []
    for line in lines:
        if len(line.signature) != 8 + 64:
            msg = (
                f"cosignature by {name!r} has {len(line.signature)} bytes after the "
                "key ID; cosignature/v1 holds 8 (timestamp) + 64 (Ed25519)"
            )
            raise NoteError(msg)
        timestamp = int.from_bytes(line.signature[:8], "big")
        try:
            key.verify(line.signature[8:], signed_message(checkpoint.body, timestamp))
        except InvalidSignature:
            msg = (
                f"checkpoint of size {checkpoint.size}: the cosignature by {name!r} "
                "does not verify; a note with a bad signature by a known key is "
                "rejected whole"
            )
            raise NoteError(msg) from None
        stamps.append(timestamp)
    return max(stamps)


@dataclass(frozen=True)
class WitnessPolicy:
    """At least ``quorum`` of ``witnesses`` (name → Ed25519 key) must cosign."""

    quorum: int
    witnesses: dict[str, bytes]

    @classmethod
    def from_json(cls, text: str, where: str = "witness policy") -> WitnessPolicy:
        """``{"quorum": k, "witnesses": ["<vkey>", ...]}``; raises NoteError."""
        try:
            data = json.loads(text)
        except ValueError as e:
            msg = f"{where} is not JSON: {e}"
            raise NoteError(msg) from e
        if not isinstance(data, dict) or set(data) != {"quorum", "witnesses"}:
            msg = f'{where} must be an object with exactly "quorum" and "witnesses"'
            raise NoteError(msg)
        keys = data["witnesses"]
        if not isinstance(keys, list) or not keys:
            msg = f"{where}: witnesses must be a non-empty list of witness vkeys"
            raise NoteError(msg)
        witnesses = dict(parse_cosigner_vkey(str(k)) for k in keys)
        if len(witnesses) != len(keys):
            msg = f"{where}: witnesses names a witness twice"
            raise NoteError(msg)
        quorum = data["quorum"]
        if type(quorum) is not int or not 1 <= quorum <= len(witnesses):
            msg = f"{where}: quorum {quorum!r} must be an integer in 1..{len(keys)}"
            raise NoteError(msg)
        return cls(quorum, witnesses)

    @classmethod
    def load(cls, path: Path) -> WitnessPolicy:
        """The policy in a JSON file (the auditor's, held outside the archive)."""
        return cls.from_json(path.read_text(encoding="utf-8"), str(path))

    def cosigners(self, checkpoint: Checkpoint) -> list[str]:
        """The policy's witnesses whose cosignature on ``checkpoint`` verifies.

        Raises :class:`NoteError` if fewer than the quorum did, or if any
        known witness's line fails to verify.
        """
        found = []
        for name, key in sorted(self.witnesses.items()):
            try:
                verify_cosignature(checkpoint, name, key)
            except NoteError as e:
                if "has no cosignature" not in str(e):
                    raise
                continue
            found.append(name)
        if len(found) < self.quorum:
            msg = (
                f"checkpoint of size {checkpoint.size} is cosigned by {len(found)} "
                f"of the policy's witnesses ({', '.join(found) or 'none'}); the "
                f"policy asks for {self.quorum} of {len(self.witnesses)}"
            )
            raise NoteError(msg)
        return found
