"""Sign-in guards: a bounded number of password hashes at once, and attempts
limited per login and per client address.

An argon2id hash takes ``PASSWORD_MEMORY_KIB`` of memory (64 MiB by default)
for its whole run, so concurrent sign-ins, right or wrong, multiply it: 40 at
once took a server to 2.1 GiB. ``HashingGate`` lets at most one hash per core
run; a sign-in waits for a free slot without holding a worker thread (so
`/health` and other requests are not starved by waiting sign-ins), and one
that finds none within ``SIGN_IN_WAIT_SECONDS`` is answered 429.
``AttemptLimits`` counts attempts in a sliding window per login and per
address, before any hashing; a successful sign-in does not count. Both live in
the server's process (in-process state: several server processes each keep
their own counts, so the limits apply per process).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio

from ledger.errors import LedgerError

MAX_TRACKED = 100_000  # logins and addresses kept at once; expired ones go first
POLL_SECONDS = 0.02  # how often a waiting sign-in looks for a free slot


class TooManyAttemptsError(LedgerError):
    """Too many sign-ins for this login or address, or at once; retry later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HashingGate:
    """At most ``slots`` password hashes at once; records the most seen.

    A waiting sign-in polls for a slot from the event loop (any loop: the
    semaphore is a thread one, since the hash itself runs in a worker
    thread), so waiting costs no thread."""

    def __init__(self, slots: int, wait: float) -> None:
        self.slots = slots
        self.wait = wait
        self._free = threading.BoundedSemaphore(slots)
        self._count = threading.Lock()
        self.running = 0
        self.most_running = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot while hashing; TooManyAttemptsError after ``wait`` s."""
        deadline = time.monotonic() + self.wait
        while not self._free.acquire(blocking=False):
            if time.monotonic() >= deadline:
                msg = (
                    f"{self.slots} sign-ins are being checked already; try again "
                    "in a second"
                )
                raise TooManyAttemptsError(msg, 1)
            await anyio.sleep(POLL_SECONDS)
        with self._count:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            yield
        finally:
            with self._count:
                self.running -= 1
            self._free.release()


@dataclass(frozen=True)
class Attempt:
    """One admitted attempt: forgotten again when it succeeds."""

    login: str
    address: str
    at: float


class AttemptLimits:
    """Sliding-window counts of sign-in attempts per login and per address."""

    def __init__(
        self,
        *,
        per_login: int,
        per_address: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_login = per_login
        self.per_address = per_address
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._logins: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}

    def admit(self, login: str, address: str) -> Attempt:
        """Count an attempt, or TooManyAttemptsError (nothing counted) with the
        seconds until the oldest counted attempt leaves the window."""
        now = self._clock()
        with self._lock:
            by_login = self._recent(self._logins, login.casefold(), now)
            by_address = self._recent(self._addresses, address, now)
            for times, limit, what in (
                (by_login, self.per_login, f"login {login!r}"),
                (by_address, self.per_address, "your address"),
            ):
                if len(times) >= limit:
                    wait = max(1, math.ceil(times[0] + self.window - now))
                    msg = (
                        f"too many sign-in attempts for {what}: at most {limit} in "
                        f"{self.window:g} s; try again in {wait} s"
                    )
                    raise TooManyAttemptsError(msg, wait)
            by_login.append(now)
            by_address.append(now)
        return Attempt(login.casefold(), address, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A right password: the attempt does not count against anyone."""
        with self._lock:
            for table, key in (
                (self._logins, attempt.login),
                (self._addresses, attempt.address),
            ):
                times = table.get(key)
                if times is not None and attempt.at in times:
                    times.remove(attempt.at)

    def _recent(
        self, table: dict[str, deque[float]], key: str, now: float
    ) -> deque[float]:
        if key not in table and len(table) >= MAX_TRACKED:
            self._forget_expired(table, now)
        times = table.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_expired(self, table: dict[str, deque[float]], now: float) -> None:
        for key in [k for k, t in table.items() if not t or t[-1] <= now - self.window]:
            del table[key]
        if len(table) >= MAX_TRACKED:  # all busy: the oldest goes
            oldest = min(table, key=lambda k: table[k][-1])
            del table[oldest]
