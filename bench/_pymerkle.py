"""Tree building and inclusion proofs: Letopis beside the ``pymerkle`` package.

The same leaves for all: the million envelopes of the benchmark store (the
lines of its exported log.jsonl). pymerkle hashes an entry as SHA-256(0x00 ‖
entry) and nodes as SHA-256(0x01 ‖ left ‖ right), like RFC 6962, so its roots
and audit paths must equal ours byte for byte; the run checks that they do.

- Letopis: the ``Sealer`` seals a copy of the store whose log tables were
  emptied (it reads the events, hashes them, stores leaves and every complete
  subtree, signs a checkpoint); proofs come from ``StoredTree`` (O(log n) rows).
- pymerkle ``SqliteTree``: entries and leaf hashes in SQLite, subtree hashes
  computed from the leaves on demand and cached in memory (LRU).
- pymerkle ``InmemoryTree``: every node an object in memory.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
import shutil
import sqlite3
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from bench import _cache
from ledger.log import (
    SQLITE_LOG_SCHEMA,
    SQLITE_LOG_TABLES,
    Sealer,
    StoredTree,
    open_log,
)
from ledger.storage.stores import open_ledger

RESULTS = _cache.RESULTS


@dataclass
class Contender:
    """One implementation: build time, its root, and its proof times."""

    name: str
    build_seconds: float
    root: bytes
    proof_seconds: list[float] = field(default_factory=list)
    paths_equal: bool = True

    @property
    def first_proof(self) -> float:
        return self.proof_seconds[0]

    @property
    def median_proof(self) -> float:
        return statistics.median(self.proof_seconds)

    @property
    def p99_proof(self) -> float:
        return _p99(self.proof_seconds)

    def json(self, expected_root: bytes) -> dict[str, Any]:
        return {
            "build_seconds": round(self.build_seconds, 2),
            "root_equal": self.root == expected_root,
            "paths_equal": self.paths_equal,
            "proofs": len(self.proof_seconds),
            "first_proof_ms": round(self.first_proof * 1e3, 3),
            "median_proof_ms": round(self.median_proof * 1e3, 3),
            "p99_proof_ms": round(self.p99_proof * 1e3, 3),
        }


def _p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def available() -> str | None:
    """Why pymerkle cannot be compared (not installed), or ``None``."""
    if importlib.util.find_spec("pymerkle") is None:
        return "pymerkle is not installed: pip install pymerkle (a dev extra)"
    return None


def compare(
    db: Path,
    keys: Path,
    passphrase: str,
    entries: list[bytes],
    proofs: int,
    say: Callable[[str], None],
) -> list[Contender]:
    """Build the three trees over ``entries`` and time ``proofs`` random proofs."""
    pymerkle: Any = importlib.import_module("pymerkle")  # untyped
    size = len(entries)
    leaves = random.Random(9162).sample(range(size), proofs)
    with tempfile.TemporaryDirectory(prefix="pymerkle-", dir=RESULTS) as tmp:
        say("Letopis: sealing a copy of the store with its log tables emptied …")
        ours, tree = _letopis(db, keys, passphrase, Path(tmp))
        paths = _time_ours(ours, tree, leaves, size)
        say("pymerkle: SqliteTree over the same entries …")
        sqlite_tree = pymerkle.SqliteTree(str(Path(tmp) / "pymerkle.db"))
        try:
            on_disk = _pymerkle("pymerkle SqliteTree", sqlite_tree, entries)
            _time_pymerkle(on_disk, sqlite_tree, leaves, size, paths)
        finally:
            sqlite_tree.close()
    say("pymerkle: InmemoryTree over the same entries …")
    in_memory_tree = pymerkle.InmemoryTree()
    in_memory = _pymerkle("pymerkle InmemoryTree", in_memory_tree, entries)
    _time_pymerkle(in_memory, in_memory_tree, leaves, size, paths)
    return [ours, on_disk, in_memory]


def _letopis(
    db: Path, keys: Path, passphrase: str, tmp: Path
) -> tuple[Contender, StoredTree]:
    copy = tmp / "letopis.db"
    shutil.copyfile(db, copy)
    _empty_log_tables(copy)
    # The log key remembers the checkpoint it signed for the original store
    # (ledger.log.remembered) and refuses to seal a copy whose log was emptied:
    # the copy gets the keys without that memory.
    fresh_keys = tmp / "keys"
    shutil.copytree(keys, fresh_keys, ignore=shutil.ignore_patterns("log-state"))
    app = open_ledger(f"sqlite:///{copy}", keys=fresh_keys, passphrase=passphrase)
    try:
        started = perf_counter()
        checkpoint = Sealer(app).seal()
        seconds = perf_counter() - started
    finally:
        app.close()
    _, tree = open_log(f"sqlite:///{copy}")
    return Contender("Letopis Sealer", seconds, checkpoint.root), tree


def _empty_log_tables(db: Path) -> None:
    """Drop and recreate the log tables of a copy, as before the first seal
    (their append-only triggers go with them; they never fire on inserts)."""
    connection = sqlite3.connect(db)
    try:
        with connection:
            for table in SQLITE_LOG_TABLES:
                connection.execute(f"DROP TABLE {table}")
            for statement in SQLITE_LOG_SCHEMA:
                connection.execute(statement)
    finally:
        connection.close()


def _time_ours(
    contender: Contender, tree: StoredTree, leaves: list[int], size: int
) -> dict[int, list[bytes]]:
    paths = {}
    for index in leaves:
        started = perf_counter()
        paths[index] = tree.inclusion_proof(index, size)
        contender.proof_seconds.append(perf_counter() - started)
    return paths


def _pymerkle(name: str, tree: Any, entries: list[bytes]) -> Contender:
    started = perf_counter()
    tree.append_entries(entries)
    root = tree.get_root()  # SqliteTree hashes its subtrees here
    return Contender(name, perf_counter() - started, bytes(root))


def _time_pymerkle(
    contender: Contender,
    tree: Any,
    leaves: list[int],
    size: int,
    expected: dict[int, list[bytes]],
) -> None:
    for index in leaves:
        started = perf_counter()
        proof = tree.prove_inclusion(index + 1, size)  # pymerkle counts from 1
        contender.proof_seconds.append(perf_counter() - started)
        path = [bytes(h) for h in proof.path]
        if path[1:] != expected[index]:  # path[0] is the leaf's own hash
            contender.paths_equal = False
