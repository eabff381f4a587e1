"""Start-up of the commands that should answer at once (issue 17, item 3).

``letopis --help``, ``checkpoint``, ``proof inclusion``, ``proof consistency``
and ``keys list`` on a small SQLite store (``letopis init`` then ``seal``),
each run as its own process the way a script runs it. For each: the median
wall time of ``RUNS`` runs, and the time its imports take by
``python -X importtime`` (the sum of the top-level imports: the evidence of
what a command loads before it does anything). Beside them, in the same run,
the interpreter alone (``python -c pass``): the floor no command can go under.
Target: every command under 0.3 s on a quiet machine.

``BENCH_STARTUP_REPO=/path/to/checkout`` times another checkout's command line
with the same interpreter (a before/after comparison).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

from rich.console import Console
from rich.table import Table

from ledger.keys.directory import DEMO_PASSPHRASE, PASSPHRASE_ENV

RUNS = 7
TARGET_SECONDS = 0.3
REPO = Path(os.environ.get("BENCH_STARTUP_REPO") or Path(__file__).parent.parent)
_TOP_LEVEL = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\S.*)$")


@dataclass(frozen=True)
class Startup:
    """One command's start-up: median wall seconds and seconds of imports."""

    command: str
    wall: float
    imports: float

    @property
    def within_target(self) -> bool:
        return self.wall < TARGET_SECONDS


def _env() -> dict[str, str]:
    return {**os.environ, PASSPHRASE_ENV: DEMO_PASSPHRASE, "COLUMNS": "120"}


def _run(argv: Sequence[str], *, importtime: bool = False) -> tuple[float, str]:
    """Wall seconds of one process, and its stderr."""
    flags = ["-X", "importtime"] if importtime else []
    start = perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and command line
        [sys.executable, *flags, *argv],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = perf_counter() - start
    if done.returncode != 0:
        msg = f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}"
        raise RuntimeError(msg)
    return elapsed, done.stderr


def import_seconds(stderr: str) -> float:
    """Seconds of imports by ``-X importtime``: the top-level entries' totals
    (a top-level entry's name is not indented; its total includes its own)."""
    micros = 0
    for line in stderr.splitlines():
        found = _TOP_LEVEL.match(line)
        if found and not found.group(2).startswith(" "):
            micros += int(found.group(1))
    return micros / 1e6


def measure(label: str, argv: Sequence[str]) -> Startup:
    """Median wall time of ``RUNS`` runs (after one warm run), and imports."""
    _run(argv)  # warm the file cache
    walls = [_run(argv)[0] for _ in range(RUNS)]
    _, traced = _run(argv, importtime=True)
    return Startup(label, statistics.median(walls), import_seconds(traced))


def _letopis(*args: str) -> list[str]:
    return ["-m", "api", *args]


def commands(store: str, keys: Path) -> dict[str, list[str]]:
    """The commands to time, by the name the table shows."""
    where = ["--store", store]
    return {
        "python -c pass": ["-c", "pass"],
        "letopis --help": _letopis("--help"),
        "letopis checkpoint": _letopis("checkpoint", *where),
        "letopis proof inclusion": _letopis(
            "proof", "inclusion", *where, "--index", "0"
        ),
        "letopis proof consistency": _letopis(
            "proof", "consistency", *where, "--from", "1"
        ),
        "letopis keys list": _letopis("keys", "list", *where, "--keys", str(keys)),
    }


def table(rows: list[Startup]) -> Table:
    out = Table(title=f"Command start-up, median of {RUNS} runs (same run)")
    out.add_column("command", no_wrap=True)
    for name in ("wall s", "imports s", f"< {TARGET_SECONDS} s"):
        out.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        floor = row.command.startswith("python")
        out.add_row(
            row.command,
            f"{row.wall:.3f}",
            f"{row.imports:.3f}",
            "—" if floor else ("yes" if row.within_target else "NO"),
        )
    return out


def run(console: Console) -> None:
    """Make a small store, time each command, print the table."""
    with tempfile.TemporaryDirectory(prefix="letopis-startup-") as tmp:
        store = f"sqlite:///{Path(tmp) / 'letopis.db'}"
        keys = Path(tmp) / "keys"
        where = ["--store", store, "--keys", str(keys)]
        _run(_letopis("init", *where, "--origin", "letopis.bench/startup"))
        _run(_letopis("seal", *where))
        console.print(f"timing the command line of {REPO} …")
        rows = [measure(label, argv) for label, argv in commands(store, keys).items()]
    console.print(table(rows))
    console.print(
        "wall: the whole process as a script runs it (interpreter, imports, the "
        "store opened, the answer printed); imports: python -X importtime, the sum "
        "of the top-level imports of one run."
    )


if __name__ == "__main__":
    run(Console())
