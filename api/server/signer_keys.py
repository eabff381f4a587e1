"""A staff member's signing keys as the keys pages show them, and revoking
a key enrolled in a browser (DESIGN §4).

A person's keys are the keys they enrolled in a browser (each request's
state, and once registered, the key's: in force, revoked, ended) and the key
the server keeps for them, by either path (``api.server.custody``). A lost or
replaced device: its key is revoked from now (:func:`revoke`, a signed
``trust.SignerKeyRevoked``) and a new one enrolled
(``api.server.key_requests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError

from api.server.accounts import Account
from api.server.cosign import desk_for
from api.server.cosign_requests import SIGNED, PendingRequest
from api.server.custody import CLIENT, custody_of
from api.server.key_requests import (
    APPROVERS,
    KIND,
    MAX_REASON,
    EnrolmentError,
    fingerprint,
    requests_of,
)
from api.server.office import Office
from ledger.errors import LedgerError
from ledger.keys.registry import KeyRecord
from ledger.keys.services import revoke_signer
from ledger.keys.wrapped import is_wrapped, read_wrapped

# -- a person's keys ----------------------------------------------------------------


@dataclass(frozen=True)
class KeyRow:
    """One of a person's keys (or key requests), as the keys pages show it."""

    key: str
    device: str
    state: str  # pending, declined, expired, superseded, active, revoked, ended
    custody: str  # custody.CLIENT, PASSPHRASE or PASSWORD
    since: datetime
    request: PendingRequest | None = None
    record: KeyRecord | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)

    @property
    def browser(self) -> bool:
        return self.request is not None


def keys_of(office: Office, account: Account) -> list[KeyRow]:
    """``account``'s keys: every key it enrolled in a browser (and each
    request's state), and the key the server keeps for it, newest first."""
    if account.staff is None:
        return []
    now = office.now()
    rows = [
        _request_row(office, r, now)
        for r in desk_for(office).requests.current()
        if r.command == KIND and r.submitter_staff == account.staff
    ]
    kept = _kept_key(office, account)
    if kept is not None:
        rows.append(kept)
    return sorted(rows, key=lambda r: r.since, reverse=True)


def _request_row(office: Office, request: PendingRequest, now: datetime) -> KeyRow:
    state = request.state_at(now)
    record = None
    if state == SIGNED:
        record = _registered(office, request.submitter_key)
        state = _key_state(record, now) if record else state
    return KeyRow(
        key=request.submitter_key,
        device=str(request.body.get("device", "")),
        state=state,
        custody=CLIENT,
        since=request.submitted_at,
        request=request,
        record=record,
    )


def _kept_key(office: Office, account: Account) -> KeyRow | None:
    """The key the server keeps for ``account`` (by either path), if any."""
    label = account.key_label
    if label is None:
        return None
    directory = office.directory
    if is_wrapped(directory, label):
        key = read_wrapped(directory, label).key
    else:
        try:  # opened once and kept by the office
            key = office.custodial(account).author.key_id
        except LedgerError:
            return None
    record = _registered(office, key)
    if record is None:
        return None
    return KeyRow(
        key=key,
        device="на сервере",
        state=_key_state(record, office.now()),
        custody=custody_of(directory, label),
        since=record.valid_from,
        record=record,
    )


def _registered(office: Office, key: str) -> KeyRecord | None:
    try:
        return office.app.context.registry.get(key, fresh=True)
    except (LedgerError, AggregateNotFoundError):
        return None


def _key_state(record: KeyRecord, now: datetime) -> str:
    if record.revoked_at is not None:
        return "revoked"
    try:
        record.check_valid_at(now)
    except LedgerError:
        return "ended"
    return "active"


def active_browser_keys(office: Office, account: Account) -> list[KeyRow]:
    """``account``'s browser keys that may sign now."""
    return [r for r in keys_of(office, account) if r.browser and r.state == "active"]


# -- revoking -----------------------------------------------------------------------


def revoke(office: Office, account: Account, key: str, reason: str) -> None:
    """Revoke a key enrolled in a browser, from now: by its holder (a lost
    device) or by the deputy director or the director. Signed by the log key;
    the reason names who asked. Refused, nothing written, otherwise."""
    text = " ".join(reason.split())
    if not 1 <= len(text) <= MAX_REASON:
        msg = f"a revocation needs its reason, 1 to {MAX_REASON} characters"
        raise EnrolmentError(msg, field="reason", allowed=f"1 to {MAX_REASON} chars")
    request = _enrolled(office, key)
    own = account.staff is not None and request.submitter_staff == account.staff
    if not own and not account.has(*APPROVERS):
        msg = (
            f"key {key} is not yours; only its holder, the deputy director or the "
            "director may revoke it"
        )
        raise EnrolmentError(msg, field="key", allowed="a key of yours")
    record = _registered(office, key)
    if record is None or record.revoked_at is not None:
        msg = f"key {key} is revoked already"
        raise EnrolmentError(msg, field="key", allowed="a key in force")
    seal = office.directory.log_key()
    who = account.display_name or account.name
    office.run(
        lambda _: revoke_signer(
            office.app,
            seal,
            key,
            revoked_at=office.now(),
            reason=f"{text} (отозвал: {who})",
        )
    )


def _enrolled(office: Office, key: str) -> PendingRequest:
    for request in requests_of(office, key):
        if request.state == SIGNED:
            return request
    msg = (
        f"key {key} was not enrolled in a browser here; a key kept by the server "
        "is revoked with `letopis keys revoke`"
    )
    raise EnrolmentError(msg, field="key", allowed="a key enrolled in a browser")
