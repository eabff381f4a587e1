"""Co-signature requests as values and as rows of ``api_cosignatures``.

A request is a command with its body waiting for co-signatures
(``api.server.cosign``). Each change of state is a new row, the next version
of the request; the latest version is the request. Rows are never changed
(the table refuses UPDATE and DELETE, ``api.server.tables.COSIGNATURES``),
so a request's history is its rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from api.server.accounts import Account
from ledger.envelope import Envelope, Signer, canonical
from ledger.errors import LedgerError
from ledger.storage.sql import DUPLICATE_ERRORS, SqlStore

PENDING = "pending"
SIGNED = "signed"
DECLINED = "declined"
EXPIRED = "expired"
SUPERSEDED = "superseded"
STATES = (PENDING, SIGNED, DECLINED, EXPIRED, SUPERSEDED)
_COLUMNS = (
    "request_id, version, state, command, body, body_hash, submitted_by, "
    "submitter_staff, submitter_key, submitted_at, expires_at, needs, "
    "event_types, subject, summary, approvals, decided_by, decided_at, reason, "
    "events, superseded_by, created_at"
)


# -- errors -------------------------------------------------------------------------


class CosignError(LedgerError):
    """A co-signature request cannot be made or decided as asked.

    ``field`` names what was wrong (``path.id``, ``body.reason``…) and
    ``allowed`` what is allowed instead; the HTTP layer maps each subclass
    to its status."""

    def __init__(self, message: str, *, field: str, allowed: str) -> None:
        super().__init__(message)
        self.field = field
        self.allowed = allowed


class UnknownRequestError(CosignError):
    """No such request, or none the account may see."""


class OwnRequestError(CosignError):
    """The submitter tried to co-sign (or decline) their own request."""


class WrongCosignerError(CosignError):
    """The account is not the person or role the request waits for."""


class RequestClosedError(CosignError):
    """The request is signed, declined, expired or superseded already."""


class RequestChangedError(CosignError):
    """What would be appended differs from what the co-signer reviewed."""


class NotCosignedError(CosignError):
    """The command needs no co-signature: it is appended at once instead."""


class CommandNotServedError(CosignError):
    """The request's command is not in this server's command table."""


class SubmitterChangedError(CosignError):
    """The submitter's account or key is no longer what signed the request."""


# -- values -------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    """One co-signature a request waits for: a role, and where the record
    names one, the person (staff id) who must give it."""

    role: str
    staff: UUID | None = None
    who: str = ""  # Russian display text: «директор», «классный руководитель 9А»
    #: other roles that may give it instead (a key enrolment: the deputy
    #: director or the director)
    also: tuple[str, ...] = ()

    def met_by(self, account: Account) -> bool:
        return account.has(self.role, *self.also) and (
            self.staff is None or account.staff == self.staff
        )

    def takes(self, role: str) -> bool:
        """Whether a co-signature given in ``role`` meets this need."""
        return role == self.role or role in self.also

    def role_of(self, account: Account) -> str:
        """The role in which ``account`` meets this need (the need's own first)."""
        return next(r for r in (self.role, *self.also) if account.has(r))

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "role": self.role,
            "staff": str(self.staff) if self.staff else None,
            "who": self.who,
        }
        if self.also:
            shown["also"] = list(self.also)
        return shown


@dataclass(frozen=True)
class Approval:
    """One co-signature given: by whom (account, staff, key), for which role, when."""

    role: str
    account: str
    staff: str
    key: str
    at: str


@dataclass(frozen=True)
class PendingRequest:
    """One version of a co-signature request (the latest is its state)."""

    id: UUID
    version: int
    state: str
    command: str
    body: dict[str, Any]
    body_hash: str
    submitted_by: str
    submitter_staff: UUID
    submitter_key: str
    submitted_at: datetime
    expires_at: datetime
    needs: tuple[Need, ...]
    event_types: tuple[str, ...]
    subject: tuple[str, ...]
    summary: str
    approvals: tuple[Approval, ...] = ()
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    events: tuple[str, ...] = ()
    superseded_by: UUID | None = None

    def state_at(self, now: datetime) -> str:
        """The state as of ``now``: a pending request past its expiry is expired."""
        if self.state == PENDING and now >= self.expires_at:
            return EXPIRED
        return self.state

    def open_needs(self) -> list[Need]:
        """The co-signatures still missing, in the policy's order."""
        given = [a.role for a in self.approvals]
        missing = []
        for need in self.needs:
            role = next((r for r in given if need.takes(r)), None)
            if role is not None:
                given.remove(role)
            else:
                missing.append(need)
        return missing

    def submitted_by_account(self, account: Account) -> bool:
        return account.name == self.submitted_by or (
            account.staff is not None and account.staff == self.submitter_staff
        )

    def may_be_signed_by(self, account: Account) -> bool:
        return not self.submitted_by_account(account) and any(
            n.met_by(account) for n in self.open_needs()
        )

    def visible_to(self, account: Account) -> bool:
        """The submitter, whoever gave or may give a co-signature it needs."""
        return (
            self.submitted_by_account(account)
            or any(n.met_by(account) for n in self.needs)
            or any(a.account == account.name for a in self.approvals)
        )


@dataclass(frozen=True)
class Preview:
    """What signing would append now: the envelopes' types, streams and data,
    and a digest of them that a co-signer may send back with the signature
    (refused if it no longer matches)."""

    envelopes: tuple[dict[str, Any], ...] = ()
    digest: str | None = None
    refused: str | None = None  # the rule's error when it no longer passes


def preview_of(envelopes: Sequence[Envelope]) -> Preview:
    """The preview of what ``envelopes`` would append, with its digest.

    Sealed fields (``enc``) are encrypted afresh on every run, under a new
    nonce: the digest covers what they seal by name, not their ciphertext."""
    shown = tuple(
        {"type": e.type, "stream": e.stream, "seq": e.seq, "data": dict(e.data)}
        for e in envelopes
    )
    stable = [
        {"type": e.type, "stream": e.stream, "seq": e.seq, "data": _unsealed(e.data)}
        for e in envelopes
    ]
    digest = "sha256:" + hashlib.sha256(canonical(stable)).hexdigest()
    return Preview(shown, digest)


def _unsealed(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with each sealed field (``enc``) reduced to the names it seals."""
    sealed = data.get("enc")
    if not isinstance(sealed, dict):
        return dict(data)
    return {**data, "enc": sorted(sealed)}


class RequestKind(Protocol):
    """A kind of request that is no record command of the catalog (a key
    enrolment, ``api.server.key_requests``): the desk lists, shows, signs and
    declines it like any other, and asks the kind what signing it would
    append (``preview``) and to append it, signed after its author by
    ``cosigners`` (``append``; the desk keeps it exactly-once)."""

    name: str

    def preview(self, request: PendingRequest) -> Preview: ...

    def append(self, request: PendingRequest, cosigners: Sequence[Signer]) -> None: ...


# -- the table ----------------------------------------------------------------------


class CosignStore:
    """Versions of requests in ``api_cosignatures``: appended, never changed."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def append(self, request: PendingRequest, now: datetime) -> None:
        """Write ``request`` as its version; CosignError if that version was
        written meanwhile (someone else decided first)."""
        try:
            with self.store.transaction() as tx:
                tx.execute(
                    f"INSERT INTO {{api_cosignatures}} ({_COLUMNS}) VALUES "
                    f"({', '.join('?' * 22)})",
                    _row(request, now),
                )
        except DUPLICATE_ERRORS as e:
            msg = (
                f"co-signature request {request.id} was decided meanwhile "
                f"(version {request.version} exists); nothing was written"
            )
            raise RequestClosedError(
                msg, field="path.id", allowed="look at the request again"
            ) from e

    def latest(self, request_id: UUID) -> PendingRequest | None:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_cosignatures}} WHERE request_id = ? "
            "ORDER BY version DESC LIMIT 1",
            (str(request_id),),
        )
        return _request(rows[0]) if rows else None

    def current(self) -> list[PendingRequest]:
        """The latest version of every request, oldest submission first."""
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_cosignatures}} c JOIN "
            "(SELECT request_id AS r, MAX(version) AS v FROM {api_cosignatures} "
            "GROUP BY request_id) m ON c.request_id = m.r AND c.version = m.v "
            "ORDER BY c.submitted_at, c.request_id"
        )
        return [_request(r) for r in rows]

    def history(self, request_id: UUID) -> list[PendingRequest]:
        rows = self.store.query(
            f"SELECT {_COLUMNS} FROM {{api_cosignatures}} WHERE request_id = ? "
            "ORDER BY version",
            (str(request_id),),
        )
        return [_request(r) for r in rows]

    def count(self) -> int:
        rows = self.store.query("SELECT COUNT(*) AS n FROM {api_cosignatures}")
        return int(rows[0]["n"])


def _row(r: PendingRequest, now: datetime) -> tuple[Any, ...]:
    return (
        str(r.id),
        r.version,
        r.state,
        r.command,
        json.dumps(r.body, ensure_ascii=False, sort_keys=True),
        r.body_hash,
        r.submitted_by,
        str(r.submitter_staff),
        r.submitter_key,
        r.submitted_at.isoformat(),
        r.expires_at.isoformat(),
        json.dumps([n.as_json() for n in r.needs], ensure_ascii=False),
        json.dumps(list(r.event_types)),
        json.dumps(list(r.subject)),
        r.summary,
        json.dumps([asdict(a) for a in r.approvals]),
        r.decided_by,
        r.decided_at.isoformat() if r.decided_at else None,
        r.reason,
        json.dumps(list(r.events)),
        str(r.superseded_by) if r.superseded_by else None,
        now.isoformat(),
    )


def _request(row: Any) -> PendingRequest:
    r: dict[str, Any] = dict(row)
    return PendingRequest(
        id=UUID(r["request_id"]),
        version=int(r["version"]),
        state=str(r["state"]),
        command=str(r["command"]),
        body=json.loads(r["body"]),
        body_hash=str(r["body_hash"]),
        submitted_by=str(r["submitted_by"]),
        submitter_staff=UUID(r["submitter_staff"]),
        submitter_key=str(r["submitter_key"]),
        submitted_at=datetime.fromisoformat(r["submitted_at"]),
        expires_at=datetime.fromisoformat(r["expires_at"]),
        needs=tuple(
            Need(
                n["role"],
                UUID(n["staff"]) if n["staff"] else None,
                n["who"],
                tuple(n.get("also", ())),
            )
            for n in json.loads(r["needs"])
        ),
        event_types=tuple(json.loads(r["event_types"])),
        subject=tuple(json.loads(r["subject"])),
        summary=str(r["summary"]),
        approvals=tuple(Approval(**a) for a in json.loads(r["approvals"])),
        decided_by=r["decided_by"],
        decided_at=datetime.fromisoformat(r["decided_at"]) if r["decided_at"] else None,
        reason=r["reason"],
        events=tuple(json.loads(r["events"])),
        superseded_by=UUID(r["superseded_by"]) if r["superseded_by"] else None,
    )
