"""Key services: register, rotate and revoke signer keys (DESIGN §4).

Thin application services: load, command, save, signed with the school's log
key. Bad input is rejected before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.application import LedgerApplication, Signing
from ledger.envelope import Signer
from ledger.errors import TrustError, UnknownKeyError
from ledger.keys.directory import SigningKey
from ledger.keys.registry import SEAL_ROLE, KeyRecord, SignerKey, key_stream_id

if TYPE_CHECKING:  # the domain loads when a holder is checked (not to list keys)
    from ledger.domain.people import StaffMember

#: Roles that only a staff member registered in a named position may hold: the
#: position (``people.StaffMemberRegistered``, lower case) must start with one of
#: these («директор», «заместитель директора»). Every other signing role may be
#: held by any registered staff member; the services check who in that role.
POSITION_ROLES: Mapping[str, tuple[str, ...]] = {
    "director": ("директор",),
    "deputy_director": ("заместитель директора", "заместитель руководителя"),
}


def check_holder(
    app: LedgerApplication,
    holder: str,
    roles: Iterable[str],
    *,
    first_staff: bool = False,
) -> str:
    """The canonical staff id of ``holder``, a registered staff member of this
    school whose position allows ``roles``; else :class:`TrustError`.

    ``first_staff`` admits a holder not registered yet, while no staff member is:
    the staff who set up a new school sign their own registration.
    """
    _check_roles(app, tuple(roles))
    staff = _staff_id(holder)
    member = _staff_member(app, staff)
    if member is None:
        _check_first_staff(app, staff, first_staff)
        return str(staff)
    school = _school(app)
    if school is not None and member.school != school:
        msg = f"holder {staff} is a staff member of another school, not of {school}"
        raise TrustError(msg)
    for role in roles:
        _check_position(member, role)
    return str(staff)


def _staff_id(holder: str) -> UUID:
    try:
        return UUID(holder.strip())
    except ValueError as e:
        msg = (
            f"holder {holder!r} is not a staff id; give the UUID of the staff "
            "member (their people.StaffMemberRegistered stream)"
        )
        raise TrustError(msg) from e


def _staff_member(app: LedgerApplication, staff: UUID) -> StaffMember | None:
    from ledger.domain.people import StaffMember

    first = app.recorder.select_events(staff, limit=1)
    if not first or first[0].topic != StaffMember.Registered.TOPIC:
        return None
    member: StaffMember = app.repository.get(staff)
    return member


def _check_first_staff(app: LedgerApplication, staff: UUID, first: bool) -> None:
    from ledger.domain.people import StaffMember

    registered = app.recorder.select_notifications(
        start=1, limit=1, topics=[StaffMember.Registered.TOPIC]
    )
    if first and not registered:
        return
    if first:
        msg = (
            f"holder {staff} is not registered, and the first staff are registered "
            "already; register the staff member first, then their key"
        )
        raise TrustError(msg)
    msg = (
        f"holder {staff} is not a registered staff member of this school; give "
        "the id of a registered staff member (people.StaffMemberRegistered)"
    )
    if not registered:
        msg += (
            ", or, in a new school with no staff registered yet, mark the key of "
            "one who will register them as the first staff's"
        )
    raise TrustError(msg)


def _school(app: LedgerApplication) -> UUID | None:
    from ledger.domain.school import School

    found = app.recorder.select_notifications(
        start=1, limit=1, topics=[School.Registered.TOPIC]
    )
    return UUID(str(found[0].originator_id)) if found else None


def _check_position(member: StaffMember, role: str) -> None:
    positions = POSITION_ROLES.get(role)
    if positions is None or member.position.casefold().startswith(positions):
        return
    held = ", ".join(f"{r} «{p[0]}…»" for r, p in POSITION_ROLES.items())
    msg = (
        f"staff member {member.id} is registered as «{member.position}», and may "
        f"not hold the role {role}: {held} are held only in these positions; "
        "every other signing role is open to any staff member"
    )
    raise TrustError(msg)


def register_signer(
    app: LedgerApplication,
    seal: SigningKey,
    *,
    public_key: bytes,
    holder: str,
    roles: Iterable[str],
    valid_from: datetime,
    valid_until: datetime | None = None,
    cosigners: Sequence[Signer] = (),
) -> KeyRecord:
    """Register a person's public key with its roles and validity window.

    The log key signs it; ``cosigners`` (the deputy director or the director
    who approved a key enrolled in a browser) sign after it, so the entry
    shows who vouched for the key."""
    record = checked_registration(
        app, public_key, holder, tuple(roles), valid_from, valid_until
    )
    app.save(SignerKey.register(record), signed_by=Signing(seal, tuple(cosigners)))
    return record


def revoke_signer(
    app: LedgerApplication,
    seal: SigningKey,
    key: str,
    *,
    revoked_at: datetime,
    reason: str,
    compromised_at: datetime | None = None,
    cosigners: Sequence[Signer] = (),
) -> None:
    """Revoke a key from ``revoked_at``; ``compromised_at`` voids later signatures.

    Signed by the log key, then by ``cosigners`` (who asked for it), if any."""
    signer = _load(app, key)
    _check_revocation(signer, revoked_at, compromised_at, reason)
    signer.revoke(revoked_at=revoked_at, compromised_at=compromised_at, reason=reason)
    app.save(signer, signed_by=Signing(seal, tuple(cosigners)))


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
    record = checked_registration(
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


def checked_registration(
    app: LedgerApplication,
    public_key: bytes,
    holder: str,
    roles: tuple[str, ...],
    valid_from: datetime,
    valid_until: datetime | None,
) -> KeyRecord:
    """The record a registration of ``public_key`` would make, checked as
    :func:`register_signer` checks it (nothing is written); TrustError if
    it may not be registered."""
    _check_roles(app, roles)
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


def _check_roles(app: LedgerApplication, roles: tuple[str, ...]) -> None:
    policy = app.context.policies.require_signing(fresh=True)
    known = set(policy.known_roles()) - {SEAL_ROLE}
    unknown = sorted(set(roles) - known)
    if not roles or unknown:
        msg = (
            f"roles {unknown or '(none)'} are not signing roles; allowed: "
            f"{', '.join(sorted(known))}"
        )
        raise TrustError(msg)


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
