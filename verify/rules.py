"""The per-entry rules of the verifier, one function each, and the rows a
worker returns (DESIGN §2, §3).

Both paths of the chunk checker (`verify.checks`) ask these functions, so a
rule exists once: the fast path asks whether an entry is wholly fine, the
careful path asks the same functions and names each problem. The key and
policy rules live with the key registry (`verify.registry`: `known_key`,
`KeyInfo.problem_at`, `policy_problems`).
"""

from __future__ import annotations

from typing import NamedTuple

from verify.sources import LeafRow, NodeRow, Row

__all__ = [
    "Head",
    "Link",
    "RawFinding",
    "Stale",
    "chain_problem",
    "columns_agree",
    "leaf_agrees",
    "node_problems",
]


class RawFinding(NamedTuple):
    """A finding as a worker returns it, with what the retention rows need."""

    kind: str
    event: str | None
    position: int | None
    detail: str
    ordinal: int | None
    """The entry's place in log order, or None if it concerns no one entry."""
    cls: int
    """The retention class index of the entry."""


class Link(NamedTuple):
    """The first event of a stream in a chunk, joined to the stream's chain
    across chunks by the verifying process."""

    stream: str
    seq: int
    prev: str | None
    ordinal: int
    position: int | None
    cls: int


class Head(NamedTuple):
    """The last event of a stream in a chunk: its seq and envelope hash."""

    stream: str
    seq: int
    hash: bytes


class Stale(NamedTuple):
    """Entries beyond the latest signed checkpoint that are older than the
    sealing delay allows: how many, and the first and last ordinal."""

    entries: int
    first: int
    last: int


def columns_agree(row: Row, stream: str, seq: int, kind: str) -> bool:
    """The stored columns say what the envelope says, in their own types.

    ``stream`` as the store keeps it (SQLite: without dashes). The one rule
    for both paths; `_check_columns` then names each difference.
    """
    column, version, topic = row.stream, row.version, row.topic
    return (
        column == stream
        and version == seq
        and topic == kind
        and type(column) is str
        and type(version) is int
        and type(topic) is str
    )


def leaf_agrees(leaf: LeafRow, leaf_hash: bytes, stream: str, seq: int) -> bool:
    """The leaf row names this event and holds the hash of its stored bytes."""
    return leaf.hash == leaf_hash and leaf.stream == stream and leaf.seq == seq


def chain_problem(
    stream: str, seq: int, prev: str | None, last: tuple[int, bytes] | None
) -> str | None:
    """Why an event does not continue its stream (``last``: previous seq, hash).

    The one rule of a stream's chain, for both paths and across chunks."""
    if last is None:
        if seq != 1:
            return f"its stream starts at seq {seq}: the events before it are missing"
        if prev is not None:
            return "the first event of a stream must have prev null"
        return None
    last_seq, last_hash = last
    if seq <= last_seq:
        return f"seq {seq} comes after seq {last_seq} in its stream: repeated or moved"
    if seq != last_seq + 1:
        missing = seq - last_seq - 1
        return f"seq {seq} follows seq {last_seq}: {missing} event(s) missing"
    if prev != "sha256:" + last_hash.hex():
        return f"prev is not the hash of {stream}:{last_seq}, the previous envelope"
    return None


def node_problems(
    expected: dict[tuple[int, int], bytes], stored: list[NodeRow]
) -> list[tuple[int, str]]:
    """(first leaf, detail) for each stored subtree hash that is wrong or
    missing, in leaf order. Rows beyond the sealed leaves are not judged: a
    sealer running beside the verifier adds them."""
    found = {(k, i): h for k, i, h in stored}
    problems = []
    for (k, i), wanted in expected.items():
        leaves = f"leaves [{i << k}, {i + 1 << k})"
        have = found.get((k, i))
        if have is None:
            detail = (
                f"the log's proof index has no hash for {leaves} (level {k}, node "
                f"{i}): a row was removed; proofs through it cannot be served"
            )
            problems.append((i << k, detail))
        elif have != wanted:
            detail = (
                f"the log's proof index holds a wrong hash for {leaves} (level {k}, "
                f"node {i}): it was altered; proofs through it will not verify"
            )
            problems.append((i << k, detail))
    return sorted(problems)
