"""The verifier's reading of envelope v1 agrees with the writer's, byte for byte.

``verify/`` must not import ``ledger/``; its tests may, to hold the two
independent readings of the format against each other.
"""

from __future__ import annotations

import base64
from datetime import UTC
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger import envelope as writer
from ledger.errors import EnvelopeError as WriterError
from verify.envelope import (
    _COMPILED,
    EnvelopeError,
    _parse_compiled,
    _parse_patterns,
    _parse_slowly,
    parse_envelope,
    parse_fast,
    signing_input,
    sortable_time,
)

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | text,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3)
    ),
    max_leaves=8,
)
times = st.datetimes(timezones=st.just(UTC)).map(writer.format_time)
signatures = st.builds(
    lambda key, sig, alg: writer.SignatureEntry(
        key=key.hex(), sig=base64.b64encode(sig).decode(), alg=alg
    ),
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=64, max_size=64),
    st.sampled_from(["ed25519", "ed448", "", 'a"b\\c\n']),
)


@st.composite
def envelopes(draw: st.DrawFn) -> writer.Envelope:
    seq = draw(st.integers(min_value=1, max_value=2**53 - 1))
    return writer.Envelope(
        log=draw(text.map(lambda t: "letopis.test/" + t)),
        stream=str(draw(st.uuids())),
        seq=seq,
        prev=None if seq == 1 else writer.content_hash(draw(st.binary())),
        type=draw(text.map(lambda t: "test." + t)),
        at=draw(times),
        data=draw(st.dictionaries(text, json_values, max_size=4)),
        sigs=tuple(draw(st.lists(signatures, max_size=3))),
    )


@given(envelopes())
def test_every_envelope_the_writer_stores_reads_back_the_same(
    envelope: writer.Envelope,
) -> None:
    stored = envelope.to_bytes()
    read = parse_envelope(stored)
    assert (read.log, read.stream, read.seq, read.prev) == (
        envelope.log,
        envelope.stream,
        envelope.seq,
        envelope.prev,
    )
    assert (read.type, read.at, read.data) == (
        envelope.type,
        envelope.at,
        envelope.data,
    )
    assert [(s.key, s.alg, s.sig) for s in read.sigs] == [
        (s.key, s.alg, s.raw) for s in envelope.sigs
    ]
    assert signing_input(stored) == envelope.signing_input()


@given(envelopes())
def test_the_fast_path_accepts_only_what_the_careful_reading_accepts(
    envelope: writer.Envelope,
) -> None:
    stored = envelope.to_bytes()
    fast = parse_fast(stored)
    assert fast is None or fast == _parse_slowly(stored)


def _writer_accepts(stored: bytes) -> bool:
    try:
        writer.parse(stored)
    except WriterError:
        return False
    return True


def _verifier_accepts(stored: bytes) -> bool:
    try:
        parse_envelope(stored)
    except EnvelopeError:
        return False
    return True


@given(envelopes(), st.data())
def test_a_changed_byte_is_judged_as_the_writer_judges_it(
    envelope: writer.Envelope, data: st.DataObject
) -> None:
    stored = bytearray(envelope.to_bytes())
    index = data.draw(st.integers(min_value=0, max_value=len(stored) - 1))
    stored[index] = data.draw(st.integers(min_value=0, max_value=255))
    changed = bytes(stored)
    assert _verifier_accepts(changed) == _writer_accepts(changed)


VALID: dict[str, Any] = {
    "v": 1,
    "log": "letopis.test/school",
    "stream": "0b6e2d1c-7f4e-4a57-9e1d-2f0c7a9a1b22",
    "seq": 2,
    "prev": "sha256:" + "ab" * 32,
    "type": "journal.MarkRecorded",
    "at": "2025-09-01T08:30:00.000001Z",
    "data": {"mark": "5"},
    "sigs": [{"key": "0" * 32, "alg": "ed25519", "sig": "A" * 86 + "=="}],
}


def _stored(**changes: Any) -> bytes:
    value = {**VALID, **changes}
    return rfc8785.dumps({k: v for k, v in value.items() if v is not ...})


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"v": 2}, "'v'"),
        ({"v": True}, "'v'"),
        ({"log": ""}, "'log'"),
        ({"stream": "0B6E2D1C-7F4E-4A57-9E1D-2F0C7A9A1B22"}, "'stream'"),
        ({"seq": 0}, "'seq'"),
        ({"seq": "2"}, "'seq'"),
        ({"prev": "sha256:" + "AB" * 32}, "'prev'"),
        ({"type": ""}, "'type'"),
        ({"at": "2025-09-01 08:30:00Z"}, "'at'"),
        ({"at": "2025-02-30T08:30:00Z"}, "'at'"),
        ({"at": "2025-09-01T24:00:00Z"}, "'at'"),
        ({"data": []}, "'data'"),
        ({"sigs": {}}, "'sigs'"),
        ({"sigs": [{"key": "0" * 32, "alg": "ed25519"}]}, "must be an object"),
        (
            {"sigs": [{"key": "A" * 32, "alg": "ed25519", "sig": "A" * 86 + "=="}]},
            "key id",
        ),
        (
            {"sigs": [{"key": "0" * 32, "alg": "ed25519", "sig": "A" * 85 + "B=="}]},
            "canonical base64",
        ),
        ({"extra": 1}, "exactly"),
        ({"prev": ...}, "exactly"),
    ],
)
def test_each_malformed_field_is_named(changes: dict[str, Any], named: str) -> None:
    with pytest.raises(EnvelopeError, match=named):
        parse_envelope(_stored(**changes))


needs_msgspec = pytest.mark.skipif(
    _COMPILED is None, reason="msgspec is not installed (a dev dependency)"
)


@needs_msgspec
@given(envelopes(), st.data())
def test_the_compiled_reader_accepts_only_what_the_careful_reading_accepts(
    envelope: writer.Envelope, data: st.DataObject
) -> None:
    stored = envelope.to_bytes()
    compiled = _parse_compiled(stored)
    assert compiled is None or compiled == _parse_slowly(stored)
    changed = bytearray(stored)
    index = data.draw(st.integers(min_value=0, max_value=len(changed) - 1))
    changed[index] = data.draw(st.integers(min_value=0, max_value=255))
    compiled = _parse_compiled(bytes(changed))
    assert compiled is None or _verifier_accepts(bytes(changed))
    assert compiled is None or compiled == _parse_slowly(bytes(changed))


@needs_msgspec
@pytest.mark.parametrize(
    "stored",
    [
        _stored(data={"mark": 5.5}),
        _stored(data={"mark": 1e16}),
        _stored(data={"\U0001f600": 1, "\uffff": 2}),
        _stored(v=True),
        _stored().replace(b'"seq":2', b'"seq":9007199254740993'),
        _stored().replace(b'"mark":"5"', b'"mark":12345678901234567'),
        _stored().replace(b'"mark":"5"', b'"mark":"\\ud800"'),
        _stored().replace(b'"mark":"5"', b'"mark":"\\ud83d\\ude00"'),
        _stored().replace(b'"mark":"5"', b'"mark":"\\u0035"'),
    ],
)
def test_the_compiled_reader_declines_what_it_cannot_judge(stored: bytes) -> None:
    assert _parse_compiled(stored) is None


@needs_msgspec
@pytest.mark.parametrize(
    "stored", [_stored(), _stored(data={"mark": "\u0001\n\u007f", "n": -(2**53 - 1)})]
)
def test_the_compiled_reader_reads_a_common_envelope_as_the_patterns_do(
    stored: bytes,
) -> None:
    assert _parse_compiled(stored) == _parse_patterns(stored) == _parse_slowly(stored)
    assert _parse_compiled(stored) is not None


def test_a_valid_envelope_reads_on_both_paths() -> None:
    stored = _stored()
    assert parse_fast(stored) == parse_envelope(stored) == _parse_slowly(stored)
    assert parse_envelope(stored).name == f"{VALID['stream']}:2"
    assert UUID(parse_envelope(stored).stream)


def test_non_canonical_spacing_is_refused() -> None:
    with pytest.raises(EnvelopeError, match="canonical form"):
        parse_envelope(_stored().replace(b'"seq":2', b'"seq": 2'))


@pytest.mark.parametrize(
    ("at", "sortable"),
    [
        ("2025-09-01T08:30:00Z", "2025-09-01T08:30:00.000000"),
        ("2025-09-01T08:30:00.5Z", "2025-09-01T08:30:00.500000"),
        ("2025-09-01T08:30:00.123456789Z", "2025-09-01T08:30:00.123456"),
    ],
)
def test_times_sort_as_they_run(at: str, sortable: str) -> None:
    assert sortable_time(at) == sortable
