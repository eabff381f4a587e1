"""The signed envelope, format v1 (DESIGN §2): pure functions, no I/O.

Stored bytes are RFC 8785 canonical JSON (JCS). The signing input is a domain
separation tag followed by the canonical envelope without ``sigs``; the first
signature is the author's, co-signatures follow.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from binascii import b2a_base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from typing import Any, Protocol
from uuid import UUID

import msgspec
import rfc8785

from ledger.errors import EnvelopeError

VERSION = 1
EVENT_DOMAIN = b"letopis/event/v1\n"
SNAPSHOT_DOMAIN = b"letopis/snapshot/v1\n"
SIGNATURE_ALG = "ed25519"
HASH_PREFIX = "sha256:"
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")
_FIELDS = {"v", "log", "stream", "seq", "prev", "type", "at", "data", "sigs"}
_SNAPSHOT_FIELDS = {"v", "log", "stream", "seq", "head", "type", "at", "data", "sigs"}


class Signer(Protocol):
    """Anything that can sign with an Ed25519 key and names it by key id."""

    @property
    def key_id(self) -> str: ...

    def sign(self, message: bytes) -> bytes: ...


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of a JSON value.

    Values inside the subset where sorted, compact JSON is byte-identical to
    JCS (no floats, integers within ±(2⁵³−1), object keys in the Basic
    Multilingual Plane, no lone surrogates) take a fast path: msgspec's
    compiled encoder for plain ``dict``/``list``/``str``/``int``/``bool``/``None``
    (20× the standard library on a mark's data), the standard library for
    subclasses of those (enums); everything else goes through the ``rfc8785``
    reference implementation. The paths are compared on random values in the
    unit tests.
    """
    if _plain_json(value):
        try:
            return _COMPILED.encode(value)
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation judge it
    elif _in_fast_subset(value):
        try:
            return _ENCODER.encode(value).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference implementation judge it
    try:
        return rfc8785.dumps(value)
    except (TypeError, ValueError, rfc8785.CanonicalizationError) as e:
        msg = f"value cannot be written as canonical JSON: {e}"
        raise EnvelopeError(msg) from e


_MAX_SAFE_INT = 2**53 - 1
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)
_COMPILED = msgspec.json.Encoder(order="sorted")  # keys sorted, compact


def _plain_json(value: Any) -> bool:
    """True when ``value`` is in the fast subset and made only of the exact
    built-in types (no subclasses), so msgspec writes it as JCS does."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return kind is not int or -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                return False
            if type(item) is not str and not _plain_json(item):  # most are str
                return False
        return True
    if kind is list or kind is tuple:
        return all(_plain_json(item) for item in value)
    return False


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def _in_fast_subset(value: Any) -> bool:
    """True when stdlib JSON of ``value`` is exactly its JCS form."""
    if isinstance(value, str):
        return True
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if -_MAX_SAFE_INT <= item <= _MAX_SAFE_INT:
                continue
            return False
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or (key and max(key) > "\uffff"):
                    return False
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            return False
    return True


def content_hash(data: bytes) -> str:
    """``sha256:<hex>`` of some bytes, the algorithm named beside the digest."""
    return HASH_PREFIX + hashlib.sha256(data).hexdigest()


def key_id(raw_public_key: bytes) -> str:
    """Lowercase hex of the first 16 bytes of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public_key).digest()[:16].hex()


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with a ``Z``, microseconds kept, for the ``at`` field."""
    if moment.tzinfo is None:
        msg = f"time {moment.isoformat()} has no timezone; only aware times are allowed"
        raise EnvelopeError(msg)
    u = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    # %-formatting: the fastest of the ways tried (an f-string with format
    # specs, isoformat, strftime); this runs for every event signed.
    fields = (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % fields  # noqa: UP031


def parse_time(text: str) -> datetime:
    """The inverse of :func:`format_time`; accepts any RFC 3339 UTC ``Z`` time."""
    if not isinstance(text, str) or not _RFC3339_UTC.fullmatch(text):
        msg = f"time {text!r} is not an RFC 3339 UTC time ending in 'Z'"
        raise EnvelopeError(msg)
    try:
        return datetime.fromisoformat(text)
    except ValueError as e:
        msg = f"time {text!r} is not an RFC 3339 UTC time ending in 'Z'"
        raise EnvelopeError(msg) from e


@dataclass(frozen=True)
class SignatureEntry:
    """One signature: the key id, the algorithm, the base64 signature."""

    key: str
    sig: str
    alg: str = SIGNATURE_ALG

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "alg": self.alg, "sig": self.sig}

    @property
    def raw(self) -> bytes:
        """The signature bytes; only canonical base64 (padding bits zero) is read."""
        try:
            raw = base64.b64decode(self.sig, validate=True)
        except ValueError as e:
            msg = f"signature by key {self.key} is not valid base64"
            raise EnvelopeError(msg) from e
        if len(raw) != 64 or base64.b64encode(raw).decode() != self.sig:
            msg = f"signature by key {self.key} must be 64 bytes in canonical base64"
            raise EnvelopeError(msg)
        return raw


@dataclass(frozen=True)
class Envelope:
    """One stored event: where it sits, what it says, and who signed it.

    ``kind`` is "event" for log entries and "snapshot" for signed snapshots; a
    snapshot carries ``head`` (the hash of the event it summarises) in place of
    ``prev`` and is signed under its own domain tag, so neither can pass for
    the other.
    """

    log: str
    stream: str
    seq: int
    prev: str | None
    type: str
    at: str
    data: Mapping[str, Any]
    sigs: tuple[SignatureEntry, ...] = field(default=())
    kind: str = "event"

    @property
    def _link_name(self) -> str:
        return "head" if self.kind == "snapshot" else "prev"

    @property
    def _domain(self) -> bytes:
        return SNAPSHOT_DOMAIN if self.kind == "snapshot" else EVENT_DOMAIN

    def unsigned_json(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "log": self.log,
            "stream": self.stream,
            "seq": self.seq,
            self._link_name: self.prev,
            "type": self.type,
            "at": self.at,
            "data": dict(self.data),
        }

    def signing_input(self) -> bytes:
        """Domain tag + JCS(envelope without ``sigs``): what every signer signs."""
        head, tail = self._parts
        return self._domain + head + tail

    def to_bytes(self) -> bytes:
        """The exact stored bytes: JCS of the whole envelope."""
        head, tail = self._parts
        return head + _SIGS_MEMBER + _jcs_signatures(self.sigs) + tail

    @cached_property
    def _parts(self) -> tuple[bytes, bytes]:
        """JCS of the envelope without ``sigs``, split where ``sigs`` belongs
        (see :func:`unsigned_parts`); unchanged by signing, so computed once."""
        return unsigned_parts(
            self.log,
            self.stream,
            self.seq,
            self.prev,
            self.type,
            self.at,
            self.data,
            kind=self.kind,
        )

    def signed_by(self, *signers: Signer, message: bytes | None = None) -> Envelope:
        """A copy with one more signature per signer, in the order given.

        ``message`` is this envelope's :meth:`signing_input` when the caller has
        it already (so it is not serialised twice).
        """
        message = message if message is not None else self.signing_input()
        added = tuple(
            [
                SignatureEntry(s.key_id, base64.b64encode(s.sign(message)).decode())
                for s in signers
            ]
        )
        signed = Envelope(  # not dataclasses.replace: this runs for every event
            self.log,
            self.stream,
            self.seq,
            self.prev,
            self.type,
            self.at,
            self.data,
            self.sigs + added,
            self.kind,
        )
        signed.__dict__["_parts"] = self._parts  # unchanged by signing
        return signed

    @property
    def author_key(self) -> str:
        if not self.sigs:
            msg = f"event {self.stream}:{self.seq} carries no signature"
            raise EnvelopeError(msg)
        return self.sigs[0].key

    @property
    def name(self) -> str:
        """``<stream>:<seq>``, how an event is named everywhere."""
        return f"{self.stream}:{self.seq}"


def unsigned_parts(
    log: str,
    stream: str,
    seq: int,
    prev: str | None,
    topic: str,
    at: str,
    data: Mapping[str, Any],
    *,
    kind: str = "event",
) -> tuple[bytes, bytes]:
    """JCS of an envelope without ``sigs``, as the bytes before and after the
    place where ``sigs`` goes in the stored envelope (``topic`` is its ``type``).

    The top-level member names are fixed and ASCII, so their JCS order is
    fixed too: ``at, data, log, prev, seq | sigs | stream, type, v`` for an
    event (``head`` sorts before ``log`` in a snapshot). So the signing input
    is ``tag + before + after`` and the stored bytes are ``before + ,"sigs":[…]
    + after``, written without sorting or an intermediate object. Each value is
    canonical JSON (:func:`canonical` for ``data``).
    """
    texts = (log, stream, topic, at)
    if str is type(log) is type(stream) is type(topic) is type(at):
        log_j, stream_j, type_j, at_j = _jcs_strings(*texts)  # the usual case
    else:
        log_j, stream_j, type_j, at_j = (_jcs_scalar(t) for t in texts)
    seq_j = (
        str(seq).encode()
        if type(seq) is int and 0 < seq <= _MAX_SAFE_INT
        else _jcs_scalar(seq)
    )
    link_j = b"null" if prev is None else _jcs_scalar(prev)
    data_j = canonical(data if type(data) is dict else dict(data))
    if kind == "snapshot":
        middle = [b',"head":', link_j, b',"log":', log_j]
    else:
        middle = [b',"log":', log_j, b',"prev":', link_j]
    before = b"".join(
        [b'{"at":', at_j, b',"data":', data_j, *middle, b',"seq":', seq_j]
    )
    after = b"".join([b',"stream":', stream_j, b',"type":', type_j, _VERSION_MEMBER])
    return before, after


_VERSION_MEMBER = b',"v":' + str(VERSION).encode() + b"}"
_SIGS_MEMBER = b',"sigs":'


class EventWriter:
    """The stored bytes of new events, signed by the same signers: the append
    path's writer, which never builds an :class:`Envelope`.

    What is the same for every event of a save (the log's name, each signer's
    ``{"alg":…,"key":…,"sig":"`` prefix) is written once. The bytes are those
    of ``Envelope(...).signed_by(*signers).to_bytes()`` (a unit test compares
    them).
    """

    def __init__(self, log: str, signers: Sequence[Signer]) -> None:
        self._log = log
        self._signers = [(s, _signature_prefix(s.key_id)) for s in signers]

    def event_bytes(
        self,
        stream: str,
        seq: int,
        prev: str | None,
        topic: str,
        at: str,
        data: Mapping[str, Any],
    ) -> bytes:
        """Sign the event once per signer and return its stored bytes."""
        before, after = unsigned_parts(self._log, stream, seq, prev, topic, at, data)
        message = EVENT_DOMAIN + before + after
        sigs = []
        for signer, prefix in self._signers:
            signature = signer.sign(message)
            if len(signature) != _SIGNATURE_BYTES:
                msg = (
                    f"key {signer.key_id} gave a {len(signature)}-byte signature "
                    f"for event {stream}:{seq}; an Ed25519 signature has 64"
                )
                raise EnvelopeError(msg)
            sigs.append(prefix + b2a_base64(signature, newline=False) + b'"}')
        return before + b',"sigs":[' + b",".join(sigs) + b"]" + after


_SIGNATURE_BYTES = 64


def _signature_prefix(key: str) -> bytes:
    """``{"alg":"ed25519","key":<key>,"sig":"``: a signature entry up to its
    base64 value (whose characters JSON never escapes)."""
    return b'{"alg":"ed25519","key":' + _jcs_scalar(key) + b',"sig":"'


def _jcs_scalar(value: str | int | None) -> bytes:
    """JCS of a top-level scalar: a string, a safe integer, or null."""
    if type(value) is str:
        if len(value) <= 64:  # the log's name and the event types repeat
            return _jcs_short_string(value)
        try:
            return _COMPILED.encode(value)
        except UnicodeEncodeError as e:
            msg = f"string {value!r} is not valid Unicode (a lone surrogate)"
            raise EnvelopeError(msg) from e
    if value is None:
        return b"null"
    if isinstance(value, str):
        try:
            return _ENCODER.encode(value).encode()
        except UnicodeEncodeError as e:
            msg = f"string {value!r} is not valid Unicode (a lone surrogate)"
            raise EnvelopeError(msg) from e
    return canonical(value)


def _jcs_strings(log: str, stream: str, kind: str, at: str) -> tuple[bytes, ...]:
    """JCS of the envelope's four strings: msgspec writes a string exactly as
    JCS does; the log's name and the type repeat, so theirs are cached."""
    encode = _COMPILED.encode
    try:
        return (
            _jcs_short_string(log),
            encode(stream),
            _jcs_short_string(kind),
            encode(at),
        )
    except UnicodeEncodeError as e:
        msg = f"a string of the envelope is not valid Unicode (a lone surrogate): {e}"
        raise EnvelopeError(msg) from e


@lru_cache(maxsize=1024)
def _jcs_short_string(value: str) -> bytes:
    try:
        return _COMPILED.encode(value)
    except UnicodeEncodeError as e:
        msg = f"string {value!r} is not valid Unicode (a lone surrogate)"
        raise EnvelopeError(msg) from e


def _jcs_signatures(sigs: tuple[SignatureEntry, ...]) -> bytes:
    """JCS of the ``sigs`` list: each entry's members in their fixed order
    (``alg``, ``key``, ``sig``), each value canonical JSON."""
    members = [
        b'{"alg":'
        + _jcs_scalar(s.alg)
        + b',"key":'
        + _jcs_scalar(s.key)
        + b',"sig":'
        + _jcs_scalar(s.sig)
        + b"}"
        for s in sigs
    ]
    return b"[" + b",".join(members) + b"]"


def parse(stored: bytes, *, kind: str = "event") -> Envelope:
    """Read stored bytes back into an :class:`Envelope`, strictly.

    The bytes must be the canonical serialisation of a v1 envelope with exactly
    the v1 fields; anything else (extra fields, non-canonical spacing, a wrong
    type) is an :class:`EnvelopeError` naming the problem.
    """
    try:
        obj = json.loads(stored)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        msg = f"stored bytes are not JSON: {e}"
        raise EnvelopeError(msg) from e
    expected = _SNAPSHOT_FIELDS if kind == "snapshot" else _FIELDS
    if not isinstance(obj, dict) or set(obj) != expected:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        msg = f"envelope fields are {got}; a v1 {kind} has exactly {sorted(expected)}"
        raise EnvelopeError(msg)
    envelope = _from_json(obj, kind)
    if envelope.to_bytes() != stored:
        msg = f"envelope {envelope.name} is not stored in RFC 8785 canonical form"
        raise EnvelopeError(msg)
    return envelope


def _from_json(obj: dict[str, Any], kind: str) -> Envelope:
    link_name = "head" if kind == "snapshot" else "prev"
    link = obj[link_name]
    checks: list[tuple[str, bool, str]] = [
        ("v", type(obj["v"]) is int and obj["v"] == VERSION, f"the integer {VERSION}"),
        ("log", isinstance(obj["log"], str) and obj["log"] != "", "a non-empty string"),
        ("stream", _is_uuid(obj["stream"]), "a lowercase hyphenated UUID"),
        ("seq", _is_positive_int(obj["seq"]), "an integer from 1"),
        (link_name, link is None or _is_hash(link), "null or 'sha256:<64 hex>'"),
        ("type", isinstance(obj["type"], str) and obj["type"] != "", "a type name"),
        ("at", _is_time(obj["at"]), "an RFC 3339 UTC time ending in 'Z'"),
        ("data", isinstance(obj["data"], dict), "a JSON object"),
        ("sigs", isinstance(obj["sigs"], list), "a list of signatures"),
    ]
    for name, ok, allowed in checks:
        if not ok:
            msg = f"envelope field {name!r} is {obj.get(name)!r}; it must be {allowed}"
            raise EnvelopeError(msg)
    return Envelope(
        log=obj["log"],
        stream=obj["stream"],
        seq=obj["seq"],
        prev=link,
        type=obj["type"],
        at=obj["at"],
        data=obj["data"],
        sigs=tuple(_signature_from_json(s) for s in obj["sigs"]),
        kind=kind,
    )


def _signature_from_json(obj: Any) -> SignatureEntry:
    if (
        not isinstance(obj, dict)
        or set(obj) != {"key", "alg", "sig"}
        or not all(isinstance(v, str) for v in obj.values())
    ):
        msg = f"signature {obj!r} must be an object with string 'key', 'alg', 'sig'"
        raise EnvelopeError(msg)
    if not _KEY_ID.fullmatch(obj["key"]):
        msg = f"signature key {obj['key']!r} must be a key id: 32 lowercase hex digits"
        raise EnvelopeError(msg)
    entry = SignatureEntry(key=obj["key"], alg=obj["alg"], sig=obj["sig"])
    entry.raw  # noqa: B018 - rejects non-canonical base64 now, not at verification
    return entry


def _is_time(value: Any) -> bool:
    if not isinstance(value, str) or not _RFC3339_UTC.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(UUID(value)) == value
    except ValueError:
        return False


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_hash(value: Any) -> bool:
    if not isinstance(value, str) or not value.startswith(HASH_PREFIX):
        return False
    digest = value[len(HASH_PREFIX) :]
    return len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
