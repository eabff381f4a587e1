"""The key registry, rebuilt from the log's own ``trust.*`` events (DESIGN §4).

Every signer key (a teacher's, the director's) enters the school's log as a
``trust.SignerKeyRegistered`` event signed by the log key, with the holder's
roles and a validity window ``[valid_from, valid_until)``; a
``trust.SignerKeyRevoked`` event ends it at ``revoked_at`` and, for a
compromise, voids every signature made from ``compromised_at`` on. Since an
entry's ``at`` is whatever its signer chose, a revocation also counts where it
stands in the log: a key revoked as compromised (or revoked from the moment
the revocation was recorded) signs nothing that was appended after it, however
early its ``at`` (issue 11). Each key has its own stream,
``uuid5(KEY_NAMESPACE, "letopis/key/<key id>")``.

The registry starts from the trust anchor alone and takes in the trust events
in log order, each only if its signatures hold against the registry so far.
`check_signers` then judges every envelope against the finished registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, NamedTuple, TypeGuard
from uuid import UUID, uuid5

from verify.anchor import LogKey
from verify.crypto import SignatureCheck, signature_check
from verify.envelope import (
    Envelope,
    EnvelopeError,
    is_time,
    key_id,
    parse_envelope,
    signing_input,
    sortable_time,
)
from verify.policy import SigningPolicy
from verify.policy_log import POLICY_TYPES, PolicyBook
from verify.retention import RetentionPolicy

__all__ = [
    "ALGORITHM",
    "KEY_NAMESPACE",
    "REGISTERED",
    "REVOKED",
    "SEAL_ROLE",
    "KeyInfo",
    "Registry",
    "TrustRow",
    "build_registry",
    "check_signers",
    "key_stream",
    "known_key",
    "policy_problems",
]

KEY_NAMESPACE = UUID("6c3f7e1a-2b0d-5d8e-9a41-6c6574b0a101")
"""Namespace of the key streams: ``uuid5(KEY_NAMESPACE, "letopis/key/<id>")``."""

REGISTERED = "trust.SignerKeyRegistered"
REVOKED = "trust.SignerKeyRevoked"
SEAL_ROLE = "seal"
ALGORITHM = "ed25519"
_BEGINNING = "0001-01-01T00:00:00.000000"


class TrustRow(NamedTuple):
    """A candidate trust event: its order in the log, and its stored bytes."""

    order: int
    state: bytes


def key_stream(key: str) -> str:
    """The stream (aggregate id) of the key with this key id."""
    return str(uuid5(KEY_NAMESPACE, f"letopis/key/{key}"))


@dataclass(frozen=True)
class KeyInfo:
    """One key as the log registers it; times are `sortable_time` strings.

    ``registered`` is the log order (notification id, or line of an archive) of
    its registration: it may sign only entries after it. -1 for the anchor.
    ``stopped`` is the log order of the revocation that ended it there and
    then (a compromise, or a revocation effective when it was recorded): it
    may sign no entry after that place in the log, whatever time the entry
    claims. None while the key is not revoked, or revoked only from a later
    time (a rotation planned ahead), when its window alone decides.
    """

    key: str
    public_key: bytes
    holder: str
    roles: frozenset[str]
    valid_from: str
    valid_until: str | None = None
    revoked_at: str | None = None
    compromised_at: str | None = None
    registered: int = -1
    anchor: bool = False
    stopped: int | None = None

    @cached_property
    def ends(self) -> str | None:
        """When the key stops counting: the earlier of valid_until and revoked_at."""
        ends = [t for t in (self.valid_until, self.revoked_at) if t is not None]
        return min(ends) if ends else None

    def problem_at(self, at: str, order: int | None = None) -> str | None:
        """Why this key may not sign an entry that claims time ``at`` (a sortable
        time) and stands at log order ``order`` (None: judge the time alone).

        The one rule of a key's window, for the careful and the fast path.
        """
        stopped = self.stopped
        if stopped is not None and order is not None and order > stopped:
            how = "as compromised " if self.compromised_at is not None else ""
            return (
                f"key {self.key} of {self.holder} was revoked {how}by the entry at "
                f"log order {stopped}; this entry was appended after it (log order "
                f"{order}), so its signature does not count, whatever time it "
                f"claims ({_shown(at)})"
            )
        if self.compromised_at is not None and at >= self.compromised_at:
            return (
                f"key {self.key} of {self.holder} was compromised at "
                f"{_shown(self.compromised_at)}; it may not sign at {_shown(at)}"
            )
        ends = self.ends
        if at < self.valid_from or (ends is not None and at >= ends):
            until = _shown(ends) if ends else "open-ended"
            revoked = (
                f" (revoked at {_shown(self.revoked_at)})" if self.revoked_at else ""
            )
            return (
                f"key {self.key} of {self.holder} may not sign at {_shown(at)}: it "
                f"is valid only in [{_shown(self.valid_from)}, {until}){revoked}"
            )
        return None


def _shown(sortable: str | None) -> str:
    return "—" if sortable is None else sortable + "Z"


@dataclass
class Registry:
    """Keys by key id, and the trust events that were refused, with the reason."""

    anchor: LogKey
    keys: dict[str, KeyInfo]
    rejected: dict[str, str] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    policies: PolicyBook = field(default_factory=PolicyBook)

    @classmethod
    def of_anchor(cls, anchor: LogKey) -> Registry:
        """A registry that knows only the anchor, a seal key valid at all times."""
        info = KeyInfo(
            key=anchor.key_id,
            public_key=anchor.public_key,
            holder=anchor.origin,
            roles=frozenset({SEAL_ROLE}),
            valid_from=_BEGINNING,
            anchor=True,
        )
        return cls(anchor, {info.key: info}, streams={key_stream(info.key): info.key})


def build_registry(
    rows: Iterable[TrustRow],
    *,
    anchor: LogKey,
    policy: SigningPolicy | None = None,
    retention: RetentionPolicy | None = None,
    check: SignatureCheck = signature_check,
) -> Registry:
    """Rebuild the registry and the policies from candidate trust events, given
    in log order (the policies: `verify.policy_log`).

    ``policy`` and ``retention`` are used only if the log holds no policy of
    their kind. Candidates that are not trust events, or whose signatures do
    not hold, are skipped: the main pass reports them where they stand. A trust
    event whose signatures hold but whose content is refused (a key id that is
    not its key's, a second registration, a policy change by another role than
    the director) is kept in ``rejected`` with the reason.
    """
    registry = Registry.of_anchor(anchor)
    rows = list(rows)
    registry.policies = PolicyBook.from_rows(
        rows,
        origin=anchor.origin,
        anchor_key=anchor.key_id,
        anchor_public_key=anchor.public_key,
        fallback=policy,
        fallback_retention=retention,
        check=check,
    )
    for order, stored in rows:
        try:
            envelope = parse_envelope(stored)
        except EnvelopeError:
            continue
        if not envelope.type.startswith("trust.") or envelope.log != anchor.origin:
            continue
        message = signing_input(stored)
        if check_signers(
            envelope, message, order, registry, registry.policies, check=check
        ):
            continue
        reason = _apply(registry, envelope, order)
        if reason is not None:
            registry.rejected[envelope.name] = reason
    return registry


def _apply(registry: Registry, envelope: Envelope, order: int) -> str | None:
    """Take one signed trust event into the registry; the reason if refused."""
    if envelope.type == REGISTERED:
        return _register(registry, envelope, order)
    if envelope.type == REVOKED:
        return _revoke(registry, envelope, order)
    if envelope.type in POLICY_TYPES:
        author = registry.keys[envelope.sigs[0].key]
        return registry.policies.change(envelope, order, author.key, author.roles)
    return None  # another trust.* event: nothing the registry keeps


def _register(registry: Registry, envelope: Envelope, order: int) -> str | None:
    data = envelope.data
    problem = _registration_problem(data)
    if problem is not None:
        return f"key registration refused: {problem}"
    key = data["key"]
    if envelope.stream != key_stream(key) or envelope.seq != 1:
        return (
            f"key registration refused: key {key} is registered as event 1 of "
            f"stream {key_stream(key)}, not as {envelope.name}"
        )
    info = KeyInfo(
        key=key,
        public_key=bytes.fromhex(data["public_key"]),
        holder=data["holder"],
        roles=frozenset(data["roles"]),
        valid_from=sortable_time(data["valid_from"]),
        valid_until=_time(data["valid_until"]),
        registered=order,
    )
    known = registry.keys.get(key)
    if known is not None and known.anchor:
        if SEAL_ROLE not in info.roles:
            return f"the log key {key} is registered without the role 'seal'"
        return None  # the anchor stays valid at all times, as the writer holds it
    if known is not None:
        return f"key {key} is registered a second time; a key is registered once"
    registry.keys[key] = info
    registry.streams[envelope.stream] = key
    return None


def _registration_problem(data: dict[str, Any]) -> str | None:
    checks = (
        ("key", lambda v: isinstance(v, str) and len(v) == 32, "a key id"),
        ("alg", lambda v: v == ALGORITHM, f"{ALGORITHM!r}"),
        ("public_key", _is_hex_key, "a 32-byte key in lowercase hex"),
        ("holder", lambda v: isinstance(v, str) and v.strip() != "", "a name"),
        ("roles", _is_role_list, "a non-empty list of role names"),
        ("valid_from", is_time, "an RFC 3339 UTC time"),
        ("valid_until", lambda v: v is None or is_time(v), "null or a time"),
    )
    for name, ok, allowed in checks:
        if not ok(data.get(name)):
            return f"{name} is {data.get(name)!r}; it must be {allowed}"
    if key_id(bytes.fromhex(data["public_key"])) != data["key"]:
        return f"key id {data['key']} is not the id of public key {data['public_key']}"
    until = data["valid_until"]
    if until is not None and sortable_time(until) <= sortable_time(data["valid_from"]):
        return f"valid_until {until} is not after valid_from {data['valid_from']}"
    return None


def _revoke(registry: Registry, envelope: Envelope, order: int) -> str | None:
    data = envelope.data
    key = registry.streams.get(envelope.stream)
    if key is None or envelope.seq < 2:
        return f"revocation {envelope.name} is not in the stream of a registered key"
    for name, optional in (("revoked_at", False), ("compromised_at", True)):
        value = data.get(name)
        if not (is_time(value) or (optional and value is None)):
            return f"revocation of key {key}: {name} is {value!r}; it must be a time"
    info = registry.keys[key]
    if info.anchor:
        return None  # the writer keeps its anchor valid; see KeyInfo
    if info.revoked_at is not None:
        return f"key {key} is revoked a second time"
    revoked_at = sortable_time(data["revoked_at"])
    compromised_at = _time(data["compromised_at"])
    now = compromised_at is not None or revoked_at <= sortable_time(envelope.at)
    registry.keys[key] = replace(
        info,
        revoked_at=revoked_at,
        compromised_at=compromised_at,
        stopped=order if now else None,
    )
    return None


def _time(value: str | None) -> str | None:
    return None if value is None else sortable_time(value)


def _is_hex_key(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdef" for c in value)
    )


def _is_role_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(r, str) and r for r in value)
    )


def check_signers(
    envelope: Envelope,
    message: bytes,
    order: int,
    registry: Registry,
    policy: SigningPolicy | PolicyBook,
    *,
    crypto: bool = True,
    check: SignatureCheck = signature_check,
) -> list[tuple[str, str]]:
    """Every problem with who signed an envelope, as ``(kind, detail)`` pairs.

    1. each signature: the key registered (before this entry), ``ed25519``,
       the signature valid over ``message`` (skipped when ``crypto`` is False),
       the signing time inside the key's window and before any compromise,
       and the entry not appended after the revocation that stopped the key
       (``order`` is the entry's place in the log);
    2. the author's roles allow the event type (the signing policy in force
       at ``order``, when ``policy`` is the log's `PolicyBook`);
    3. every co-signature the policy requires is there.

    Policy entries are judged by a fixed rule instead (`PolicyBook.change`).
    """
    if not envelope.sigs:
        return [("signature", f"event {envelope.name} carries no signature")]
    keys = registry.keys
    at = sortable_time(envelope.at)
    problems: list[tuple[str, str]] = []
    signers: list[KeyInfo | None] = []
    for entry in envelope.sigs:
        info = keys.get(entry.key)
        if not known_key(info, order):
            problems.append(("key", _unknown(entry.key, info)))
        elif any(s is not None and s.key == entry.key for s in signers):
            problems.append(("signature", f"key {entry.key} signs the event twice"))
        elif entry.alg != ALGORITHM:
            detail = f"algorithm {entry.alg!r} of key {entry.key}; allowed: ed25519"
            problems.append(("signature", detail))
        elif crypto and not check(info.public_key, entry.sig, message):
            detail = f"signature by key {entry.key} ({info.holder}) does not verify"
            problems.append(("signature", detail))
        if info is not None:
            window = info.problem_at(at, order)
            if window is not None:
                problems.append(("window", window))
        signers.append(info)
    if envelope.type in POLICY_TYPES:
        return problems
    if isinstance(policy, PolicyBook):
        policy = policy.in_force(order)
    problems.extend(policy_problems(envelope.type, signers, policy))
    return problems


def known_key(info: KeyInfo | None, order: int) -> TypeGuard[KeyInfo]:
    """The key is registered, and before the entry at log order ``order``."""
    return info is not None and info.registered < order


def _unknown(key: str, info: KeyInfo | None) -> str:
    if info is None:
        return (
            f"key {key} is not registered in this log (no trust.SignerKeyRegistered "
            "signed by the log key names it)"
        )
    return (
        f"key {key} of {info.holder} signs before its registration "
        f"(registered only at log order {info.registered})"
    )


def policy_problems(
    event_type: str, signers: list[KeyInfo | None], policy: SigningPolicy
) -> list[tuple[str, str]]:
    """What the signing policy finds wrong with who signed: the author's roles
    (``signers[0]``) must allow the type, and every required co-signer must be
    among the others. The one reading of the policy for both paths."""
    problems = []
    author = signers[0]
    allowed = policy.roles_for(event_type)
    if author is not None and not author.roles & allowed:
        held = ", ".join(sorted(author.roles)) or "none"
        detail = (
            f"key {author.key} of {author.holder} (roles: {held}) may not sign "
            f"{event_type}; allowed roles: {', '.join(sorted(allowed)) or 'none'}"
        )
        problems.append(("role", detail))
    for needed in policy.cosigners_for(event_type):
        if not any(s is not None and needed in s.roles for s in signers[1:]):
            detail = f"{event_type} needs a co-signature by the {needed}; none is there"
            problems.append(("cosign", detail))
    return problems
