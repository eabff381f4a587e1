"""Witness cosigning latency per checkpoint (issue 16, item 6).

A witness (``api.witness``) in a temporary state directory witnesses a log
built here; the log grows by ``STEP`` leaves per checkpoint, and each new
checkpoint is sent with its consistency proof from the previous one, as the
sealer sends it. Timed per checkpoint, the request prepared beforehand:

- ``in process``: ``Witness.add_checkpoint`` called directly (parse, log
  signature, consistency proof, cosignature, the state file's fsync+rename);
- ``HTTP``: the same through ``letopis witness serve``'s app under uvicorn on
  127.0.0.1, posted with the sealer's own client (``ledger.log.witnesses``).

Median and p99 in milliseconds are printed and written to
``bench/results/witness.json``; nothing is asserted (STYLE §10). The machine is
shared: compare the two rows of one run rather than across runs.
"""

from __future__ import annotations

import base64
import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from time import perf_counter

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table

from api.witness.app import make_app
from api.witness.witness import Witness
from ledger.log.witnesses import http_post
from verify import merkle
from verify.note import checkpoint_body, signed_note, verifier_key

CHECKPOINTS = 300
STEP = 7
ORIGIN = "bench.letopis/witnessed"
RESULTS = Path(__file__).with_name("results") / "witness.json"


def _requests(count: int) -> tuple[str, list[bytes]]:
    """The log's vkey and ``count`` add-checkpoint bodies, each extending the last."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    leaves: list[bytes] = []
    bodies = []
    old = 0
    for number in range(count):
        leaves.extend(merkle.leaf_hash(f"{number}/{i}".encode()) for i in range(STEP))
        size = len(leaves)

        def subtree(a: int, b: int) -> bytes:
            return merkle.root_from_leaf_hashes(leaves[a:b])

        proof = merkle.consistency_proof(old, size, subtree) if old else []
        body = checkpoint_body(ORIGIN, size, merkle.root_from_leaf_hashes(leaves))
        note = signed_note(body, ORIGIN, public, key.sign)
        lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
        bodies.append(("\n".join(lines) + "\n\n" + note).encode())
        old = size
    return verifier_key(ORIGIN, public), bodies


def _witness(folder: Path, vkey: str) -> Witness:
    witness = Witness.create(folder, "bench.letopis/witness")
    witness.add_log(ORIGIN, vkey)
    return witness


def _in_process(folder: Path, vkey: str, bodies: list[bytes]) -> list[float]:
    witness = _witness(folder, vkey)
    times = []
    for body in bodies:
        start = perf_counter()
        witness.add_checkpoint(body)
        times.append(perf_counter() - start)
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _over_http(folder: Path, vkey: str, bodies: list[bytes]) -> list[float]:
    witness = _witness(folder, vkey)
    port = _free_port()
    config = uvicorn.Config(
        make_app(witness), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}/add-checkpoint"
    times = []
    try:
        for body in bodies:
            start = perf_counter()
            status, text = http_post(url, body)
            times.append(perf_counter() - start)
            if status != 200:
                msg = f"the witness refused: {status} {text}"
                raise RuntimeError(msg)
    finally:
        server.should_exit = True
        thread.join()
    return times


def _row(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "checkpoints": len(times),
        "median_ms": round(statistics.median(times) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
    }


def run(console: Console) -> None:
    vkey, bodies = _requests(CHECKPOINTS)
    with tempfile.TemporaryDirectory(prefix="letopis-witness-") as folder:
        rows = {
            "in process": _row(_in_process(Path(folder) / "a", vkey, bodies)),
            "HTTP (uvicorn, 127.0.0.1)": _row(
                _over_http(Path(folder) / "b", vkey, bodies)
            ),
        }
    table = Table(
        title=f"witness cosigning, {CHECKPOINTS} checkpoints, +{STEP} leaves each"
    )
    for column in ("path", "median ms", "p99 ms"):
        table.add_column(column)
    for name, row in rows.items():
        table.add_row(name, f"{row['median_ms']:.3f}", f"{row['p99_ms']:.3f}")
    console.print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
