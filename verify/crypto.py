"""Ed25519 signature checks: PyNaCl (libsodium) when installed, else cryptography.

Verification is the verifier's bottleneck (DESIGN §8): libsodium checks about
twice as many signatures a second as OpenSSL through ``cryptography`` here, so
it is preferred; both accept exactly the signatures RFC 8032 defines for the
keys the writer makes. ``LETOPIS_VERIFY_BACKEND=cryptography`` forces the
fallback (tests use it to check both).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "BACKEND",
    "BACKEND_ENV",
    "SignatureCheck",
    "SignedMessageCheck",
    "backend",
    "signature_check",
    "signed_message_check",
]

BACKEND_ENV = "LETOPIS_VERIFY_BACKEND"

SignatureCheck = Callable[[bytes, bytes, bytes], bool]
"""``check(public_key, signature, message)``: whether the signature is valid."""

SignedMessageCheck = Callable[[bytes, bytes], bool]
"""``check(public_key, signature ‖ message)``: the same, on one byte string."""


def _pynacl() -> tuple[SignatureCheck, SignedMessageCheck] | None:
    try:
        from nacl.bindings import crypto_sign_open
        from nacl.exceptions import CryptoError
    except ImportError:
        return None

    def check_signed(public_key: bytes, signed: bytes) -> bool:
        if len(public_key) != 32 or len(signed) < 64:
            return False
        try:
            crypto_sign_open(signed, public_key)
        except (CryptoError, ValueError):
            return False
        return True

    def check(public_key: bytes, signature: bytes, message: bytes) -> bool:
        return len(signature) == 64 and check_signed(public_key, signature + message)

    return check, check_signed


@lru_cache(maxsize=4096)
def _public_key(raw: bytes) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None


def _cryptography(public_key: bytes, signature: bytes, message: bytes) -> bool:
    key = _public_key(public_key)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _cryptography_signed(public_key: bytes, signed: bytes) -> bool:
    return _cryptography(public_key, signed[:64], signed[64:])


def backend() -> tuple[str, SignatureCheck, SignedMessageCheck]:
    """The name and check functions of the fastest available Ed25519 library."""
    if os.environ.get(BACKEND_ENV, "") != "cryptography":
        checks = _pynacl()
        if checks is not None:
            return "pynacl", *checks
    return "cryptography", _cryptography, _cryptography_signed


BACKEND, signature_check, signed_message_check = backend()
"""The library this process verifies with, and its check functions."""
