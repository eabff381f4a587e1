"""C2SP signed notes and transparency log checkpoints (DESIGN §3).

A checkpoint is the note text ``origin\\nsize\\nbase64(root)\\n``, a blank line,
then one signature line per signer: ``— <name> base64(key_hash ‖ signature)``,
where ``key_hash`` = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] for Ed25519.

Read exactly as C2SP ``signed-note`` and ``tlog-checkpoint`` allow: the note
is UTF-8 without ASCII control characters other than newline; the text ends in
a newline and is separated from the signatures by the last blank line; one to
`MAX_SIGNATURES` signature lines, each an em dash, a space, a key name (no
Unicode spaces, no ``+``), a space and base64 of at least five bytes, ending
in a newline. The checkpoint text has at least three lines, none empty: a
non-empty origin, the tree size in ASCII decimal without leading zeros (at
most `MAX_SIZE`), the root in base64 (32 bytes); extension lines follow.
Signature lines of unknown keys are ignored (key rotation, witness
co-signatures); a signature line of the known key (its name and key hash)
that does not verify rejects the whole note, even beside one that does.
Pure functions over stdlib and ``cryptography``; never imports ``ledger``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.errors import NoteError

ED25519 = 0x01
MAX_SIGNATURES = 100
"""Signature lines a note may carry (Go's sumdb/note limit; C2SP: at least 16)."""
MAX_SIZE = 2**63 - 1
"""The largest tree size read (a signed 64-bit integer, as Go's tlog reads it)."""
_DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")
_HASH = re.compile(r"[0-9a-fA-F]{8}")
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


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
    raw = _b64(encoded, f"verifier key {name!r}: the key")
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
        """Raise :class:`NoteError` unless ``name``'s key signed this checkpoint.

        Every signature line of that key (its name and key hash) must verify:
        one that does not rejects the note, even beside one that does (C2SP
        signed-note). Lines of other keys are ignored.
        """
        wanted = key_hash(name, public_key)
        candidates = [
            s for s in self.signatures if s.name == name and s.key_hash == wanted
        ]
        if not candidates:
            msg = f"checkpoint of size {self.size} has no signature by {name!r}"
            raise NoteError(msg)
        key = Ed25519PublicKey.from_public_bytes(public_key)
        for number, candidate in enumerate(candidates, 1):
            try:
                key.verify(candidate.signature, self.body.encode())
            except InvalidSignature:
                which = f" (line {number} of {len(candidates)})"
                msg = (
                    f"checkpoint of size {self.size}: a signature by {name!r}"
                    f"{which if len(candidates) > 1 else ''} does not verify; a "
                    "note with a bad signature by the known key is rejected whole"
                )
                raise NoteError(msg) from None


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a signed checkpoint note; malformed text raises :class:`NoteError`.

    Accepts exactly what C2SP signed-note and tlog-checkpoint allow (see the
    module docstring); the message says what was wrong and what is allowed.
    """
    control = _CONTROL.search(text)
    if control is not None:
        msg = (
            f"the note holds the control character {control.group()!r} at offset "
            f"{control.start()}; a signed note allows no ASCII control character "
            "but newline"
        )
        raise NoteError(msg)
    body, separator, signature_block = text.rpartition("\n\n")
    if not separator or not signature_block.endswith("\n"):
        msg = (
            "a signed note is text, a blank line, then signature lines ending in '\\n'"
        )
        raise NoteError(msg)
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or not all(lines):
        msg = (
            "a checkpoint's text is at least three lines (origin, size, root), "
            f"none of them empty; found {lines!r}"
        )
        raise NoteError(msg)
    origin, size_text, root_text = lines[:3]
    size = _size(size_text)
    root = _b64(root_text, f"checkpoint root {root_text!r}")
    if len(root) != 32:
        msg = f"checkpoint root has {len(root)} bytes; a SHA-256 root has 32"
        raise NoteError(msg)
    signature_lines = signature_block[:-1].split("\n")
    if len(signature_lines) > MAX_SIGNATURES:
        msg = (
            f"the note has {len(signature_lines)} signature lines; at most "
            f"{MAX_SIGNATURES} are read"
        )
        raise NoteError(msg)
    signatures = tuple(_signature(line) for line in signature_lines)
    return Checkpoint(origin, size, root, body, signatures, text)


def _size(text: str) -> int:
    """The tree size line: ASCII decimal digits, no leading zero, bounded."""
    if not _SIZE.fullmatch(text) or int(text) > MAX_SIZE:
        msg = (
            f"checkpoint size {text!r} is malformed: it must be ASCII decimal "
            f"digits without leading zeros ('0' for an empty tree), at most {MAX_SIZE}"
        )
        raise NoteError(msg)
    return int(text)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as e:  # binascii.Error, or a character beyond ASCII
        msg = f"{what} is not standard base64"
        raise NoteError(msg) from e


def _signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        msg = f"signature line {line!r} does not start with '— '"
        raise NoteError(msg)
    name, _, encoded = line[len(_DASH) :].partition(" ")
    raw = _b64(encoded, f"signature line of {name!r}")
    if not _NAME.fullmatch(name) or len(raw) < 5:
        msg = f"signature line {line!r} is malformed"
        raise NoteError(msg)
    return NoteSignature(name, raw[:4], raw[4:])
