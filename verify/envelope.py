"""The signed envelope, format v1 (DESIGN §2), read strictly and independently.

Each entry of a school's log (a mark, a council decision, an attestat book
entry) is stored as the RFC 8785 canonical JSON of::

    {"v":1, "log":..., "stream":<uuid>, "seq":<from 1>, "prev":"sha256:<hex>"|null,
     "type":..., "at":<RFC 3339 UTC, Z>, "data":{...},
     "sigs":[{"key":<key id>, "alg":"ed25519", "sig":<base64>}, ...]}

Signers sign ``b"letopis/event/v1\\n"`` followed by the canonical JSON of the
envelope without ``sigs``; the first signature is the author's. These rules are
written here from the format, not taken from the writer (``ledger/``), so that
the verifier is a second, independent reading of it.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import re
from binascii import a2b_base64
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring as _string
from typing import Any, NamedTuple

from verify.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    encode,
    fast_value,
    require_canonical,
    scan,
)
from verify.errors import VerificationError

__all__ = [
    "EVENT_DOMAIN",
    "Envelope",
    "EnvelopeError",
    "Signature",
    "content_hash",
    "is_time",
    "key_id",
    "parse_envelope",
    "parse_fast",
    "signing_input",
    "sortable_time",
]

EVENT_DOMAIN = b"letopis/event/v1\n"
"""Domain separation tag in front of every event's signing input."""

VERSION = 1
FIELDS = frozenset({"v", "log", "stream", "seq", "prev", "type", "at", "data", "sigs"})
SIGNATURE_FIELDS = frozenset({"key", "alg", "sig"})

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
# 64 bytes in canonical base64: 85 characters, one whose low 4 bits are zero, "=="
_SIG64 = re.compile(r"[A-Za-z0-9+/]{85}[AQgw]==")
_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,9})?Z"
)
# The fast path: the top level of a canonical envelope, matched by patterns
# (``data`` is left to the JSON parser). Strings allow exactly the escapes JCS
# writes; times, ids, hashes and base64 are checked in place. Loops are
# unrolled ("normal* (special normal*)*") so that matching never backtracks.
_PLAIN = r'[^"\\\x00-\x1f]'
_ESCAPE = r'\\(?:["\\bfnrt]|u00(?:0[0-7bef]|1[0-9a-f]))'
_STR = r'"' + _PLAIN + r"*(?:" + _ESCAPE + _PLAIN + r'*)*"'
_NONEMPTY_STR = r'"(?!")' + _STR[1:]
_B64_SIG = r"[A-Za-z0-9+/]{85}[AQgw]=="


def _sig_pattern(*, capture: bool) -> str:
    def group(pattern: str) -> str:
        return f"({pattern})" if capture else pattern

    return (
        r'\{"alg":' + group(_STR) + r',"key":"' + group("[0-9a-f]{32}") + r'",'
        r'"sig":"' + group(_B64_SIG) + r'"\}'
    )


_SIG_TEXT = _sig_pattern(capture=True)
_SIG_PLAIN = _sig_pattern(capture=False)
_ENVELOPE_HEAD = re.compile(r'\{"at":"(' + _TIME.pattern + r')","data":\{')
_ENVELOPE_TAIL = re.compile(  # everything after "data", which ends at the last },"log":
    r',"log":(' + _NONEMPTY_STR + r"),"
    r'"prev":(null|"sha256:[0-9a-f]{64}"),'
    r'"seq":([1-9][0-9]{0,15}),'
    r'"sigs":\[(?:' + _SIG_TEXT + r"((?:," + _SIG_PLAIN + r")*))?\],"
    r'"stream":"(' + _UUID.pattern + r')",'
    r'"type":(' + _NONEMPTY_STR + r'),"v":1\}'
)
_SIG_ITEM = re.compile(_SIG_TEXT)

_SIGS_MEMBER = b',"sigs":['
_AFTER_SIGS = b'],"stream":"'


class EnvelopeError(VerificationError):
    """Stored bytes are not a well-formed, canonical v1 envelope."""


class Signature(NamedTuple):
    """One signature of an envelope: key id, algorithm name, raw signature."""

    key: str
    alg: str
    sig: bytes


class Envelope(NamedTuple):
    """A parsed envelope; ``data`` is the event's payload as plain JSON."""

    log: str
    stream: str
    seq: int
    prev: str | None
    type: str
    at: str
    data: dict[str, Any]
    sigs: tuple[Signature, ...]

    @property
    def name(self) -> str:
        """``<stream>:<seq>``, how an event is named everywhere (DESIGN §7)."""
        return f"{self.stream}:{self.seq}"


def parse_envelope(stored: bytes) -> Envelope:
    """Read the stored bytes of one entry strictly; raise EnvelopeError if not v1.

    The bytes must be the canonical JSON of an object with exactly the v1 fields,
    each of the allowed type; the message names the first field that is not.
    """
    envelope = parse_fast(stored)
    return envelope if envelope is not None else _parse_slowly(stored)


def parse_fast(stored: bytes) -> Envelope | None:
    """The common case, quickly; None leaves the bytes to `parse_envelope`.

    With ``msgspec`` installed, its compiled reader takes the common case
    (`_parse_compiled`); whatever it declines, and everything when it is
    absent (the verifier shipped in an archive needs only the standard
    library and ``cryptography``), goes to the patterns (`_parse_patterns`).
    """
    if _COMPILED is not None:
        envelope = _parse_compiled(stored)
        if envelope is not None:
            return envelope
    return _parse_patterns(stored)


def _parse_patterns(stored: bytes) -> Envelope | None:
    """The common case, by patterns; None leaves the bytes to `parse_envelope`.

    Everything accepted here is accepted by `_parse_slowly` with the same
    result (the unit tests compare both on generated envelopes); anything
    unusual (a float, a character beyond U+FFFF, any error) is left to it.
    This runs once per entry, so it is written for speed.
    """
    try:
        text = stored.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _ENVELOPE_HEAD.match(text)
    if head is None or not (
        stored.isascii() or not stored.translate(None, _NOT_FOUR_BYTE_LEADS)
    ):
        return None  # a character beyond U+FFFF: its keys sort differently in JCS
    data_end = text.rfind('},"log":') + 1
    match = _ENVELOPE_TAIL.fullmatch(text, data_end)
    if match is None or not _is_date(text[7:17]):
        return None
    log, prev, seq, alg, key, sig, more, stream, kind = match.groups()
    data = fast_value(text[head.end() - 1 : data_end])
    if type(data) is not dict or (len(seq) == 16 and int(seq) > MAX_SAFE_INTEGER):
        return None
    sigs: tuple[Signature, ...] = ()
    if key is not None:
        alg = alg[1:-1] if "\\" not in alg else _unquote(alg)
        sigs = (_new(Signature, (key, alg, a2b_base64(sig))),)
        if more:
            sigs += tuple(
                _new(Signature, (k, _unquote(a), a2b_base64(g)))
                for a, k, g in _SIG_ITEM.findall(more)
            )
    return _new(
        Envelope,
        (
            log[1:-1] if "\\" not in log else _unquote(log),
            stream,
            int(seq),
            None if prev == "null" else prev[1:-1],
            kind[1:-1] if "\\" not in kind else _unquote(kind),
            head[1],
            data,
            sigs,
        ),
    )


_NOT_FOUR_BYTE_LEADS = bytes(b for b in range(256) if not 0xF0 <= b <= 0xF4)
_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__

# The compiled reader. msgspec decodes the envelope into typed fields (exact
# member names, strict types: no bool for an int, no float for an int) and
# encodes it again with every object's members sorted; the envelope is
# canonical when that gives back the stored bytes. That holds for JCS exactly
# where msgspec writes what JCS writes: strings (the same escapes; a lone
# surrogate does not decode, an escaped pair comes back as UTF-8, so differs)
# and integers within ±(2⁵³−1). Everything else is declined: a number with a
# fraction or exponent (`verify.compiled` refuses floats while decoding), a
# larger integer (JCS writes numbers as doubles), a character beyond U+FFFF
# (its keys sort differently in JCS).


@lru_cache(maxsize=4096)
def _good_time(at: str) -> bool:
    """`is_time`, remembered: the events of one save share their time."""
    return is_time(at)


@lru_cache(maxsize=4096)
def _good_name(text: str) -> bool:
    """A stream id or key id in its one allowed spelling, remembered: a
    stream's events come together, and a school has few keys."""
    return (_UUID if len(text) == 36 else _KEY_ID).fullmatch(text) is not None


def _compiled_reader() -> Any:
    try:
        from verify import compiled
    except ImportError:
        return None
    return compiled


_COMPILED = _compiled_reader()


def _parse_compiled(stored: bytes) -> Envelope | None:
    """`_parse_patterns`' result by msgspec's compiled reader, or None."""
    reader = _COMPILED
    if not (stored.isascii() or not stored.translate(None, _NOT_FOUR_BYTE_LEADS)):
        return None
    try:
        e = reader.decode(stored)
    except reader.Declined:
        return None
    seq, prev, at, stream = e.seq, e.prev, e.at, e.stream
    if not (
        e.v == 1
        and e.log
        and e.type
        and 1 <= seq <= MAX_SAFE_INTEGER
        and len(stream) == 36
        and _good_name(stream)
        and _good_time(at)
        and (prev is None or _HASH.fullmatch(prev))
        and _safe_integers(e.data)
        and reader.encode(e) == stored
    ):
        return None
    sigs = []
    for g in e.sigs:
        key, sig = g.key, g.sig
        # canonical base64 of 64 bytes: 86 characters, the last of them with
        # its low four bits zero, then "=="; strict decoding checks the rest
        if not (
            len(key) == 32
            and _good_name(key)
            and len(sig) == 88
            and sig[85] in "AQgw"
            and sig[86:] == "=="
        ):
            return None
        try:
            raw = a2b_base64(sig, strict_mode=True)
        except binascii.Error:
            return None
        sigs.append(_new(Signature, (key, g.alg, raw)))
    return _new(Envelope, (e.log, stream, seq, prev, e.type, at, e.data, tuple(sigs)))


def _safe_integers(value: Any) -> bool:
    """Every integer in a decoded JSON value lies within ±(2⁵³−1)."""
    values = value.values() if type(value) is dict else value
    for item in values:
        kind = type(item)
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                return False
        elif (kind is dict or kind is list) and not _safe_integers(item):
            return False
    return True


def _unquote(text: str) -> str:
    """The value of a JSON string literal already matched by the string pattern."""
    if "\\" not in text:
        return text[1:-1]
    value: str = json.loads(text)
    return value


def _parse_slowly(stored: bytes) -> Envelope:
    """The authoritative reading: JSON first, then each field, then the form."""
    try:
        text, obj, slow = scan(stored)
    except CanonicalError as e:
        msg = f"stored envelope: {e}"
        raise EnvelopeError(msg) from e
    if type(obj) is not dict or obj.keys() != FIELDS:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        msg = f"envelope fields are {got}; a v1 envelope has exactly {sorted(FIELDS)}"
        raise EnvelopeError(msg)
    _check_fields(obj)
    sigs = obj["sigs"]
    for entry in sigs:
        _check_signature(entry)
    try:
        require_canonical(_canonical_text(obj, slow), text)
    except CanonicalError as e:
        msg = f"envelope {obj['stream']}:{obj['seq']} is {e}"
        raise EnvelopeError(msg) from e
    return Envelope(
        obj["log"],
        obj["stream"],
        obj["seq"],
        obj["prev"],
        obj["type"],
        obj["at"],
        obj["data"],
        tuple(Signature(s["key"], s["alg"], a2b_base64(s["sig"])) for s in sigs),
    )


def _canonical_text(obj: dict[str, Any], slow: bool) -> str:
    """JCS of a checked envelope, built around the canonical text of ``data``.

    The top-level members have fixed ASCII names in sorted order, and the
    values the patterns checked (times, UUIDs, hashes, key ids, base64) need no
    escaping; only ``log``, ``type``, ``alg`` and ``data`` go through the encoder.
    """
    prev = obj["prev"]
    sigs = ",".join(
        f'{{"alg":{_string(s["alg"])},"key":"{s["key"]}","sig":"{s["sig"]}"}}'
        for s in obj["sigs"]
    )
    return (
        f'{{"at":"{obj["at"]}","data":{encode(obj["data"], slow=slow)},'
        f'"log":{_string(obj["log"])},'
        f'"prev":{"null" if prev is None else chr(34) + prev + chr(34)},'
        f'"seq":{obj["seq"]},"sigs":[{sigs}],"stream":"{obj["stream"]}",'
        f'"type":{_string(obj["type"])},"v":1}}'
    )


def _check_fields(obj: dict[str, Any]) -> None:
    v, log, stream, seq = obj["v"], obj["log"], obj["stream"], obj["seq"]
    prev, kind, at = obj["prev"], obj["type"], obj["at"]
    if type(v) is not int or v != VERSION:
        _reject("v", v, f"the integer {VERSION}")
    if type(log) is not str or not log:
        _reject("log", log, "a non-empty string")
    if type(stream) is not str or not _UUID.fullmatch(stream):
        _reject("stream", stream, "a lowercase hyphenated UUID")
    if type(seq) is not int or seq < 1:
        _reject("seq", seq, "an integer from 1")
    if prev is not None and (type(prev) is not str or not _HASH.fullmatch(prev)):
        _reject("prev", prev, "null or 'sha256:<64 lowercase hex>'")
    if type(kind) is not str or not kind:
        _reject("type", kind, "a type name")
    if not is_time(at):
        _reject("at", at, "an RFC 3339 UTC time ending in 'Z'")
    if type(obj["data"]) is not dict:
        _reject("data", obj["data"], "a JSON object")
    if type(obj["sigs"]) is not list:
        _reject("sigs", obj["sigs"], "a list of signatures")


def _reject(name: str, value: Any, allowed: str) -> None:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    msg = f"envelope field {name!r} is {shown}; it must be {allowed}"
    raise EnvelopeError(msg)


def _check_signature(obj: Any) -> None:
    if type(obj) is not dict or obj.keys() != SIGNATURE_FIELDS:
        msg = f"signature {obj!r} must be an object with 'key', 'alg' and 'sig'"
        raise EnvelopeError(msg)
    key, alg, sig = obj["key"], obj["alg"], obj["sig"]
    if type(key) is not str or not _KEY_ID.fullmatch(key):
        msg = f"signature key {key!r} must be a key id: 32 lowercase hex digits"
        raise EnvelopeError(msg)
    if type(alg) is not str:
        msg = f"signature algorithm {alg!r} of key {key} must be a string"
        raise EnvelopeError(msg)
    if type(sig) is not str or not _SIG64.fullmatch(sig):
        msg = f"signature by key {key} must be 64 bytes in canonical base64"
        raise EnvelopeError(msg)


def signing_input(stored: bytes) -> bytes:
    """What every signer of this envelope signed: the tag + JCS without ``sigs``.

    ``stored`` must already have passed `parse_envelope`. In canonical form the
    top-level members are sorted, so ``sigs`` sits between ``seq`` and
    ``stream``; its elements are flat objects of strings, and nothing after it
    can hold ``,"sigs":[``. Cutting it out of the stored bytes therefore gives
    exactly the canonical JSON of the envelope without ``sigs``.
    """
    start = stored.rfind(_SIGS_MEMBER)
    end = stored.find(_AFTER_SIGS, start)
    return EVENT_DOMAIN + stored[:start] + stored[end + 1 :]


def content_hash(stored: bytes) -> str:
    """``sha256:<hex>`` of an envelope's bytes: what the next ``prev`` names."""
    return "sha256:" + hashlib.sha256(stored).hexdigest()


def key_id(public_key: bytes) -> str:
    """Key id: lowercase hex of the first 16 bytes of SHA-256 of the raw key."""
    return hashlib.sha256(public_key).digest()[:16].hex()


def is_time(value: Any) -> bool:
    """Whether ``value`` is an RFC 3339 UTC time string ending in ``Z``."""
    return (
        type(value) is str
        and _TIME.fullmatch(value) is not None
        and _is_date(value[:10])
    )


@lru_cache(maxsize=4096)
def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def sortable_time(value: str) -> str:
    """A valid ``at`` time as ``YYYY-MM-DDTHH:MM:SS.ffffff``: sorts as it runs.

    Digits beyond microseconds are dropped, as the writer's clock drops them.
    """
    fraction = value[20:-1] if len(value) > 20 else ""
    return value[:19] + "." + (fraction + "000000")[:6]
