"""Key services: register, rotate and revoke signer keys (DESIGN §4).

Thin application services: load, command, save, signed with the school's log
key. Bad input is rejected before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError

from ledger.application import LedgerApplication, Signing
from ledger.errors import TrustError, UnknownKeyError
from ledger.keys.directory import SigningKey
from ledger.keys.registry import SEAL_ROLE, KeyRecord, SignerKey, key_stream_id


def register_signer(
    app: LedgerApplication,
    seal: SigningKey,
    *,
    public_key: bytes,
    holder: str,
    roles: Iterable[str],
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> KeyRecord:
    """Register a person's public key with its roles and validity window."""
    record = _checked_record(
        app, public_key, holder, tuple(roles), valid_from, valid_until
    )
    app.save(SignerKey.register(record), signed_by=Signing(seal))
    return record


def revoke_signer(
    app: LedgerApplication,
    seal: SigningKey,
    key: str,
    *,
    revoked_at: datetime,
    reason: str,
    compromised_at: datetime | None = None,
) -> None:
    """Revoke a key from ``revoked_at``; ``compromised_at`` voids later signatures."""
    signer = _load(app, key)
    _check_revocation(signer, revoked_at, compromised_at, reason)
    signer.revoke(revoked_at=revoked_at, compromised_at=compromised_at, reason=reason)
    app.save(signer, signed_by=Signing(seal))


def rotate_signer(
    app: LedgerApplication,
    seal: SigningKey,
    old_key: str,
    *,
    new_public_key: bytes,
    at: datetime,
) -> KeyRecord:
    """Replace a key: the successor starts at ``at`` when the old one is revoked.

    Both events go in one save, so a rotation is never half done.
    """
    old = _load(app, old_key)
    _check_revocation(old, at, None, "rotated")
    record = _checked_record(
        app, new_public_key, old.holder, old.roles, at, old.valid_until
    )
    old.revoke(revoked_at=at, compromised_at=None, reason=f"rotated to {record.key}")
    successor = SignerKey.register(record, replaces=old_key)
    app.save(old, successor, signed_by=Signing(seal))
    return record


def list_signers(app: LedgerApplication) -> list[KeyRecord]:
    """Every registered key, in the order it was registered."""
    registered = SignerKey.Registered.TOPIC
    records = []
    start = 1
    while True:
        page = app.recorder.select_notifications(
            start=start, limit=500, topics=[registered]
        )
        for n in page:
            records.append(_load(app, app.mapper.to_domain_event(n).key).record())  # type: ignore[attr-defined]
        if len(page) < 500:
            return records
        start = page[-1].id + 1


def _load(app: LedgerApplication, key: str) -> SignerKey:
    try:
        signer: SignerKey = app.repository.get(key_stream_id(key))
    except AggregateNotFoundError as e:
        msg = f"key {key} is not registered; `letopis keys list` shows the keys"
        raise UnknownKeyError(msg) from e
    return signer


def _checked_record(
    app: LedgerApplication,
    public_key: bytes,
    holder: str,
    roles: tuple[str, ...],
    valid_from: datetime,
    valid_until: datetime | None,
) -> KeyRecord:
    policy = app.context.policies.require_signing(fresh=True)
    known = set(policy.known_roles()) - {SEAL_ROLE}
    unknown = sorted(set(roles) - known)
    if not roles or unknown:
        msg = (
            f"roles {unknown or '(none)'} are not signing roles; allowed: "
            f"{', '.join(sorted(known))}"
        )
        raise TrustError(msg)
    if len(public_key) != 32:
        msg = f"a public key has 32 bytes (Ed25519); this one has {len(public_key)}"
        raise TrustError(msg)
    if not holder.strip():
        msg = "the key holder is empty; name the person the key belongs to"
        raise TrustError(msg)
    if valid_until is not None and valid_until <= valid_from:
        msg = (
            f"valid_until {valid_until.isoformat()} is not after valid_from "
            f"{valid_from.isoformat()}; the window [from, until) must not be empty"
        )
        raise TrustError(msg)
    record = KeyRecord(
        key=SigningKey.key_id_of(public_key),
        public_key=public_key,
        holder=holder,
        roles=roles,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if app.recorder.select_events(key_stream_id(record.key), limit=1):
        msg = f"key {record.key} is registered already; a key is registered once"
        raise TrustError(msg)
    return record


def _check_revocation(
    signer: SignerKey,
    revoked_at: datetime,
    compromised_at: datetime | None,
    reason: str,
) -> None:
    if signer.revoked_at is not None:
        msg = f"key {signer.key} was revoked already at {signer.revoked_at.isoformat()}"
        raise TrustError(msg)
    if SEAL_ROLE in signer.roles:
        msg = "the log key (the school's seal) cannot be revoked as a signer key"
        raise TrustError(msg)
    if compromised_at is not None and compromised_at > revoked_at:
        msg = "compromised_at must not be later than revoked_at"
        raise TrustError(msg)
    if not reason.strip():
        msg = "a revocation needs a reason (e.g. 'left school', 'key lost')"
        raise TrustError(msg)
