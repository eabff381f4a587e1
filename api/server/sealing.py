"""Sealing beside the server: a loop in a thread, or in a child process.

Sealing a few thousand events is mostly driver work in Python; in the
server's own process it holds the interpreter lock for a few hundred
milliseconds every interval, and requests wait. In a child process (the
default for `letopis serve`) it runs on another core and requests do not
wait. Either way every acknowledged append is covered by a signed checkpoint
within about one seal interval, and stopping seals once more in the server.

Each round writes what it did into a ``SealState`` in shared memory (the
latest checkpoint's size and time, or the error), so `/health` can say
whether sealing works without touching the database.
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import Any, Protocol

from ledger.log import Sealer, StoredCheckpoint
from ledger.storage.stores import open_ledger

CONTEXT: SpawnContext = multiprocessing.get_context("spawn")
_TEXT = 1024  # bytes kept of an error message
_LOCK_SECONDS = 1.0  # a sealer killed while writing its state leaves it locked
#: After a failed round (a database outage, say) the next comes this soon, so
#: sealing and /health recover as soon as the database does.
RETRY_SECONDS = 0.5


@dataclass(frozen=True)
class SealReport:
    """What the sealer last did; times are seconds since the epoch."""

    checkpoint_size: int | None
    checkpoint_signed_at: str | None
    sealed_at: float | None  # the last round that succeeded
    failed_at: float | None  # the last round, if it failed
    error: str | None


class SealState:
    """The sealer's last round, in shared memory (works across processes)."""

    def __init__(self) -> None:
        # sealed_at, failed_at, checkpoint size; NaN for "not yet"
        self._numbers: Any = CONTEXT.Array("d", [math.nan] * 3)
        self._error: Any = CONTEXT.Array("c", _TEXT)
        self._signed_at: Any = CONTEXT.Array("c", 64)

    @contextmanager
    def _locked(self) -> Iterator[bool]:
        lock = self._numbers.get_lock()
        held = lock.acquire(timeout=_LOCK_SECONDS)
        try:
            yield held
        finally:
            if held:
                lock.release()

    def found(self, checkpoint: StoredCheckpoint | None) -> None:
        """The latest checkpoint in the store, before the first round."""
        if checkpoint is None:
            return
        with self._locked():
            self._numbers[2] = checkpoint.size
            self._signed_at.value = checkpoint.signed_at.encode()[:63]

    def sealed(self, checkpoint: StoredCheckpoint | None, at: float) -> None:
        with self._locked():
            self._numbers[0] = at
            self._numbers[1] = math.nan
            self._error.value = b""
        self.found(checkpoint)

    def sealed_as(self, size: int | None, signed_at: str | None, at: float) -> None:
        """:meth:`sealed`, from a checkpoint's size and signing time (as the
        deployment's sealing process reports them)."""
        with self._locked():
            self._numbers[0] = at
            self._numbers[1] = math.nan
            self._error.value = b""
            if size is not None and signed_at is not None:
                self._numbers[2] = size
                self._signed_at.value = signed_at.encode()[:63]

    def failed(self, error: BaseException, at: float) -> None:
        """Keep only the error's kind for `/health`, which answers without a
        sign-in (a driver's message may name the database user and host); the
        whole message goes to the server's log (standard error)."""
        self.failed_as(type(error).__name__, repr(error), at)

    def failed_as(self, kind: str, text: str, at: float) -> None:
        """:meth:`failed`, from the error's kind and text."""
        print(f"letopis serve: sealing failed: {text}", file=sys.stderr)
        with self._locked():
            self._numbers[1] = at
            self._error.value = kind.encode()[: _TEXT - 1]

    def report(self) -> SealReport:
        with self._locked() as held:
            if not held:
                msg = "the sealer's state stays locked (did the sealer die?)"
                return SealReport(None, None, None, time.time(), msg)
            sealed, failed, size = self._numbers[:]
            error = self._error.value.decode(errors="replace")
            signed_at = self._signed_at.value.decode(errors="replace")
        return SealReport(
            None if math.isnan(size) else int(size),
            signed_at or None,
            None if math.isnan(sealed) else sealed,
            None if math.isnan(failed) else failed,
            error or None,
        )


class Sealing(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...

    def alive(self) -> bool: ...


def seal_round(sealer: Sealer, state: SealState) -> bool:
    """Seal once and record the outcome; a failure is kept, never raised.

    Any exception counts (a driver error from a lost connection as much as a
    LedgerError): the loop goes on, and the health endpoint reports it.
    Whether the round succeeded.
    """
    try:
        checkpoint = sealer.seal()
    except Exception as e:  # reported through SealState
        state.failed(e, time.time())
        return False
    state.sealed(checkpoint, time.time())
    return True


def next_wait(interval: float, succeeded: bool) -> float:
    """Seconds to the next round: the interval, or sooner after a failure."""
    return interval if succeeded else min(interval, RETRY_SECONDS)


class ThreadSealer:
    """Seals every ``interval`` seconds in a thread of the server's process."""

    def __init__(self, sealer: Sealer, state: SealState, interval: float) -> None:
        self.sealer = sealer
        self.state = state
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="letopis-sealer", daemon=True
        )

    def start(self) -> ThreadSealer:
        self._thread.start()
        return self

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            wait = next_wait(self.interval, seal_round(self.sealer, self.state))

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop the thread and seal once more, so nothing appended is left out
        (a refusal is reported as every round's is, not raised at shutdown)."""
        self._stop.set()
        self._thread.join()
        seal_round(self.sealer, self.state)


def _seal_forever(
    store: str,
    keys: str,
    passphrase: str,
    interval: float,
    stop: Connection,
    state: SealState,
    env: dict[str, str],
) -> None:
    """The child process: seal every ``interval`` seconds until ``stop`` closes.

    A pipe, not a multiprocessing Event: setting an Event that a killed
    process was waiting on blocks for ever, and so would the server's stop.
    """
    try:
        app = open_ledger(store, keys=Path(keys), passphrase=passphrase, extra_env=env)
    except Exception as e:  # reported through SealState
        state.failed(e, time.time())
        raise
    try:
        sealer = Sealer(app)
        wait = interval
        while not stop.poll(wait):
            wait = next_wait(interval, seal_round(sealer, state))
    finally:
        app.close()


class ProcessSealer:
    """The sealing loop in a child process; ``stop`` seals once more here."""

    def __init__(
        self,
        sealer: Sealer,
        state: SealState,
        *,
        store: str,
        keys: Path,
        passphrase: str,
        interval: float,
        env: dict[str, str] | None = None,
    ) -> None:
        self.sealer = sealer
        self.state = state
        self._stop_reader, self._stop = CONTEXT.Pipe(duplex=False)
        self._process = CONTEXT.Process(
            target=_seal_forever,
            args=(
                store,
                str(keys),
                passphrase,
                interval,
                self._stop_reader,
                state,
                env or {},
            ),
            name="letopis-sealer",
            daemon=True,
        )

    def start(self) -> ProcessSealer:
        self._process.start()
        self._stop_reader.close()  # the child holds it now
        return self

    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def stop(self) -> None:
        self._stop.close()  # the child's poll sees the end of the pipe
        self._process.join(timeout=60)
        if self._process.is_alive():  # pragma: no cover - a stuck driver call
            self._process.terminate()
        seal_round(self.sealer, self.state)


def sealing(
    sealer: Sealer,
    state: SealState,
    *,
    in_process: bool,
    store: str,
    keys: Path,
    passphrase: str,
    interval: float,
    env: dict[str, str] | None = None,
) -> Sealing:
    if in_process:
        return ThreadSealer(sealer, state, interval)
    return ProcessSealer(
        sealer,
        state,
        store=store,
        keys=keys,
        passphrase=passphrase,
        interval=interval,
        env=env,
    )


# -- health ---------------------------------------------------------------------


@dataclass(frozen=True)
class SealHealth:
    """Whether sealing works: ``problem`` is None when it does."""

    report: SealReport
    interval: float
    overdue_after: float
    running: bool
    problem: str | None


def assess(
    report: SealReport,
    *,
    now: float,
    started_at: float,
    interval: float,
    overdue_after: float,
    running: bool,
) -> SealHealth:
    """Judge a report: failed, stopped, overdue, or fine (a pure function)."""
    problem = None
    last = report.sealed_at or started_at
    if report.error is not None:
        ago = now - (report.failed_at or now)
        problem = (
            f"sealing failed {ago:.0f} s ago: {report.error} (the server's log "
            "has the details)"
        )
    elif not running:
        problem = "the sealer has stopped; restart the server"
    elif now - last > overdue_after:
        problem = (
            f"no checkpoint round succeeded for {now - last:.0f} s; the seal "
            f"interval is {interval:g} s (overdue after {overdue_after:g} s)"
        )
    return SealHealth(report, interval, overdue_after, running, problem)
