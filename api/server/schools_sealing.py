"""Sealing a deployment's schools: one loop over every open school, in a child
process (the default) or in a thread of the server.

One loop for the deployment, not a sealer per school: a round over schools
with nothing new costs one query each (the log's size against the events'
count), and a process per school would cost an interpreter and a connection
pool per school. In the server's own process that loop held the interpreter
lock for the Python work of sealing every school with new events, and the
requests of every school waited (p99 of 300 ms with 20 schools posting); in a
child process it runs on another core.

The child opens its own ledger of each school the server opens (the server
sends the school's store and keys over a pipe) and reports each round's
outcome back over another pipe; a thread of the server writes it into that
school's ``SealState``, so each school's ``/health`` reads its own without
touching the database. Stopping closes the pipe: the child ends its loop, and
the server seals every school once more itself, so nothing acknowledged is
left out of a checkpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from api.server.sealing import CONTEXT, SealState, next_wait, seal_round
from ledger.log import Sealer
from ledger.storage.stores import open_ledger

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from api.server.office import Office
    from ledger.application import LedgerApplication


@dataclass(frozen=True)
class Opened:
    """What the child needs to seal one school: its code, store and keys."""

    code: str
    store: str
    keys: str
    env: dict[str, str]


#: a round's outcome for one school, sent from the child to the server:
#: ("sealed", code, at, size or None, signed_at or None), ("covered", code, at)
#: or ("failed", code, at, kind of error, the error's text)
Outcome = tuple[Any, ...]


class Schools(Protocol):
    """The deployment's open offices (``api.server.schools.Schools``)."""

    def open_offices(self) -> list[Office]: ...

    def open_office(self, code: str) -> Office | None: ...


class SchoolsSealing:
    """Seals every open school in turn, every interval."""

    def __init__(
        self,
        schools: Schools,
        interval: float,
        *,
        in_process: bool = True,
        passphrase: str = "",
    ) -> None:
        self.schools = schools
        self.interval = interval
        self.in_process = in_process
        self.passphrase = passphrase
        self.last_round_seconds: float | None = None
        self._sealed_up_to: dict[str, int] = {}  # events' count last sealed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._child: Child | None = None

    def start(self) -> SchoolsSealing:
        if self._thread is not None or self._child is not None:
            return self
        if self.in_process:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="letopis-schools-sealer", daemon=True
            )
            self._thread.start()
        else:
            self._child = Child(self.schools, self.interval, self.passphrase)
            for office in self.schools.open_offices():
                self._child.open(office)
        return self

    def opened(self, office: Office) -> None:
        """A school's office was opened: the child seals it from now on."""
        if self._child is not None:
            self._child.open(office)

    def _run(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            wait = next_wait(self.interval, self.round())

    def round(self) -> bool:
        """Seal every open school with new events once, here; whether every
        school's round succeeded.

        A school whose events' count is what this loop last sealed is not
        sealed again (its log covers every event): one query instead of the
        sealer's several, so idle open schools cost little (docs/scale.md)."""
        started = time.perf_counter()
        ok = True
        for office in self._offices():
            ok = self._seal(office) and ok
        self.last_round_seconds = time.perf_counter() - started
        return ok

    def _seal(self, office: Office) -> bool:
        code, state = office.settings.school, office.seal_state
        try:
            top = office.app.recorder.max_notification_id() or 0
        except Exception as e:  # reported through SealState, as seal_round does
            state.failed(e, time.time())
            return False
        if self._sealed_up_to.get(code) == top:
            state.sealed(None, time.time())  # still covered: a good round
            return True
        if not seal_round(office.sealer, state):
            return False
        self._sealed_up_to[code] = top
        return True

    def _offices(self) -> Iterator[Office]:
        yield from self.schools.open_offices()

    @property
    def pid(self) -> int | None:
        """The sealing process's id (None when sealing in a thread)."""
        return None if self._child is None else self._child.pid

    def alive(self) -> bool:
        if self._child is not None:
            return self._child.alive()
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Stop the loop and seal every school once more here (once, however
        many offices ask)."""
        thread, self._thread = self._thread, None
        child, self._child = self._child, None
        if thread is None and child is None:
            return
        if thread is not None:
            self._stop.set()
            thread.join()
        if child is not None:
            child.stop()
        self.round()


class Child:
    """The child process of the deployment's loop, and the server's thread that
    writes the child's reports into each school's ``SealState``."""

    def __init__(self, schools: Schools, interval: float, passphrase: str) -> None:
        self.schools = schools
        commands_in, self._commands = CONTEXT.Pipe(duplex=False)
        self._reports, reports_out = CONTEXT.Pipe(duplex=False)
        self._sending = threading.Lock()
        self._process: BaseProcess = CONTEXT.Process(
            target=seal_schools,
            args=(commands_in, reports_out, passphrase, interval),
            name="letopis-schools-sealer",
            daemon=True,
        )
        self._process.start()
        commands_in.close()  # the child holds these ends now
        reports_out.close()
        self._listener = threading.Thread(
            target=self._listen, name="letopis-seal-reports", daemon=True
        )
        self._listener.start()

    def open(self, office: Office) -> None:
        settings = office.settings
        opened = Opened(
            settings.school, settings.store, str(settings.keys), office.seal_env
        )
        with self._sending:
            try:
                self._commands.send(opened)
            except OSError:  # the child is gone: /health says the sealer stopped
                return

    def _listen(self) -> None:
        while True:
            try:
                outcome: Outcome = self._reports.recv()
            except (EOFError, OSError):
                return
            office = self.schools.open_office(outcome[1])
            if office is not None:
                record(office.seal_state, outcome)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def alive(self) -> bool:
        return self._process.is_alive() and self._listener.is_alive()

    def stop(self) -> None:
        with self._sending:
            self._commands.close()  # the child's poll sees the end of the pipe
        self._process.join(timeout=60)
        if self._process.is_alive():  # pragma: no cover - a stuck driver call
            self._process.terminate()
            self._process.join()
        self._listener.join(timeout=5)
        self._reports.close()


def record(state: SealState, outcome: Outcome) -> None:
    """Write one school's outcome, as the child reported it, into its state."""
    kind, _, at, *rest = outcome
    if kind == "sealed":
        state.sealed_as(rest[0], rest[1], at)
    elif kind == "covered":
        state.sealed(None, at)
    else:
        state.failed_as(rest[0], rest[1], at)


# -- the child process ----------------------------------------------------------


def seal_schools(
    commands: Connection, reports: Connection, passphrase: str, interval: float
) -> None:
    """The child: seal the schools the server names, every ``interval``
    seconds, until ``commands`` closes (then once more is the server's)."""
    loop = _ChildLoop(reports, passphrase)
    try:
        deadline = time.monotonic() + interval
        while True:
            if commands.poll(max(0.0, deadline - time.monotonic())):
                try:
                    opened: Opened = commands.recv()
                except EOFError:
                    return
                loop.opened[opened.code] = opened
                continue
            deadline = time.monotonic() + next_wait(interval, loop.round())
    finally:
        loop.close()


class _ChildLoop:
    """The child's schools (opened lazily, again after a failure) and what each
    was last sealed up to."""

    def __init__(self, reports: Connection, passphrase: str) -> None:
        self.reports = reports
        self.passphrase = passphrase
        self.opened: dict[str, Opened] = {}
        self.apps: dict[str, tuple[LedgerApplication, Sealer]] = {}
        self.covered: dict[str, int] = {}

    def round(self) -> bool:
        ok = True
        for code in list(self.opened):
            ok = self._seal(code) and ok
        return ok

    def _seal(self, code: str) -> bool:
        at = time.time()
        try:
            app, sealer = self._app(code)
            top = app.recorder.max_notification_id() or 0
            if self.covered.get(code) == top:
                self._report(("covered", code, at))
                return True
            checkpoint = sealer.seal()
        except Exception as e:  # reported to the server's SealState
            self._report(("failed", code, at, type(e).__name__, repr(e)))
            return False
        self.covered[code] = top
        size = None if checkpoint is None else checkpoint.size
        signed_at = None if checkpoint is None else checkpoint.signed_at
        self._report(("sealed", code, at, size, signed_at))
        return True

    def _app(self, code: str) -> tuple[LedgerApplication, Sealer]:
        found = self.apps.get(code)
        if found is None:
            opened = self.opened[code]
            app = open_ledger(
                opened.store,
                keys=Path(opened.keys),
                passphrase=self.passphrase,
                extra_env=opened.env,
            )
            found = self.apps[code] = (app, Sealer(app))
        return found

    def _report(self, outcome: Outcome) -> None:
        try:
            self.reports.send(outcome)
        except OSError:  # pragma: no cover - the server is gone; stop with it
            raise SystemExit(0) from None

    def close(self) -> None:
        for app, _ in self.apps.values():
            app.close()
        self.reports.close()
