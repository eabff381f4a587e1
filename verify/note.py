"""C2SP signed notes and transparency log checkpoints (DESIGN §3).

A checkpoint is the note text ``origin\\nsize\\nbase64(root)\\n``, a blank line,
then one signature line per signer: ``— <name> base64(key_hash ‖ signature)``,
where ``key_hash`` = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] for Ed25519.
Unknown signature lines are ignored (key rotation, witness co-signatures).
Pure functions over stdlib and ``cryptography``; never imports ``ledger``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.errors import NoteError

ED25519 = 0x01
_DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")
_HASH = re.compile(r"[0-9a-fA-F]{8}")


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key hash that names an Ed25519 note key."""
    return hashlib.sha256(
        name.encode() + b"\n" + bytes([ED25519]) + public_key
    ).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<hex key hash>+<base64(0x01 ‖ key)>`` (Go sumdb/note form)."""
    encoded = base64.b64encode(bytes([ED25519]) + public_key).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
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


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The note text of a checkpoint (what is signed), final newline included."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def signature_line(name: str, public_key: bytes, signature: bytes) -> str:
    """One note signature line, newline included."""
    encoded = base64.b64encode(key_hash(name, public_key) + signature).decode()
    return f"{_DASH}{name} {encoded}\n"


def signed_note(
    body: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes]
) -> str:
    """``body`` signed by one Ed25519 key: the text of a signed note."""
    return body + "\n" + signature_line(name, public_key, sign(body.encode()))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the signer's name, key hash, and signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes


@dataclass(frozen=True)
class Checkpoint:
    """A parsed checkpoint: origin, tree size, root hash, and its signatures."""

    origin: str
    size: int
    root: bytes
    body: str
    signatures: tuple[NoteSignature, ...]
    text: str

    def verify(self, name: str, public_key: bytes) -> None:
        """Raise :class:`NoteError` unless ``name``'s key signed this checkpoint."""
        wanted = key_hash(name, public_key)
        candidates = [
            s for s in self.signatures if s.name == name and s.key_hash == wanted
        ]
        if not candidates:
            msg = f"checkpoint of size {self.size} has no signature by {name!r}"
            raise NoteError(msg)
        key = Ed25519PublicKey.from_public_bytes(public_key)
        for candidate in candidates:
            try:
                key.verify(candidate.signature, self.body.encode())
            except InvalidSignature:
                continue
            return
        msg = (
            f"checkpoint of size {self.size}: the signature by {name!r} does not verify"
        )
        raise NoteError(msg)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a signed checkpoint note; malformed text raises :class:`NoteError`."""
    body, separator, signature_block = text.partition("\n\n")
    if not separator or not signature_block.endswith("\n"):
        msg = (
            "a signed note is text, a blank line, then signature lines ending in '\\n'"
        )
        raise NoteError(msg)
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        msg = f"a checkpoint has origin, size and root lines; found {len(lines)} lines"
        raise NoteError(msg)
    origin, size_text, root_text = lines[:3]
    if (
        not origin
        or not size_text.isdigit()
        or (size_text != "0" and size_text[0] == "0")
    ):
        msg = f"checkpoint origin {origin!r} or size {size_text!r} is malformed"
        raise NoteError(msg)
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as e:
        msg = f"checkpoint root {root_text!r} is not base64"
        raise NoteError(msg) from e
    if len(root) != 32:
        msg = f"checkpoint root has {len(root)} bytes; a SHA-256 root has 32"
        raise NoteError(msg)
    signatures = tuple(_signature(line) for line in signature_block[:-1].split("\n"))
    return Checkpoint(origin, int(size_text), root, body, signatures, text)


def _signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        msg = f"signature line {line!r} does not start with '— '"
        raise NoteError(msg)
    name, _, encoded = line[len(_DASH) :].partition(" ")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as e:
        msg = f"signature line of {name!r} is not base64"
        raise NoteError(msg) from e
    if not _NAME.fullmatch(name) or len(raw) < 5:
        msg = f"signature line {line!r} is malformed"
        raise NoteError(msg)
    return NoteSignature(name, raw[:4], raw[4:])
