"""The raw Ed25519 verify rate of a library on all cores: a verifier's ceiling.

One process per core reads its share of the store's signatures (every
``every``-th event, split between the processes), prepares (public key, signing
input, signature) without the clock running, waits at a barrier with the
others, then only verifies. The rate is all signatures over the wall time from
the barrier to the last process done. Libraries: ``cryptography`` (OpenSSL) and
PyNaCl's libsodium binding (``crypto_sign_open``, what ``VerifyKey.verify``
calls).
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from time import perf_counter
from typing import Any

import nacl.bindings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.envelope import EVENT_DOMAIN

LIBRARIES = ("pynacl", "cryptography")

Triple = tuple[bytes, bytes, bytes]  # public key, signing input, signature


@dataclass(frozen=True)
class Rate:
    """Signatures verified per second by ``processes`` processes together."""

    library: str
    processes: int
    signatures: int
    seconds: float
    invalid: int

    @property
    def per_second(self) -> float:
        return self.signatures / self.seconds


def verify_rate(
    db: Path, library: str, keys: dict[str, bytes], *, every: int, processes: int
) -> Rate:
    """Verify every ``every``-th event's signatures of ``db`` on ``processes``."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results: Any = context.Queue()
    workers = [
        context.Process(
            target=_work,
            args=(db, library, keys, every, (w, processes), barrier, results),
        )
        for w in range(processes)
    ]
    for worker in workers:
        worker.start()
    done = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    start = min(d[1] for d in done)
    end = max(d[2] for d in done)
    return Rate(
        library=library,
        processes=processes,
        signatures=sum(d[0] for d in done),
        seconds=end - start,
        invalid=sum(d[3] for d in done),
    )


def _work(
    db: Path,
    library: str,
    keys: dict[str, bytes],
    every: int,
    share: tuple[int, int],
    barrier: Barrier,
    results: Any,
) -> None:
    triples = _triples(db, keys, every, share)
    check = _checker(library)
    barrier.wait()
    start = perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    invalid = 0
    for public_key, message, signature in triples:
        if not check(public_key, message, signature):
            invalid += 1
    results.put((len(triples), start, perf_counter(), invalid))


def _triples(
    db: Path, keys: dict[str, bytes], every: int, share: tuple[int, int]
) -> list[Triple]:
    worker, processes = share
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT state FROM stored_events WHERE rowid % ? = 0 "
            "AND (rowid / ?) % ? = ? ORDER BY rowid",
            (every, every, processes, worker),
        ).fetchall()
    finally:
        connection.close()
    triples: list[Triple] = []
    for (state,) in rows:
        message, signatures = split_envelope(state)
        triples.extend(
            (keys[s["key"]], message, b64decode(s["sig"])) for s in signatures
        )
    return triples


def split_envelope(state: bytes) -> tuple[bytes, list[dict[str, str]]]:
    """The signing input and the signatures of a stored (canonical) envelope.

    JCS writes an object's members in sorted order, so the canonical envelope
    without ``sigs`` is the stored bytes with that member cut out. The members
    after ``sigs`` (stream, type, v) are scalars, so its last occurrence is the
    top-level one. Checked in every run: a wrong cut would fail to verify.
    """
    start = state.rindex(b',"sigs":[')
    end = state.index(b"]", start) + 1
    signatures: list[dict[str, str]] = json.loads(state[start + 8 : end])
    return EVENT_DOMAIN + state[:start] + state[end:], signatures


def _checker(library: str) -> Callable[[bytes, bytes, bytes], bool]:
    if library == "pynacl":
        return _nacl_check
    if library == "cryptography":
        loaded: dict[bytes, Ed25519PublicKey] = {}

        def check(public_key: bytes, message: bytes, signature: bytes) -> bool:
            key = loaded.get(public_key)
            if key is None:
                key = loaded[public_key] = Ed25519PublicKey.from_public_bytes(
                    public_key
                )
            try:
                key.verify(signature, message)
            except Exception:  # InvalidSignature: counted, not raised
                return False
            return True

        return check
    msg = f"unknown library {library!r}; known: {', '.join(LIBRARIES)}"
    raise ValueError(msg)


def _nacl_check(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
    except Exception:  # BadSignatureError: counted, not raised
        return False
    return True
