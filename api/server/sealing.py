"""Sealing beside the server: an AutoSealer in a thread, or in a child process.

Sealing a few thousand events is mostly driver work in Python; in the
server's own process it holds the interpreter lock for a few hundred
milliseconds every interval, and requests wait. In a child process (the
default for `letopis serve`) it runs on another core and requests do not
wait. Either way every acknowledged append is covered by a signed checkpoint
within about one seal interval, and stopping seals once more in the server.
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Protocol

from ledger.errors import LedgerError
from ledger.log import AutoSealer, Sealer
from ledger.store import open_ledger


class Sealing(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...


def _seal_forever(
    store: str, keys: str, passphrase: str, interval: float, stop: Event
) -> None:
    """The child process: seal every ``interval`` seconds until ``stop`` is set."""
    app = open_ledger(store, keys=Path(keys), passphrase=passphrase)
    try:
        sealer = Sealer(app)
        while not stop.wait(interval):
            try:
                sealer.seal()
            except LedgerError as e:  # said, and tried again next round
                print(f"letopis sealer: {e}", file=sys.stderr)
    finally:
        app.close()


class ProcessSealer:
    """An AutoSealer's loop in a child process; ``stop`` seals once more here."""

    def __init__(
        self,
        sealer: Sealer,
        *,
        store: str,
        keys: Path,
        passphrase: str,
        interval: float,
    ) -> None:
        self.sealer = sealer
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._process = context.Process(
            target=_seal_forever,
            args=(store, str(keys), passphrase, interval, self._stop),
            name="letopis-sealer",
            daemon=True,
        )

    def start(self) -> ProcessSealer:
        self._process.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._process.join(timeout=60)
        if self._process.is_alive():  # pragma: no cover - a stuck driver call
            self._process.terminate()
        self.sealer.seal()


def sealing(
    sealer: Sealer,
    *,
    in_process: bool,
    store: str,
    keys: Path,
    passphrase: str,
    interval: float,
) -> Sealing:
    if in_process:
        return AutoSealer(sealer, interval)
    return ProcessSealer(
        sealer, store=store, keys=keys, passphrase=passphrase, interval=interval
    )
