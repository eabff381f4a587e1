"""Policies as signed entries of the log (issue 11, item 5; DESIGN §4, §6).

The signing policy (who may author what) and the retention policy (how long
each class of records is kept) are entries of the log, not files beside it,
so that nobody can widen them in a copy: each has its own stream,
``uuid5(POLICY_NAMESPACE, "letopis/policy/<name>")``, holding

- ``trust.PolicyAdopted``, event 1: the first policy, signed by the school's
  log key alone. `letopis init` writes it in the same save as the log key's
  own registration, since no director (no key but the log key) exists yet;
  it is in force from the start of the log;
- ``trust.PolicyChanged``, event 2 on: a new policy, authored by the director
  (a key registered with the role ``director``), in force for every entry
  after it in the log.

Who may adopt or change a policy is this fixed rule, not a line of the
policy, so no policy can hand itself to another role. The writer reads the
policy in force from the log on every save; the verifier reads the same
entries (``verify/policy_log.py``, its twin).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, DomainEventProtocol

from ledger.errors import PolicyError
from ledger.events import register_event_types
from ledger.keys.registry import KeyRecord
from ledger.policy import SigningPolicy, packaged_policy_text, read_policy_file
from verify.errors import VerificationError
from verify.retention import RetentionPolicy

POLICY_NAMESPACE = UUID("0b7f1c52-6a3e-5c1d-8e2f-6c6574b0a102")
SIGNING = "signing"
RETENTION = "retention"
NAMES = (SIGNING, RETENTION)
CHANGER_ROLE = "director"
SIGNING_POLICY_ENV = "LETOPIS_SIGNING_POLICY"
RETENTION_POLICY_ENV = "LETOPIS_RETENTION_POLICY"
POLICY_ENVS = {SIGNING: SIGNING_POLICY_ENV, RETENTION: RETENTION_POLICY_ENV}
"""Where `init` finds the first policies (else the packaged ones)."""


def policy_stream_id(name: str) -> UUID:
    """The stream of the policy called ``name``."""
    return uuid5(POLICY_NAMESPACE, f"letopis/policy/{name}")


def text_digest(text: str) -> str:
    """``sha256:<hex>`` of a policy text's UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def checked_text(name: str, text: str, where: str) -> str:
    """``text`` if it reads as policy ``name``; PolicyError saying why not.

    The retention policy is read with the verifier's own reader (the writer
    keeps no twin of it: it only stores and exports the text).
    """
    if name == SIGNING:
        SigningPolicy.from_toml(text, where=where)
    elif name == RETENTION:
        try:
            RetentionPolicy.from_toml(text, where=where)
        except VerificationError as e:
            raise PolicyError(str(e)) from e
    else:
        msg = f"there is no policy {name!r}; the policies are: {', '.join(NAMES)}"
        raise PolicyError(msg)
    return text


@register_event_types
class PolicyRecord(Aggregate):
    """One of the school's policies, as adopted and changed in the log."""

    class Adopted(Aggregate.Created):
        """trust.PolicyAdopted: the log's first policy of its kind.

        Signed by the log key alone (at `letopis init`); in force from the
        start of the log (DESIGN §4, §6).
        """

        TOPIC: ClassVar[str] = "trust.PolicyAdopted"
        name: str
        toml: str
        sha256: str

    class Changed(Aggregate.Event):
        """trust.PolicyChanged: the director puts a new policy in force.

        In force for every entry after it in the log (DESIGN §4, §6).
        """

        TOPIC: ClassVar[str] = "trust.PolicyChanged"
        name: str
        toml: str
        sha256: str

        def apply(self, aggregate: Any) -> None:
            aggregate.toml = self.toml
            aggregate.sha256 = self.sha256

    def __init__(self, name: str, toml: str, sha256: str) -> None:
        self.name = name
        self.toml = toml
        self.sha256 = sha256

    @classmethod
    def adopt(cls, name: str, text: str) -> PolicyRecord:
        """The first policy ``name``; PolicyError if the text does not read."""
        checked_text(name, text, f"the {name} policy")
        return cls._create(
            cls.Adopted,
            id=policy_stream_id(name),
            name=name,
            toml=text,
            sha256=text_digest(text),
        )

    def change(self, text: str) -> None:
        """Put ``text`` in force; refused if it does not read or changes nothing."""
        checked_text(self.name, text, f"the new {self.name} policy")
        if text_digest(text) == self.sha256:
            msg = f"the {self.name} policy in force is this text already; nothing to do"
            raise PolicyError(msg)
        self.trigger_event(
            self.Changed, name=self.name, toml=text, sha256=text_digest(text)
        )


POLICY_TYPES = (PolicyRecord.Adopted.TOPIC, PolicyRecord.Changed.TOPIC)


def check_policy_signers(
    event_type: str, author: KeyRecord, cosigners: int, anchors: Sequence[str]
) -> None:
    """The fixed rule for policy entries: the first by the log key alone, the
    later ones by a director."""
    if event_type == PolicyRecord.Adopted.TOPIC:
        if author.key not in anchors or cosigners:
            msg = (
                "the first policy of a log is adopted with the log key alone "
                f"(`letopis init`); key {author.key} may not sign it"
            )
            raise PolicyError(msg)
    elif CHANGER_ROLE not in author.roles:
        msg = (
            f"key {author.key} (roles: {', '.join(author.roles) or 'none'}) may not "
            f"change a policy; only a {CHANGER_ROLE}'s key may"
        )
        raise PolicyError(msg)


def signing_after(
    event: DomainEventProtocol[UUID], policy: SigningPolicy | None
) -> SigningPolicy | None:
    """The signing policy in force after ``event`` (it may put a new one in force)."""
    if isinstance(event, PolicyRecord.Adopted | PolicyRecord.Changed) and (
        event.name == SIGNING
    ):
        return SigningPolicy.from_toml(event.toml, where="the signing policy")
    return policy


def first_signing_policy(
    events: Sequence[DomainEventProtocol[UUID]],
) -> SigningPolicy | None:
    """The first signing policy adopted among ``events``: in force from the
    log's start, so also for the events before it in the same save."""
    for event in events:
        if isinstance(event, PolicyRecord.Adopted) and event.name == SIGNING:
            return signing_after(event, None)
    return None


class LoggedPolicies:
    """The policies in force, read from their streams (set up by the app).

    Cached by stream version; ``fresh`` makes sure a change appended by
    another process is not missed: used on every append.
    """

    def __init__(self) -> None:
        self._load: Callable[[UUID], PolicyRecord | None] | None = None
        self._newer: Callable[[UUID, int], bool] | None = None
        self._cache: dict[str, tuple[PolicyRecord | None, int]] = {}
        self._signing: tuple[str, SigningPolicy] | None = None

    def attach(
        self,
        load: Callable[[UUID], PolicyRecord | None],
        newer: Callable[[UUID, int], bool],
    ) -> None:
        self._load = load
        self._newer = newer

    def record(self, name: str, *, fresh: bool = False) -> PolicyRecord | None:
        """The policy ``name`` as the log holds it now, or None."""
        stream = policy_stream_id(name)
        cached = self._cache.get(name)
        known = cached[0] if cached is not None else None
        if known is not None and not (
            fresh and self._newer is not None and self._newer(stream, known.version)
        ):
            return known
        record = self._load(stream) if self._load else None
        self._cache[name] = (record, record.version if record else 0)
        return record

    def signing(self, *, fresh: bool = False) -> SigningPolicy | None:
        """The signing policy in force, or None if the log holds none."""
        record = self.record(SIGNING, fresh=fresh)
        if record is None:
            return None
        if self._signing is None or self._signing[0] != record.sha256:
            policy = SigningPolicy.from_toml(record.toml, where="the signing policy")
            self._signing = (record.sha256, policy)
        return self._signing[1]

    def require_signing(self, *, fresh: bool = False) -> SigningPolicy:
        policy = self.signing(fresh=fresh)
        if policy is None:
            raise PolicyError(NO_POLICY)
        return policy


NO_POLICY = (
    "this log holds no signed signing policy, so nothing may be signed yet: "
    "adopt one with `letopis policy set FILE --log-key` (the first policy is "
    "signed with the log key; `letopis init` does it for a new log)"
)


def first_policy_texts(env: Any, texts: dict[str, str] | None = None) -> dict[str, str]:
    """The first policies `init` adopts: given, configured in ``env``
    (``LETOPIS_SIGNING_POLICY``, ``LETOPIS_RETENTION_POLICY``), else packaged."""
    chosen = dict(texts or {})
    for name in NAMES:
        if name not in chosen:
            configured = env.get(POLICY_ENVS[name])
            chosen[name] = (
                read_policy_file(configured)
                if configured
                else packaged_policy_text(name)
            )
    return chosen


def load_policy(app: Any, name: str) -> PolicyRecord | None:
    """Policy ``name`` from the repository, or None (for services and export)."""
    try:
        record: PolicyRecord = app.repository.get(policy_stream_id(name))
    except AggregateNotFoundError:
        return None
    return record


__all__ = [
    "CHANGER_ROLE",
    "NAMES",
    "NO_POLICY",
    "POLICY_ENVS",
    "POLICY_TYPES",
    "RETENTION",
    "SIGNING",
    "LoggedPolicies",
    "PolicyRecord",
    "check_policy_signers",
    "checked_text",
    "first_policy_texts",
    "first_signing_policy",
    "load_policy",
    "policy_stream_id",
    "signing_after",
    "text_digest",
]
