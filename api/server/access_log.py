"""The access log: every read of a person's records, recorded append-only.

Each row says who read (account and roles), what (the resource and the pupil
or class it is about) and when; rows are numbered without gaps and chained:
``hash = SHA-256(previous hash ‖ canonical JSON of the row)``, so a removed,
inserted or edited row shows. The table refuses UPDATE and DELETE (152-ФЗ,
§6.2 of the regulation: results go only to the pupil and their guardians).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from api.server.accounts import Account
from api.server.tables import ACCESS_LOG, side_store
from ledger.application import LedgerApplication
from ledger.envelope import canonical, format_time
from ledger.storage.sql import DUPLICATE_ERRORS

GENESIS = "sha256:" + "0" * 64


@dataclass(frozen=True)
class Access:
    """One read of a person's records."""

    position: int
    at: str
    account: str
    roles: str
    action: str
    subject: str
    prev_hash: str
    row_hash: str


def row_hash(prev: str, fields: dict[str, Any]) -> str:
    digest = hashlib.sha256(prev.encode() + b"\n" + canonical(fields)).hexdigest()
    return "sha256:" + digest


class AccessLog:
    """Appends and lists access rows; concurrent writers retry on the next number."""

    def __init__(self, app: LedgerApplication) -> None:
        self.store = side_store(app, ACCESS_LOG)
        self._lock = threading.Lock()

    def refused(
        self, who: Account, action: str, subject: str, status: int, at: datetime
    ) -> Access:
        """A refused read of a person's records: logged as well, its action
        starting ``refused <status>:`` (a probe shows in the log)."""
        return self.record(who, f"refused {status}: {action}", subject, at)

    def record(self, who: Account, action: str, subject: str, at: datetime) -> Access:
        with self._lock:
            for _ in range(20):
                try:
                    return self._append(who, action, subject, at)
                except DUPLICATE_ERRORS:
                    continue  # another process took the number: read it and go on
        msg = "the access log is too busy; the read was not served"
        raise RuntimeError(msg)

    def _append(self, who: Account, action: str, subject: str, at: datetime) -> Access:
        with self.store.transaction() as tx:
            last = tx.fetch(
                "SELECT position, row_hash FROM {api_access_log} "
                "ORDER BY position DESC LIMIT 1"
            )
            position = int(last[0]["position"]) + 1 if last else 1
            prev = str(last[0]["row_hash"]) if last else GENESIS
            fields = {
                "position": position,
                "at": format_time(at),
                "account": who.name,
                "roles": ",".join(who.roles),
                "action": action,
                "subject": subject,
            }
            entry = Access(**fields, prev_hash=prev, row_hash=row_hash(prev, fields))  # type: ignore[arg-type]
            tx.execute(
                "INSERT INTO {api_access_log} (position, at, account, roles, action, "
                "subject, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                tuple(asdict(entry).values()),
            )
        return entry

    def count(self) -> int:
        rows = self.store.query("SELECT COUNT(*) AS n FROM {api_access_log}")
        return int(rows[0]["n"])

    def page(self, offset: int, limit: int) -> list[Access]:
        rows = self.store.query(
            "SELECT position, at, account, roles, action, subject, prev_hash, "
            "row_hash FROM {api_access_log} ORDER BY position LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [Access(**dict(r)) for r in rows]


@dataclass(frozen=True)
class AccessQuery:
    """Which rows to list: read at or after ``since`` and before ``before``
    (RFC 3339 UTC text, as stored), by ``account``, about a subject holding
    any of ``subjects`` (a pupil's or class's id, a class name). None: any."""

    since: str | None = None
    before: str | None = None
    account: str | None = None
    subjects: tuple[str, ...] = ()

    def where(self) -> tuple[str, tuple[Any, ...]]:
        clauses, params = ["1 = 1"], []
        if self.since is not None:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.before is not None:
            clauses.append("at < ?")
            params.append(self.before)
        if self.account is not None:
            clauses.append("account = ?")
            params.append(self.account)
        if self.subjects:
            likes = " OR ".join("subject LIKE ? ESCAPE '!'" for _ in self.subjects)
            clauses.append(f"({likes})")
            params.extend(f"%{_escaped(s)}%" for s in self.subjects)
        return " AND ".join(clauses), tuple(params)


def _escaped(text: str) -> str:
    """``text`` matched literally by LIKE … ESCAPE '!'."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def search(log: AccessLog, query: AccessQuery, offset: int, limit: int) -> AccessPage:
    """The rows ``query`` selects, oldest first, a page at a time, and how
    many there are in all (the auditor's console filters by date and person)."""
    where, params = query.where()
    total = log.store.query(
        f"SELECT COUNT(*) AS n FROM {{api_access_log}} WHERE {where}", params
    )
    rows = log.store.query(
        "SELECT position, at, account, roles, action, subject, prev_hash, row_hash "
        f"FROM {{api_access_log}} WHERE {where} ORDER BY position LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return AccessPage([Access(**dict(r)) for r in rows], int(total[0]["n"]))


@dataclass(frozen=True)
class AccessPage:
    """Rows of the access log, and how many the query selects in all."""

    rows: list[Access]
    total: int


def chain_intact(rows: list[Access], prev: str = GENESIS) -> bool:
    """Whether ``rows`` (consecutive, from the first after ``prev``) chain up."""
    for row in rows:
        fields = {
            k: v for k, v in asdict(row).items() if k not in ("prev_hash", "row_hash")
        }
        if row.prev_hash != prev or row.row_hash != row_hash(prev, fields):
            return False
        prev = row.row_hash
    return True
