"""Checkpoints and proofs as data, shared by the command line and the HTTP API.

Proofs use the field names of the RFC 6962 vectors (DESIGN §3). Each function
raises :class:`ProofRequestError` naming the option that was wrong and what
is allowed; ``Options`` says how the caller names its options (``--tree-size``
on the command line, ``tree_size`` in a query string).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.errors import LedgerError
from ledger.log import Leaf, LogStore, StoredCheckpoint, StoredTree


class ProofRequestError(LedgerError):
    """A proof or checkpoint cannot be given as asked; ``option`` names why."""

    def __init__(self, message: str, option: str, allowed: str | None = None) -> None:
        super().__init__(message)
        self.option = option
        self.allowed = allowed


class NoCheckpointError(ProofRequestError):
    """The log has no checkpoint yet."""


@dataclass(frozen=True)
class Options:
    """How the caller spells the options in its messages."""

    event: str = "--event"
    index: str = "--index"
    tree_size: str = "--tree-size"
    size1: str = "--from"
    size2: str = "--to"
    seal: str = "run `letopis seal`"


CLI = Options()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def latest_checkpoint(log: LogStore, names: Options = CLI) -> StoredCheckpoint:
    latest = log.latest_checkpoint()
    if latest is None:
        msg = f"the log has no checkpoint yet: {names.seal}"
        raise NoCheckpointError(msg, "checkpoint")
    return latest


def inclusion(
    log: LogStore,
    tree: StoredTree,
    *,
    event: str | None,
    index: int | None,
    tree_size: int | None,
    names: Options = CLI,
) -> dict[str, Any]:
    """The inclusion proof of one event at a checkpointed tree size."""
    size = checkpointed_size(log, tree_size, names)
    leaf = find_leaf(log, event, index, names)
    if leaf.index >= size:
        msg = (
            f"leaf {leaf.index} is not in a tree of size {size}; "
            f"use {names.tree_size} above {leaf.index}"
        )
        raise ProofRequestError(msg, names.tree_size, f"{leaf.index + 1} or more")
    return {
        "leafIdx": leaf.index,
        "treeSize": size,
        "root": _b64(tree.root(size)),
        "leafHash": _b64(leaf.hash),
        "proof": [_b64(h) for h in tree.inclusion_proof(leaf.index, size)],
    }


def consistency(
    log: LogStore,
    tree: StoredTree,
    *,
    size1: int,
    size2: int | None,
    names: Options = CLI,
) -> dict[str, Any]:
    """The consistency proof that the log at ``size2`` extends it at ``size1``."""
    newer = checkpointed_size(log, size2, names)
    if not 0 < size1 <= newer:
        msg = f"{names.size1} {size1} must be between 1 and {names.size2} {newer}"
        raise ProofRequestError(msg, names.size1, f"1 to {newer}")
    return {
        "size1": size1,
        "size2": newer,
        "root1": _b64(tree.root(size1)),
        "root2": _b64(tree.root(newer)),
        "proof": [_b64(h) for h in tree.consistency_proof(size1, newer)],
    }


def checkpointed_size(
    log: LogStore, requested: int | None, names: Options = CLI
) -> int:
    latest = latest_checkpoint(log, names)
    if requested is None:
        return latest.size
    if not 0 < requested <= latest.size:
        msg = (
            f"{names.tree_size} {requested} is beyond the latest checkpoint "
            f"({latest.size}); allowed: 1 to {latest.size}"
        )
        raise ProofRequestError(msg, names.tree_size, f"1 to {latest.size}")
    return requested


def find_leaf(
    log: LogStore, event: str | None, index: int | None, names: Options = CLI
) -> Leaf:
    if (event is None) == (index is None):
        msg = (
            f"name the event with exactly one of {names.event} STREAM:SEQ or "
            f"{names.index} N"
        )
        raise ProofRequestError(msg, names.event, f"{names.event} or {names.index}")
    if index is not None:
        found = log.leaf(index) if index >= 0 else None
        what, option = f"leaf index {index}", names.index
    else:
        stream, seq = event_name(event or "", names)
        found = log.leaf_of(stream, seq)
        what, option = f"event {event}", names.event
    if found is None:
        msg = f"{what} is not in the sealed log (size {log.size()}); {names.seal}?"
        raise ProofRequestError(msg, option, f"0 to {log.size() - 1}")
    return found


def event_name(text: str, names: Options = CLI) -> tuple[str, int]:
    stream, _, seq = text.rpartition(":")
    try:
        return str(UUID(stream)), int(seq)
    except ValueError as e:
        msg = f"event {text!r} is not STREAM:SEQ (a UUID, a colon, a number)"
        raise ProofRequestError(msg, names.event, "STREAM:SEQ") from e
