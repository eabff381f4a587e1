"""Keys enrolled in a browser: a registration the deputy director or the
director approves, kept as a co-signature request until then (DESIGN §4).

A staff member's browser makes an Ed25519 key that never leaves it (WebCrypto,
non-extractable) and sends its public key, a device label, and a signature by
the new key over what it asks (proof that the browser holds the private key:
nobody enrols another person's public key as theirs). :func:`enrol` checks it
as a registration would be checked and files a **request** in the
co-signature desk (``api.server.cosign``): nothing enters the log. The deputy
director or the director (never the person themselves) reads it and signs or
declines it, on the key requests page or in the general queue; signing
appends one ``trust.SignerKeyRegistered``, signed by the school's log key
(the seal that registers every key, DESIGN §4) and co-signed by the approver,
so the entry itself shows who vouched for the key. :class:`KeyEnrolments` is
this request kind for the desk.

A lost or replaced device: the key is revoked (``api.server.signer_keys``)
and a new one enrolled.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from api.server.accounts import STAFF_ROLES, Account
from api.server.cosign import desk_for
from api.server.cosign_requests import (
    PENDING,
    SIGNED,
    CosignError,
    Need,
    PendingRequest,
    Preview,
    preview_of,
)
from api.server.cosign_text import ROLE_RU, school_time
from api.server.office import Office
from ledger.envelope import Signer, canonical, key_id
from ledger.errors import LedgerError, SignatureError
from ledger.keys.directory import verify_signature
from ledger.keys.registry import KeyRecord, SignerKey
from ledger.keys.services import (
    check_holder,
    checked_registration,
    register_signer,
)

KIND = "keys.enrol"
REGISTERED = SignerKey.Registered.TOPIC
PROOF_DOMAIN = "letopis/key-enrolment/v1"
MAX_DEVICE = 60
MAX_REASON = 200
APPROVERS = ("deputy_director", "director")
NEED = Need(
    "deputy_director", None, "заместитель директора или директор", ("director",)
)


class EnrolmentError(CosignError):
    """A key enrolment or revocation refused: ``field`` says what was wrong."""


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment asks: whose key, which, in which roles, on which device."""

    public_key: bytes
    holder: UUID
    roles: tuple[str, ...]
    device: str
    proof: str

    @property
    def key(self) -> str:
        return key_id(self.public_key)

    def as_body(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key.hex(),
            "holder": str(self.holder),
            "roles": list(self.roles),
            "device": self.device,
            "proof": self.proof,
        }

    @classmethod
    def of(cls, request: PendingRequest) -> Enrolment:
        b = request.body
        return cls(
            public_key=bytes.fromhex(b["public_key"]),
            holder=UUID(b["holder"]),
            roles=tuple(b["roles"]),
            device=str(b["device"]),
            proof=str(b["proof"]),
        )


def fingerprint(key: str) -> str:
    """A key id in groups of four, to read aloud and compare («ab12 cd34 …»)."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def proof_message(origin: str, login: str, staff: UUID, key: str, device: str) -> bytes:
    """What the new key signs to show the browser holds it (``PROOF_DOMAIN``)."""
    return f"{PROOF_DOMAIN}\n{origin}\n{login}\n{staff}\n{key}\n{device}".encode()


# -- enrolling ------------------------------------------------------------------------


def enrol(
    office: Office, account: Account, *, public_key: str, device: str, proof: str
) -> PendingRequest:
    """File ``account``'s request to register ``public_key`` (hex) made on
    ``device``; ``proof`` is the key's signature of :func:`proof_message`
    (base64). Refused (EnrolmentError naming the field) with nothing written
    when any part is wrong."""
    staff = _staff_of(account)
    label = _device(device)
    raw = _public_key(public_key)
    key = key_id(raw)
    _check_proof(
        raw, proof, proof_message(office.origin, account.name, staff, key, label)
    )
    roles = tuple(r for r in account.roles if r in STAFF_ROLES)
    now = office.now()
    _check_registrable(office, raw, staff, roles, now)
    _check_not_requested(office, key, now)
    request = _request(office, account, Enrolment(raw, staff, roles, label, proof), now)
    desk_for(office).requests.append(request, now)
    return request


def _check_not_requested(office: Office, key: str, now: datetime) -> None:
    for earlier in requests_of(office, key):
        if earlier.state_at(now) in (PENDING, SIGNED):
            msg = f"key {key} was requested already (request {earlier.id})"
            raise EnrolmentError(
                msg, field="public_key", allowed="a new key made in this browser"
            )


def _request(
    office: Office, account: Account, enrolment: Enrolment, now: datetime
) -> PendingRequest:
    """The pending request of ``enrolment``: the approvers' need, the
    registration it would append, and what they read."""
    body = enrolment.as_body()
    key = enrolment.key
    return PendingRequest(
        id=uuid.uuid4(),
        version=1,
        state=PENDING,
        command=KIND,
        body=body,
        body_hash="sha256:" + hashlib.sha256(canonical(body)).hexdigest(),
        submitted_by=account.name,
        submitter_staff=enrolment.holder,
        submitter_key=key,
        submitted_at=now,
        expires_at=now + desk_for(office).ttl,
        needs=(NEED,),
        event_types=(REGISTERED,),
        subject=(f"{REGISTERED}:{key}",),
        summary=_summary(office, account, enrolment, now),
    )


def _staff_of(account: Account) -> UUID:
    if account.staff is None or not account.has(*STAFF_ROLES):
        msg = f"account {account.name!r} is no staff member's; only staff sign records"
        raise EnrolmentError(msg, field="account", allowed="a staff account")
    return account.staff


def _device(device: str) -> str:
    label = " ".join(device.split())
    if not 1 <= len(label) <= MAX_DEVICE or not label.isprintable():
        msg = (
            f"the device label {device[:80]!r} is not usable: name the device in "
            f"1 to {MAX_DEVICE} printable characters («Ноутбук, кабинет 12»)"
        )
        raise EnrolmentError(msg, field="device", allowed=f"1 to {MAX_DEVICE} chars")
    return label


def _public_key(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 32 or text != text.lower():
        msg = (
            f"public key {text[:80]!r} is not an Ed25519 public key: give its "
            "32 raw bytes as 64 lowercase hex digits"
        )
        raise EnrolmentError(msg, field="public_key", allowed="64 lowercase hex")
    return raw


def _check_proof(public_key: bytes, proof: str, message: bytes) -> None:
    try:
        signature = base64.b64decode(proof, validate=True)
        verify_signature(public_key, message, signature)
    except (binascii.Error, ValueError, SignatureError) as e:
        msg = (
            "the proof is not the new key's Ed25519 signature of the enrolment "
            f"({PROOF_DOMAIN}, the log, login, staff id, key id and device, one "
            "a line): only the browser that holds a key may enrol it"
        )
        raise EnrolmentError(msg, field="proof", allowed="base64 signature") from e


def _check_registrable(
    office: Office, raw: bytes, staff: UUID, roles: tuple[str, ...], now: datetime
) -> None:
    app = office.app
    try:
        check_holder(app, str(staff), roles)
    except LedgerError as e:
        raise EnrolmentError(str(e), field="account", allowed="staff roles") from e
    try:
        checked_registration(app, raw, str(staff), roles, now, None)
    except LedgerError as e:
        raise EnrolmentError(
            str(e), field="public_key", allowed="a key not registered yet"
        ) from e


def _summary(
    office: Office, account: Account, enrolment: Enrolment, now: datetime
) -> str:
    who = account.display_name or account.name
    roles = ", ".join(ROLE_RU.get(r, r) for r in enrolment.roles)
    return (
        f"Ключ подписи в браузере. Подаёт: {who} ({roles}), "
        f"{school_time(office, now)}. Устройство: «{enrolment.device}». "
        f"Отпечаток ключа: {fingerprint(enrolment.key)}."
    )


# -- the request kind ---------------------------------------------------------------


class KeyEnrolments:
    """Key enrolments as a kind of co-signature request (``RequestKind``)."""

    name = KIND

    def __init__(self, office: Office) -> None:
        self.office = office

    def preview(self, request: PendingRequest) -> Preview:
        """The registration signing would append now (nothing written), or
        why it may not be appended any more."""
        try:
            record = self._record(request)
        except LedgerError as e:
            return Preview(refused=str(e))
        signer = SignerKey.register(record)
        [event] = signer.collect_events()
        envelope = self.office.app.mapper.envelope_for(event, prev=None)
        return preview_of([envelope])

    def append(self, request: PendingRequest, cosigners: Sequence[Signer]) -> None:
        """Register the key, signed by the log key and the approver(s)."""
        enrolment = Enrolment.of(request)
        office = self.office
        seal = office.directory.log_key()
        office.run(
            lambda _: register_signer(
                office.app,
                seal,
                public_key=enrolment.public_key,
                holder=str(enrolment.holder),
                roles=enrolment.roles,
                valid_from=request.submitted_at,
                cosigners=cosigners,
            )
        )

    def _record(self, request: PendingRequest) -> KeyRecord:
        """The registration's record, checked now. It is valid from the
        request's submission: a fixed time, so the preview a co-signer
        reviewed is what is appended."""
        e = Enrolment.of(request)
        app = self.office.app
        check_holder(app, str(e.holder), e.roles)
        return checked_registration(
            app, e.public_key, str(e.holder), e.roles, request.submitted_at, None
        )


def request_kinds(office: Office) -> tuple[KeyEnrolments, ...]:
    """The request kinds of this module, for the desk (``cosign.KINDS``)."""
    return (KeyEnrolments(office),)


def requests_of(office: Office, key: str) -> list[PendingRequest]:
    """Every enrolment request of ``key`` (its latest version)."""
    return [
        r
        for r in desk_for(office).requests.current()
        if r.command == KIND and r.submitter_key == key
    ]
