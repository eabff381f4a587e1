"""Both Ed25519 back ends accept and refuse exactly the same signatures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.keys.directory import SigningKey
from verify import crypto

KEY = SigningKey.generate()
CHECKS = {
    "pynacl": crypto._pynacl(),
    "cryptography": (crypto._cryptography, crypto._cryptography_signed),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
@given(message=st.binary(max_size=64), flip=st.integers(min_value=0, max_value=95))
def test_a_valid_signature_passes_and_any_changed_byte_fails(
    name: str, message: bytes, flip: int
) -> None:
    checks = CHECKS[name]
    assert checks is not None
    check, check_signed = checks
    signature = KEY.sign(message)
    assert check(KEY.public_bytes, signature, message)
    assert check_signed(KEY.public_bytes, signature + message)
    signed = bytearray(signature + message)
    if flip < len(signed):
        signed[flip] ^= 0x01
        assert not check_signed(KEY.public_bytes, bytes(signed))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_malformed_keys_and_signatures_are_refused_not_raised(name: str) -> None:
    checks = CHECKS[name]
    assert checks is not None
    check, check_signed = checks
    assert not check(b"\x00" * 31, b"\x00" * 64, b"m")
    assert not check(KEY.public_bytes, b"\x00" * 63, b"m")
    assert not check_signed(KEY.public_bytes, b"short")
