"""The checks of one chunk of consecutive entries, run in a worker process.

The verifying process splits the log into chunks of ``chunk_size`` entries
(a power of two, so every full chunk is a complete subtree of the Merkle tree)
and hands them to a pool of workers. A worker reads its chunk from the source
itself and returns a small `ChunkResult`: findings, the chunk's subtree hash,
the first and last event of every stream it saw (so the verifying process can
join the chains across chunks), and retention tallies. The verifying process
does no per-entry work beyond what a chunk result carries.

Per entry, in order (DESIGN §2, §3, issue 4):

1. the stored bytes are a canonical v1 envelope;
2. (live store) the stored columns agree with the envelope, and the Merkle leaf
   row of its notification id names it and holds the hash of its bytes;
3. every signature: key registered before the entry, inside its window, not
   compromised, not appended after the revocation that stopped the key, valid;
   the author's role allowed; co-signatures present;
4. the entry belongs to the trusted log; the first entry registers the anchor;
5. the stream's chain: seq one more than the previous, prev its hash;
6. beyond the latest signed checkpoint, not older than the sealing delay.

Each rule is one function (`columns_agree`, `leaf_agrees`, `known_key`,
`KeyInfo.problem_at`, `policy_problems`, `chain_problem`): a fast path asks
them whether an entry is wholly fine and batches its signature; any entry it
does not accept goes down the careful path, which asks the same rules and
names each problem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, NamedTuple

from verify.crypto import signed_message_check
from verify.disposal import (
    TOMBSTONE_PREFIX,
    Cover,
    DisposalError,
    Disposals,
    named_problem,
    parse_tombstone,
)
from verify.envelope import (
    EVENT_DOMAIN,
    Envelope,
    EnvelopeError,
    parse_envelope,
    parse_fast,
    signing_input,
    sortable_time,
)
from verify.merkle import subtree_border, subtree_levels
from verify.policy_log import POLICY_TYPES, PolicyBook
from verify.registry import (
    ALGORITHM,
    REGISTERED,
    KeyInfo,
    Registry,
    check_signers,
    key_stream,
    known_key,
    policy_problems,
)
from verify.retention import ChunkTallies, RetentionPolicy
from verify.rules import (
    Head,
    Link,
    RawFinding,
    Stale,
    chain_problem,
    columns_agree,
    leaf_agrees,
    node_problems,
)
from verify.sources import Chunk, LeafRow, Row, Source

__all__ = [
    "ChunkResult",
    "Context",
    "Head",
    "Link",
    "RawFinding",
    "Stale",
    "chain_problem",
    "check_chunk",
    "check_rows",
    "columns_agree",
    "init_worker",
    "leaf_agrees",
    "node_problems",
    "run_chunk",
]


class _Pending(NamedTuple):
    """A signature the fast path left for the tight loop at the chunk's end."""

    info: KeyInfo
    signed: bytes
    envelope: Envelope
    position: int | None
    ordinal: int
    cls: int


_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__
_NEVER = 2**63

_LEAF_PREFIX = hashlib.sha256(b"\x00")
_sha256 = hashlib.sha256


@dataclass(frozen=True)
class Context:
    """What every worker needs, sent once when the pool starts."""

    source: Source
    origin: str
    registry: Registry
    policy: PolicyBook
    retention: RetentionPolicy
    today: date
    chunk_size: int
    cuts: tuple[int, ...] = ()
    since: int = 0
    sealed_id: int = 0
    sealed_size: int = 0
    unsealed_from: int = 0
    """Entries from this ordinal on lie beyond the latest signed checkpoint."""
    stale_before: str | None = None
    """Such an entry claiming a time before this (sortable) is overdue for a
    seal; None: not judged."""
    disposals: Disposals = field(default_factory=lambda: Disposals(()))
    """The valid disposal acts: a tombstone is accepted only under one."""

    @property
    def anchor_stream(self) -> str:
        """The stream in which the log key registers itself, the log's first."""
        return key_stream(self.registry.anchor.key_id)


@dataclass
class ChunkResult:
    """What a worker found in one chunk (see the module docstring)."""

    start: int
    count: int
    subtree: bytes | None
    borders: dict[int, tuple[bytes, ...]]
    links: list[Link]
    heads: list[Head]
    findings: list[RawFinding]
    classes: list[list[Any]]
    personal: dict[tuple[int, str], list[Any]]
    left: dict[str, date]
    counts: dict[str, int]
    leaf_span: tuple[int, int] | None
    stored_subtree: bytes | None = None
    stale: Stale | None = None


_CONTEXT: list[Context] = []


def init_worker(context: Context) -> None:
    """Pool initializer: keep the context for every chunk this worker checks."""
    _CONTEXT[:] = [context]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Pool task: check one chunk with the context `init_worker` kept."""
    return check_chunk(_CONTEXT[0], chunk)


def check_chunk(context: Context, chunk: Chunk, *, fast: bool = True) -> ChunkResult:
    """Read one chunk from the context's source and check every entry in it."""
    rows, leaf_rows = context.source.read(chunk)
    return check_rows(context, chunk.start, rows, leaf_rows, fast=fast)


def check_rows(
    context: Context,
    start: int,
    rows: list[Row],
    leaf_rows: list[LeafRow],
    *,
    fast: bool = True,
) -> ChunkResult:
    """Check consecutive entries, the first at ordinal ``start``, with their
    leaf rows (live store). ``fast=False`` sends every entry down the careful
    path: the result must be the same (the property tests hold them to it)."""
    checker = _ChunkChecker(context, start, leaf_rows, fast=fast)
    for offset, row in enumerate(rows):
        checker.entry(start + offset, row)
    return checker.result()


class _ChunkChecker:
    """Checks entries one by one and keeps what the chunk result needs.

    Each rule is written once (`columns_agree`, `leaf_agrees`, `known_key`,
    `KeyInfo.problem_at`, `policy_problems`, `chain_problem`, the overdue
    seal): `_quick` asks them only whether all is well, `_careful` asks them
    and names every problem. `check_rows(fast=False)` runs `_careful` alone;
    the property tests hold both to the same result.
    """

    def __init__(
        self,
        context: Context,
        start: int,
        leaf_rows: list[LeafRow],
        *,
        fast: bool = True,
    ) -> None:
        self.ctx = context
        self.start = start
        self.fast = fast
        self.origin, self.since = context.origin, context.since
        self.live = context.source.live
        self.hex_ids = context.source.hex_stream_ids
        self.unclassified = len(context.retention.classes)
        self.hashes: list[bytes] = []
        self.findings: list[RawFinding] = []
        self.streams: dict[str, tuple[int, bytes]] = {}
        self.links: list[Link] = []
        self.counts = dict.fromkeys(
            (
                "signatures",
                "signatures_skipped",
                "columns",
                "leaves",
                "unsealed",
                "nodes",
            ),
            0,
        )
        self.tallies = ChunkTallies(context.retention, context.today)
        self.leaf_rows = leaf_rows
        self.leaves = {row.notification_id: row for row in leaf_rows}
        self.acts = context.disposals if context.disposals else None
        self.leaf_span = self._leaf_order(leaf_rows)
        self.keys = context.registry.keys
        self.rejected = context.registry.rejected
        self.authors: dict[tuple[str, str], bool] = {}
        self.pending: list[_Pending] = []
        self.classes: dict[str, int] = {}
        stale = context.stale_before
        self.stale_from = _NEVER if stale is None else context.unsealed_from
        self.stale_before = stale or ""
        self.stale: list[int] = []
        self.quick_sealed = self.quick_unsealed = 0
        """Entries the fast path accepted with a leaf row, and without (live)."""

    # -- per entry ----------------------------------------------------------

    def entry(self, ordinal: int, row: Row) -> None:
        """Check one stored entry at ``ordinal`` (its place in log order)."""
        state = row.state
        if type(state) is not bytes:
            state = _as_bytes(state)
        if state.startswith(TOMBSTONE_PREFIX):
            self._disposed(ordinal, row, state)
            return
        digest = _LEAF_PREFIX.copy()
        digest.update(state)
        leaf_hash = digest.digest()
        self.hashes.append(leaf_hash)
        leaf = self.leaves.pop(row.order, None) if self.live else None
        if (
            not self.fast
            or row.state is not state
            or not self._quick(ordinal, row, leaf_hash, leaf)
        ):
            self._careful(ordinal, row, state, leaf_hash, leaf)
        if self.acts is not None:
            cover = self.acts.covering(ordinal)
            if cover is not None:
                self._named(ordinal, state, leaf, cover)

    def _quick(
        self, ordinal: int, row: Row, leaf_hash: bytes, leaf: LeafRow | None
    ) -> bool:
        """All checks for an entry where all is well, with nothing to report.

        False as soon as any rule objects, before any tally changes: the entry
        then goes through `_careful`, which asks the same rules again and names
        every problem. So this path only has to be a sound acceptor.
        """
        order, state = row.order, row.state
        envelope = parse_fast(state)
        if envelope is None or ordinal == 0:
            return False
        log, stream, seq, prev, kind, at, _, sigs = envelope
        if log != self.origin or len(sigs) != 1:
            return False
        position: int | None = ordinal
        if self.live:
            if leaf is None:
                if self._leaf_missing(order):
                    return False
                position = None
            elif not leaf_agrees(leaf, leaf_hash, stream, seq):
                return False
            else:
                position = leaf.leaf_index
            column = stream.replace("-", "") if self.hex_ids else stream
            if not columns_agree(row, column, seq, kind):
                return False
        key, alg, sig = sigs[0]
        info = self.keys.get(key)
        if not known_key(info, order) or alg != ALGORITHM:
            return False
        when = at[:19] + "." + (at[20:-1] + "000000")[:6]  # sortable_time, inline
        if info.problem_at(when, order) is not None or not self._may_author(info, kind):
            return False
        if self.rejected and f"{stream}:{seq}" in self.rejected:
            return False
        last = self.streams.get(stream)
        if last is not None and chain_problem(stream, seq, prev, last) is not None:
            return False
        cls = self.classes.get(kind)
        if cls is None:
            cls = self.classes[kind] = self.ctx.retention.classify(kind)
        if ordinal >= self.since:
            cut = state.rfind(b',"sigs":[')
            end = state.find(b'],"stream":"', cut) + 1
            signed = b"".join((sig, EVENT_DOMAIN, state[:cut], state[end:]))
            self.pending.append(
                _new(_Pending, (info, signed, envelope, position, ordinal, cls))
            )
        else:
            self.counts["signatures_skipped"] += 1
        if last is None:
            self.links.append(_new(Link, (stream, seq, prev, ordinal, position, cls)))
        self.streams[stream] = (seq, _sha256(state).digest())
        self.tallies.add(envelope, cls, when)
        if ordinal >= self.stale_from and when < self.stale_before:
            self.stale.append(ordinal)
        if self.live:
            if position is None:
                self.quick_unsealed += 1
            else:
                self.quick_sealed += 1
        return True

    def _may_author(self, info: KeyInfo, kind: str) -> bool:
        """The policy finds nothing wrong with this key signing the type alone
        (so no co-signature is needed): `policy_problems`, cached per pair."""
        allowed = self.authors.get((info.key, kind))
        if allowed is None:
            allowed = kind not in POLICY_TYPES and all(
                not policy_problems(kind, [info], policy)
                for policy in self.ctx.policy.candidates()
            )
            self.authors[(info.key, kind)] = allowed
        return allowed

    def _leaf_missing(self, order: int) -> bool:
        """An entry without a leaf although later entries are sealed."""
        return order <= self.ctx.sealed_id

    def _careful(
        self,
        ordinal: int,
        row: Row,
        state: bytes,
        leaf_hash: bytes,
        leaf: LeafRow | None,
    ) -> None:
        """Every check of one entry, step by step, naming each problem."""
        order = row.order
        odd = row.state is not state
        if leaf is not None:
            position: int | None = leaf.leaf_index
        else:
            position = None if self.live else ordinal
        try:
            envelope = parse_envelope(state)
        except EnvelopeError as e:
            name = self._column_name(row.stream, row.version)
            cls = self.unclassified
            self.tallies.classes[cls][0] += 1
            self._find("envelope", name, position, str(e), ordinal, cls)
            self._check_leaf(leaf, None, name, leaf_hash, order, ordinal)
            if odd:
                self._odd_state(row, name, position, ordinal, cls)
            if ordinal == 0:
                self._first(None, name, position)
            return
        cls = self.ctx.retention.classify(envelope.type)
        name = f"{envelope.stream}:{envelope.seq}"
        when = sortable_time(envelope.at)
        self.tallies.add(envelope, cls, when)
        if ordinal >= self.stale_from and when < self.stale_before:
            self.stale.append(ordinal)
        if self.live:
            if odd:
                self._odd_state(row, name, position, ordinal, cls)
            self._check_columns(envelope, row, name, position, ordinal, cls)
            self._check_leaf(leaf, envelope, name, leaf_hash, order, ordinal, cls)
        self._check_signers(envelope, state, order, name, position, ordinal, cls)
        digest = _sha256(state).digest()
        self._check_chain(envelope, digest, name, position, ordinal, cls)
        if ordinal == 0:
            self._first(envelope, name, position)

    def _find(
        self,
        kind: str,
        name: str | None,
        position: int | None,
        detail: str,
        ordinal: int | None,
        cls: int,
    ) -> None:
        self.findings.append(
            _new(RawFinding, (kind, name, position, detail, ordinal, cls))
        )

    def _odd_state(
        self, row: Row, name: str | None, position: int | None, ordinal: int, cls: int
    ) -> None:
        """A state column that is not bytes (a tampered SQLite cell): say so."""
        shown = type(row.state).__name__
        detail = f"the stored state of notification {row.order} is a {shown}, not bytes"
        self._find("column", name, position, detail, ordinal, cls)

    def _column_name(self, stream: Any, version: Any) -> str | None:
        if stream is None:
            return None
        text = str(stream)
        if self.hex_ids and len(text) == 32:
            text = f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
        return f"{text}:{version}"

    # -- 2. stored columns and Merkle leaves (live store) -------------------------

    def _check_columns(
        self,
        envelope: Envelope,
        row: Row,
        name: str,
        position: int | None,
        ordinal: int,
        cls: int,
    ) -> None:
        self.counts["columns"] += 1
        stream = envelope.stream.replace("-", "") if self.hex_ids else envelope.stream
        if columns_agree(row, stream, envelope.seq, envelope.type):
            return
        expected = (
            ("originator_id", row.stream, stream),
            ("originator_version", row.version, envelope.seq),
            ("topic", row.topic, envelope.type),
        )
        for column, stored, wanted in expected:
            if stored != wanted or type(stored) is not type(wanted):
                detail = (
                    f"stored column {column}={stored!r} disagrees with the envelope "
                    f"({wanted!r})"
                )
                self._find("column", name, position, detail, ordinal, cls)

    def _check_leaf(
        self,
        leaf: LeafRow | None,
        envelope: Envelope | None,
        name: str | None,
        leaf_hash: bytes,
        order: int,
        ordinal: int,
        cls: int | None = None,
    ) -> None:
        if not self.live:
            return
        cls = self.unclassified if cls is None else cls
        if leaf is None:
            if self._leaf_missing(order):
                detail = (
                    f"notification {order} has no Merkle leaf although later events "
                    f"are sealed (it would be leaf {ordinal}): inserted afterwards, "
                    "or its leaf row was removed or renumbered"
                )
                self._find("leaf", name, ordinal, detail, ordinal, cls)
            else:
                self.counts["unsealed"] += 1
            return
        self.counts["leaves"] += 1
        if envelope is not None and leaf_agrees(
            leaf, leaf_hash, envelope.stream, envelope.seq
        ):
            return
        index = leaf.leaf_index
        if leaf.hash != leaf_hash:
            detail = (
                f"leaf {index} holds another hash than SHA-256(0x00 ‖ the stored bytes)"
            )
            self._find("leaf", name, index, detail, ordinal, cls)
        if envelope is not None and (leaf.stream, leaf.seq) != (
            envelope.stream,
            envelope.seq,
        ):
            detail = (
                f"leaf {index} names event {leaf.stream}:{leaf.seq}, but holds {name}"
            )
            self._find("leaf", name, index, detail, ordinal, cls)

    def _leaf_order(self, leaf_rows: list[LeafRow]) -> tuple[int, int] | None:
        """Leaf indexes must follow notification order without a gap."""
        for previous, current in pairwise(leaf_rows):
            expected = previous.leaf_index + 1
            if current.leaf_index != expected:
                detail = (
                    f"leaf {expected} should follow leaf {previous.leaf_index} in "
                    f"notification order, but leaf {current.leaf_index} does: leaf "
                    "rows are missing, added or reordered"
                )
                name = f"{current.stream}:{current.seq}"
                self._find("leaf", name, expected, detail, None, self.unclassified)
        if not leaf_rows:
            return None
        return leaf_rows[0].leaf_index, leaf_rows[-1].leaf_index

    # -- 3.-4. signatures, keys, roles, the log it belongs to -----------------------

    def _check_signers(
        self,
        envelope: Envelope,
        state: bytes,
        order: int,
        name: str,
        position: int | None,
        ordinal: int,
        cls: int,
    ) -> None:
        ctx = self.ctx
        crypto = ordinal >= ctx.since
        problems = check_signers(
            envelope,
            signing_input(state),
            order,
            ctx.registry,
            ctx.policy,
            crypto=crypto,
        )
        self.counts["signatures" if crypto else "signatures_skipped"] += len(
            envelope.sigs
        )
        for kind, detail in problems:
            self._find(kind, name, position, detail, ordinal, cls)
        refused = ctx.registry.rejected.get(name)
        if refused is not None:
            self._find("registry", name, position, refused, ordinal, cls)
        if envelope.log != ctx.origin:
            detail = (
                f"the entry belongs to log {envelope.log!r}; the trusted log key is "
                f"{ctx.origin!r}'s"
            )
            self._find("foreign", name, position, detail, ordinal, cls)

    def _first(
        self, envelope: Envelope | None, name: str | None, position: int | None
    ) -> None:
        anchor = self.ctx.registry.anchor
        if (
            envelope is not None
            and envelope.type == REGISTERED
            and envelope.stream == self.ctx.anchor_stream
            and envelope.data.get("key") == anchor.key_id
        ):
            return
        begins = (
            f"{envelope.type} {name}" if envelope is not None else "an unreadable entry"
        )
        detail = (
            f"the log does not begin with the registration of the trusted log key "
            f"{anchor.key_id} (from {anchor.source}) but with {begins}: it is another "
            "log, or its beginning is missing"
        )
        self._find("anchor", name, position, detail, 0, self.unclassified)

    # -- 5. the stream's chain --------------------------------------------------------

    def _check_chain(
        self,
        envelope: Envelope,
        digest: bytes,
        name: str,
        position: int | None,
        ordinal: int,
        cls: int,
    ) -> None:
        stream = envelope.stream
        last = self.streams.get(stream)
        if last is None:
            self.links.append(
                Link(stream, envelope.seq, envelope.prev, ordinal, position, cls)
            )
        else:
            problem = chain_problem(stream, envelope.seq, envelope.prev, last)
            if problem is not None:
                self._find("chain", name, position, problem, ordinal, cls)
        self.streams[stream] = (envelope.seq, digest)

    # -- disposal by act --------------------------------------------------------

    def _disposed(self, ordinal: int, row: Row, state: bytes) -> None:
        """A tombstone: its leaf, columns and place in its stream's chain, as
        for any entry; then a valid act must cover it (`verify.disposal`)."""
        leaf = self.leaves.pop(row.order, None) if self.live else None
        position = leaf.leaf_index if leaf is not None else None
        if not self.live:
            position = ordinal
        try:
            stone = parse_tombstone(state)
        except DisposalError as e:
            name = self._column_name(row.stream, row.version)
            leaf_hash = _sha256(b"\x00" + state).digest()
            self.hashes.append(leaf_hash)
            self.tallies.classes[self.unclassified][0] += 1
            self._find("envelope", name, position, str(e), ordinal, self.unclassified)
            self._check_leaf(leaf, None, name, leaf_hash, row.order, ordinal)
            return
        self.hashes.append(stone.leaf)
        cls = self.ctx.retention.classify(stone.type)
        envelope, name = stone.as_envelope(self.origin), stone.name
        self.tallies.disposed(cls)
        if self.live:
            self._check_columns(envelope, row, name, position, ordinal, cls)
            self._check_leaf(leaf, envelope, name, stone.leaf, row.order, ordinal, cls)
        digest = bytes.fromhex(stone.envelope[7:])
        self._check_chain(envelope, digest, name, position, ordinal, cls)
        problem = self.ctx.disposals.tombstone_problem(ordinal, stone)
        if problem is not None:
            self._find("disposed", name, position, problem, ordinal, cls)
        if ordinal == 0:
            self._first(None, name, position)

    def _named(
        self, ordinal: int, state: bytes, leaf: LeafRow | None, cover: Cover
    ) -> None:
        """An entry still present that a valid act covers: the act must have
        named it rightly (its class, its file, not a file kept)."""
        envelope = parse_fast(state)
        if envelope is None:
            try:
                envelope = parse_envelope(state)
            except EnvelopeError:
                return  # reported as an envelope finding
        problem = named_problem(cover, envelope.type, envelope.stream, envelope.at)
        if problem is not None:
            position = leaf.leaf_index if leaf is not None else ordinal
            cls = self.ctx.retention.classify(envelope.type)
            self._find("disposal", envelope.name, position, problem, ordinal, cls)

    # -- the result -----------------------------------------------------------------

    def _check_pending(self) -> None:
        """The signatures `_quick` left for last, checked in one tight loop.

        Everything else about those entries was found in order; a signature
        that does not verify is then their only problem, reported as
        `check_signers` would report it. Checking them together keeps the
        Ed25519 code and tables hot in the processor's caches.
        """
        check = signed_message_check
        for info, signed, envelope, position, ordinal, cls in self.pending:
            if not check(info.public_key, signed):
                detail = f"signature by key {info.key} ({info.holder}) does not verify"
                name = envelope.name
                self._find("signature", name, position, detail, ordinal, cls)
        self.counts["signatures"] += len(self.pending)
        self.pending.clear()

    def result(self) -> ChunkResult:
        """The chunk's subtree, borders at the cuts, chains, findings and tallies."""
        self._check_pending()
        sealed, unsealed = self.quick_sealed, self.quick_unsealed
        self.counts["columns"] += sealed + unsealed
        self.counts["leaves"] += sealed
        self.counts["unsealed"] += unsealed
        count = len(self.hashes)
        for order, leaf in sorted(self.leaves.items()):
            index, stream, seq = leaf.leaf_index, leaf.stream, leaf.seq
            detail = (
                f"leaf {index} names notification {order} ({stream}:{seq}), which is "
                "not in the events table: the event was removed"
            )
            self._find(
                "leaf", f"{stream}:{seq}", index, detail, None, self.unclassified
            )
        levels = subtree_levels(self.hashes)
        subtree, borders = self._tree(levels, count)
        stored_subtree = self._check_nodes(levels) if self.live else None
        return ChunkResult(
            start=self.start,
            count=count,
            subtree=subtree,
            borders=borders,
            links=self.links,
            heads=[Head(s, seq, h) for s, (seq, h) in self.streams.items()],
            findings=self.findings,
            classes=self.tallies.classes,
            personal=self.tallies.personal,
            left=self.tallies.left,
            counts=self.counts,
            leaf_span=self.leaf_span,
            stored_subtree=stored_subtree,
            stale=self._stale(),
        )

    def _stale(self) -> Stale | None:
        """The entries overdue for a seal, if any (`Context.stale_before`)."""
        stale = self.stale
        if not stale:
            return None
        return Stale(len(stale), min(stale), max(stale))

    def _tree(
        self, levels: list[list[bytes]], count: int
    ) -> tuple[bytes | None, dict[int, tuple[bytes, ...]]]:
        """Borders of the tree inside the chunk at each cut, and its subtree hash."""
        borders = {
            cut: subtree_border(levels, cut - self.start)
            for cut in self.ctx.cuts
            if 0 < cut - self.start <= count
        }
        full = count == self.ctx.chunk_size
        return (levels[-1][0] if full else None), borders

    # -- 6. the log's proof index (live store) -----------------------------------

    def _check_nodes(self, levels: list[list[bytes]]) -> bytes | None:
        """The stored subtree hashes inside the chunk against its stored leaves.

        A log answers proofs from these rows (DESIGN §3); one that was altered
        makes proofs that do not verify, though the records are intact. They
        are checked against the leaf rows, which step 2 checks against the
        entries, so a damaged entry is not reported twice. Returns the hash of
        the chunk's stored leaves when the chunk is sealed whole (the verifying
        process checks the levels above from those), else None.
        """
        size, start = self.ctx.chunk_size, self.start
        width = min(start + size, self.ctx.sealed_size) - start
        if width <= 0:
            return None
        top = size.bit_length() - 1
        node_rows = self.ctx.source.read_nodes(start, start + size, top)
        if node_rows is None:
            return None
        stored = self._stored_leaves(width)
        if stored is None:
            return None  # leaf rows missing or moved: step 2 names them
        own = self.hashes
        tree = levels if own[:width] == stored else subtree_levels(stored)
        expected = {
            (k, (start >> k) + i): tree[k][i]
            for k in range(1, len(tree))
            for i in range(width >> k)
        }
        self.counts["nodes"] += len(expected)
        for first, detail in node_problems(expected, node_rows):
            self._find("tree", None, first, detail, None, self.unclassified)
        return tree[-1][0] if width == size else None

    def _stored_leaves(self, width: int) -> list[bytes] | None:
        """The stored hashes of leaves ``[start, start + width)``, if all are there:
        usually the leaf rows read with the entries, else read by index."""
        start, rows = self.start, self.leaf_rows[:width]
        if [r.leaf_index for r in rows] == list(range(start, start + width)):
            return [bytes(r.hash) for r in rows]
        found = self.ctx.source.read_leaf_hashes(start, start + width)
        if len(found) != width or (found and found[-1][0] != start + width - 1):
            return None
        return [h for _, h in found]


def _as_bytes(state: Any) -> bytes:
    if isinstance(state, str):
        return state.encode("utf-8", "surrogatepass")
    if isinstance(state, bytearray | memoryview):
        return bytes(state)
    return b"" if state is None else str(state).encode()
