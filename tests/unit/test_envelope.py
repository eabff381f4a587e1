"""The v1 envelope (DESIGN §2): canonical bytes, signing input, key ids, tampering.

The known envelope below is signed with the all-zero seed, so its stored bytes are
fixed; they are written out by hand against RFC 8785 (keys sorted by UTF-16 code
units, no whitespace, UTF-8 left unescaped, only '"', '\\' and control characters
escaped). Every tamper with a signed field, and every tamper with a signature, is
shown to make verification fail.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.envelope import (
    EVENT_DOMAIN,
    SNAPSHOT_DOMAIN,
    Envelope,
    SignatureEntry,
    canonical,
    content_hash,
    format_time,
    key_id,
    parse,
    parse_time,
)
from ledger.errors import EnvelopeError, SignatureError
from ledger.keys.directory import SigningKey, verify_signature

MAX_SAFE_INT = 2**53 - 1
AUTHOR = SigningKey.from_seed(bytes(32))
CLASS_TEACHER = SigningKey.from_seed(bytes([1]) * 32)
DIRECTOR = SigningKey.from_seed(bytes([2]) * 32)

#: Public key of the all-zero Ed25519 seed (the same in libsodium and OpenSSL).
AUTHOR_PUBLIC_HEX = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
AUTHOR_KEY_ID = "139e3940e64b5491722088d9a0d74162"

KNOWN = Envelope(
    log="letopis.example/school-131",
    stream="5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",
    seq=2,
    prev="sha256:" + "0123456789abcdef" * 4,
    type="journal.MarkRecorded",
    at="2024-09-02T08:30:15.250000Z",
    # Keys deliberately out of order, at every level.
    data={
        "topic": "Дроби: «сложение»",
        "mark": 5,
        "work": {
            "type": "контрольная",
            "tags": ["итоговая", -1, True],
            "note": None,
            "comment": 'сказал "хорошо"\n',
            "absent": False,
        },
        "lesson": {"period": 2, "date": "2024-09-02", "class": "5Б"},
        "count": 0,
    },
)

KNOWN_DATA_JCS = (
    '{"count":0,'
    '"lesson":{"class":"5Б","date":"2024-09-02","period":2},'
    '"mark":5,'
    '"topic":"Дроби: «сложение»",'
    '"work":{"absent":false,"comment":"сказал \\"хорошо\\"\\n","note":null,'
    '"tags":["итоговая",-1,true],"type":"контрольная"}}'
)
KNOWN_PREV = '"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"'
KNOWN_AUTHOR_SIG = (
    "oE27tBfS2+f9oyW15hALZRPeUSPq6Qmnx1u8G+XBxofP"
    "hUZdYzMY8fXYQE+IiAXIw2pUCIEn8z9zHPRBrBtIBg=="
)

EXPECTED_UNSIGNED = (
    '{"at":"2024-09-02T08:30:15.250000Z",'
    f'"data":{KNOWN_DATA_JCS},'
    '"log":"letopis.example/school-131",'
    f'"prev":{KNOWN_PREV},'
    '"seq":2,'
    '"stream":"5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",'
    '"type":"journal.MarkRecorded",'
    '"v":1}'
).encode()

EXPECTED_STORED = (
    '{"at":"2024-09-02T08:30:15.250000Z",'
    f'"data":{KNOWN_DATA_JCS},'
    '"log":"letopis.example/school-131",'
    f'"prev":{KNOWN_PREV},'
    '"seq":2,'
    f'"sigs":[{{"alg":"ed25519","key":"{AUTHOR_KEY_ID}","sig":"{KNOWN_AUTHOR_SIG}"}}],'
    '"stream":"5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",'
    '"type":"journal.MarkRecorded",'
    '"v":1}'
).encode()

EXPECTED_SNAPSHOT_UNSIGNED = (
    '{"at":"2024-09-02T08:30:15.250000Z",'
    f'"data":{KNOWN_DATA_JCS},'
    f'"head":{KNOWN_PREV},'
    '"log":"letopis.example/school-131",'
    '"seq":2,'
    '"stream":"5f0c3a1e-8d2b-4c7a-9e61-2b4d6f8a0c13",'
    '"type":"journal.MarkRecorded",'
    '"v":1}'
).encode()


def verify_signed_by(envelope: Envelope, signers: Sequence[SigningKey]) -> None:
    """Raise SignatureError unless exactly ``signers``, in order, signed ``envelope``.

    The checks the ledger's mapper makes, with the expected signers standing in
    for the key registry: the key ids name the signers in order (the author
    first), the algorithm is ed25519, and each signature verifies.
    """
    named = [entry.key for entry in envelope.sigs]
    expected = [signer.key_id for signer in signers]
    if named != expected:
        msg = f"signatures name keys {named}; expected {expected}"
        raise SignatureError(msg)
    message = envelope.signing_input()
    for entry, signer in zip(envelope.sigs, signers, strict=True):
        if entry.alg != "ed25519":
            msg = f"algorithm {entry.alg!r}; allowed: ed25519"
            raise SignatureError(msg)
        verify_signature(signer.public_bytes, message, entry.raw)


def known_stored_object() -> dict[str, Any]:
    """The known signed envelope as a JSON object, to break one field at a time."""
    loaded: dict[str, Any] = json.loads(KNOWN.signed_by(AUTHOR).to_bytes())
    return loaded


def parse_error(obj: Any, *, kind: str = "event") -> str:
    """The message of the EnvelopeError that parse raises for canonical ``obj``."""
    with pytest.raises(EnvelopeError) as caught:
        parse(rfc8785.dumps(obj), kind=kind)
    return str(caught.value)


# --- canonical bytes ---------------------------------------------------------------


def test_known_envelope_serialises_to_the_hand_written_jcs_bytes() -> None:
    signed = KNOWN.signed_by(AUTHOR)

    assert signed.to_bytes() == EXPECTED_STORED
    assert "Дроби".encode() in signed.to_bytes()
    assert b"\\u" not in signed.to_bytes()


def test_known_envelope_round_trips_through_parse() -> None:
    signed = KNOWN.signed_by(AUTHOR)

    reread = parse(EXPECTED_STORED)

    assert reread == signed
    assert reread.to_bytes() == EXPECTED_STORED
    assert reread.data["work"]["comment"] == 'сказал "хорошо"\n'


def test_object_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB01 in UTF-16
    # although it comes after it by code point (RFC 8785 §3.2.3).
    value = {"ﬁ": 1, "😀": 2, "я": 3, "z": 4}

    assert canonical(value) == '{"z":4,"я":3,"😀":2,"ﬁ":1}'.encode()


INSERTION_ORDER = {
    **KNOWN.unsigned_json(),
    "sigs": [KNOWN.signed_by(AUTHOR).sigs[0].to_json()],
}


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(
            EXPECTED_STORED.replace(b'"seq":2', b'"seq": 2'), id="space-after-colon"
        ),
        pytest.param(EXPECTED_STORED + b"\n", id="trailing-newline"),
        pytest.param(
            json.dumps(
                INSERTION_ORDER, ensure_ascii=False, separators=(",", ":")
            ).encode(),
            id="keys-unsorted",
        ),
        pytest.param(
            json.dumps(
                json.loads(EXPECTED_STORED), sort_keys=True, separators=(",", ":")
            ).encode(),
            id="unicode-escaped",
        ),
        pytest.param(
            EXPECTED_STORED.replace(b"example/", b"example\\/"), id="solidus-escaped"
        ),
        pytest.param(
            EXPECTED_STORED.replace(b'"mark":5', b'"mark":5.0'), id="int-as-float"
        ),
        pytest.param(
            EXPECTED_STORED.replace(b'"period":2', b'"period":2e0'), id="exponent"
        ),
    ],
)
def test_parse_rejects_non_canonical_bytes(stored: bytes) -> None:
    assert stored != EXPECTED_STORED
    assert json.loads(stored) == json.loads(EXPECTED_STORED)

    with pytest.raises(EnvelopeError, match="RFC 8785 canonical form"):
        parse(stored)


def test_parse_rejects_bytes_that_are_not_json() -> None:
    with pytest.raises(EnvelopeError, match="not JSON"):
        parse(EXPECTED_STORED[:-1])
    with pytest.raises(EnvelopeError, match="not JSON"):
        parse(b"\xff" + EXPECTED_STORED)


# --- signing input and domain separation -------------------------------------------


def test_signing_input_is_the_event_tag_and_jcs_without_sigs() -> None:
    signed = KNOWN.signed_by(AUTHOR, DIRECTOR)

    assert EVENT_DOMAIN == b"letopis/event/v1\n"
    assert signed.signing_input() == b"letopis/event/v1\n" + EXPECTED_UNSIGNED
    assert signed.signing_input() == KNOWN.signing_input()
    assert b"sigs" not in signed.signing_input()


def test_snapshot_signs_under_its_own_tag_with_head_in_place_of_prev() -> None:
    snapshot = replace(KNOWN, kind="snapshot")

    assert SNAPSHOT_DOMAIN == b"letopis/snapshot/v1\n"
    assert snapshot.signing_input() == SNAPSHOT_DOMAIN + EXPECTED_SNAPSHOT_UNSIGNED
    assert b'"prev"' not in snapshot.signed_by(AUTHOR).to_bytes()


def test_snapshot_round_trips_and_is_not_readable_as_an_event() -> None:
    stored = replace(KNOWN, kind="snapshot").signed_by(AUTHOR).to_bytes()

    assert parse(stored, kind="snapshot").to_bytes() == stored
    with pytest.raises(EnvelopeError, match="'head'"):
        parse(stored)
    with pytest.raises(EnvelopeError, match="'head'"):
        parse(EXPECTED_STORED, kind="snapshot")


def test_event_and_snapshot_signatures_do_not_verify_for_each_other() -> None:
    event = KNOWN.signed_by(AUTHOR)
    snapshot = replace(KNOWN, kind="snapshot").signed_by(AUTHOR)

    assert event.sigs != snapshot.sigs
    with pytest.raises(SignatureError):
        verify_signature(
            AUTHOR.public_bytes, snapshot.signing_input(), event.sigs[0].raw
        )
    with pytest.raises(SignatureError):
        verify_signature(
            AUTHOR.public_bytes, event.signing_input(), snapshot.sigs[0].raw
        )


# --- key ids and signatures ---------------------------------------------------------


def test_key_id_is_the_first_16_bytes_of_sha256_of_the_raw_public_key() -> None:
    public = bytes.fromhex(AUTHOR_PUBLIC_HEX)

    assert AUTHOR.public_bytes == public
    assert key_id(public) == hashlib.sha256(public).digest()[:16].hex()
    assert AUTHOR.key_id == AUTHOR_KEY_ID == key_id(public)
    assert len(AUTHOR.key_id) == 32
    assert AUTHOR.key_id == AUTHOR.key_id.lower()


@given(seed=st.binary(min_size=32, max_size=32))
def test_key_id_of_any_key_matches_hashlib(seed: bytes) -> None:
    key = SigningKey.from_seed(seed)

    expected = hashlib.sha256(key.public_bytes).hexdigest()[:32]
    assert key.key_id == expected


def test_author_signs_first_and_co_signers_follow_in_order() -> None:
    signed = KNOWN.signed_by(AUTHOR).signed_by(CLASS_TEACHER, DIRECTOR)
    signers = (AUTHOR, CLASS_TEACHER, DIRECTOR)

    assert [s.key for s in signed.sigs] == [k.key_id for k in signers]
    assert signed.author_key == AUTHOR.key_id
    assert {s.alg for s in signed.sigs} == {"ed25519"}
    for entry, signer in zip(signed.sigs, signers, strict=True):
        verify_signature(signer.public_bytes, signed.signing_input(), entry.raw)
    verify_signed_by(parse(signed.to_bytes()), signers)


def test_unsigned_envelope_has_no_author() -> None:
    with pytest.raises(EnvelopeError, match="carries no signature"):
        _ = KNOWN.author_key


def test_signature_entry_with_bad_base64_is_an_envelope_error() -> None:
    entry = SignatureEntry(key=AUTHOR.key_id, sig="not base64!")

    with pytest.raises(EnvelopeError, match="not valid base64"):
        _ = entry.raw


# --- strategies ---------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=5)
utc_times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.just(UTC),
).map(format_time)
unsigned_envelopes = st.builds(
    Envelope,
    log=st.text(min_size=1, max_size=30),
    stream=st.uuids().map(str),
    seq=st.integers(min_value=1, max_value=2**31),
    prev=st.none() | st.binary(max_size=8).map(content_hash),
    type=st.text(min_size=1, max_size=30),
    at=utc_times,
    data=json_objects,
)
signer_lists = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=3, unique=True
).map(lambda seeds: tuple(SigningKey.from_seed(seed) for seed in seeds))


@dataclass(frozen=True)
class Signed:
    """A signed envelope and the keys that signed it, author first."""

    envelope: Envelope
    signers: tuple[SigningKey, ...]


signed_envelopes = st.tuples(unsigned_envelopes, signer_lists).map(
    lambda pair: Signed(pair[0].signed_by(*pair[1]), pair[1])
)

# --- tampering ----------------------------------------------------------------------

HEADER_FIELDS = ("log", "stream", "seq", "prev", "type", "at")
Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Tamper:
    """One change to a signed envelope: what is done, where, and a salt for it.

    ``action`` is a header field name, "change" / "add" / "remove" in ``data`` at
    path ``where``, "key" / "alg" / "sig" / "drop" of signature ``where[0]``, or
    "reorder" of the signatures.
    """

    action: str
    where: Where
    salt: int


def data_tampers(value: Any, where: Where = ()) -> list[tuple[str, Where]]:
    """Every change, added key and removed key anywhere inside a JSON value."""
    found: list[tuple[str, Where]] = []
    if where:
        found.append(("change", where))
    if isinstance(value, dict):
        found.append(("add", where))
        for key, inner in value.items():
            found.append(("remove", (*where, key)))
            found.extend(data_tampers(inner, (*where, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(data_tampers(inner, (*where, index)))
    return found


def tamper_choices(envelope: Envelope, *, signatures: bool) -> list[tuple[str, Where]]:
    """Every field path to tamper with; with ``signatures``, the signatures too."""
    choices: list[tuple[str, Where]] = [(name, ()) for name in HEADER_FIELDS]
    choices += data_tampers(dict(envelope.data))
    if not signatures:
        return choices
    for index in range(len(envelope.sigs)):
        choices += [(action, (index,)) for action in ("key", "alg", "sig", "drop")]
    if len(envelope.sigs) > 1:
        choices.append(("reorder", ()))
    return choices


def tampers_of(
    signed: Signed, *, signatures: bool
) -> st.SearchStrategy[tuple[Signed, Tamper]]:
    choices = tamper_choices(signed.envelope, signatures=signatures)
    tampers = st.builds(
        lambda choice, salt: Tamper(choice[0], choice[1], salt),
        st.sampled_from(choices),
        st.integers(min_value=1, max_value=2**31),
    )
    return st.tuples(st.just(signed), tampers)


tampered_envelopes = signed_envelopes.flatmap(
    lambda signed: tampers_of(signed, signatures=True)
)
content_tampered_envelopes = signed_envelopes.flatmap(
    lambda signed: tampers_of(signed, signatures=False)
)


def new_key(obj: dict[str, Any]) -> str:
    """A key not in ``obj``: longer than every key it has."""
    return "".join(obj) + "+"


def different(value: Any, salt: int) -> Any:
    """A JSON value that is certainly not ``value``."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + salt if value + salt <= MAX_SAFE_INT else value - salt
    if isinstance(value, str):
        return value + "·"
    if isinstance(value, list):
        return [*value, None]
    if isinstance(value, dict):
        return {**value, new_key(value): None}
    return salt


def edit(value: Any, where: Where, change: Callable[[Any], Any]) -> Any:
    """A copy of ``value`` with the part at ``where`` replaced by ``change(part)``."""
    if not where:
        return change(value)
    head, rest = where[0], where[1:]
    if isinstance(value, dict):
        return {**value, head: edit(value[head], rest, change)}
    copy = list(value)
    assert isinstance(head, int)
    copy[head] = edit(copy[head], rest, change)
    return copy


def with_new_key(obj: dict[str, Any], value: Any) -> dict[str, Any]:
    return {**obj, new_key(obj): value}


def without_key(obj: dict[str, Any], key: str | int) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != key}


def edit_data(data: dict[str, Any], tamper: Tamper) -> dict[str, Any]:
    """``data`` with one value changed, one key added, or one key removed."""
    where = tamper.where
    change: Callable[[Any], Any]
    if tamper.action == "change":
        change = partial(different, salt=tamper.salt)
    elif tamper.action == "add":
        change = partial(with_new_key, value=tamper.salt)
    else:
        *parent, removed = where
        where, change = tuple(parent), partial(without_key, key=removed)
    edited: dict[str, Any] = edit(data, where, change)
    return edited


def tampered_header(envelope: Envelope, name: str, salt: int) -> Envelope:
    if name == "stream":
        moved = UUID(int=(UUID(envelope.stream).int + salt) % 2**128)
        return replace(envelope, stream=str(moved))
    if name == "seq":
        return replace(envelope, seq=envelope.seq + salt)
    if name == "prev":
        if envelope.prev is None:
            return replace(envelope, prev=content_hash(salt.to_bytes(8, "big")))
        return replace(
            envelope, prev=None if salt % 2 else content_hash(envelope.prev.encode())
        )
    if name == "at":
        later = parse_time(envelope.at) + timedelta(microseconds=salt)
        return replace(envelope, at=format_time(later))
    return replace(envelope, **{name: getattr(envelope, name) + "x"})


def tampered_signature(entry: SignatureEntry, action: str, salt: int) -> SignatureEntry:
    if action == "key":
        return replace(entry, key=key_id(entry.key.encode()))
    if action == "alg":
        others = ("ed448", "Ed25519", "ed25519ph", "ecdsa-p256", "")
        return replace(entry, alg=others[salt % len(others)])
    raw = bytearray(entry.raw)
    raw[salt % len(raw)] ^= 1 << (salt // len(raw) % 8)
    return replace(entry, sig=base64.b64encode(bytes(raw)).decode())


def apply(envelope: Envelope, tamper: Tamper) -> Envelope:
    """The envelope as an attacker with write access to the store would leave it."""
    sigs = list(envelope.sigs)
    if tamper.action in HEADER_FIELDS:
        return tampered_header(envelope, tamper.action, tamper.salt)
    if tamper.action in {"change", "add", "remove"}:
        return replace(envelope, data=edit_data(dict(envelope.data), tamper))
    if tamper.action == "reorder":
        turn = 1 + tamper.salt % (len(sigs) - 1)
        return replace(envelope, sigs=tuple(sigs[turn:] + sigs[:turn]))
    index = tamper.where[0]
    assert isinstance(index, int)
    if tamper.action == "drop":
        return replace(envelope, sigs=tuple(sigs[:index] + sigs[index + 1 :]))
    sigs[index] = tampered_signature(sigs[index], tamper.action, tamper.salt)
    return replace(envelope, sigs=tuple(sigs))


def stored_again(envelope: Envelope) -> Envelope:
    """Write the tampered envelope out canonically and read it back."""
    return parse(envelope.to_bytes())


@given(tampered=tampered_envelopes)
def test_every_tamper_is_detected(tampered: tuple[Signed, Tamper]) -> None:
    signed, tamper = tampered
    modified = stored_again(apply(signed.envelope, tamper))

    assert modified.to_bytes() != signed.envelope.to_bytes()
    verify_signed_by(stored_again(signed.envelope), signed.signers)
    with pytest.raises(SignatureError):
        verify_signed_by(modified, signed.signers)


@given(tampered=content_tampered_envelopes)
def test_tampered_content_breaks_every_original_signature(
    tampered: tuple[Signed, Tamper],
) -> None:
    signed, tamper = tampered
    modified = stored_again(apply(signed.envelope, tamper))

    assert modified.signing_input() != signed.envelope.signing_input()
    for entry, signer in zip(signed.envelope.sigs, signed.signers, strict=True):
        with pytest.raises(SignatureError):
            verify_signature(signer.public_bytes, modified.signing_input(), entry.raw)


@pytest.mark.parametrize(
    "tamper",
    [Tamper(name, (), 1) for name in HEADER_FIELDS]
    + [
        Tamper("change", ("topic",), 1),
        Tamper("change", ("work", "tags", 0), 1),
        Tamper("change", ("work", "absent"), 1),
        Tamper("change", ("work", "note"), 1),
        Tamper("add", ("lesson",), 1),
        Tamper("remove", ("count",), 1),
        Tamper("key", (1,), 1),
        Tamper("alg", (0,), 1),
        Tamper("sig", (2,), 1),
        Tamper("drop", (2,), 1),
        Tamper("reorder", (), 1),
    ],
    ids=lambda tamper: f"{tamper.action}{list(tamper.where)}",
)
def test_each_named_tamper_of_the_known_envelope_is_detected(tamper: Tamper) -> None:
    signers = (AUTHOR, CLASS_TEACHER, DIRECTOR)
    signed = KNOWN.signed_by(*signers)

    modified = stored_again(apply(signed, tamper))

    assert modified.to_bytes() != signed.to_bytes()
    with pytest.raises(SignatureError):
        verify_signed_by(modified, signers)


@given(signed=signed_envelopes)
def test_signature_of_an_event_never_verifies_as_a_snapshot(signed: Signed) -> None:
    event = signed.envelope
    snapshot = replace(event, kind="snapshot", sigs=()).signed_by(*signed.signers)
    event_sigs_on_a_snapshot = replace(event, kind="snapshot")
    snapshot_sigs_on_an_event = replace(snapshot, kind="event")

    assert snapshot.signing_input() != event.signing_input()
    verify_signed_by(snapshot, signed.signers)
    with pytest.raises(SignatureError):
        verify_signed_by(event_sigs_on_a_snapshot, signed.signers)
    with pytest.raises(SignatureError):
        verify_signed_by(snapshot_sigs_on_an_event, signed.signers)


# --- flipped bits -------------------------------------------------------------------


def final_signature_chars(stored: bytes, envelope: Envelope) -> set[int]:
    """Byte offsets of the last data character of each base64 signature.

    An Ed25519 signature is 64 bytes, 88 base64 characters ending in "=="; the
    character before the padding carries 2 bits of the signature and 4 bits that
    must be zero. Flipping those 4 bits is the subject of a separate test.
    """
    offsets = set()
    for entry in envelope.sigs:
        value = f'"sig":"{entry.sig}"'.encode()
        offsets.add(stored.rindex(value) + len('"sig":"') + len(entry.sig) - 3)
    return offsets


def flipped(stored: bytes, bit: int) -> bytes:
    changed = bytearray(stored)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def flip_is_detected(stored: bytes, bit: int, signers: Sequence[SigningKey]) -> bool:
    try:
        verify_signed_by(parse(flipped(stored, bit)), signers)
    except EnvelopeError:
        return True
    return False


@given(signed=signed_envelopes, data=st.data())
def test_flipping_any_bit_is_detected(signed: Signed, data: st.DataObject) -> None:
    stored = signed.envelope.to_bytes()
    skipped = final_signature_chars(stored, signed.envelope)
    bits = [bit for bit in range(len(stored) * 8) if bit // 8 not in skipped]
    bit = data.draw(st.sampled_from(bits), label="bit")

    with pytest.raises(EnvelopeError):
        verify_signed_by(parse(flipped(stored, bit)), signed.signers)


def test_flipping_any_bit_of_the_known_envelope_is_detected() -> None:
    signers = (AUTHOR, CLASS_TEACHER)
    signed = KNOWN.signed_by(*signers)
    stored = signed.to_bytes()
    skipped = final_signature_chars(stored, signed)
    bits = [bit for bit in range(len(stored) * 8) if bit // 8 not in skipped]

    undetected = [bit for bit in bits if not flip_is_detected(stored, bit, signers)]

    assert len(bits) == (len(stored) - 2) * 8
    assert undetected == []


def test_flipping_the_padding_bits_of_a_signature_is_detected() -> None:
    signed = KNOWN.signed_by(AUTHOR)
    stored = signed.to_bytes()
    (last,) = final_signature_chars(stored, signed)

    undetected = [
        bit
        for bit in range(last * 8, last * 8 + 8)
        if not flip_is_detected(stored, bit, [AUTHOR])
    ]

    assert undetected == []


# --- times --------------------------------------------------------------------------


def test_format_time_keeps_microseconds_and_writes_z() -> None:
    moment = datetime(2024, 9, 2, 8, 30, 15, 1, tzinfo=UTC)

    assert format_time(moment) == "2024-09-02T08:30:15.000001Z"
    assert format_time(moment.replace(microsecond=0)) == "2024-09-02T08:30:15.000000Z"


def test_format_time_converts_other_offsets_to_utc() -> None:
    moscow = timezone(timedelta(hours=3))

    assert format_time(datetime(2024, 9, 2, 11, 30, tzinfo=moscow)) == (
        "2024-09-02T08:30:00.000000Z"
    )


def test_format_time_rejects_a_naive_time() -> None:
    with pytest.raises(EnvelopeError, match="only aware times are allowed"):
        format_time(datetime(2024, 9, 2, 8, 30))


#: Whole-minute UTC offsets, as real time zones have.
fixed_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=fixed_offsets,
    )
)
def test_parse_time_inverts_format_time(moment: datetime) -> None:
    text = format_time(moment)
    back = parse_time(text)

    assert text.endswith("Z")
    assert back == moment
    assert back.utcoffset() == timedelta(0)
    assert back.microsecond == moment.microsecond


@pytest.mark.parametrize(
    "text", ["2024-09-02T08:30:15", "2024-09-02T08:30:15+00:00", "2024-09-02Z", "Z"]
)
def test_parse_time_rejects_anything_but_a_utc_z_time(text: str) -> None:
    with pytest.raises(EnvelopeError, match="RFC 3339 UTC time ending in 'Z'"):
        parse_time(text)


# --- parse rejects malformed fields -------------------------------------------------


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_parse_rejects_a_wrong_version(version: Any) -> None:
    message = parse_error({**known_stored_object(), "v": version})

    assert "'v'" in message
    assert "it must be the integer 1" in message


@pytest.mark.parametrize("stored_v", [b'"v":true', b'"v":1.0'])
def test_parse_names_v_for_values_equal_to_one(stored_v: bytes) -> None:
    stored = EXPECTED_STORED.replace(b'"v":1', stored_v)

    with pytest.raises(EnvelopeError, match=r"'v'.*the integer 1"):
        parse(stored)


@pytest.mark.parametrize(
    "field", ["v", "log", "stream", "seq", "prev", "type", "at", "data", "sigs"]
)
def test_parse_rejects_a_missing_field(field: str) -> None:
    obj = known_stored_object()
    del obj[field]

    message = parse_error(obj)

    assert "a v1 event has exactly" in message
    assert repr(field) in message


def test_parse_rejects_an_extra_field() -> None:
    message = parse_error({**known_stored_object(), "author": "someone"})

    assert "'author'" in message
    assert "a v1 event has exactly" in message


def test_parse_rejects_a_json_value_that_is_not_an_object() -> None:
    message = parse_error([known_stored_object()])

    assert "list" in message
    assert "a v1 event has exactly" in message


@pytest.mark.parametrize("seq", [0, -1, -(2**40), True, False, "1", None])
def test_parse_rejects_a_seq_that_is_not_a_positive_integer(seq: Any) -> None:
    message = parse_error({**known_stored_object(), "seq": seq})

    assert "'seq'" in message
    assert "an integer from 1" in message


def test_parse_rejects_a_seq_written_as_a_float() -> None:
    with pytest.raises(EnvelopeError, match=r"'seq'.*an integer from 1"):
        parse(EXPECTED_STORED.replace(b'"seq":2', b'"seq":2.0'))


@pytest.mark.parametrize(
    "prev",
    [
        "sha256:" + "0" * 63,
        "sha256:" + "0" * 65,
        "sha256:" + "A" * 64,
        "sha256:" + "g" * 64,
        "sha512:" + "0" * 64,
        "0" * 64,
        "",
        5,
    ],
)
def test_parse_rejects_a_prev_that_is_not_a_sha256_hash(prev: Any) -> None:
    message = parse_error({**known_stored_object(), "prev": prev})

    assert "'prev'" in message
    assert "null or 'sha256:<64 hex>'" in message


def test_parse_accepts_a_null_prev_for_the_first_event() -> None:
    first = replace(KNOWN, seq=1, prev=None).signed_by(AUTHOR)

    assert parse(first.to_bytes()) == first
    assert b'"prev":null' in first.to_bytes()


def test_parse_names_head_when_a_snapshot_head_is_malformed() -> None:
    obj = json.loads(replace(KNOWN, kind="snapshot").signed_by(AUTHOR).to_bytes())

    message = parse_error({**obj, "head": "sha256:xyz"}, kind="snapshot")

    assert "'head'" in message
    assert "sha256:xyz" in message


@pytest.mark.parametrize(
    "at",
    [
        "2024-09-02T08:30:15.250000",
        "2024-09-02T08:30:15.250000+00:00",
        "2024-09-02T11:30:15.250000+03:00",
        "2024-09-02",
        12345,
    ],
)
def test_parse_rejects_an_at_that_is_not_a_utc_z_time(at: Any) -> None:
    message = parse_error({**known_stored_object(), "at": at})

    assert "RFC 3339 UTC time" in message


def test_parse_names_at_when_it_lacks_the_z() -> None:
    message = parse_error({**known_stored_object(), "at": "2024-09-02T08:30:15+00:00"})

    assert "'at'" in message


@pytest.mark.parametrize("data", [[], ["mark", 5], "mark=5", 5, None, True])
def test_parse_rejects_data_that_is_not_an_object(data: Any) -> None:
    message = parse_error({**known_stored_object(), "data": data})

    assert "'data'" in message
    assert "a JSON object" in message


@pytest.mark.parametrize("sigs", [None, {"key": AUTHOR_KEY_ID}, "sig", 0])
def test_parse_rejects_sigs_that_are_not_a_list(sigs: Any) -> None:
    message = parse_error({**known_stored_object(), "sigs": sigs})

    assert "'sigs'" in message
    assert "a list of signatures" in message


def good_sig_entry() -> dict[str, str]:
    entry: dict[str, str] = known_stored_object()["sigs"][0]
    return entry


@pytest.mark.parametrize(
    "entry",
    [
        "sig",
        None,
        [AUTHOR_KEY_ID, "ed25519", KNOWN_AUTHOR_SIG],
        {k: v for k, v in good_sig_entry().items() if k != "alg"},
        {k: v for k, v in good_sig_entry().items() if k != "sig"},
        {**good_sig_entry(), "at": "2024-09-02T08:30:15Z"},
        {**good_sig_entry(), "sig": 5},
        {**good_sig_entry(), "key": None},
        {**good_sig_entry(), "alg": ["ed25519"]},
    ],
)
def test_parse_rejects_malformed_signature_entries(entry: Any) -> None:
    message = parse_error({**known_stored_object(), "sigs": [good_sig_entry(), entry]})

    assert "signature" in message
    assert "an object with string 'key', 'alg', 'sig'" in message


@pytest.mark.parametrize(
    "change",
    [
        {"sig": "not base64!"},
        {"sig": base64.b64encode(bytes(10)).decode()},
        {"sig": KNOWN_AUTHOR_SIG[:-3] + "o=="},
        {"key": ""},
        {"key": AUTHOR_KEY_ID.upper()},
    ],
    ids=["not-base64", "too-short", "padding-bits-set", "empty-key", "uppercase-key"],
)
def test_parse_rejects_signature_values_that_are_not_canonical(
    change: dict[str, str],
) -> None:
    parse_error({**known_stored_object(), "sigs": [{**good_sig_entry(), **change}]})


def test_parse_rejects_a_stream_or_log_or_type_of_the_wrong_type() -> None:
    obj = known_stored_object()

    assert "'log'" in parse_error({**obj, "log": ""})
    assert "'stream'" in parse_error({**obj, "stream": 7})
    assert "'type'" in parse_error({**obj, "type": ""})


@pytest.mark.parametrize(
    "stream", ["not-a-uuid", "5F0C3A1E-8D2B-4C7A-9E61-2B4D6F8A0C13", ""]
)
def test_parse_rejects_a_stream_that_is_not_a_canonical_uuid(stream: str) -> None:
    message = parse_error({**known_stored_object(), "stream": stream})

    assert "'stream'" in message
