"""RFC 8785 (JCS) canonical JSON, checked without the writer's code.

Every envelope is stored as the canonical JSON of its value, so one event has
exactly one byte form and one hash. `decode_canonical` parses JSON text and
refuses it unless the text is exactly the JCS serialisation of what it parsed.

Most envelopes take a fast path: the standard library's compact, sorted JSON
is byte-identical to JCS when the value holds no floats, no integer beyond
±(2⁵³−1) and no characters outside the Basic Multilingual Plane (which sort
differently by UTF-16 code units). Anything else goes through `jcs`, a plain
implementation of RFC 8785 §3.2. Integers beyond ±(2⁵³−1) are refused, as the
writer refuses them (they do not survive an IEEE 754 double).
"""

from __future__ import annotations

import json
import math
from json import encoder as _json_encoder
from json.encoder import encode_basestring
from typing import Any

from verify.errors import VerificationError

__all__ = [
    "MAX_SAFE_INTEGER",
    "CanonicalError",
    "beyond_bmp",
    "decode_canonical",
    "encode",
    "es_number",
    "fast_value",
    "jcs",
    "require_canonical",
    "scan",
    "scan_text",
]

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer an IEEE 754 double holds exactly (I-JSON, RFC 7493)."""


class CanonicalError(VerificationError, ValueError):
    """JSON text is malformed or not in RFC 8785 canonical form."""


class _SlowPath(Exception):
    """Internal: the value has a float, so the fast path cannot judge it."""


def _no_float(text: str) -> float:
    raise _SlowPath


def _checked_int(text: str) -> int:
    value = int(text)
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    msg = f"integer {text} is outside ±(2**53-1), the range JSON numbers keep exactly"
    raise CanonicalError(msg)


def _no_constant(text: str) -> Any:
    msg = f"{text} is not a JSON value"
    raise CanonicalError(msg)


def _decoder(parse_float: Any) -> Any:
    decoder = json.JSONDecoder(
        parse_float=parse_float, parse_int=_checked_int, parse_constant=_no_constant
    )
    return decoder.scan_once  # type: ignore[attr-defined]


def _refuse_type(value: Any) -> Any:
    msg = f"a value of type {type(value).__name__} is not JSON"
    raise TypeError(msg)


_FAST_SCAN = _decoder(_no_float)
_FULL_SCAN = _decoder(float)
_FAST_ENCODE = _json_encoder.c_make_encoder(  # type: ignore[attr-defined]
    # sorted keys, compact separators, UTF-8 kept, no check for cycles
    None,
    _refuse_type,
    encode_basestring,
    None,
    ":",
    ",",
    True,
    False,
    False,
)
if _FAST_ENCODE is None:  # pragma: no cover - CPython always has _json
    msg = "the json C accelerator is missing; the verifier needs CPython"
    raise ImportError(msg)


def decode_canonical(data: bytes) -> Any:
    """Parse UTF-8 JSON ``data``; raise CanonicalError unless it is exactly JCS.

    Returns the parsed value (objects as dicts, arrays as lists).
    """
    text, value, slow = scan(data)
    require_canonical(encode(value, slow=slow), text)
    return value


def scan(data: bytes) -> tuple[str, Any, bool]:
    """Parse UTF-8 JSON ``data`` into ``(text, value, slow)``; no canonical check.

    ``slow`` says that `encode` must take the full RFC 8785 path for this value
    (it holds a float, or characters outside the Basic Multilingual Plane).
    Integers beyond ±(2**53-1), NaN and Infinity raise CanonicalError.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        msg = f"bytes are not UTF-8 (at byte {e.start})"
        raise CanonicalError(msg) from e
    value, slow = scan_text(text, beyond_bmp=beyond_bmp(data))
    return text, value, slow


def beyond_bmp(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds a character beyond U+FFFF (a 4-byte sequence)."""
    return not data.isascii() and bool(data.translate(None, _ALL_BUT_FOUR_BYTE_LEADS))


_ALL_BUT_FOUR_BYTE_LEADS = bytes(b for b in range(256) if not 0xF0 <= b <= 0xF4)


def scan_text(text: str, *, beyond_bmp: bool) -> tuple[Any, bool]:
    """`scan` for text already decoded: ``(value, slow)``.

    ``beyond_bmp`` must be true if the text may hold a character beyond U+FFFF
    (see `beyond_bmp`): such keys sort differently in JCS.
    """
    slow = beyond_bmp
    try:
        value, end = _scan(_FULL_SCAN if slow else _FAST_SCAN, text)
    except _SlowPath:
        value, end = _scan(_FULL_SCAN, text)
        slow = True
    if end != len(text):
        msg = f"bytes are not JSON: unexpected text at character {end}"
        raise CanonicalError(msg)
    return value, slow


def fast_value(text: str) -> Any:
    """The value of JSON ``text`` when the fast path proves it canonical, else None.

    None means "not decided here": the text may hold a float, be malformed or
    not canonical; `scan` and `encode` then judge it. The caller must make sure
    the text has no character beyond U+FFFF (see `beyond_bmp`).
    """
    try:
        value, end = _FAST_SCAN(text, 0)
    except (_SlowPath, ValueError, StopIteration, RecursionError):
        return None  # ValueError covers JSONDecodeError and CanonicalError
    if end != len(text) or "".join(_FAST_ENCODE(value, 0)) != text:
        return None
    return value


def encode(value: Any, *, slow: bool = True) -> str:
    """The JCS text of ``value``; ``slow=False`` only for values `scan` cleared."""
    return jcs(value) if slow else "".join(_FAST_ENCODE(value, 0))


def require_canonical(canonical: str, text: str) -> None:
    """Raise CanonicalError unless ``text`` is exactly the canonical text."""
    if canonical != text:
        where = _diff(canonical, text)
        msg = f"not in RFC 8785 canonical form (first difference at {where})"
        raise CanonicalError(msg)


def _scan(scanner: Any, text: str) -> tuple[Any, int]:
    try:
        value, end = scanner(text, 0)
    except (json.JSONDecodeError, StopIteration, RecursionError) as e:
        msg = f"bytes are not JSON: {_reason(e)}"
        raise CanonicalError(msg) from e
    return value, int(end)


def _reason(error: Exception) -> str:
    if isinstance(error, StopIteration):
        return "no value at the start"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)


def _diff(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"character {i}"
    return f"character {min(len(a), len(b))}"


def jcs(value: Any) -> str:
    """The RFC 8785 canonical JSON text of a JSON value (dict, list, str, ...)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(_checked_int(str(value)))
    if isinstance(value, float):
        return es_number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_string(k) + ":" + jcs(value[k]) for k in keys) + "}"
    msg = f"a value of type {type(value).__name__} is not JSON"
    raise CanonicalError(msg)


def _utf16_key(key: Any) -> bytes:
    if not isinstance(key, str):
        msg = f"object key {key!r} is not a string"
        raise CanonicalError(msg)
    return key.encode("utf-16-be", "surrogatepass")


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        msg = f"string {value!r} holds a lone surrogate, which is not Unicode text"
        raise CanonicalError(msg) from e
    return encode_basestring(value)


def es_number(value: float) -> str:
    """A finite double as ECMAScript's Number.prototype.toString writes it (JCS)."""
    if not math.isfinite(value):
        msg = f"{value} is not a JSON number"
        raise CanonicalError(msg)
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    digits, n = _shortest_digits(abs(value))
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exponent = n - 1
    mark = "+" if exponent >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{mark}{abs(exponent)}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """Digits d and exponent n with value = 0.d × 10**n, d shortest round-trip."""
    mantissa, _, exp = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    n = len(whole) + int(exp or 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    return stripped.rstrip("0"), n
