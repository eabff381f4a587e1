"""The fast canonical-JSON path must give exactly the bytes of RFC 8785."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.envelope import Envelope, EventWriter, canonical, parse
from ledger.errors import EnvelopeError
from ledger.keys.directory import SigningKey

keys = st.text(max_size=8)
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_fast_path_equals_the_reference(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, UnicodeEncodeError):
        return  # outside JSON (lone surrogates, huge integers): covered below
    assert canonical(value) == expected


def test_keys_outside_the_basic_plane_sort_by_utf16_code_units() -> None:
    value = {"\U0001f600": 1, "\ufb01": 2}
    assert canonical(value) == rfc8785.dumps(value)
    assert canonical(value).index("😀".encode()) < canonical(value).index("ﬁ".encode())


def test_control_characters_escape_like_the_reference() -> None:
    value = {"s": '\b\t\n\f\r\x00\x1f\x7f/\\"«»'}
    assert canonical(value) == rfc8785.dumps(value)


def test_integers_beyond_two_to_the_53_are_refused_as_in_the_reference() -> None:
    largest = {"n": 2**53 - 1}
    assert canonical(largest) == rfc8785.dumps(largest)
    with pytest.raises(EnvelopeError, match="cannot be written as canonical JSON"):
        canonical({"n": 2**53})


@given(
    data=st.dictionaries(keys, values, max_size=6),
    seq=st.integers(min_value=1, max_value=2**40),
    text=st.text(max_size=12),
)
def test_envelope_bytes_assembled_from_fragments_equal_the_reference(
    data: dict[str, Any], seq: int, text: str
) -> None:
    try:
        rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, ValueError, UnicodeEncodeError):
        return
    signer = SigningKey.from_seed(bytes(32))
    for kind in ("event", "snapshot"):
        envelope = Envelope(
            log=f"letopis.test/{text}",
            stream="5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",
            seq=seq,
            prev=None,
            type=f"test.{text}",
            at="2026-09-01T08:30:00.000000Z",
            data=data,
            kind=kind,
        ).signed_by(signer)
        whole = envelope.unsigned_json()
        assert envelope.signing_input().endswith(rfc8785.dumps(whole))
        whole["sigs"] = [s.to_json() for s in envelope.sigs]
        assert envelope.to_bytes() == rfc8785.dumps(whole)


@given(
    data=st.dictionaries(keys, values, max_size=6),
    seq=st.integers(min_value=1, max_value=2**40),
    text=st.text(max_size=12),
    chained=st.booleans(),
    cosigned=st.booleans(),
)
def test_event_writer_bytes_equal_the_signed_envelope(
    data: dict[str, Any], seq: int, text: str, chained: bool, cosigned: bool
) -> None:
    try:
        rfc8785.dumps(data)
    except (rfc8785.CanonicalizationError, ValueError, UnicodeEncodeError):
        return
    signers = [SigningKey.from_seed(bytes(32)), SigningKey.from_seed(bytes([1]) * 32)]
    signers = signers if cosigned else signers[:1]
    fields: dict[str, Any] = {
        "stream": "5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",
        "seq": seq,
        "prev": "sha256:" + "ab" * 32 if chained else None,
        "at": "2026-09-01T08:30:00.000000Z",
        "data": data,
    }
    log, topic = f"letopis.test/{text}", f"test.{text}"
    written = EventWriter(log, signers).event_bytes(topic=topic, **fields)
    envelope = Envelope(log=log, type=topic, **fields).signed_by(*signers)
    assert written == envelope.to_bytes()
    assert parse(written).sigs == envelope.sigs


def test_event_writer_refuses_a_signature_that_is_not_64_bytes() -> None:
    class Short:
        key_id = "00" * 16

        def sign(self, message: bytes) -> bytes:
            return bytes(63)

    writer = EventWriter("letopis.test/school", [Short()])
    with pytest.raises(EnvelopeError, match=r"63-byte signature .* has 64"):
        writer.event_bytes(
            "5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",
            1,
            None,
            "test.Noted",
            "2026-09-01T08:30:00.000000Z",
            {},
        )
