"""The verifier's fast path and careful path give the same result, always.

`verify.checks` checks an entry that is wholly fine on a fast path that asks
the per-entry rules only "is all well?" and batches its signature; anything
else goes down the careful path, which asks the same rules and names each
problem. If the fast path accepted an entry that the careful path would
report, that problem would go unreported for every normal entry. So a small
log is built, mutated at random (its envelopes, its stored bytes, columns and
leaf rows, the key registry and the context), and checked both ways:
``check_rows(fast=True)`` must return exactly what ``check_rows(fast=False)``
does: the same findings, chains, counts, tallies and tree.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import envelope as writer
from ledger.keys.directory import SigningKey
from tests.support.notes import TEST_POLICY
from verify import merkle
from verify.anchor import LogKey
from verify.checks import ChunkResult, Context, check_rows
from verify.envelope import sortable_time
from verify.policy import SigningPolicy
from verify.policy_log import PolicyBook
from verify.registry import REGISTERED, KeyInfo, Registry, key_stream
from verify.retention import RetentionPolicy
from verify.sources import ArchiveSource, LeafRow, Row, SQLiteSource

ORIGIN = "letopis.test/paths"
T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
LOG = SigningKey.from_seed(bytes([1]) * 32)
TEACHER = SigningKey.from_seed(bytes([2]) * 32)
CLASS_TEACHER = SigningKey.from_seed(bytes([3]) * 32)
DIRECTOR = SigningKey.from_seed(bytes([4]) * 32)
STRANGER = SigningKey.from_seed(bytes([5]) * 32)
SIGNERS = (LOG, TEACHER, CLASS_TEACHER, DIRECTOR, STRANGER)
POLICY = SigningPolicy.load(TEST_POLICY)
RETENTION = RetentionPolicy.from_toml(
    """
    [[class]]
    name = "trust"
    title = "keys"
    keep_years = 1
    clock = "never"
    basis = "-"
    types = ["trust.*"]
    [[class]]
    name = "notes"
    title = "notes"
    keep_years = 5
    clock = "entry_date"
    basis = "-"
    types = ["test.NoteWritten"]
    """
)
STREAMS = [str(UUID(int=n + 1, version=4)) for n in range(3)]
PLAN = [  # (stream index, event type, signers); the log key registers itself first
    (0, "test.NoteWritten", (TEACHER,)),
    (1, "test.NoteWritten", (TEACHER,)),
    (0, "test.NoteCertified", (CLASS_TEACHER, DIRECTOR)),
    (2, "test.NoteWritten", (TEACHER,)),
    (1, "test.NoteCertified", (CLASS_TEACHER, DIRECTOR)),
    (2, "test.NoteCertified", (CLASS_TEACHER, DIRECTOR)),
]


@dataclass
class Spec:
    """One envelope before it is signed, and who signs it."""

    log: str
    stream: str
    type: str
    at: datetime
    data: dict[str, Any]
    signers: tuple[SigningKey, ...]
    seq: int | None = None


@dataclass
class Log:
    """A log being mutated: envelope specs, then stored rows, then the context."""

    specs: list[Spec]
    rows: list[list[Any]] = field(default_factory=list)
    leaves: list[list[Any] | None] = field(default_factory=list)
    keys: dict[str, KeyInfo] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


def _specs() -> list[Spec]:
    first = Spec(
        ORIGIN,
        key_stream(LOG.key_id),
        REGISTERED,
        T0 - timedelta(days=2),
        {"key": LOG.key_id, "holder": ORIGIN},
        (LOG,),
    )
    notes = [
        Spec(
            ORIGIN,
            STREAMS[s],
            kind,
            T0 + timedelta(minutes=i),
            {"text": f"заметка {i}"},
            signers,
        )
        for i, (s, kind, signers) in enumerate(PLAN)
    ]
    return [first, *notes]


def _keys() -> dict[str, KeyInfo]:
    since = sortable_time(writer.format_time(T0 - timedelta(days=1)))
    roles = {TEACHER: "teacher", CLASS_TEACHER: "class_teacher", DIRECTOR: "director"}
    return {
        key.key_id: KeyInfo(
            key=key.key_id,
            public_key=key.public_bytes,
            holder=role,
            roles=frozenset({role}),
            valid_from=since,
            registered=1,
        )
        for key, role in roles.items()
    }


def _sign(specs: list[Spec]) -> list[bytes]:
    """Envelope bytes in order, each stream chained to its previous envelope."""
    last: dict[str, tuple[int, bytes]] = {}
    out = []
    for spec in specs:
        seq, previous = last.get(spec.stream, (0, b""))
        seq = spec.seq if spec.seq is not None else seq + 1
        prev = "sha256:" + hashlib.sha256(previous).hexdigest() if previous else None
        envelope = writer.Envelope(
            log=spec.log,
            stream=spec.stream,
            seq=seq,
            prev=prev,
            type=spec.type,
            at=writer.format_time(spec.at),
            data=spec.data,
        ).signed_by(*spec.signers)
        state = envelope.to_bytes()
        last[spec.stream] = (seq, state)
        out.append(state)
    return out


# -- mutations -------------------------------------------------------------------

index = st.integers(min_value=0, max_value=len(PLAN))
minutes = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60)
signer_sets = st.lists(st.sampled_from(SIGNERS), min_size=0, max_size=3).map(tuple)


def _spec_change(log: Log, what: str, i: int, value: Any) -> None:
    spec = log.specs[i]
    if what == "at":
        spec.at += timedelta(minutes=value)
    elif what == "signers":
        spec.signers = value
    elif what == "log":
        spec.log = ORIGIN + "-other"
    elif what == "seq":
        spec.seq = value
    elif what == "type":
        spec.type = value


spec_changes = st.one_of(
    st.tuples(st.just("at"), index, minutes),
    st.tuples(st.just("signers"), index, signer_sets),
    st.tuples(st.just("log"), index, st.none()),
    st.tuples(st.just("seq"), index, st.integers(min_value=1, max_value=4)),
    st.tuples(
        st.just("type"),
        index,
        st.sampled_from(("test.NoteWritten", "test.NoteCertified", "trust.Other")),
    ),
)


def _row_change(log: Log, what: str, i: int, value: Any) -> None:
    i %= len(log.rows)
    row, leaf = log.rows[i], log.leaves[i]
    if what in ("flip", "text"):
        if isinstance(row[1], bytes):
            row[1] = (
                _flip(row[1], value)
                if what == "flip"
                else row[1].decode("utf-8", "replace")
            )
    elif what in ("stream", "version", "topic"):
        column = {"stream": 2, "version": 3, "topic": 4}[what]
        row[column] = value(row[column])
    elif what == "drop-leaf":
        log.leaves[i] = None
    elif what in ("leaf-hash", "leaf-stream", "leaf-seq") and leaf is not None:
        column = {"leaf-hash": 4, "leaf-stream": 2, "leaf-seq": 3}[what]
        leaf[column] = value(leaf[column])
    elif what == "drop-row":
        del log.rows[i]
        del log.leaves[i]
    elif what == "swap":
        j = value % len(log.rows)
        log.rows[i][1], log.rows[j][1] = log.rows[j][1], log.rows[i][1]


def _flip(state: bytes, where: int) -> bytes:
    changed = bytearray(state)
    changed[where % len(changed)] ^= 1 << (where % 7)
    return bytes(changed)


def _other(value: Any) -> Any:
    if value is None:
        return "0"
    if isinstance(value, bytes):
        return bytes([value[0] ^ 1]) + value[1:]
    if isinstance(value, int):
        return value + 1
    return value[::-1]


row_changes = st.one_of(
    st.tuples(st.just("flip"), index, st.integers(min_value=0, max_value=10_000)),
    st.tuples(st.just("text"), index, st.just(0)),
    st.tuples(
        st.sampled_from(("stream", "version", "topic")),
        index,
        st.sampled_from((_other, str, lambda v: None)),
    ),
    st.tuples(st.just("drop-leaf"), index, st.none()),
    st.tuples(
        st.sampled_from(("leaf-hash", "leaf-stream", "leaf-seq")),
        index,
        st.just(_other),
    ),
    st.tuples(st.just("drop-row"), index, st.none()),
    st.tuples(st.just("swap"), index, index),
)


def _time(offset: int) -> str:
    return sortable_time(writer.format_time(T0 + timedelta(minutes=offset)))


def _context_change(log: Log, what: str, which: int, value: int) -> None:
    key = sorted(log.keys)[which % len(log.keys)]
    info = log.keys[key]
    if what == "valid_from":
        log.keys[key] = replace(info, valid_from=_time(value))
    elif what == "valid_until":
        log.keys[key] = replace(info, valid_until=_time(value))
    elif what == "compromised":
        log.keys[key] = replace(
            info, revoked_at=_time(value), compromised_at=_time(value)
        )
    elif what == "stopped":
        log.keys[key] = replace(info, revoked_at=_time(value), stopped=which)
    elif what == "registered":
        log.keys[key] = replace(info, registered=which)
    elif what == "rejected":
        log.rejected[f"{STREAMS[which % 3]}:1"] = "refused for the test"
    elif what in ("sealed_id", "since", "unsealed_from"):
        log.context[what] = which
    elif what == "stale_before":
        log.context[what] = _time(value)


context_changes = st.tuples(
    st.sampled_from(
        (
            "valid_from",
            "valid_until",
            "compromised",
            "stopped",
            "registered",
            "rejected",
            "sealed_id",
            "since",
            "unsealed_from",
            "stale_before",
        )
    ),
    st.integers(min_value=0, max_value=len(PLAN) + 1),
    minutes,
)


# -- building and comparing ------------------------------------------------------


def _build(log: Log, live: bool) -> None:
    states = _sign(log.specs)
    for i, (spec, state) in enumerate(zip(log.specs, states, strict=True)):
        envelope = writer.parse(state)
        column = spec.stream.replace("-", "")
        log.rows.append([i + 1, state, column, envelope.seq, spec.type])
        leaf = [i, i + 1, spec.stream, envelope.seq, merkle.leaf_hash(state)]
        log.leaves.append(leaf if live else None)


def _check(log: Log, live: bool, fast: bool) -> ChunkResult:
    registry = Registry.of_anchor(LogKey(ORIGIN, LOG.public_bytes, "test"))
    registry.keys.update(log.keys)
    registry.rejected.update(log.rejected)
    source = SQLiteSource(Path("never-opened.db")) if live else ArchiveSource(Path())
    context = Context(
        source=source,
        origin=ORIGIN,
        registry=registry,
        policy=PolicyBook(fallback=POLICY),
        retention=RETENTION,
        today=date(2026, 1, 1),
        chunk_size=16,
        cuts=(3, 5),
        **log.context,
    )
    rows = [
        Row(*r) if live else Row(n, r[1], None, None, None)
        for n, r in enumerate(log.rows)
    ]
    leaves = [LeafRow(*leaf) for leaf in log.leaves if leaf is not None]
    return check_rows(context, 0, rows, leaves, fast=fast)


def _summary(result: ChunkResult) -> dict[str, Any]:
    everything = dict(result.__dict__)
    everything["findings"] = sorted(result.findings, key=repr)
    return everything


@settings(max_examples=300, deadline=None)
@given(
    live=st.booleans(),
    specs=st.lists(spec_changes, max_size=2),
    rows=st.lists(row_changes, max_size=2),
    context=st.lists(context_changes, max_size=2),
)
def test_the_fast_path_accepts_only_what_the_careful_path_finds_fine(
    live: bool,
    specs: list[tuple[str, int, Any]],
    rows: list[tuple[str, int, Any]],
    context: list[tuple[str, int, int]],
) -> None:
    log = Log(_specs(), keys=_keys())
    for what, i, value in specs:
        _spec_change(log, what, i, value)
    _build(log, live)
    for what, i, value in rows:
        _row_change(log, what, i, value)
    for what, which, offset in context:
        _context_change(log, what, which, offset)
    fast, careful = _check(log, live, True), _check(log, live, False)
    assert _summary(fast) == _summary(careful)


def test_an_untouched_log_is_accepted_on_the_fast_path_with_nothing_to_report() -> None:
    """The comparison above means something only if the fast path does accept
    most entries of a sound log: here every single-signature entry."""
    log = Log(_specs(), keys=_keys())
    _build(log, live=True)
    fast = _check(log, True, True)
    assert fast.findings == []
    assert fast.counts["signatures"] == len(PLAN) + 1 + 3  # three co-signatures
    assert _summary(fast) == _summary(_check(log, True, False))
