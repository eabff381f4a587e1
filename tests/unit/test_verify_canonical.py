"""The verifier's own RFC 8785 reading agrees with the ``rfc8785`` reference."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from verify.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    decode_canonical,
    es_number,
    jcs,
)

safe_ints = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)


def _readable(number: float) -> float:
    """JCS writes integral doubles below 1e21 as digits; beyond 2**53 the writer
    refuses those digits as integers, so the reference values avoid them."""
    return 0.5 if number.is_integer() and 2**53 <= abs(number) < 1e21 else number


finite = st.floats(allow_nan=False, allow_infinity=False).map(_readable)
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
scalars = st.none() | st.booleans() | safe_ints | finite | text
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4)
    ),
    max_leaves=12,
)
integral_values = st.recursive(
    st.none() | st.booleans() | safe_ints | text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4)
    ),
    max_leaves=12,
)


@given(values)
def test_jcs_is_the_reference_serialisation(value: Any) -> None:
    assert jcs(value).encode() == rfc8785.dumps(value)


@given(values)
def test_canonical_bytes_are_read_back_to_their_value(value: Any) -> None:
    assert decode_canonical(rfc8785.dumps(value)) == value


@given(finite)
def test_numbers_are_written_as_ecmascript_does(number: float) -> None:
    assert es_number(number).encode() == rfc8785.dumps(number)


@given(integral_values)
def test_any_other_spelling_is_refused(value: Any) -> None:
    canonical = rfc8785.dumps(value)
    for other in (
        json.dumps(value, indent=1).encode(),
        json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode(),
        canonical + b" ",
    ):
        if other != canonical:
            with pytest.raises(CanonicalError):
                decode_canonical(other)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"b":1,"a":2}', "canonical form"),
        (b'{"a":1,"a":1}', "canonical form"),
        (b'{"a":1.0}', "canonical form"),
        (b'{"a":-0}', "canonical form"),
        (b'"\\u0041"', "canonical form"),
        (b'"\\u001F"', "canonical form"),
        (b'"\\/"', "canonical form"),
        (b"[1e2]", "canonical form"),
        (b"9007199254740993", "outside"),
        (b"[NaN]", "not a JSON value"),
        (b'"\\ud800"', "canonical form"),
        (b"\xef\xbb\xbf{}", "not JSON"),
        (b"\xff", "not UTF-8"),
        (b"{} {}", "unexpected text"),
        (b"", "not JSON"),
    ],
)
def test_non_canonical_or_non_json_bytes_are_named(data: bytes, why: str) -> None:
    with pytest.raises(CanonicalError, match=why):
        decode_canonical(data)


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    value = {"\U0001f600": 1, "\uff61": 2}  # surrogates sort below U+FF61 in UTF-16
    canonical = rfc8785.dumps(value)
    assert canonical.index("\U0001f600".encode()) < canonical.index("\uff61".encode())
    assert decode_canonical(canonical) == value
    assert jcs(value).encode() == canonical
