"""Root recomputation, streamed, in leaves per second (benchmark part (b)).

Every figure is the whole path: reading, hashing and ``verify.merkle``'s
streaming ``TreeBuilder`` (constant memory), timed from the first read to the
root. From log.jsonl bytes the leaf hash of each line is SHA-256(0x00 ‖ line);
it is measured in one process, and with the leaf hashes made in one process
per core (the file split at line ends) while this process builds the tree.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import sqlite3
from pathlib import Path
from time import perf_counter

from verify import merkle

CHUNK_BYTES = 1 << 24

Timed = tuple[float, bytes]  # leaves per second, root


def from_stored_leaf_hashes(db: Path) -> Timed:
    """Read ``log_leaves`` in leaf order straight into the builder."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        started = perf_counter()
        builder = merkle.TreeBuilder()
        cursor = connection.execute(
            "SELECT leaf_hash FROM log_leaves ORDER BY leaf_index"
        )
        builder.extend(row[0] for row in cursor)
        seconds = perf_counter() - started
    finally:
        connection.close()
    return builder.size / seconds, builder.root()


def builder_alone(db: Path) -> Timed:
    """The builder over leaf hashes already in memory: its own ceiling."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        hashes = [
            row[0]
            for row in connection.execute(
                "SELECT leaf_hash FROM log_leaves ORDER BY leaf_index"
            )
        ]
    finally:
        connection.close()
    started = perf_counter()
    builder = merkle.TreeBuilder()
    builder.extend(hashes)
    return len(hashes) / (perf_counter() - started), builder.root()


def from_lines(path: Path) -> Timed:
    """One process: read log.jsonl, hash each line, build."""
    sha256 = hashlib.sha256
    started = perf_counter()
    builder = merkle.TreeBuilder()
    with path.open("rb") as lines:
        builder.extend(sha256(b"\x00" + line[:-1]).digest() for line in lines)
    return builder.size / (perf_counter() - started), builder.root()


def from_lines_all_cores(path: Path) -> tuple[float, bytes, int]:
    """Leaf hashes made by one process per core, the tree built here."""
    processes = os.cpu_count() or 1
    started = perf_counter()
    builder = merkle.TreeBuilder()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        for digests in pool.imap(_hash_lines, _chunks(path)):
            builder.extend(digests[k : k + 32] for k in range(0, len(digests), 32))
    return builder.size / (perf_counter() - started), builder.root(), processes


def _chunks(path: Path) -> list[tuple[Path, int, int]]:
    """Byte ranges of about ``CHUNK_BYTES`` that start and end at line ends."""
    size = path.stat().st_size
    bounds = [0]
    with path.open("rb") as lines:
        while bounds[-1] < size:
            lines.seek(min(bounds[-1] + CHUNK_BYTES, size))
            lines.readline()
            bounds.append(min(lines.tell(), size))
    return [(path, a, b) for a, b in itertools.pairwise(bounds)]


def _hash_lines(task: tuple[Path, int, int]) -> bytes:
    path, start, stop = task
    with path.open("rb") as lines:
        lines.seek(start)
        data = lines.read(stop - start)
    sha256 = hashlib.sha256
    return b"".join(sha256(b"\x00" + line).digest() for line in data.split(b"\n")[:-1])
