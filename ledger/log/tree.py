"""Roots and RFC 6962 proofs from the stored complete subtrees.

Beside the leaves the log stores the hash of every complete, aligned subtree
(level k, index i covers leaves [i·2ᵏ, (i+1)·2ᵏ)), so a root or a proof reads
O(log n) rows and never all leaves.
"""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from ledger.log.store import LogStore
from ledger.storage.stores import APPLICATION_NAME, parse_store_url
from verify import merkle


def border_keys(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees that make up a tree of ``size``,
    left to right: one per set bit of ``size``, the largest first."""
    keys = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


class StoredTree:
    """Roots and proofs from the stored subtrees: O(log n) rows per question."""

    def __init__(self, store: LogStore) -> None:
        self.store = store

    def root(self, size: int) -> bytes:
        """The RFC 6962 root of the first ``size`` leaves."""
        if size == 0:
            return merkle.EMPTY_ROOT
        keys = border_keys(size)
        found = self.store.hashes(keys)
        root = found[keys[-1]]
        for key in reversed(keys[:-1]):
            root = merkle.node_hash(found[key], root)
        return root

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self._prove(lambda get: merkle.inclusion_proof(index, size, get))

    def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return self._prove(lambda get: merkle.consistency_proof(size1, size2, get))

    def _prove(
        self, prove: Callable[[Callable[[int, int], bytes]], list[bytes]]
    ) -> list[bytes]:
        # The proof asks only for complete aligned subtrees, and which ones does
        # not depend on their hashes: collect them with a dry run, fetch them all
        # in one query, then build the proof for real.
        wanted: list[tuple[int, int]] = []

        def dry(start: int, end: int) -> bytes:
            wanted.append(_key(start, end))
            return bytes(32)

        prove(dry)
        found = self.store.hashes(wanted)
        return prove(lambda start, end: found[_key(start, end)])


def _key(start: int, end: int) -> tuple[int, int]:
    level = (end - start).bit_length() - 1
    return level, start >> level


def open_log(url: str) -> tuple[LogStore, StoredTree]:
    """The log of the store at ``url``, read-only, without keys (for proofs)."""
    env = Environment(APPLICATION_NAME, dict(parse_store_url(url).env))
    env["CREATE_TABLE"] = "n"
    recorder = InfrastructureFactory.construct(env).application_recorder()
    store = LogStore(recorder)
    return store, StoredTree(store)
