"""The verifier as a whole process on the demo school, beside the raw limit.

``letopis demo`` (one simulated school year of the default demo school, every
event through the records rules, signed and sealed: about 100k entries) makes
the store once; it is kept under ``bench/results/.cache/``. Then, in one run:

- ``python -m verify --store … --keys …`` as an auditor runs it, wall time of
  the whole process (start-up, survey, pool, every signature, the tree);
- the raw Ed25519 verify rate of the verifier's library on all cores over the
  same store's signatures (``bench/_sigrate.py``), before and after it; the
  limit is the better of the two.

Signatures per second of the whole process ÷ the limit is the figure issue 17
asks to reach 0.7 on this store (start-up and the pool weigh on a small store).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import _cache, _sigrate
from ledger.keys.directory import DEMO_PASSPHRASE, PASSPHRASE_ENV, KeyDirectory

FORMAT = 1
STORE = _cache.RESULTS / f"verify-demo-v{FORMAT}"
TARGET = 0.7
SAMPLE_EVERY = 1  # every entry's signatures: the store is small
REPO = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    return {**os.environ, PASSPHRASE_ENV: DEMO_PASSPHRASE}


def _make(folder: Path) -> dict[str, Any]:
    started = perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and command line
        [
            sys.executable,
            "-m",
            "api",
            "demo",
            "--store",
            f"sqlite:///{folder / 'letopis.db'}",
            "--keys",
            str(folder / "keys"),
        ],
        env=_env(),
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return {"made_in_seconds": round(perf_counter() - started, 1)}


def demo_store(console: Console) -> Path:
    """The cached demo store's folder, made first if missing."""
    console.print(f"demo store: {STORE.relative_to(REPO)} (letopis demo, made once) …")
    _cache.cached(STORE, FORMAT, _make)
    return STORE


def signer_keys(folder: Path) -> dict[str, bytes]:
    """Every key that signed in the store (key id → raw public key)."""
    from ledger.keys.services import list_signers
    from ledger.storage.stores import open_ledger

    app = open_ledger(
        f"sqlite:///{folder / 'letopis.db'}",
        keys=folder / "keys",
        passphrase=DEMO_PASSPHRASE,
    )
    try:
        keys = {r.key: r.public_key for r in list_signers(app)}
    finally:
        app.close()
    directory = KeyDirectory.open(folder / "keys")
    keys[directory.config["log_key"]] = directory.log_public_key
    return keys


def run_verifier(folder: Path) -> tuple[float, dict[str, Any], int]:
    """Wall seconds of ``python -m verify``, its JSON report, its exit code."""
    with tempfile.TemporaryDirectory(prefix="verify-state-") as tmp:
        command = [
            sys.executable,
            "-m",
            "verify",
            "--store",
            f"sqlite:///{folder / 'letopis.db'}",
            "--keys",
            str(folder / "keys"),
            "--state",
            str(Path(tmp) / "state.json"),
            "--json",
        ]
        started = perf_counter()
        done = subprocess.run(  # noqa: S603 - our own interpreter and verifier
            command, capture_output=True, text=True, check=False, cwd=REPO
        )
        seconds = perf_counter() - started
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        report = {"stderr": done.stderr[-2000:]}
    return seconds, report, done.returncode


def run(console: Console) -> None:
    folder = demo_store(console)
    keys = signer_keys(folder)
    processes = os.cpu_count() or 1
    db = folder / "letopis.db"

    def raw() -> _sigrate.Rate:
        return _sigrate.verify_rate(
            db, "pynacl", keys, every=SAMPLE_EVERY, processes=processes
        )

    console.print(f"raw Ed25519 verify rate (pynacl × {processes}) …")
    before = raw()
    console.print("python -m verify --store (the whole process) …")
    seconds, report, code = run_verifier(folder)
    after = raw()
    limit = max(before, after, key=lambda r: r.per_second)
    checked = (report.get("checked") or {}).get("signatures") or limit.signatures
    per_second = int(checked) / seconds
    ratio = per_second / limit.per_second
    out = Table(title="Verifier on the demo store vs the raw signature limit")
    for name in ("what", "signatures", "seconds", "sig/s", "÷ limit"):
        out.add_column(name, justify="right" if name != "what" else "left")
    out.add_row(
        f"python -m verify (exit {code})",
        f"{int(checked):,}",
        f"{seconds:.2f}",
        f"{per_second:,.0f}",
        f"{ratio:.2f}× ({'met' if ratio >= TARGET else 'missed'} ≥ {TARGET})",
    )
    for label, rate in (("raw before", before), ("raw after", after)):
        out.add_row(
            f"{label} ({rate.invalid} not valid as events)",
            f"{rate.signatures:,}",
            f"{rate.seconds:.2f}",
            f"{rate.per_second:,.0f}",
            "limit" if rate is limit else "",
        )
    console.print(out)
    console.print(
        "raw: every stored envelope's signatures checked by the library alone, on "
        "all cores (snapshots, signed under their own tag, count as not valid "
        "there but cost the same); the verifier: the whole process, wall clock."
    )
