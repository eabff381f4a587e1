"""Sessions of the web pages: kept by the server, named by a random cookie.

A session is a row in the server's memory, not a signed cookie: signing out,
a new password or a timeout ends it at once, and what a session may hold later
(a custodial key unwrapped at sign-in) never leaves the server. The cookie
carries only a 256-bit random id. A sign-in always starts a new session with a
new id, whatever cookie the browser brought, so an id planted before sign-in
(session fixation) names nothing afterwards.

Sessions end after ``idle`` without a request and at the latest ``lifetime``
after sign-in. They live in one server process: several processes behind a
balancer would need sticky sessions (``letopis serve`` runs one).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_SESSIONS = 20_000  # the oldest sessions go first beyond this
SWEEP_SECONDS = 60.0  # how often sessions that timed out unvisited are ended


@dataclass
class WebSession:
    """One signed-in browser: whose, for which school, and its CSRF token."""

    id: str
    school: str
    login: str
    version: int
    csrf: str
    started: float
    seen: float
    # What the session holds for its person only (custodial keys unwrapped at
    # sign-in); dropped with the session.
    held: dict[str, Any] = field(default_factory=dict)


class WebSessions:
    """The signed-in sessions of one server process."""

    def __init__(
        self,
        idle_seconds: float,
        lifetime_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_SESSIONS,
    ) -> None:
        self.idle = idle_seconds
        self.lifetime = lifetime_seconds
        self.clock = clock
        self.limit = limit
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()
        self._swept = clock()

    def start(self, school: str, login: str, version: int) -> WebSession:
        """A new session with fresh random id and CSRF token."""
        now = self.clock()
        session = WebSession(
            id=secrets.token_urlsafe(32),
            school=school,
            login=login,
            version=version,
            csrf=secrets.token_urlsafe(32),
            started=now,
            seen=now,
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.limit:
                _, oldest = self._sessions.popitem(last=False)
                oldest.held.clear()
        return session

    def find(self, session_id: str | None) -> WebSession | None:
        """The live session of ``session_id`` (its idle clock restarts), or
        None if there is none or it timed out (then it is ended)."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            self._sweep(now)
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.started > self.lifetime:
                del self._sessions[session_id]
                session.held.clear()
                return None
            session.seen = now
            self._sessions.move_to_end(session_id)
            return session

    def _sweep(self, now: float) -> None:
        """Every minute at most, end the sessions that timed out unvisited,
        so what they held (a key opened at sign-in) does not outlive them."""
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        for session_id, session in list(self._sessions.items()):
            if now - session.seen > self.idle or now - session.started > self.lifetime:
                del self._sessions[session_id]
                session.held.clear()

    def end(self, session_id: str | None) -> None:
        """Ends the session (sign-out); nothing if there is none."""
        if session_id:
            with self._lock:
                ended = self._sessions.pop(session_id, None)
            if ended is not None:
                ended.held.clear()  # what it held goes now, not when unreferenced

    def end_all(self, school: str, login: str) -> int:
        """Ends every session of one account (a new password, a deactivation)."""
        with self._lock:
            ids = [
                s.id
                for s in self._sessions.values()
                if s.school == school and s.login == login
            ]
            for session_id in ids:
                self._sessions.pop(session_id).held.clear()
        return len(ids)

    def __len__(self) -> int:
        return len(self._sessions)
