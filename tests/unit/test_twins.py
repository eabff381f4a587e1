"""Deliberate twins: the writer's and the verifier's readings of one format
(docs/twins.md). Each pair is fed the same inputs, bad ones included, and
must accept the same ones, refuse the same ones, and read them alike."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import envelope as writer_envelope
from ledger import policy as writer_policy
from ledger import policy_log as writer_log
from ledger.errors import LedgerError
from ledger.keys.directory import SigningKey
from ledger.keys.registry import KeyRecord, key_stream_id
from verify import canonical as verifier_canonical
from verify import envelope as verifier_envelope
from verify import policy as verifier_policy
from verify import policy_log as verifier_log
from verify import registry as verifier_registry
from verify import retention as verifier_retention
from verify.errors import VerificationError

ROLES = ("seal", "teacher", "director", "deputy_director", "secretary")
TYPES = (
    "journal.MarkRecorded",
    "journal.MarkVoided",
    "attestat.AttestatIssued",
    "trust.SignerKeyRegistered",
    "school.ClassOpened",
)
PATTERNS = st.sampled_from(
    ["journal.*", "journal.MarkRecorded", "attestat.*", "trust.*", "*", "", "school"]
)


def _toml_value(value: Any) -> str:
    """A TOML literal for a JSON-like value (strings, ints, bools, lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    items = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
    return "{" + items + "}"


def _toml(tables: dict[str, dict[str, Any]]) -> str:
    lines = []
    for table, entries in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in entries.items()]
    return "\n".join(lines) + "\n"


_entry_values = st.one_of(
    st.lists(PATTERNS, max_size=3),
    PATTERNS,  # a string where a list belongs: teacher = "journal.*"
    st.integers(-2, 2),
    st.booleans(),
    st.lists(st.one_of(PATTERNS, st.integers(0, 3)), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), PATTERNS, max_size=2),
)
_tables = st.dictionaries(
    st.sampled_from(["roles", "cosign", "other"]),
    st.dictionaries(st.sampled_from([*ROLES, *TYPES]), _entry_values, max_size=4),
    max_size=3,
)
POLICY_TEXTS = st.one_of(
    _tables.map(_toml),
    st.text(alphabet=string.printable, max_size=40),
    st.just("roles = 3\n"),
    st.just('[roles]\nteacher = "journal.*"\n'),
)


def _outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "read", read(text)
    except (LedgerError, VerificationError) as e:
        return "refused", str(e)


# -- the signing policy: ledger/policy.py ⇄ verify/policy.py ------------------------


def test_a_string_where_a_list_belongs_is_refused_by_both() -> None:
    text = '[roles]\nteacher = "journal.*"\n'
    with pytest.raises(LedgerError, match="'teacher' must be a list of strings"):
        writer_policy.SigningPolicy.from_toml(text)
    with pytest.raises(VerificationError, match="'teacher' must be a list of strings"):
        verifier_policy.SigningPolicy.from_toml(text)


@given(POLICY_TEXTS)
def test_signing_policy_readers_accept_refuse_and_read_alike(text: str) -> None:
    writer = _outcome(writer_policy.SigningPolicy.from_toml, text)
    verifier = _outcome(verifier_policy.SigningPolicy.from_toml, text)
    assert writer[0] == verifier[0]
    if writer[0] == "refused":
        assert writer[1] == verifier[1]
        return
    ours, theirs = writer[1], verifier[1]
    assert dict(ours.roles) == dict(theirs.roles)
    for event_type in (*TYPES, "journal.", "other"):
        assert ours.roles_for(event_type) == theirs.roles_for(event_type)
        assert ours.cosigners_for(event_type) == theirs.cosigners_for(event_type)


# -- the retention policy: one reader (the writer calls the verifier's) ------------


@given(
    st.one_of(
        st.text(alphabet=string.printable, max_size=40),
        st.dictionaries(
            st.sampled_from(["name", "keep_years", "clock", "types"]),
            st.one_of(st.integers(-1, 3), PATTERNS, st.lists(PATTERNS, max_size=2)),
        ).map(lambda c: "[[class]]\n" + _toml({"x": c}).split("\n", 1)[1]),
    )
)
def test_retention_is_refused_by_the_writer_exactly_as_by_the_verifier(
    text: str,
) -> None:
    writer = _outcome(
        lambda t: writer_log.checked_text("retention", t, "the retention policy"), text
    )
    verifier = _outcome(
        lambda t: verifier_retention.RetentionPolicy.from_toml(
            t, where="the retention policy"
        ),
        text,
    )
    assert writer[0] == verifier[0]
    if writer[0] == "refused":
        assert writer[1] == verifier[1]


# -- policy entries: ledger/policy_log.py ⇄ verify/policy_log.py --------------------


@given(st.text(max_size=30))
def test_policy_streams_and_digests_are_the_same(text: str) -> None:
    for name in ("signing", "retention", text):
        assert str(writer_log.policy_stream_id(name)) == verifier_log.policy_stream(
            name
        )
    assert writer_log.text_digest(text) == verifier_log.text_digest(text)
    assert writer_log.POLICY_TYPES == verifier_log.POLICY_TYPES
    assert writer_log.CHANGER_ROLE == verifier_log.CHANGER_ROLE


SEAL = SigningKey.from_seed(bytes(32))
OTHER = SigningKey.from_seed(bytes(31) + b"\x01")
POLICY = "[roles]\nteacher = []\n"


@given(
    kind=st.sampled_from(writer_log.POLICY_TYPES),
    anchor=st.booleans(),
    roles=st.frozensets(st.sampled_from(ROLES), max_size=3),
    cosigned=st.booleans(),
)
def test_who_may_adopt_or_change_a_policy_is_one_rule(
    kind: str, anchor: bool, roles: frozenset[str], cosigned: bool
) -> None:
    author = SEAL if anchor else OTHER
    held = frozenset({"seal"}) if anchor else roles
    record = KeyRecord(
        key=author.key_id,
        public_key=author.public_bytes,
        holder="x",
        roles=tuple(sorted(held)),
        valid_from=datetime(2020, 1, 1, tzinfo=UTC),
    )
    try:
        writer_log.check_policy_signers(kind, record, int(cosigned), [SEAL.key_id])
        writer = True
    except LedgerError:
        writer = False

    adopted = kind == writer_log.PolicyRecord.Adopted.TOPIC
    stream = writer_log.policy_stream_id("signing")
    signers = (author, SigningKey.from_seed(b"\x02" * 32)) if cosigned else (author,)
    stored = _entry(kind, stream, 1 if adopted else 2, *signers)
    first = (
        stored
        if adopted
        else _entry(writer_log.PolicyRecord.Adopted.TOPIC, stream, 1, SEAL)
    )
    book = verifier_log.PolicyBook.from_rows(
        [(1, first)],
        origin="o",
        anchor_key=SEAL.key_id,
        anchor_public_key=SEAL.public_bytes,
    )
    envelope = verifier_envelope.parse_envelope(stored)
    verifier = book.change(envelope, 5, author.key_id, held) is None
    assert writer == verifier


def _entry(kind: str, stream: UUID, seq: int, *signers: SigningKey) -> bytes:
    data = {"name": "signing", "toml": POLICY, "sha256": writer_log.text_digest(POLICY)}
    envelope = writer_envelope.Envelope(
        log="o",
        stream=str(stream),
        seq=seq,
        prev=None if seq == 1 else "sha256:" + "0" * 64,
        type=kind,
        at="2024-01-01T00:00:00.000000Z",
        data=data,
    )
    return envelope.signed_by(*signers).to_bytes()


# -- envelopes, canonical JSON: ledger/envelope.py ⇄ verify/envelope.py, canonical --

JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**60), 2**60),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner)
    ),
    max_leaves=8,
)


def _canonical_outcome(encode: Any, value: Any) -> tuple[str, bytes | None]:
    try:
        return "written", encode(value)
    except (LedgerError, VerificationError):
        return "refused", None


@given(JSON)
def test_canonical_json_is_written_alike_and_refused_alike(value: Any) -> None:
    writer = _canonical_outcome(writer_envelope.canonical, value)
    verifier = _canonical_outcome(
        lambda v: verifier_canonical.encode(v).encode(), value
    )
    assert writer == verifier


TIMES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC),
    ).map(writer_envelope.format_time),
    st.from_regex(
        r"[0-9٠-٩]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,10})?Z?",
        fullmatch=True,
    ),
    st.text(max_size=30),
)


@given(TIMES)
def test_times_are_accepted_alike(text: str) -> None:
    try:
        writer_envelope.parse_time(text)
        writer = True
    except LedgerError:
        writer = False
    assert writer == verifier_envelope.is_time(text)


def _envelope_bytes(data: dict[str, Any], at: str, seq: int) -> bytes:
    return (
        writer_envelope.Envelope(
            log="letopis.test/school",
            stream="6c3f7e1a-2b0d-5d8e-9a41-6c6574b0a101",
            seq=seq,
            prev=None if seq == 1 else "sha256:" + "ab" * 32,
            type="journal.MarkRecorded",
            at=at,
            data=data,
        )
        .signed_by(SEAL)
        .to_bytes()
    )


MUTATIONS = st.one_of(
    st.just(lambda b: b),
    st.just(lambda b: b.replace(b'":', b'": ', 1)),
    st.just(lambda b: b.replace(b'"v":1', b'"v":1.0')),
    st.just(lambda b: b.replace(b'"v":1', b'"v":true')),
    st.just(lambda b: b.replace(b'"seq":', b'"seq":0')),
    st.just(lambda b: b.replace(b'"sigs":[', b'"sigs":[1,')),
    st.just(lambda b: b + b" "),
    st.just(lambda b: b[:-1]),
    st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=2)).map(
        lambda edit: lambda b: b[: edit[0]] + edit[1] + b[edit[0] + 1 :]
    ),
)


@given(
    data=st.dictionaries(st.text(max_size=5), JSON, max_size=3),
    at=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(UTC),
    ),
    seq=st.integers(1, 3),
    mutate=MUTATIONS,
)
def test_envelopes_are_read_alike_bad_ones_refused_alike(
    data: dict[str, Any], at: datetime, seq: int, mutate: Any
) -> None:
    try:
        stored = mutate(_envelope_bytes(data, writer_envelope.format_time(at), seq))
    except LedgerError:
        return  # a value the writer will not write: nothing to read
    try:
        ours = writer_envelope.parse(stored)
    except LedgerError:
        ours = None
    try:
        theirs = verifier_envelope.parse_envelope(stored)
    except VerificationError:
        theirs = None
    assert (ours is None) == (theirs is None), stored
    if ours is None or theirs is None:
        return
    assert (ours.log, ours.stream, ours.seq, ours.prev, ours.type, ours.at) == (
        theirs.log,
        theirs.stream,
        theirs.seq,
        theirs.prev,
        theirs.type,
        theirs.at,
    )
    assert dict(ours.data) == theirs.data
    assert [(s.key, s.alg, s.raw) for s in ours.sigs] == list(theirs.sigs)
    assert ours.signing_input() == verifier_envelope.signing_input(stored)
    assert writer_envelope.content_hash(stored) == verifier_envelope.content_hash(
        stored
    )


# -- key ids, key streams, key windows: ledger/keys ⇄ verify/envelope, registry -----


@given(st.binary(min_size=32, max_size=32))
def test_key_ids_and_key_streams_are_the_same(public_key: bytes) -> None:
    ours = SigningKey.key_id_of(public_key)
    assert ours == writer_envelope.key_id(public_key)
    assert ours == verifier_envelope.key_id(public_key)
    assert str(key_stream_id(ours)) == verifier_registry.key_stream(ours)


_MOMENTS = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2030, 1, 1),
    timezones=st.just(UTC),
)


@given(
    start=_MOMENTS,
    length=st.one_of(
        st.none(), st.timedeltas(timedelta(seconds=1), timedelta(days=900))
    ),
    revoked=st.one_of(st.none(), _MOMENTS),
    compromised=st.one_of(st.none(), _MOMENTS),
    moment=_MOMENTS,
)
def test_a_key_may_sign_at_the_same_moments_for_both(
    start: datetime,
    length: timedelta | None,
    revoked: datetime | None,
    compromised: datetime | None,
    moment: datetime,
) -> None:
    until = None if length is None else start + length
    record = KeyRecord(
        key="k" * 32,
        public_key=bytes(32),
        holder="x",
        roles=("teacher",),
        valid_from=start,
        valid_until=until,
        revoked_at=revoked,
        compromised_at=compromised,
    )
    try:
        record.check_valid_at(moment)
        writer = True
    except LedgerError:
        writer = False

    def sortable(t: datetime | None) -> str | None:
        if t is None:
            return None
        return verifier_envelope.sortable_time(writer_envelope.format_time(t))

    info = verifier_registry.KeyInfo(
        key="k" * 32,
        public_key=bytes(32),
        holder="x",
        roles=frozenset({"teacher"}),
        valid_from=sortable(start) or "",
        valid_until=sortable(until),
        revoked_at=sortable(revoked),
        compromised_at=sortable(compromised),
    )
    assert writer == (info.problem_at(sortable(moment) or "") is None)
